import { beforeAll, describe, expect, it, vi } from 'vitest';
import { initBackend, tf } from '../../src/backend/backend.js';
import { appearanceShape, motionShape, DEFAULT_STREAM_CONFIG } from '../../src/classify/config.js';
import { fitHeads, predictClips, type PreparedClip } from '../../src/classify/fit.js';
import { arraysToWeights } from '../../src/classify/model.js';
import { argmax } from '../../src/classify/scoring.js';
import { buildModelConfig } from '../../src/classify/train.js';
import { mulberry32 } from '../../src/util/prng.js';
import { SLOW_TEST_TIMEOUT_MS } from '../helpers/timeouts.js';

// Real processes, decoding or training: each test's deadlock guard is 10 min (test/helpers/timeouts.ts).
vi.setConfig({ testTimeout: SLOW_TEST_TIMEOUT_MS });

const STREAM = { ...DEFAULT_STREAM_CONFIG, clipLength: 6 };

/** Synthetic precomputed features: class k has a bump in appearance channel k and motion of sign ±. */
function clips(n: number, seed: number): PreparedClip[] {
  const rnd = mulberry32(seed);
  const a = appearanceShape(STREAM).reduce((x, y) => x * y, 1);
  const m = motionShape(STREAM).reduce((x, y) => x * y, 1);
  return Array.from({ length: n }, (_, i) => {
    const k = i % 2;
    const frames = 10;
    const appearance = Array.from({ length: frames }, () =>
      Float32Array.from({ length: a }, (_, j) => rnd() + (j % 88 === k ? 2 : 0)),
    );
    const motion = Array.from({ length: frames }, () =>
      Float32Array.from({ length: m }, (_, j) => rnd() - 0.5 + (j % 2 === 0 ? (k ? 1 : -1) : 0)),
    );
    return { path: `clip${i}`, labelIndex: k, views: [{ appearance, motion, labelIndex: k }] };
  });
}

describe('fitHeads', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each(['wasm', 'cpu'] as const)(
    'trains on %s, restores the wasm backend, leaks nothing, and the weights work on wasm',
    async (trainBackend) => {
      // The cpu backend is ~10× slower: one stream there (motion: its ± sign separates the classes within 4 epochs).
      const cpu = trainBackend === 'cpu';
      const config = buildModelConfig(['a', 'b'], STREAM, cpu ? ['motion'] : ['appearance', 'motion']);
      const before = tf.memory().numTensors;
      const epochs = 4;
      const { weights, history } = await fitHeads(config, clips(6, 1), clips(4, 2), {
        epochs,
        windowsPerClip: 2,
        trainBackend,
        seed: 3,
      });
      expect(tf.getBackend()).toBe('wasm');
      expect(tf.memory().numTensors).toBe(before);
      expect(history).toHaveLength(epochs);
      // Learning, on either backend: two separable classes, above chance (0.5) on held-out clips.
      expect(history[epochs - 1].valAccuracy).toBeGreaterThan(0.5);
      const onWasm = arraysToWeights(weights);
      const test = clips(4, 9);
      const probs = predictClips(config, onWasm, test);
      expect(test.filter((c, i) => argmax(probs[i]) === c.labelIndex).length).toBeGreaterThanOrEqual(3);
      tf.dispose(Object.values(onWasm));
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});
