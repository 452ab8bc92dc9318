/** The tracker on one real sequence of ../shared/data (skipped when the data is absent). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { lastValueFrom, toArray } from 'rxjs';
import { decode } from '../../src/decode/index.js';
import { createTracker } from '../../src/track/index.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { precisionAt, successAuc } from '../../src/eval/metrics.js';
import type { Box } from '../../src/types.js';
import { SHARED_DATA, hasSharedData, noteSharedDataSkip } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

noteSharedDataSkip('tracker accuracy on Couple');

describe.runIf(hasSharedData)('tracker on shared data', () => {
  it('Couple (OTB, 140 frames): success AUC ≥ 0.6 and P@20 ≥ 0.9', async () => {
    const dir = path.join(SHARED_DATA, 'tracking/Couple');
    const gt = parseGroundTruth(readFileSync(path.join(dir, 'groundtruth.txt'), 'utf8'));
    const frames = await lastValueFrom(decode(path.join(dir, 'video.mp4')).pipe(toArray()));
    const tracker = await createTracker();
    try {
      const boxes: Box[] = [(await tracker.init(frames[0], gt[0] as Box)).box];
      for (let i = 1; i < gt.length; i++) boxes.push((await tracker.update(frames[i])).box);
      expect(successAuc(boxes, gt)).toBeGreaterThanOrEqual(0.6);
      expect(precisionAt(boxes, gt)).toBeGreaterThanOrEqual(0.9);
    } finally {
      tracker.dispose();
    }
  });
});
