/**
 * "None of these": a window unlike everything the model was trained on is labelled `unknown`.
 *
 * Each window is embedded as the mean of its frames' appearance features (the trunk's stride-16
 * map, cells × channels, kept spatial), L2-normalised. Training stores the embeddings of its
 * clips' windows as prototypes; at run time a window's **familiarity** is its cosine similarity
 * to the nearest prototype (a nearest-neighbour novelty test, e.g. Sun et al., "Out-of-distribution
 * detection with deep nearest neighbors", ICML 2022). Max-softmax was measured and dropped: on
 * the gesture clips it ranked unrelated clips above the held-out person's gestures (ROC AUC
 * 0.48–0.84), while nearest-prototype similarity separated them completely (docs/classifier.md).
 *
 * The threshold comes from the training data alone, between two anchors:
 * - **same**: the median similarity of a training window to the nearest window of *another*
 *   training clip (how alike known material is);
 * - **unrelated**: the median similarity of a training window to another one whose feature
 *   positions were shuffled (the same activation statistics with no shared structure: what
 *   "nothing in common" scores in this feature space).
 * A window is unknown when it is closer to the second than to the first (below the midpoint).
 * `--unknown-threshold` overrides it; 0 turns the test off.
 */
import * as tf from '@tensorflow/tfjs-core';
import { plainWindow, windowStarts } from './augment.js';
import type { NamedTensors } from './head.js';

/** The weight holding the prototypes `[count, dim]`. */
export const PROTOTYPES_WEIGHT = 'openset/prototypes';
/** Prototypes kept at most (evenly subsampled beyond). */
export const MAX_PROTOTYPES = 512;
/** The label of a window unlike the training data. */
export const UNKNOWN_LABEL = 'unknown';

/** What the model's config records of its open-set calibration. */
export interface OpenSetCalibration {
  /** Familiarity below this is `unknown`. */
  threshold: number;
  /** The two anchors it lies between (see the module comment). */
  sameAnchor: number;
  unrelatedAnchor: number;
  prototypes: number;
}

/** Mean of the window's frames' features, L2-normalised (positions past the end hold the last frame). */
export function windowEmbedding(
  perFrame: readonly Float32Array[],
  positions: readonly number[],
): Float32Array {
  const d = perFrame[0].length;
  const out = new Float32Array(d);
  for (const p of positions) {
    const f = perFrame[Math.min(p, perFrame.length - 1)];
    for (let j = 0; j < d; j++) out[j] += f[j];
  }
  let norm = 0;
  for (let j = 0; j < d; j++) norm += out[j] * out[j];
  norm = Math.sqrt(norm) || 1;
  for (let j = 0; j < d; j++) out[j] /= norm;
  return out;
}

function dot(a: Float32Array, b: Float32Array, bOffset = 0): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[bOffset + j];
  return s;
}

/** Cosine similarity of `e` to its nearest prototype (`flat`: `[count × dim]`, rows normalised). */
export function familiarity(e: Float32Array, flat: Float32Array): number {
  let best = -1;
  for (let off = 0; off + e.length <= flat.length; off += e.length) best = Math.max(best, dot(e, flat, off));
  return best;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : 0;
};

/** A fixed pseudo-random permutation of `0…n-1` (deterministic: the same model, the same threshold). */
function permutation(n: number): Uint32Array {
  const p = new Uint32Array(n).map((_, i) => i);
  let seed = 0x2545f491;
  for (let i = n - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/**
 * Calibrates from the window embeddings of each training clip (`clips[c]` = that clip's windows):
 * the prototypes (`[count × dim]`, at most {@link MAX_PROTOTYPES}) and the threshold.
 */
export function calibrateOpenSet(
  clips: readonly Float32Array[][],
  channels: number,
): {
  prototypes: Float32Array;
  calibration: OpenSetCalibration;
} {
  const all = clips.flat();
  const dim = all[0].length;
  // Same: each window against the windows of the other clips.
  const same: number[] = [];
  clips.forEach((windows, c) => {
    const others = clips.filter((_, k) => k !== c).flat();
    if (others.length === 0) return;
    const flat = new Float32Array(others.length * dim);
    others.forEach((o, k) => flat.set(o, k * dim));
    for (const w of windows) same.push(familiarity(w, flat));
  });
  // Unrelated: each window against another one with its cells shuffled (each cell keeps its
  // channels: what any picture shares with any other through the channels' usual activations).
  const cells = dim / channels;
  const perm = permutation(cells);
  const unrelated = all.map((w, i) => {
    const other = all[(i * 7 + 3) % all.length];
    let s = 0;
    for (let c = 0; c < cells; c++) {
      const a = c * channels;
      const b = perm[c] * channels;
      for (let k = 0; k < channels; k++) s += w[a + k] * other[b + k];
    }
    return s;
  });
  const sameAnchor = median(same);
  const unrelatedAnchor = median(unrelated);
  const step = Math.max(1, all.length / MAX_PROTOTYPES);
  const kept = Array.from(
    { length: Math.min(all.length, MAX_PROTOTYPES) },
    (_, i) => all[Math.floor(i * step)],
  );
  const prototypes = new Float32Array(kept.length * dim);
  kept.forEach((w, k) => prototypes.set(w, k * dim));
  return {
    prototypes,
    calibration: {
      threshold: (sameAnchor + unrelatedAnchor) / 2,
      sameAnchor,
      unrelatedAnchor,
      prototypes: kept.length,
    },
  };
}

/** Mean familiarity of `windows` over per-frame appearance features (what `classify` reports). */
export function meanFamiliarity(
  perFrame: readonly Float32Array[],
  windows: ReadonlyArray<{ positions: readonly number[] }>,
  prototypes: Float32Array,
): number {
  let sum = 0;
  for (const w of windows) sum += familiarity(windowEmbedding(perFrame, w.positions), prototypes);
  return sum / windows.length;
}

/**
 * The calibration of a training set: each clip's plain view cut into windows of `clipLength`
 * every half window, as `classify` cuts a file.
 */
export function calibrateClips(
  clips: ReadonlyArray<{ views: ReadonlyArray<{ appearance: Float32Array[] }> }>,
  clipLength: number,
  channels: number,
): ReturnType<typeof calibrateOpenSet> {
  const half = Math.max(1, Math.floor(clipLength / 2));
  return calibrateOpenSet(
    clips.map((c) => {
      const frames = c.views[0].appearance;
      return windowStarts(frames.length, clipLength, half).map((s) =>
        windowEmbedding(frames, plainWindow(s, clipLength).positions),
      );
    }),
    channels,
  );
}

/** The prototypes of a loaded model as one flat array, or undefined for a model without them. */
export function prototypesOf(weights: NamedTensors): Float32Array | undefined {
  const t = weights[PROTOTYPES_WEIGHT];
  return t ? (t.dataSync() as Float32Array) : undefined;
}

/** The prototypes as the weight tensor saved with the model. */
export function prototypesTensor(prototypes: Float32Array, dim: number): tf.Tensor2D {
  return tf.tensor2d(prototypes, [prototypes.length / dim, dim]);
}
