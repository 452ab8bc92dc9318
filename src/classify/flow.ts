/**
 * Dense optical flow by pyramidal Lucas–Kanade (the arithmetic in flow-kernel.ts, plain loops over
 * Float32Arrays): `opticalFlowData` on arrays (what the classifier calls, features.ts) and
 * `opticalFlow` on tensors.
 *
 * Lucas & Kanade, "An Iterative Image Registration Technique with an Application to Stereo Vision",
 * IJCAI 1981; the coarse-to-fine iterative scheme of J.-Y. Bouguet, "Pyramidal Implementation of
 * the Lucas Kanade Feature Tracker" (Intel, 2000), §2.2–2.4, evaluated at every pixel with a
 * Gaussian window (the dense variant used as a baseline by Baker & Matthews 2004). The flow is the
 * motion stream's input, as in Simonyan & Zisserman, "Two-Stream Convolutional Networks for Action
 * Recognition in Videos", NeurIPS 2014, §3.
 */
import { SiamError } from '../errors.js';
import * as tf from '@tensorflow/tfjs-core';
import { flowPair } from './flow-kernel.js';

/** Flow options. Every field optional; defaults in {@link DEFAULT_FLOW_OPTIONS}. */
export interface FlowOptions {
  /** Pyramid levels (1 = no pyramid). Each level halves the size; the largest motion handled grows ×2 per level. @default 3 */
  levels?: number;
  /** Gauss–Newton iterations per level (Bouguet §2.4). @default 3 */
  iterations?: number;
  /** Standard deviation of the Gaussian window, in pixels of each level. @default 1.5 */
  windowSigma?: number;
  /** Tikhonov term added to the structure tensor's diagonal (intensities in 0..1): keeps flat regions at 0. @default 1e-4 */
  regularization?: number;
}

export const DEFAULT_FLOW_OPTIONS: Required<FlowOptions> = {
  levels: 3,
  iterations: 3,
  windowSigma: 1.5,
  regularization: 1e-4,
};

/** Validates flow options (`ERR_BAD_OPTION` naming the field, as every stage's options) and fills the defaults. */
export function validateFlowOptions(options: FlowOptions = {}): Required<FlowOptions> {
  const o = { ...DEFAULT_FLOW_OPTIONS, ...options };
  if (!Number.isInteger(o.levels) || o.levels < 1 || o.levels > 6)
    throw new SiamError('ERR_BAD_OPTION', `Expected \`levels\` to be an integer in 1..6, got ${o.levels}`);
  if (!Number.isInteger(o.iterations) || o.iterations < 1)
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Expected \`iterations\` to be an integer >= 1, got ${o.iterations}`,
    );
  if (!(o.windowSigma > 0))
    throw new SiamError('ERR_BAD_OPTION', `Expected \`windowSigma\` to be > 0, got ${o.windowSigma}`);
  if (!(o.regularization >= 0))
    throw new SiamError('ERR_BAD_OPTION', `Expected \`regularization\` to be >= 0, got ${o.regularization}`);
  return o;
}

/**
 * Dense flow from `prev` to `next`, both `[N,H,W,1]` grey levels in 0..1: returns `[N,H,W,2]`
 * (u = x, v = y, in pixels) such that `next(x + u, y + v) ≈ prev(x, y)`. Computed by
 * flow-kernel.ts on the tensors' data, pair by pair.
 */
export function opticalFlow(prev: tf.Tensor4D, next: tf.Tensor4D, options: FlowOptions = {}): tf.Tensor4D {
  const [n, h, w] = prev.shape;
  const flows = opticalFlowData(
    prev.dataSync() as Float32Array,
    next.dataSync() as Float32Array,
    n,
    h,
    w,
    options,
  );
  return tf.tensor4d(flows, [n, h, w, 2]);
}

/**
 * {@link opticalFlow} on plain arrays: `n` pairs of `h`×`w` grey images (`prev[i]`, `next[i]`,
 * each array `n·h·w` long) → `[n, h, w, 2]`.
 */
export function opticalFlowData(
  prev: Float32Array,
  next: Float32Array,
  n: number,
  h: number,
  w: number,
  options: FlowOptions = {},
): Float32Array {
  const o = validateFlowOptions(options);
  const size = h * w;
  const out = new Float32Array(n * size * 2);
  for (let i = 0; i < n; i++) {
    const a = prev.subarray(i * size, (i + 1) * size);
    const b = next.subarray(i * size, (i + 1) * size);
    out.set(flowPair(a, b, h, w, o), i * size * 2);
  }
  return out;
}
