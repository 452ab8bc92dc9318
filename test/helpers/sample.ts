/**
 * The committed tracking sample (samples/tracking: video.mp4, groundtruth.txt). Tests that need
 * it fail without it — it is part of the repository, so its absence is a broken checkout, not an
 * optional dependency to skip over.
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './shared-data.js';

export const SAMPLE_DIR = path.join(REPO_ROOT, 'samples', 'tracking');
export const SAMPLE_VIDEO = path.join(SAMPLE_DIR, 'video.mp4');
export const SAMPLE_GT = path.join(SAMPLE_DIR, 'groundtruth.txt');

/** Throws a clear error when the committed sample is missing or truncated. */
export function requireSample(): void {
  if (!existsSync(SAMPLE_GT) || !existsSync(SAMPLE_VIDEO) || statSync(SAMPLE_VIDEO).size < 1000) {
    throw new Error(
      `${SAMPLE_DIR} is missing or truncated: it is committed (git checkout -- samples/tracking), ` +
        'or make it again with npm run samples.',
    );
  }
}
