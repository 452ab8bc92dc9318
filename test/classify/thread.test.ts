/**
 * `createClipClassifier({ thread: 'worker' })`: the same classifier in a worker thread of its own —
 * the same scores as in the caller's thread, its tensors counted in the thread, ERR_DISPOSED for a
 * call after dispose() and for a classify in flight when dispose() is called, and the thread's
 * load errors with their codes.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/backend.js';
import { createClipClassifier } from '../../src/classify/classifier.js';
import { disposeClipModel, saveClipModel } from '../../src/classify/model.js';
import { movingSquareFrames, randomClipModel } from '../helpers/clip-model.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

let dir: string;
let folder: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(path.join(os.tmpdir(), 'siam-thread-'));
  folder = path.join(dir, 'model');
  const model = randomClipModel();
  await saveClipModel(model, folder);
  disposeClipModel(model);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("createClipClassifier({ thread: 'worker' })", () => {
  it('scores exactly as in the calling thread and keeps the tensor count in the thread steady', async () => {
    const main = await createClipClassifier({ model: folder, engine: 'tfjs' });
    const thread = await createClipClassifier({ model: folder, engine: 'tfjs', thread: 'worker' });
    try {
      expect([thread.labels, thread.fps, thread.clipLength]).toEqual([
        main.labels,
        main.fps,
        main.clipLength,
      ]);
      const clip = movingSquareFrames(12);
      await thread.classify(clip.slice(0, 6)); // warm-up (kernels, caches)
      await main.classify(clip.slice(0, 6));
      const before = await thread.workerTensors();
      expect(before).toBeGreaterThan(0); // the trunk's and the model's weights live in the thread
      for (const w of [clip.slice(3, 9), clip.slice(6, 12)]) {
        const [a, b] = [await main.classify(w), await thread.classify(w)];
        expect(b.label).toBe(a.label);
        for (const k of main.labels) expect(b.scores[k]).toBeCloseTo(a.scores[k], 6);
        expect(b).toMatchObject({ startFrame: w[0].index, endFrame: w[w.length - 1].index });
      }
      thread.reset();
      expect(await thread.workerTensors()).toBe(before);
    } finally {
      await Promise.all([main.dispose(), thread.dispose()]);
    }
  });

  it('after dispose() a call is ERR_DISPOSED, and so is a classify in flight', async () => {
    const c = await createClipClassifier({ model: folder, thread: 'worker' });
    const pending = c.classify(movingSquareFrames(6));
    const released = c.dispose();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await released;
    await expect(c.classify(movingSquareFrames(6))).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(c.workerTensors()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    expect(c.dispose()).toBe(released); // again: the same promise
  });

  it("gives the thread's load errors with their codes, and wants a model folder", async () => {
    await expect(
      createClipClassifier({ model: path.join(dir, 'missing'), thread: 'worker' }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_MISSING' });
    const model = randomClipModel();
    try {
      await expect(createClipClassifier({ model, thread: 'worker' })).rejects.toMatchObject({
        code: 'ERR_BAD_OPTION',
      });
    } finally {
      disposeClipModel(model);
    }
  });
});
