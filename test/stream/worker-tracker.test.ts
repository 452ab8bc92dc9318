/** The live server's tracker in a worker thread: tracks like src/track, and a call after dispose is ERR_DISPOSED. */
import { readFileSync } from 'node:fs';
import { lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { decode } from '../../src/decode/index.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { createWorkerTracker } from '../../src/stream/worker-tracker.js';
import type { Box, TrackResult } from '../../src/types.js';
import { requireSample, SAMPLE_GT, SAMPLE_VIDEO } from '../helpers/sample.js';
import { iou } from './helpers.js';

describe('tracker in a worker thread', () => {
  it('follows the sample, and after dispose() answers ERR_DISPOSED', async () => {
    requireSample();
    const gt = parseGroundTruth(readFileSync(SAMPLE_GT, 'utf8'));
    const frames = await lastValueFrom(decode(SAMPLE_VIDEO).pipe(take(12), toArray()));
    const tracker = await createWorkerTracker({ preset: 'fast' });
    await tracker.init(frames[0], gt[0] as Box);
    let last: TrackResult | undefined;
    for (const f of frames.slice(1)) last = (await tracker.update(f)) as TrackResult;
    expect(iou(last!.box, gt[11] as Box)).toBeGreaterThan(0.5);
    tracker.dispose();
    await expect(tracker.update(frames[1])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});
