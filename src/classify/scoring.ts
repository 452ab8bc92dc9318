/**
 * Class probabilities for windows of per-frame features: each stream's head, then late fusion by a
 * weighted average of the streams' softmax outputs (Simonyan & Zisserman 2014, §6: "fusion by
 * averaging"). Used by the classifier, by validation during training, and by the benchmarks.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ClipModelConfig, StreamName } from './config.js';
import { fillWindow, type WindowSample } from './augment.js';
import { headForward, type NamedTensors } from './head.js';

/** Per-frame features of one clip, per stream. */
export type StreamFeatures = Record<StreamName, Float32Array[]>;

/** Stacks windows of one stream's per-frame features into `[B, T, H, W, C]` values. */
export function windowBatch(
  perFrame: Float32Array[],
  isMotion: boolean,
  windows: WindowSample[],
): Float32Array {
  const t = windows[0].positions.length;
  const size = perFrame[0].length;
  const out = new Float32Array(windows.length * t * size);
  windows.forEach((w, b) => fillWindow(perFrame, isMotion, w, out, b * t * size));
  return out;
}

/** Softmax probabilities `[window][class]` of each stream of `config.streams`. */
export function streamProbabilities(
  config: ClipModelConfig,
  weights: NamedTensors,
  features: StreamFeatures,
  windows: WindowSample[],
): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  for (const stream of config.streams) {
    const spec = config.heads[stream];
    const values = windowBatch(features[stream], stream === 'motion', windows);
    const probs = tf.tidy(() => {
      const x = tf.tensor5d(values, [windows.length, ...spec.inputShape]);
      return tf.softmax(headForward(stream, spec, weights, x, false));
    });
    out[stream] = probs.arraySync() as number[][];
    probs.dispose();
  }
  return out;
}

/** Late fusion: `Σ_s w_s · p_s` per window, weights from `config.fusionWeights` (renormalised over the streams present). */
export function fuseProbabilities(
  config: ClipModelConfig,
  perStream: Record<string, number[][]>,
): number[][] {
  const streams = config.streams;
  const total = streams.reduce((a, s) => a + config.fusionWeights[s], 0);
  const first = perStream[streams[0]];
  return first.map((_, w) =>
    first[w].map((_, k) =>
      streams.reduce((a, s) => a + (config.fusionWeights[s] / total) * perStream[s][w][k], 0),
    ),
  );
}

/** Mean of rows (window probabilities → clip probabilities). */
export function meanRows(rows: number[][]): number[] {
  const out = new Array<number>(rows[0].length).fill(0);
  for (const r of rows) r.forEach((v, k) => (out[k] += v / rows.length));
  return out;
}

/** Index of the largest value. */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
