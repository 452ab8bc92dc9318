import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, tf } from '../../src/backend/backend.js';
import { createClipClassifier } from '../../src/classify/classifier.js';
import { DEFAULT_STREAM_CONFIG } from '../../src/classify/config.js';
import {
  extractFeatures,
  grayImages,
  modelImages,
  motionFromGray,
  stackFrameBytes,
} from '../../src/classify/features.js';
import { createFlowWorker, type FlowWorker } from '../../src/classify/flow-client.js';
import { initHeadWeights } from '../../src/classify/head.js';
import { disposeClipModel, type ClipModel } from '../../src/classify/model.js';
import { buildModelConfig } from '../../src/classify/train.js';
import type { Frame } from '../../src/types.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

/** A model with random (untrained) weights. */
function randomModel(clipLength = 8): ClipModel {
  const config = buildModelConfig(['a', 'b', 'c'], { ...DEFAULT_STREAM_CONFIG, clipLength }, [
    'appearance',
    'motion',
  ]);
  return {
    config,
    weights: {
      ...initHeadWeights('appearance', config.heads.appearance, 3, 1),
      ...initHeadWeights('motion', config.heads.motion, 3, 2),
    },
  };
}

/** A random model scored by one stream alone, with a sharp dense layer (its scores follow that stream's inputs closely). */
function oneStreamModel(stream: 'appearance' | 'motion'): ClipModel {
  const base = randomModel(8);
  const dense = base.weights[`${stream}/dense/kernel`];
  const model: ClipModel = {
    config: {
      ...base.config,
      fusionWeights: { appearance: stream === 'appearance' ? 1 : 0, motion: stream === 'motion' ? 1 : 0 },
    },
    weights: { ...base.weights, [`${stream}/dense/kernel`]: tf.mul(dense, 20) },
  };
  dense.dispose();
  return model;
}

/** Deterministic frames (not at model size: the resize runs too) with a textured square moving 3 px right and 1 px down per frame. */
function frames(n: number, w = 160, h = 120): Frame[] {
  return Array.from({ length: n }, (_, i) => {
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const sx = x - 3 * i;
        const sy = y - i;
        const inside = sx >= 40 && sx < 90 && sy >= 30 && sy < 75;
        const v = inside ? 120 + ((sx * 13 + sy * 29) % 100) : (x * 7 + y * 3) % 90;
        data.fill(v, (y * w + x) * 3, (y * w + x) * 3 + 3);
        data[(y * w + x) * 3 + (i % 3)] = v / 2;
      }
    }
    return { index: i, timestampMs: i * 100, width: w, height: h, data };
  });
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('flow worker', () => {
  let worker: FlowWorker;
  beforeAll(async () => {
    worker = await createFlowWorker('wasm');
    expect(worker.backend).toBe('wasm');
    worker.configure(DEFAULT_STREAM_CONFIG);
  });
  afterAll(async () => {
    await worker.terminate();
  });

  it('gives the in-process motion features within 1e-5, continuing from a previous grey image, and leaks no tensor in either isolate', async () => {
    const clip = frames(12);
    const first = clip.slice(0, 7);
    const second = clip.slice(7);
    const workerBefore = await worker.numTensors();
    const before = tf.memory().numTensors;
    // In process: the same functions as extractFeatures' flow half.
    const local = (run: Frame[], previousGray?: Float32Array) =>
      tf.tidy(() => {
        const gray = grayImages(
          modelImages(stackFrameBytes(run), [run.length, run[0].height, run[0].width], DEFAULT_STREAM_CONFIG),
          DEFAULT_STREAM_CONFIG,
        );
        const g = gray.dataSync() as Float32Array;
        return {
          motion: motionFromGray(gray, DEFAULT_STREAM_CONFIG, previousGray).dataSync() as Float32Array,
          lastGray: g.slice(g.length - gray.shape[1] * gray.shape[2]),
        };
      });
    const l1 = local(first);
    const l2 = local(second, l1.lastGray);
    const bytes = stackFrameBytes(first);
    const w1 = await worker.motion(bytes, [first.length, 120, 160], undefined);
    expect(bytes.byteLength).toBe(0); // transferred, not copied
    const w2 = await worker.motion(stackFrameBytes(second), [second.length, 120, 160], w1.lastGray);
    expect(maxAbsDiff(w1.motion, l1.motion)).toBeLessThan(1e-5);
    expect(maxAbsDiff(w2.motion, l2.motion)).toBeLessThan(1e-5);
    expect(maxAbsDiff(w1.lastGray, l1.lastGray)).toBeLessThan(1e-5);
    // Not trivially zero: the square moves.
    expect(Math.max(...Array.from(w2.motion, Math.abs))).toBeGreaterThan(0.05);
    // And the same as extractFeatures' motion (the in-process classifier path).
    const trunk = {
      embed: (x: tf.Tensor4D) => tf.zeros([x.shape[0], 6, 8, 88]) as tf.Tensor4D,
      dispose() {},
    };
    const f = extractFeatures(trunk, DEFAULT_STREAM_CONFIG, second, { previousGray: l1.lastGray });
    expect(
      maxAbsDiff(
        w2.motion,
        f.motion.flatMap((m) => Array.from(m)),
      ),
    ).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
    expect(await worker.numTensors()).toBe(workerBefore);
  });
});

describe('flow worker terminate', () => {
  it('rejects a request still in flight with ERR_DISPOSED (not the exit code)', async () => {
    const w = await createFlowWorker('wasm');
    w.configure(DEFAULT_STREAM_CONFIG);
    const run = frames(8);
    const pending = w.motion(stackFrameBytes(run), [run.length, 120, 160]);
    await w.terminate();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});

describe.each([true, false])('classifier with flowInWorker: %s', (flowInWorker) => {
  it('scores like the in-process flow within 1e-5 over sliding windows, keeps numTensors steady, and dispose() ends the worker', async () => {
    // Scores from the motion stream only: they follow the flow closely.
    const model = oneStreamModel('motion');
    const reference = await createClipClassifier({ model, flowInWorker: false });
    const classifier = await createClipClassifier({ model, flowInWorker });
    const clip = frames(16);
    // Runs of 8, 4 and 4 new frames (each continuing from the previous grey image), then a reset and 16 at once.
    const windows = [clip.slice(0, 8), clip.slice(4, 12), clip.slice(8, 16), clip.slice(0, 16)];
    const before = tf.memory().numTensors;
    const workerBefore = await classifier.workerTensors();
    expect(workerBefore === undefined).toBe(!flowInWorker);
    for (const w of windows) {
      if (w.length === 16) {
        classifier.reset();
        reference.reset();
      }
      const a = await classifier.classify(w);
      const b = await reference.classify(w);
      expect(a.label).toBe(b.label);
      for (const k of model.config.labels) expect(Math.abs(a.scores[k] - b.scores[k])).toBeLessThan(1e-5);
      expect(Math.max(...Object.values(a.scores)) - Math.min(...Object.values(a.scores))).toBeGreaterThan(
        1e-3,
      );
      expect(a.timings.flowMs).toBeGreaterThan(0);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(await classifier.workerTensors()).toBe(workerBefore);
    classifier.dispose();
    reference.dispose();
    if (flowInWorker)
      await expect(classifier.workerTensors()).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    await expect(classifier.classify(clip)).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
    disposeClipModel(model);
  });
});

describe('classifier with the onnx engine for the appearance trunk', () => {
  it('scores like the tfjs trunk within 1e-4 and says which engine ran', async () => {
    // Scores from the appearance stream only: they follow the trunk closely.
    const model = oneStreamModel('appearance');
    const reference = await createClipClassifier({ model, flowInWorker: true, engine: 'tfjs' });
    const classifier = await createClipClassifier({ model, flowInWorker: true, engine: 'onnx' });
    try {
      const clip = frames(16);
      for (const w of [clip.slice(0, 8), clip.slice(4, 16)]) {
        const a = await classifier.classify(w);
        const b = await reference.classify(w);
        expect(a.label).toBe(b.label);
        for (const k of model.config.labels) expect(Math.abs(a.scores[k] - b.scores[k])).toBeLessThan(1e-4);
        expect(Math.max(...Object.values(a.scores)) - Math.min(...Object.values(a.scores))).toBeGreaterThan(
          1e-3,
        );
      }
      expect([classifier.engine, reference.engine]).toEqual(['onnx', 'tfjs']);
    } finally {
      classifier.dispose();
      reference.dispose();
      disposeClipModel(model);
    }
  });
});
