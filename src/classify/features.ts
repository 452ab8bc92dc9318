/**
 * Per-frame inputs of the two streams (Simonyan & Zisserman 2014, §2–3): appearance features from
 * the frozen trunk, and the optical flow from the previous frame, pooled to a coarse grid. Computed
 * once per frame (windows overlap), on whatever backend is active (wasm by default), and handed
 * back as plain Float32Arrays so no tensor outlives a call.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SiamError } from '../errors.js';
import type { Frame } from '../types.js';
import type { AppearanceTrunk } from './appearance.js';
import { appearanceShape, motionShape, type StreamConfig } from './config.js';
import { opticalFlowData, type FlowOptions } from './flow.js';

/** An augmentation view of a clip: a crop (normalised `[y1, x1, y2, x2]`) and a horizontal flip. */
export interface View {
  crop?: [number, number, number, number];
  flip?: boolean;
}

/** The streams' inputs for a run of consecutive frames. */
export interface FrameFeatures {
  /** Per frame, `[H, W, 88]` trunk features. */
  appearance: Float32Array[];
  /** Per frame, `[H, W, 2]` pooled flow from the previous frame (zeros when there is none). */
  motion: Float32Array[];
  /** The last frame's grey image at flow size, to continue the flow on the next call. */
  lastGray: Float32Array;
  /** Milliseconds spent in the trunk and in the flow. */
  timings: { trunkMs: number; flowMs: number };
}

/** Checks one frame's geometry (ERR_BAD_FRAME). */
export function checkFrame(f: Frame, width: number, height: number): void {
  if (f.width !== width || f.height !== height || f.data.length !== f.width * f.height * 3) {
    throw new SiamError(
      'ERR_BAD_FRAME',
      `Frame ${f.index} is ${f.width}x${f.height} with ${f.data.length} bytes; expected ${width}x${height} RGB24.`,
      {
        hint: 'Frames of one clip must share one size; data must hold width*height*3 bytes.',
      },
    );
  }
}

/** Copies consecutive frames' RGB24 bytes into one buffer `[N, H, W, 3]` (checking each frame's geometry). */
export function stackFrameBytes(frames: Frame[]): Uint8Array {
  const { width, height } = frames[0];
  const size = width * height * 3;
  const all = new Uint8Array(size * frames.length);
  frames.forEach((f, i) => {
    checkFrame(f, width, height);
    all.set(f.data, i * size);
  });
  return all;
}

/** RGB bytes `[N, H, W, 3]` → the model's input images: float 0..255, cropped or resized to the model size, flipped. */
export function modelImages(
  bytes: Uint8Array,
  shape: [number, number, number],
  config: StreamConfig,
  view?: View,
): tf.Tensor4D {
  const [n, height, width] = shape;
  const { inputWidth: w, inputHeight: h } = config;
  return tf.tidy(() => {
    const raw = tf.cast(tf.tensor4d(bytes, [n, height, width, 3], 'int32'), 'float32') as tf.Tensor4D;
    const crop = view?.crop;
    let x: tf.Tensor4D;
    if (crop) {
      const boxes = tf.tensor2d(
        Array.from({ length: n }, () => crop),
        [n, 4],
      );
      x = tf.image.cropAndResize(raw, boxes, tf.range(0, n, 1, 'int32') as tf.Tensor1D, [h, w], 'bilinear');
    } else if (raw.shape[1] !== h || raw.shape[2] !== w) {
      x = tf.image.resizeBilinear(raw, [h, w], true);
    } else {
      x = raw;
    }
    return view?.flip ? tf.reverse(x, 2) : x;
  });
}

/**
 * Model input images → grey images at flow size (0..1), `[N, fh, fw, 1]`. The in-process path and
 * the flow worker (flow-worker.ts) both go through {@link modelImages} then this, so their grey
 * images, hence their flows, are the same.
 */
export function grayImages(images: tf.Tensor4D, config: StreamConfig): tf.Tensor4D {
  const fd = config.flowDownsample;
  return tf.tidy(() => tf.avgPool(tf.div(tf.mean(images, 3, true), 255) as tf.Tensor4D, fd, fd, 'same'));
}

/**
 * The motion stream's input from grey images `gray` `[N, fh, fw, 1]`: the flow of each frame from
 * the one before (`previousGray` for the first, else zeros), average-pooled and scaled:
 * `[N, mh, mw, 2]`. The caller owns the result.
 */
export function motionFromGray(
  gray: tf.Tensor4D,
  config: StreamConfig,
  previousGray?: Float32Array,
  flowOptions?: FlowOptions,
): tf.Tensor4D {
  const n = gray.shape[0];
  const [, fh, fw] = gray.shape;
  const [mh, mw] = motionShape(config);
  const size = fh * fw;
  const hasPrev = previousGray !== undefined && previousGray.length === size;
  if (n === 1 && !hasPrev) return tf.zeros([1, mh, mw, 2]) as tf.Tensor4D;
  // The pairs straight from the grey images' data (the flow runs on arrays: flow-kernel.ts).
  const g = gray.dataSync() as Float32Array;
  const pairs = hasPrev ? n : n - 1;
  let firsts = g.subarray(0, (n - 1) * size);
  if (hasPrev) {
    firsts = new Float32Array(n * size);
    firsts.set(previousGray);
    firsts.set(g.subarray(0, (n - 1) * size), size);
  }
  const flows = opticalFlowData(firsts, g.subarray(hasPrev ? 0 : size), pairs, fh, fw, flowOptions);
  return tf.tidy(() => {
    const flow = tf.tensor4d(flows, [pairs, fh, fw, 2]);
    const pooled = tf.div(tf.avgPool(flow, config.flowPool, config.flowPool, 'same'), config.flowScale);
    return (hasPrev ? pooled : tf.concat([tf.zeros([1, mh, mw, 2]), pooled])) as tf.Tensor4D;
  });
}

/** Splits `data` into `rows` equal copies (each with its own buffer). */
export function splitRows(data: Float32Array, rows: number): Float32Array[] {
  const step = data.length / rows;
  return Array.from({ length: rows }, (_, i) => data.slice(i * step, (i + 1) * step));
}

/**
 * Computes both streams' inputs for consecutive `frames` (any size: resized to the model input).
 * `previousGray` (from an earlier call's `lastGray`) gives the first frame its flow.
 */
export function extractFeatures(
  trunk: AppearanceTrunk,
  config: StreamConfig,
  frames: Frame[],
  options: { view?: View; previousGray?: Float32Array; flow?: FlowOptions } = {},
): FrameFeatures {
  if (frames.length === 0) throw new RangeError('Expected at least one frame');
  const n = frames.length;
  const { height, width } = frames[0];
  const t0 = performance.now();
  const images = modelImages(stackFrameBytes(frames), [n, height, width], config, options.view);
  const gray = grayImages(images, config);
  const appearanceT = trunk.embed(images);
  const appearanceData = appearanceT.dataSync() as Float32Array;
  const t1 = performance.now();
  const grayData = gray.dataSync() as Float32Array;
  const motionT = motionFromGray(gray, config, options.previousGray, options.flow);
  const motionData = motionT.dataSync() as Float32Array;
  const t2 = performance.now();
  tf.dispose([images, gray, appearanceT, motionT]);
  const fSize = gray.shape[1] * gray.shape[2];
  const [ah, aw, ac] = appearanceShape(config);
  if (appearanceData.length !== n * ah * aw * ac) {
    throw new SiamError(
      'ERR_MODEL_INVALID',
      `Trunk features have ${appearanceData.length / n} values per frame, expected ${ah * aw * ac}.`,
    );
  }
  return {
    appearance: splitRows(appearanceData, n),
    motion: splitRows(motionData, n),
    lastGray: grayData.slice((n - 1) * fSize),
    timings: { trunkMs: t1 - t0, flowMs: t2 - t1 },
  };
}
