/**
 * Training from a folder `DIR/<label>/<clips>`: decode each clip at the model's rate and size,
 * compute both streams' per-frame inputs for every augmentation view on the active backend (wasm:
 * trunk + optical flow), then fit the small temporal heads on the cpu backend (fit.ts).
 */
import { SiamError, isSiamError } from '../errors.js';
import { createAppearanceTrunk } from './appearance.js';
import { cropViews, flippedLabel, type FlipMode } from './augment.js';
import {
  DEFAULT_STREAM_CONFIG,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  STREAMS,
  TRUNK,
  defaultHeads,
  type ClipModelConfig,
  type StreamConfig,
  type StreamName,
} from './config.js';
import { checkClasses, decodeClip, scanDataset, type ClipEntry } from './dataset.js';
import { extractFeatures } from './features.js';
import {
  DEFAULT_FIT_OPTIONS,
  fitHeads,
  type FitOptions,
  type FitProgress,
  type PreparedClip,
  type ViewFeatures,
} from './fit.js';
import { arraysToWeights, type ClipModel } from './model.js';
import { calibrateClips, PROTOTYPES_WEIGHT, prototypesTensor } from './openset.js';
import { mulberry32 } from '../util/prng.js';

/** Options of {@link trainClassifier}; every field optional, defaults in {@link DEFAULT_TRAIN_OPTIONS}. */
export interface TrainOptions extends FitOptions, Partial<StreamConfig> {
  /** Streams to train. @default ['appearance', 'motion'] */
  streams?: StreamName[];
  /** Fraction of each class's clips held out for validation (classes with < 3 clips keep all). @default 0.2 */
  validationSplit?: number;
  /** Crop views per clip, the full frame included (1 = no crops). @default 3 */
  cropViews?: number;
  /** Horizontal flips: see {@link flippedLabel}. @default 'auto' */
  flip?: FlipMode;
  /** Progress of the feature and training phases. */
  onProgress?: (event: TrainEvent) => void;
  /** A clip was skipped (ERR_CLIP_UNREADABLE). Training goes on. */
  onWarning?: (warning: SiamError) => void;
}

/** A progress event: one clip's features done, or one epoch done. */
export type TrainEvent =
  { phase: 'features'; done: number; total: number; file: string } | ({ phase: 'train' } & FitProgress);

export const DEFAULT_TRAIN_OPTIONS = {
  ...DEFAULT_FIT_OPTIONS,
  ...DEFAULT_STREAM_CONFIG,
  streams: [...STREAMS] as StreamName[],
  validationSplit: 0.2,
  cropViews: 3,
  flip: 'auto' as FlipMode,
};

function bad(message: string): SiamError {
  return new SiamError('ERR_BAD_OPTION', message, {
    hint: 'See `siamstream train --help` and docs/classifier.md.',
  });
}

/** Fills defaults and checks every field once (ERR_BAD_OPTION naming the field). */
export function validateTrainOptions(options: TrainOptions = {}): typeof DEFAULT_TRAIN_OPTIONS {
  const o = {
    ...DEFAULT_TRAIN_OPTIONS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  const ints: Array<[string, number, number]> = [
    ['epochs', 1, 10000],
    ['batchSize', 1, 4096],
    ['windowsPerClip', 1, 1000],
    ['fps', 1, 120],
    ['clipLength', 3, 256],
    ['inputWidth', 16, 1024],
    ['inputHeight', 16, 1024],
    ['cropViews', 1, 5],
    ['seed', 0, 2 ** 31],
    ['flowDownsample', 1, 8],
    ['flowPool', 1, 16],
  ];
  for (const [name, min, max] of ints) {
    const v = (o as Record<string, unknown>)[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
      throw bad(`Expected \`${name}\` to be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  if (!(o.learningRate > 0)) throw bad(`Expected \`learningRate\` to be > 0, got ${o.learningRate}`);
  if (!(o.weightDecay >= 0)) throw bad(`Expected \`weightDecay\` to be >= 0, got ${o.weightDecay}`);
  if (!(o.labelSmoothing >= 0 && o.labelSmoothing < 1))
    throw bad(`Expected \`labelSmoothing\` in [0, 1), got ${o.labelSmoothing}`);
  if (!(o.speedJitter >= 1)) throw bad(`Expected \`speedJitter\` to be >= 1, got ${o.speedJitter}`);
  if (!(o.validationSplit >= 0 && o.validationSplit < 1))
    throw bad(`Expected \`validationSplit\` in [0, 1), got ${o.validationSplit}`);
  if (!['auto', 'none', 'all'].includes(o.flip))
    throw bad(`Expected \`flip\` to be auto, none or all, got ${String(o.flip)}`);
  if (!Array.isArray(o.streams) || o.streams.length === 0 || !o.streams.every((s) => STREAMS.includes(s))) {
    throw bad(
      `Expected \`streams\` to be a non-empty list of ${STREAMS.join(', ')}, got ${String(o.streams)}`,
    );
  }
  return o;
}

/** The config of a new model. */
export function buildModelConfig(
  labels: string[],
  stream: StreamConfig,
  streams: StreamName[],
  training: Record<string, unknown> = {},
): ClipModelConfig {
  const s: StreamConfig = {
    fps: stream.fps,
    clipLength: stream.clipLength,
    inputWidth: stream.inputWidth,
    inputHeight: stream.inputHeight,
    flowDownsample: stream.flowDownsample,
    flowPool: stream.flowPool,
    flowScale: stream.flowScale,
  };
  return {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    ...s,
    labels,
    streams: [...streams],
    heads: defaultHeads(s),
    fusionWeights: { appearance: 0.5, motion: 0.5 },
    trunk: {
      package: TRUNK.package,
      file: TRUNK.file,
      layer: TRUNK.layer,
      channels: TRUNK.channels,
      stride: TRUNK.stride,
    },
    training,
  };
}

/**
 * Decodes `entries` and computes every view's features (active backend). Unreadable clips are
 * reported through `onWarning` and left out.
 */
export async function prepareClips(
  entries: ClipEntry[],
  labels: string[],
  config: StreamConfig,
  options: {
    cropViews?: number;
    flip?: FlipMode;
    onClip?: (done: number, file: string) => void;
    onWarning?: (w: SiamError) => void;
  } = {},
): Promise<PreparedClip[]> {
  const trunk = await createAppearanceTrunk();
  const views = cropViews(options.cropViews ?? DEFAULT_TRAIN_OPTIONS.cropViews);
  const out: PreparedClip[] = [];
  try {
    for (const [i, entry] of entries.entries()) {
      const labelIndex = labels.indexOf(entry.label);
      let frames;
      try {
        frames = await decodeClip(entry.path, config);
      } catch (e) {
        if (!isSiamError(e, 'ERR_CLIP_UNREADABLE')) throw e;
        options.onWarning?.(e);
        options.onClip?.(i + 1, entry.path);
        continue;
      }
      const flipIndex = flippedLabel(entry.label, labels, options.flip ?? 'auto');
      const clipViews: ViewFeatures[] = [];
      for (const view of views) {
        for (const flip of flipIndex >= 0 ? [false, true] : [false]) {
          const f = extractFeatures(trunk, config, frames, { view: { ...view, flip } });
          clipViews.push({
            appearance: f.appearance,
            motion: f.motion,
            labelIndex: flip ? flipIndex : labelIndex,
          });
        }
      }
      out.push({ path: entry.path, labelIndex, views: clipViews });
      options.onClip?.(i + 1, entry.path);
    }
  } finally {
    trunk.dispose();
  }
  return out;
}

/** Stratified hold-out: `split` of each class with at least 3 clips goes to validation (seeded). */
export function splitValidation<T extends { labelIndex: number }>(
  clips: T[],
  split: number,
  seed: number,
): { train: T[]; val: T[] } {
  if (split <= 0) return { train: clips, val: [] };
  const rnd = mulberry32(seed);
  const train: T[] = [];
  const val: T[] = [];
  for (const label of [...new Set(clips.map((c) => c.labelIndex))]) {
    const group = clips.filter((c) => c.labelIndex === label);
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [group[i], group[j]] = [group[j], group[i]];
    }
    const held = group.length >= 3 ? Math.max(1, Math.round(group.length * split)) : 0;
    val.push(...group.slice(0, held));
    train.push(...group.slice(held));
  }
  return { train, val };
}

/** Trains a model from `dataDir`. The weights are returned on the active backend (the caller disposes them). */
export async function trainClassifier(
  dataDir: string,
  options: TrainOptions = {},
): Promise<{ model: ClipModel; history: FitProgress[]; skipped: string[] }> {
  const o = validateTrainOptions(options);
  const started = performance.now();
  const dataset = await scanDataset(dataDir);
  const skipped: string[] = [];
  const clips = await prepareClips(dataset.clips, dataset.labels, o, {
    cropViews: o.cropViews,
    flip: o.flip,
    onClip: (done, file) =>
      options.onProgress?.({ phase: 'features', done, total: dataset.clips.length, file }),
    onWarning: (w) => {
      skipped.push(String(w.details?.file ?? w.message));
      options.onWarning?.(w);
    },
  });
  const labels = checkClasses(
    dataDir,
    clips.map((c) => ({ path: c.path, label: dataset.labels[c.labelIndex] })),
  );
  if (labels.length !== dataset.labels.length) {
    // A whole class was unreadable: re-index on the classes left.
    for (const c of clips) {
      const label = dataset.labels[c.labelIndex];
      const to = labels.indexOf(label);
      c.labelIndex = to;
      for (const v of c.views)
        v.labelIndex = v.labelIndex < 0 ? -1 : labels.indexOf(dataset.labels[v.labelIndex]);
    }
  }
  const featuresMs = performance.now() - started;
  const { train, val } = splitValidation(clips, o.validationSplit, o.seed);
  const config = buildModelConfig(labels, o, o.streams);
  const { weights, history } = await fitHeads(config, train, val, o, (p) =>
    options.onProgress?.({ phase: 'train', ...p }),
  );
  // "None of these": every clip's windows as prototypes, the threshold from the clips themselves.
  const { prototypes, calibration } = calibrateClips(clips, config.clipLength, TRUNK.channels);
  config.openSet = calibration;
  const last = history[history.length - 1];
  config.training = {
    date: new Date().toISOString(),
    data: dataDir,
    clips: clips.length,
    trainClips: train.length,
    validationClips: val.length,
    skipped,
    epochs: o.epochs,
    finalLoss: last?.loss,
    bestValAccuracy: val.length ? Math.max(...history.map((h) => h.valAccuracy ?? 0)) : undefined,
    options: {
      batchSize: o.batchSize,
      windowsPerClip: o.windowsPerClip,
      learningRate: o.learningRate,
      weightDecay: o.weightDecay,
      cropViews: o.cropViews,
      flip: o.flip,
      speedJitter: o.speedJitter,
      seed: o.seed,
    },
    featuresSeconds: Math.round(featuresMs / 100) / 10,
    totalSeconds: Math.round((performance.now() - started) / 100) / 10,
  };
  const dim = prototypes.length / calibration.prototypes;
  return {
    model: {
      config,
      weights: { ...arraysToWeights(weights), [PROTOTYPES_WEIGHT]: prototypesTensor(prototypes, dim) },
    },
    history,
    skipped,
  };
}
