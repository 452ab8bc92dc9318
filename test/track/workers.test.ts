/**
 * The trunk in worker threads gives the same results as in-process, holds its tensors steady,
 * and goes away on dispose.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { lastValueFrom, take, toArray } from 'rxjs';
import { decode } from '../../src/decode/index.js';
import { createTracker, type Tracker } from '../../src/track/index.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { initBackend, tf } from '../../src/backend/backend.js';
import type { Box, Frame, TrackResult } from '../../src/types.js';
import { REPO_ROOT } from '../helpers/shared-data.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const SAMPLE = path.join(REPO_ROOT, 'samples/tracking');
const gt = parseGroundTruth(readFileSync(path.join(SAMPLE, 'groundtruth.txt'), 'utf8'));
const N = 16;

let frames: Frame[];
let reference: TrackResult[];

async function run(t: Tracker): Promise<TrackResult[]> {
  const out = [await t.init(frames[0], gt[0] as Box)];
  for (let i = 1; i < N; i++) out.push(await t.update(frames[i]));
  return out;
}

beforeAll(async () => {
  frames = await lastValueFrom(decode(path.join(SAMPLE, 'video.mp4')).pipe(take(N), toArray()));
  const t = await createTracker({ workers: 0 });
  reference = await run(t);
  t.dispose();
});

describe('trunk in worker threads', () => {
  let tracker: Tracker | undefined;
  afterAll(() => tracker?.dispose());

  for (const workers of [1, 2]) {
    it(`workers: ${workers} tracks exactly like in-process`, async () => {
      const t = await createTracker({ workers });
      try {
        const got = await run(t);
        got.forEach((r, i) => {
          expect(r.box.x).toBeCloseTo(reference[i].box.x, 3);
          expect(r.box.y).toBeCloseTo(reference[i].box.y, 3);
          expect(r.box.width).toBeCloseTo(reference[i].box.width, 3);
          expect(r.score).toBeCloseTo(reference[i].score, 4);
          expect(r.lost).toBe(reference[i].lost);
        });
      } finally {
        t.dispose();
      }
    });
  }

  it('keeps the tensor count steady in the workers and in the main isolate', async () => {
    tracker = await createTracker({ workers: 2, engine: 'tfjs' });
    await initBackend(); // the main isolate's own backend, to count its tensors too
    const mainBefore = tf.memory().numTensors;
    const before = await tracker.numTensors();
    expect(before).toHaveLength(2);
    await tracker.init(frames[0], gt[0] as Box);
    await tracker.update(frames[1]);
    await tracker.update(frames[2]);
    expect(await tracker.numTensors()).toEqual(before);
    expect(tf.memory().numTensors).toBe(mainBefore);
  });

  it('stops the workers on dispose: later calls fail with ERR_DISPOSED', async () => {
    const t = await createTracker({ workers: 1 });
    await t.init(frames[0], gt[0] as Box);
    t.dispose();
    await expect(t.update(frames[1])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(t.numTensors()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it('a missing model file in a worker gives ERR_MODEL_MISSING', async () => {
    await expect(createTracker({ workers: 1, modelPath: '/nonexistent/model.json' })).rejects.toMatchObject({
      code: 'ERR_MODEL_MISSING',
    });
  });
});
