/**
 * `createTracker({ thread: 'worker' })`: the same tracker in a worker thread of its own — the same
 * results as in the caller's thread, its tensors counted in the thread, ERR_DISPOSED for a call
 * after dispose() and for an update in flight when dispose() is called.
 */
import { readFileSync } from 'node:fs';
import { lastValueFrom, take, toArray } from 'rxjs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { decode } from '../../src/decode/index.js';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { createMultiTracker, createTracker, type Tracker } from '../../src/track/index.js';
import type { Box, Frame, TrackResult } from '../../src/types.js';
import { requireSample, SAMPLE_GT, SAMPLE_VIDEO } from '../helpers/sample.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const N = 12;
let frames: Frame[];
let gt: Array<Box | null>;

async function run(t: Tracker): Promise<TrackResult[]> {
  const out = [await t.init(frames[0], gt[0] as Box)];
  for (const f of frames.slice(1, N)) out.push(await t.update(f));
  return out;
}

beforeAll(async () => {
  requireSample();
  gt = parseGroundTruth(readFileSync(SAMPLE_GT, 'utf8'));
  frames = await lastValueFrom(decode(SAMPLE_VIDEO).pipe(take(N), toArray()));
});

describe("createTracker({ thread: 'worker' })", () => {
  it('tracks exactly as in the calling thread, counts its tensors in the thread, and reports its options', async () => {
    const main = await createTracker({ preset: 'fast', engine: 'tfjs' });
    const worker = await createTracker({ preset: 'fast', engine: 'tfjs', thread: 'worker' });
    try {
      expect(worker.options).toMatchObject({ thread: 'worker', engine: 'tfjs', preset: 'fast' });
      const before = await worker.numTensors();
      const [a, b] = [await run(main), await run(worker)];
      expect(b.map((r) => r.box)).toEqual(a.map((r) => r.box));
      worker.reset();
      expect(await worker.numTensors()).toEqual(before);
      expect(before[0]).toBeGreaterThan(0); // the model's weights live in the thread's tfjs
    } finally {
      main.dispose();
      worker.dispose();
    }
  });

  it('hosts several targets: the same results as in the calling thread, ids kept in step with add and remove', async () => {
    const opts = { preset: 'fast', engine: 'tfjs' } as const;
    const [main, worker] = [
      await createMultiTracker(opts),
      await createMultiTracker({ ...opts, thread: 'worker' }),
    ];
    try {
      expect(worker.options.thread).toBe('worker');
      const first = gt[0] as Box;
      const second = { x: 10, y: 10, width: first.width, height: first.height };
      const run = async (t: typeof main): Promise<unknown[]> => {
        const out: unknown[] = [await t.add(frames[0], first), await t.add(frames[0], second, 7)];
        expect(t.ids).toEqual([1, 7]);
        for (const f of frames.slice(1, 6)) out.push(await t.update(f));
        expect(t.remove(1)).toBe(true);
        expect(t.remove(1)).toBe(false);
        expect(t.ids).toEqual([7]);
        for (const f of frames.slice(6, N)) out.push(await t.update(f));
        return out;
      };
      const [a, b] = [await run(main), await run(worker)];
      const boxes = (rs: unknown[]): unknown[] =>
        rs.map((r) => (Array.isArray(r) ? r.map((x: TrackResult & { id: number }) => [x.id, x.box]) : r));
      expect(boxes(b).length).toBe(N + 1);
      expect(JSON.stringify(boxes(b).slice(2))).toBe(JSON.stringify(boxes(a).slice(2)));
      worker.clear();
      expect(worker.ids).toEqual([]);
      expect(await worker.update(frames[0])).toEqual([]);
    } finally {
      await main.dispose();
      await worker.dispose();
    }
  });

  it('after dispose() a call is ERR_DISPOSED, and so is an update in flight', async () => {
    const t = await createTracker({ preset: 'fast', thread: 'worker' });
    await t.init(frames[0], gt[0] as Box);
    const pending = t.update(frames[1]);
    t.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(t.update(frames[2])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it('a missing model file in the thread gives ERR_MODEL_MISSING', async () => {
    await expect(
      createTracker({ thread: 'worker', modelPath: '/nonexistent/model.json' }),
    ).rejects.toMatchObject({
      code: 'ERR_MODEL_MISSING',
    });
  });
});
