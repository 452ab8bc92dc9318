/**
 * What a clip model is: how frames are sampled and sized, the two streams' inputs, and the
 * temporal heads. Stored in the model folder (model.json's topology and classifier.json), so a
 * model carries everything `classify` needs to feed it the same way it was trained.
 */

import type { OpenSetCalibration } from './openset.js';

/** The model folder format written by this version; a folder with another value is refused (ERR_MODEL_INVALID). */
export const MODEL_FORMAT = 'siamstream-clip-classifier';
export const MODEL_FORMAT_VERSION = 1;

/** The two streams of Simonyan & Zisserman (2014): RGB appearance and optical-flow motion. */
export const STREAMS = ['appearance', 'motion'] as const;
export type StreamName = (typeof STREAMS)[number];

/** One 3D convolution of a temporal head (built from 2D convs, see conv3d.ts), followed by ReLU. */
export interface ConvLayerSpec {
  /** `[depth (time), height, width]`. */
  kernel: [number, number, number];
  /** `[depth, height, width]`. */
  strides: [number, number, number];
  filters: number;
}

/** A stream's temporal head: 3D convs → mean+max over time → average pool to a grid → dropout → dense. */
export interface HeadSpec {
  /** Input `[T, H, W, C]` of one window. */
  inputShape: [number, number, number, number];
  layers: ConvLayerSpec[];
  /** Spatial grid kept after the temporal pooling (`[rows, cols]`), so *where* the motion is still counts. */
  poolGrid: [number, number];
  /** Dropout before the dense layer, during training only. */
  dropout: number;
}

/** Sampling and stream geometry shared by training and inference. */
export interface StreamConfig {
  /** Frames per second the model samples (`decode({fps})`). */
  fps: number;
  /** Frames per window (T). */
  clipLength: number;
  /** The trunk's input size: every frame is resized (stretched) to this. */
  inputWidth: number;
  inputHeight: number;
  /** The optical flow is computed at input size / flowDownsample. */
  flowDownsample: number;
  /** The flow field is average-pooled by this factor before the motion head. */
  flowPool: number;
  /** Flow values (pixels at flow resolution) are divided by this before the head. */
  flowScale: number;
}

/** Defaults for a new model (each line: why). */
export const DEFAULT_STREAM_CONFIG: StreamConfig = {
  fps: 10, // gestures last 1–4 s; 10 fps keeps hand motion under ~6 px/frame at flow size
  clipLength: 16, // 1.6 s windows: one raise-and-lower or two wave periods
  inputWidth: 128, // MobileNetV3 stride-16 grid of 8×6 cells; ~4 ms per frame batched on wasm
  inputHeight: 96,
  flowDownsample: 2, // flow at 64×48: 3 pyramid levels handle ~12 px/frame
  flowPool: 8, // 8×6 motion grid, like the trunk's: 4× cheaper heads than 16×12, same LOPO accuracy
  flowScale: 2, // typical |flow| of a moving arm, in flow pixels
};

/** Everything stored about a trained model besides its weights. */
export interface ClipModelConfig extends StreamConfig {
  format: typeof MODEL_FORMAT;
  formatVersion: number;
  labels: string[];
  streams: StreamName[];
  heads: Record<StreamName, HeadSpec>;
  /** Late-fusion weight of each stream's class probabilities (they sum to 1). */
  fusionWeights: Record<StreamName, number>;
  /** The trunk and the tensor it is cut at. */
  trunk: { package: string; file: string; layer: string; channels: number; stride: number };
  /** Free-form facts about the training run (date, epochs, accuracy…). */
  training: Record<string, unknown>;
  /** The open-set calibration (openset.ts); absent in models trained before it: no `unknown` then. */
  openSet?: OpenSetCalibration;
}

/** The appearance trunk: MobileNetV3 of @vladmandic/human's CenterNet, cut at stride 16. */
export const TRUNK = {
  package: '@vladmandic/human',
  file: 'models/centernet.json',
  input: 'tower_0/images',
  layer: 'tower_0/MobilenetV3/expanded_conv_11/add',
  channels: 88,
  stride: 16,
} as const;

/** Shape of one frame's appearance features `[H, W, C]`. */
export function appearanceShape(c: StreamConfig): [number, number, number] {
  return [Math.ceil(c.inputHeight / TRUNK.stride), Math.ceil(c.inputWidth / TRUNK.stride), TRUNK.channels];
}

/** Shape of one frame's motion features `[H, W, 2]`. */
export function motionShape(c: StreamConfig): [number, number, number] {
  const fh = Math.ceil(c.inputHeight / c.flowDownsample);
  const fw = Math.ceil(c.inputWidth / c.flowDownsample);
  return [Math.ceil(fh / c.flowPool), Math.ceil(fw / c.flowPool), 2];
}

/** The default heads for a stream geometry: small, because they train on the cpu backend from ~10 clips. */
export function defaultHeads(c: StreamConfig): Record<StreamName, HeadSpec> {
  const [ah, aw, ac] = appearanceShape(c);
  const [mh, mw, mc] = motionShape(c);
  return {
    appearance: {
      inputShape: [c.clipLength, ah, aw, ac],
      layers: [
        { kernel: [1, 1, 1], strides: [1, 1, 1], filters: 16 }, // channel reduction 88 → 16
        { kernel: [3, 3, 3], strides: [1, 1, 1], filters: 24 }, // C3D 3×3×3 (Tran et al. 2015, §3.2)
      ],
      poolGrid: [2, 2],
      dropout: 0.3,
    },
    motion: {
      inputShape: [c.clipLength, mh, mw, mc],
      layers: [
        { kernel: [3, 3, 3], strides: [1, 1, 1], filters: 16 },
        { kernel: [3, 3, 3], strides: [1, 1, 1], filters: 24 }, // stride 1: strided slices are slow on wasm
      ],
      poolGrid: [2, 2],
      dropout: 0.3,
    },
  };
}
