/**
 * The TF.js-ops pyramidal Lucas–Kanade flow that src/classify/flow.ts computed before its plain
 * loops (flow-kernel.ts): kept here as the reference the kernel is tested against, op for op.
 */
import * as tf from '@tensorflow/tfjs-core';
import { validateFlowOptions, type FlowOptions } from '../../src/classify/flow.js';

/** A 1-D Gaussian as separable depthwise kernels `[1,k,1,1]` and `[k,1,1,1]` (one channel). */
function gaussianKernels(sigma: number): [tf.Tensor4D, tf.Tensor4D] {
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const k: number[] = [];
  for (let i = -radius; i <= radius; i++) k.push(Math.exp((-i * i) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const values = k.map((v) => v / sum);
  return [tf.tensor4d(values, [1, k.length, 1, 1]), tf.tensor4d(values, [k.length, 1, 1, 1])];
}

/** Gaussian blur of a one-channel `[N,H,W,1]` map, zero-padded ('same'). */
function blur(x: tf.Tensor4D, [kx, ky]: [tf.Tensor4D, tf.Tensor4D]): tf.Tensor4D {
  return tf.depthwiseConv2d(tf.depthwiseConv2d(x, kx, 1, 'same'), ky, 1, 'same');
}

/** Bilinear sampling of `image` `[N,H,W,1]` at `(x + u, y + v)` (`u`, `v`: `[N,H,W,1]`), edges clamped. */
export function warpBilinear(image: tf.Tensor4D, u: tf.Tensor4D, v: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w] = image.shape;
    const gx = tf.reshape(tf.range(0, w, 1, 'float32'), [1, 1, w, 1]);
    const gy = tf.reshape(tf.range(0, h, 1, 'float32'), [1, h, 1, 1]);
    const x = tf.clipByValue(tf.add(gx, u), 0, w - 1);
    const y = tf.clipByValue(tf.add(gy, v), 0, h - 1);
    const x0 = tf.floor(x);
    const y0 = tf.floor(y);
    const wx = tf.sub(x, x0);
    const wy = tf.sub(y, y0);
    const x1 = tf.minimum(tf.add(x0, 1), w - 1);
    const y1 = tf.minimum(tf.add(y0, 1), h - 1);
    const base = tf.reshape(tf.mul(tf.range(0, n, 1, 'float32'), h * w), [n, 1, 1, 1]);
    const flat = tf.reshape(image, [-1]);
    const at = (yy: tf.Tensor, xx: tf.Tensor) =>
      tf.gather(flat, tf.cast(tf.add(base, tf.add(tf.mul(yy, w), xx)), 'int32'));
    const top = tf.add(tf.mul(at(y0, x0), tf.sub(1, wx)), tf.mul(at(y0, x1), wx));
    const bottom = tf.add(tf.mul(at(y1, x0), tf.sub(1, wx)), tf.mul(at(y1, x1), wx));
    return tf.reshape(tf.add(tf.mul(top, tf.sub(1, wy)), tf.mul(bottom, wy)), [n, h, w, 1]) as tf.Tensor4D;
  });
}

/** Central-difference gradients (∂/∂x, ∂/∂y) of `[N,H,W,1]`, edge-replicated. */
function gradients(image: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D] {
  const [, h, w] = image.shape;
  const padded = tf.mirrorPad(
    image,
    [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    'symmetric',
  );
  const ix = tf.mul(
    tf.sub(tf.slice(padded, [0, 1, 2, 0], [-1, h, w, 1]), tf.slice(padded, [0, 1, 0, 0], [-1, h, w, 1])),
    0.5,
  );
  const iy = tf.mul(
    tf.sub(tf.slice(padded, [0, 2, 1, 0], [-1, h, w, 1]), tf.slice(padded, [0, 0, 1, 0], [-1, h, w, 1])),
    0.5,
  );
  return [ix as tf.Tensor4D, iy as tf.Tensor4D];
}

function downsample(image: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(image, 2, 2, 'same');
}

/**
 * Dense flow from `prev` to `next`, both `[N,H,W,1]` grey levels in 0..1: returns `[N,H,W,2]`
 * (u = x, v = y, in pixels) such that `next(x + u, y + v) ≈ prev(x, y)`.
 */
export function opticalFlowTfjs(
  prev: tf.Tensor4D,
  next: tf.Tensor4D,
  options: FlowOptions = {},
): tf.Tensor4D {
  const o = validateFlowOptions(options);
  return tf.tidy(() => {
    const window = gaussianKernels(o.windowSigma);
    const pre = gaussianKernels(0.8);
    const prevPyr: tf.Tensor4D[] = [blur(prev, pre)];
    const nextPyr: tf.Tensor4D[] = [blur(next, pre)];
    for (let l = 1; l < o.levels; l++) {
      prevPyr.push(downsample(prevPyr[l - 1]));
      nextPyr.push(downsample(nextPyr[l - 1]));
    }
    const coarsest = prevPyr[o.levels - 1].shape;
    let u = tf.zeros([coarsest[0], coarsest[1], coarsest[2], 1]) as tf.Tensor4D;
    let v = tf.zeros([coarsest[0], coarsest[1], coarsest[2], 1]) as tf.Tensor4D;
    for (let l = o.levels - 1; l >= 0; l--) {
      const I = prevPyr[l];
      const J = nextPyr[l];
      const [, h, w] = I.shape;
      if (u.shape[1] !== h || u.shape[2] !== w) {
        // Bouguet eq. (6): the guess for the finer level is the coarser flow, upsampled and scaled ×2.
        const sx = w / u.shape[2];
        const sy = h / u.shape[1];
        u = tf.mul(tf.image.resizeBilinear(u, [h, w], true), sx) as tf.Tensor4D;
        v = tf.mul(tf.image.resizeBilinear(v, [h, w], true), sy) as tf.Tensor4D;
      }
      const [ix, iy] = gradients(I);
      // Structure tensor G = Σ_window [Ix² IxIy; IxIy Iy²] (Bouguet eq. (24)), fixed per level.
      const gxx = tf.add(blur(tf.square(ix) as tf.Tensor4D, window), o.regularization);
      const gxy = blur(tf.mul(ix, iy) as tf.Tensor4D, window);
      const gyy = tf.add(blur(tf.square(iy) as tf.Tensor4D, window), o.regularization);
      const det = tf.sub(tf.mul(gxx, gyy), tf.square(gxy));
      for (let k = 0; k < o.iterations; k++) {
        // Image mismatch b = Σ_window [Ix·It; Iy·It] with It = J(x + flow) − I(x) (eq. (30)).
        const it = tf.sub(warpBilinear(J, u, v), I) as tf.Tensor4D;
        const bx = blur(tf.mul(ix, it) as tf.Tensor4D, window);
        const by = blur(tf.mul(iy, it) as tf.Tensor4D, window);
        // η = −G⁻¹ b (eq. (28)), the 2×2 inverse written out.
        const du = tf.div(tf.sub(tf.mul(gxy, by), tf.mul(gyy, bx)), det);
        const dv = tf.div(tf.sub(tf.mul(gxy, bx), tf.mul(gxx, by)), det);
        // Smooth the field with the same window: the per-pixel solutions are coupled through the
        // warp, and averaging them removes the noise that otherwise stalls the iteration.
        u = blur(tf.add(u, du) as tf.Tensor4D, window);
        v = blur(tf.add(v, dv) as tf.Tensor4D, window);
      }
    }
    return tf.concat([u, v], 3) as tf.Tensor4D;
  });
}
