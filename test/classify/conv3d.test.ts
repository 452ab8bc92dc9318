import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/backend/backend.js';
import { registerHeadGradients } from '../../src/classify/gradients.js';
import { conv3dFrom2d, temporalPadding, type Conv3dPadding } from '../../src/classify/conv3d.js';

/** Kernel sizes [kd,kh,kw], strides [sd,sh,sw] and paddings the temporal head may use. */
const CASES: Array<{
  kernel: [number, number, number];
  strides: [number, number, number];
  padding: Conv3dPadding;
}> = [
  { kernel: [3, 3, 3], strides: [1, 1, 1], padding: 'same' },
  { kernel: [3, 3, 3], strides: [1, 1, 1], padding: 'valid' },
  { kernel: [3, 3, 3], strides: [1, 2, 2], padding: 'same' },
  { kernel: [3, 3, 3], strides: [2, 2, 2], padding: 'same' },
  { kernel: [2, 3, 3], strides: [2, 1, 1], padding: 'valid' },
  { kernel: [4, 1, 1], strides: [3, 1, 1], padding: 'same' },
  { kernel: [1, 3, 3], strides: [1, 2, 1], padding: 'same' },
  { kernel: [5, 2, 3], strides: [2, 3, 2], padding: 'valid' },
];

describe.each(['cpu', 'wasm'])('conv3dFrom2d on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each(CASES)(
    'equals tf.conv3d for kernel $kernel, strides $strides, padding $padding',
    ({ kernel, strides, padding }) => {
      const before = tf.memory().numTensors;
      const x = tf.randomNormal([2, 7, 9, 8, 3], 0, 1, 'float32', 1) as tf.Tensor5D;
      const f = tf.randomNormal([...kernel, 3, 4], 0, 1, 'float32', 2) as tf.Tensor5D;
      const ours = conv3dFrom2d(x, f, strides, padding);
      const ref = tf.conv3d(x, f, strides, padding);
      expect(ours.shape).toEqual(ref.shape);
      const a = ours.dataSync();
      const b = ref.dataSync();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 3);
      tf.dispose([x, f, ours, ref]);
      expect(tf.memory().numTensors).toBe(before);
    },
  );

  it('has gradients matching finite differences (so the head trains on cpu)', () => {
    if (backend !== 'cpu') return;
    registerHeadGradients();
    const before = tf.memory().numTensors;
    const x = tf.randomNormal([1, 5, 5, 4, 2], 0, 1, 'float32', 3) as tf.Tensor5D;
    const w0 = tf.randomNormal([3, 3, 3, 2, 2], 0, 1, 'float32', 4) as tf.Tensor5D;
    // A non-linear loss through the head's ops: conv, relu, mean/max over time, pad, slice.
    const loss = (w: tf.Tensor) =>
      tf.tidy(() => tf.sum(tf.square(tf.relu(conv3dFrom2d(x, w as tf.Tensor5D, [1, 2, 1], 'same')))));
    const g = tf.grad(loss)(w0);
    const analytic = g.dataSync();
    const values = w0.dataSync().slice();
    const eps = 1e-2;
    for (const i of [0, 7, 19, 42, 100]) {
      const plus = values.slice();
      plus[i] += eps;
      const minus = values.slice();
      minus[i] -= eps;
      const [lp, lm] = [plus, minus].map((v) => {
        const w = tf.tensor5d(v, w0.shape);
        const l = loss(w);
        const out = l.dataSync()[0];
        tf.dispose([w, l]);
        return out;
      });
      expect(analytic[i]).toBeCloseTo((lp - lm) / (2 * eps), 0);
      expect(Math.abs(analytic[i] - (lp - lm) / (2 * eps))).toBeLessThan(
        0.02 * Math.max(1, Math.abs(analytic[i])),
      );
    }
    tf.dispose([x, w0, g]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('temporalPadding', () => {
  it('follows TensorFlow: same pads floor(total/2) in front', () => {
    expect(temporalPadding(7, 4, 3, 'same')).toEqual({ outDepth: 3, padFront: 1, padBack: 2 });
    expect(temporalPadding(7, 3, 1, 'valid')).toEqual({ outDepth: 5, padFront: 0, padBack: 0 });
    expect(() => temporalPadding(2, 3, 1, 'valid')).toThrow(RangeError);
  });
});
