import { mkdtemp, rm, writeFile, readFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, tf } from '../../src/backend/backend.js';
import { createClipClassifier } from '../../src/classify/classifier.js';
import { headWeightShapes } from '../../src/classify/head.js';
import { disposeClipModel, loadClipModel, saveClipModel } from '../../src/classify/model.js';
import { SiamError } from '../../src/errors.js';
import { movingSquareFrames, randomClipModel } from '../helpers/clip-model.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(path.join(os.tmpdir(), 'siam-model-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('model folder', () => {
  it('save → load gives bit-identical weights and identical scores', async () => {
    const model = randomClipModel();
    await saveClipModel(model, path.join(dir, 'm1'));
    const loaded = await loadClipModel(path.join(dir, 'm1'));
    for (const { name } of headWeightShapes('motion', model.config.heads.motion, 3)) {
      expect(Array.from(loaded.weights[name].dataSync())).toEqual(Array.from(model.weights[name].dataSync()));
    }
    const summary = JSON.parse(await readFile(path.join(dir, 'm1', 'classifier.json'), 'utf8'));
    expect(summary).toMatchObject({
      labels: ['a', 'b', 'c'],
      clipLength: 6,
      fps: 10,
      inputSize: { width: 128, height: 96 },
    });
    const a = await createClipClassifier({ model });
    const b = await createClipClassifier({ model: path.join(dir, 'm1') });
    const clip = movingSquareFrames(8);
    const ra = await a.classify(clip);
    const rb = await b.classify(clip);
    expect(rb.scores).toEqual(ra.scores);
    expect(rb.label).toBe(ra.label);
    a.dispose();
    b.dispose();
    disposeClipModel(model);
    disposeClipModel(loaded);
  });

  it('classify leaves tf.memory().numTensors unchanged and returns plain JSON', async () => {
    const model = randomClipModel();
    const classifier = await createClipClassifier({ model });
    const clip = movingSquareFrames(10);
    await classifier.classify(clip.slice(0, 6)); // warm-up (kernels, caches)
    const before = tf.memory().numTensors;
    const r = await classifier.classify(clip.slice(4, 10));
    expect(tf.memory().numTensors).toBe(before);
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
    expect(r).toMatchObject({ startFrame: 4, endFrame: 9, startMs: 400, endMs: 1000 });
    expect(Object.values(r.scores).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
    expect(Object.keys(r.timings)).toEqual(
      expect.arrayContaining(['trunkMs', 'flowMs', 'headMs', 'totalMs']),
    );
    // The same frames through a reset classifier give the same answer (the cache changes nothing).
    classifier.reset();
    await classifier.classify(clip.slice(0, 6));
    expect((await classifier.classify(clip.slice(4, 10))).scores).toEqual(r.scores);
    classifier.dispose();
    disposeClipModel(model);
  });

  it('a model folder from a different version gives ERR_MODEL_INVALID; a missing one ERR_MODEL_MISSING', async () => {
    const model = randomClipModel();
    const folder = path.join(dir, 'old');
    await saveClipModel(model, folder);
    disposeClipModel(model);
    const summaryPath = path.join(folder, 'classifier.json');
    const summary = JSON.parse(await readFile(summaryPath, 'utf8'));
    await writeFile(summaryPath, JSON.stringify({ ...summary, formatVersion: 0 }));
    const err = await loadClipModel(folder).catch((e) => e);
    expect(err).toBeInstanceOf(SiamError);
    expect(err.code).toBe('ERR_MODEL_INVALID');
    expect(err.message).toMatch(/format version 0/);
    await mkdir(path.join(dir, 'empty'));
    await expect(loadClipModel(path.join(dir, 'empty'))).rejects.toMatchObject({ code: 'ERR_MODEL_MISSING' });
    await expect(createClipClassifier({ model: folder })).rejects.toMatchObject({
      code: 'ERR_MODEL_INVALID',
    });
  });
});
