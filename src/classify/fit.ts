/**
 * The training loop over precomputed features, on the wasm backend by default (or cpu, see
 * `trainBackend`):
 * Adam (Kingma & Ba 2015) on softmax cross-entropy with label smoothing (Szegedy et al. 2016, §7)
 * plus L2 weight decay, each stream's head with its own loss, so that late fusion averages two
 * independently calibrated classifiers as in Simonyan & Zisserman (2014, §6).
 */
import * as tf from '@tensorflow/tfjs-core';
import { fillWindow, plainWindow, randomWindow, windowStarts, type WindowSample } from './augment.js';
import { withBackend } from './backend-switch.js';
import type { ClipModelConfig, StreamName } from './config.js';
import { registerHeadGradients } from './gradients.js';
import { headForward, headWeightShapes, initHeadWeights, type NamedTensors } from './head.js';
import { weightsToArrays, type WeightArrays } from './model.js';
import { argmax, fuseProbabilities, meanRows, streamProbabilities, type StreamFeatures } from './scoring.js';
import { mulberry32 } from '../util/prng.js';

/** A clip's features under one augmentation view, with the label that view has (-1: not usable). */
export interface ViewFeatures extends StreamFeatures {
  labelIndex: number;
}

/** A clip ready to train on: its label and one entry per view (view 0 = full frame, not flipped). */
export interface PreparedClip {
  path: string;
  labelIndex: number;
  views: ViewFeatures[];
}

/** Training-loop options; defaults in {@link DEFAULT_FIT_OPTIONS}. */
export interface FitOptions {
  /** Passes over the training clips. @default 40 */
  epochs?: number;
  /** Windows per optimiser step. @default 16 */
  batchSize?: number;
  /** Random windows drawn from each clip per epoch. @default 8 */
  windowsPerClip?: number;
  /** Adam step size. @default 0.003 */
  learningRate?: number;
  /** L2 penalty on conv and dense kernels. @default 0.001 */
  weightDecay?: number;
  /** Label smoothing of the one-hot targets. @default 0.1 */
  labelSmoothing?: number;
  /** Speed jitter: factors in [1/j, j], log-uniform (1 = off). @default 1.25 */
  speedJitter?: number;
  /** Seed of every random choice (windows, views, dropout, initial weights). @default 1 */
  seed?: number;
  /**
   * Backend the heads train on. `wasm` is ~10× faster than `cpu`: it lacks Conv2DBackpropFilter,
   * but our registered Conv2D gradient does not use it (gradients.ts). @default the active backend
   */
  trainBackend?: 'wasm' | 'cpu';
}

export const DEFAULT_FIT_OPTIONS: Required<Omit<FitOptions, 'trainBackend'>> = {
  epochs: 40,
  batchSize: 16,
  windowsPerClip: 8,
  learningRate: 0.003,
  weightDecay: 0.001,
  labelSmoothing: 0.1,
  speedJitter: 1.25,
  seed: 1,
};

/** One line of training progress. */
export interface FitProgress {
  epoch: number;
  epochs: number;
  loss: number;
  /** Clip-level accuracy of the fused model on the validation clips (undefined without any). */
  valAccuracy?: number;
}

/** Per-channel mean and standard deviation of the full views of the training clips. */
function channelStats(
  clips: PreparedClip[],
  stream: StreamName,
  channels: number,
): { mean: Float32Array; std: Float32Array } {
  const sum = new Float64Array(channels);
  const sq = new Float64Array(channels);
  let count = 0;
  for (const c of clips) {
    for (const f of c.views[0][stream]) {
      for (let i = 0; i < f.length; i++) {
        sum[i % channels] += f[i];
        sq[i % channels] += f[i] * f[i];
      }
      count += f.length / channels;
    }
  }
  const mean = new Float32Array(channels);
  const std = new Float32Array(channels);
  for (let k = 0; k < channels; k++) {
    mean[k] = stream === 'motion' ? 0 : sum[k] / count; // flow keeps its sign: centring would bias a direction
    std[k] = Math.sqrt(Math.max(sq[k] / count - (stream === 'motion' ? 0 : mean[k] ** 2), 1e-6));
  }
  return { mean, std };
}

/** Clip-level fused probabilities of `clips` (full view, plain windows), on the active backend. */
export function predictClips(
  config: ClipModelConfig,
  weights: NamedTensors,
  clips: PreparedClip[],
): number[][] {
  return clips.map((c) => {
    const n = c.views[0].appearance.length;
    const windows = windowStarts(n, config.clipLength, Math.max(1, Math.floor(config.clipLength / 2))).map(
      (s) => plainWindow(s, config.clipLength),
    );
    return meanRows(fuseProbabilities(config, streamProbabilities(config, weights, c.views[0], windows)));
  });
}

/**
 * Trains the heads of `config.streams` on `train` (validating on `val` each epoch and keeping the
 * best epoch's weights when there are validation clips). Runs on `trainBackend` and returns plain
 * arrays, so the caller re-creates the weights on its own backend.
 */
export async function fitHeads(
  config: ClipModelConfig,
  train: PreparedClip[],
  val: PreparedClip[],
  options: FitOptions = {},
  onProgress?: (p: FitProgress) => void,
): Promise<{ weights: WeightArrays; history: FitProgress[] }> {
  const o = { ...DEFAULT_FIT_OPTIONS, ...options };
  const k = config.labels.length;
  const rnd = mulberry32(o.seed);
  const history: FitProgress[] = [];
  registerHeadGradients();
  const backend = o.trainBackend ?? (tf.getBackend() === 'cpu' ? 'cpu' : 'wasm');
  return withBackend(backend, async () => {
    const weights: NamedTensors = {};
    const trainable: tf.Variable[] = [];
    const decayed: tf.Tensor[] = [];
    config.streams.forEach((stream, si) => {
      const spec = config.heads[stream];
      const stats = channelStats(train, stream, spec.inputShape[3]);
      const init = initHeadWeights(stream, spec, k, o.seed * 100 + si * 10);
      init[`${stream}/norm/mean`].dispose();
      init[`${stream}/norm/std`].dispose();
      init[`${stream}/norm/mean`] = tf.tensor1d(stats.mean);
      init[`${stream}/norm/std`] = tf.tensor1d(stats.std);
      for (const { name, trainable: t } of headWeightShapes(stream, spec, k)) {
        if (!t) {
          weights[name] = init[name];
          continue;
        }
        const v = tf.variable(init[name], true, `${name}_${o.seed}_${Date.now()}`);
        init[name].dispose();
        weights[name] = v;
        trainable.push(v);
        if (name.endsWith('/kernel')) decayed.push(v);
      }
    });
    const optimizer = tf.train.adam(o.learningRate);
    let best: { loss: number; weights: WeightArrays } | undefined;
    try {
      for (let epoch = 1; epoch <= o.epochs; epoch++) {
        const samples: Array<{ clip: PreparedClip; view: ViewFeatures; window: WindowSample }> = [];
        for (const clip of train) {
          const usable = clip.views.filter((v) => v.labelIndex >= 0);
          for (let i = 0; i < o.windowsPerClip; i++) {
            const view = usable[Math.floor(rnd() * usable.length)];
            samples.push({
              clip,
              view,
              window: randomWindow(view.appearance.length, config.clipLength, o.speedJitter, rnd),
            });
          }
        }
        for (let i = samples.length - 1; i > 0; i--) {
          const j = Math.floor(rnd() * (i + 1));
          [samples[i], samples[j]] = [samples[j], samples[i]];
        }
        let lossSum = 0;
        let steps = 0;
        for (let b = 0; b < samples.length; b += o.batchSize) {
          const batch = samples.slice(b, b + o.batchSize);
          const dropoutSeed = Math.floor(rnd() * 1e9);
          const inputs = config.streams.map((stream) => {
            const spec = config.heads[stream];
            const size = spec.inputShape.reduce((a, v) => a * v, 1);
            const values = new Float32Array(batch.length * size);
            batch.forEach((s, i) =>
              fillWindow(s.view[stream], stream === 'motion', s.window, values, i * size),
            );
            return tf.tensor5d(values, [batch.length, ...spec.inputShape]);
          });
          const targets = tf.tidy(() =>
            tf.oneHot(
              tf.tensor1d(
                batch.map((s) => s.view.labelIndex),
                'int32',
              ),
              k,
            ),
          );
          try {
            const cost = optimizer.minimize(
              () =>
                tf.tidy(() => {
                  let loss = tf.scalar(0);
                  config.streams.forEach((stream, si) => {
                    const logits = headForward(
                      stream,
                      config.heads[stream],
                      weights,
                      inputs[si] as tf.Tensor5D,
                      true,
                      dropoutSeed + si,
                    );
                    loss = tf.add(
                      loss,
                      tf.losses.softmaxCrossEntropy(targets, logits, undefined, o.labelSmoothing),
                    );
                  });
                  for (const w of decayed) loss = tf.add(loss, tf.mul(o.weightDecay, tf.sum(tf.square(w))));
                  return loss as tf.Scalar;
                }),
              true,
              trainable,
            );
            lossSum += (cost as tf.Scalar).dataSync()[0];
            steps++;
            tf.dispose(cost as tf.Scalar);
          } finally {
            tf.dispose([targets, ...inputs]); // also when minimize throws
          }
        }
        const progress: FitProgress = { epoch, epochs: o.epochs, loss: lossSum / steps };
        if (val.length > 0) {
          const probs = predictClips(config, weights, val);
          progress.valAccuracy = val.filter((c, i) => argmax(probs[i]) === c.labelIndex).length / val.length;
          const valLoss =
            -val.reduce((a, c, i) => a + Math.log(Math.max(probs[i][c.labelIndex], 1e-9)), 0) / val.length;
          if (!best || valLoss < best.loss) best = { loss: valLoss, weights: weightsToArrays(weights) };
        }
        history.push(progress);
        onProgress?.(progress);
      }
      return { weights: best?.weights ?? weightsToArrays(weights), history };
    } finally {
      optimizer.dispose();
      tf.dispose(Object.values(weights));
    }
  });
}
