/**
 * A stream's temporal head: a few 3D convolutions over a window of T frames' features (C3D, Tran
 * et al. 2015; a `(1,k,k)` then `(k,1,1)` pair gives R(2+1)D, Tran et al. CVPR 2018), each built
 * from 2D convolutions (conv3d.ts), then mean and max over time, an average pool to a small spatial
 * grid, dropout and a dense layer to class logits.
 *
 * Written as plain functions of named weight tensors rather than a tfjs-layers model: the 3D conv
 * must be our 2D-built one anyway (a custom layer either way), the same forward runs on wasm for
 * inference and under `tf.grads` on the cpu backend for training, and there is no extra package.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HeadSpec } from './config.js';
import { conv3dFrom2d, temporalMeanMax, temporalPadding } from './conv3d.js';

/** Weights by name (`<stream>/conv<i>/kernel`, `…/bias`, `<stream>/dense/kernel`, `…/bias`, `<stream>/norm/mean`, `…/std`). */
export type NamedTensors = Record<string, tf.Tensor>;

/** Shape after the conv layers, `[T', H', W', C']`. */
export function convOutputShape(spec: HeadSpec): [number, number, number, number] {
  let [t, h, w, c] = spec.inputShape;
  for (const l of spec.layers) {
    t = temporalPadding(t, l.kernel[0], l.strides[0], 'same').outDepth;
    h = Math.ceil(h / l.strides[1]);
    w = Math.ceil(w / l.strides[2]);
    c = l.filters;
  }
  return [t, h, w, c];
}

/** Names and shapes of a head's weights. `trainable: false` for the input normalisation. */
export function headWeightShapes(
  stream: string,
  spec: HeadSpec,
  numClasses: number,
): Array<{ name: string; shape: number[]; trainable: boolean }> {
  const out: Array<{ name: string; shape: number[]; trainable: boolean }> = [];
  const cin0 = spec.inputShape[3];
  out.push({ name: `${stream}/norm/mean`, shape: [cin0], trainable: false });
  out.push({ name: `${stream}/norm/std`, shape: [cin0], trainable: false });
  let cin = cin0;
  spec.layers.forEach((l, i) => {
    out.push({ name: `${stream}/conv${i}/kernel`, shape: [...l.kernel, cin, l.filters], trainable: true });
    out.push({ name: `${stream}/conv${i}/bias`, shape: [l.filters], trainable: true });
    cin = l.filters;
  });
  const features = spec.poolGrid[0] * spec.poolGrid[1] * 2 * cin;
  out.push({ name: `${stream}/dense/kernel`, shape: [features, numClasses], trainable: true });
  out.push({ name: `${stream}/dense/bias`, shape: [numClasses], trainable: true });
  return out;
}

/** Fresh weights: He-normal convs (He et al. 2015), Glorot-normal dense, zero biases, identity normalisation. */
export function initHeadWeights(
  stream: string,
  spec: HeadSpec,
  numClasses: number,
  seed: number,
): NamedTensors {
  const out: NamedTensors = {};
  let s = seed;
  for (const { name, shape } of headWeightShapes(stream, spec, numClasses)) {
    if (name.endsWith('/std')) out[name] = tf.ones(shape);
    else if (name.endsWith('/bias') || name.endsWith('/mean')) out[name] = tf.zeros(shape);
    else {
      const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
      const fanOut = shape[shape.length - 1];
      const std = name.includes('/dense/') ? Math.sqrt(2 / (fanIn + fanOut)) : Math.sqrt(2 / fanIn);
      out[name] = tf.randomNormal(shape, 0, std, 'float32', s++);
    }
  }
  return out;
}

/** Average pool `[B, H, W, C]` to `[B, gh, gw, C]` with PyTorch-style adaptive cells, then flatten. */
function adaptivePoolFlatten(x: tf.Tensor4D, [gh, gw]: [number, number]): tf.Tensor2D {
  const [b, h, w, c] = x.shape;
  const cells: tf.Tensor[] = [];
  for (let i = 0; i < gh; i++) {
    const y0 = Math.floor((i * h) / gh);
    const y1 = Math.max(y0 + 1, Math.ceil(((i + 1) * h) / gh));
    for (let j = 0; j < gw; j++) {
      const x0 = Math.floor((j * w) / gw);
      const x1 = Math.max(x0 + 1, Math.ceil(((j + 1) * w) / gw));
      cells.push(tf.mean(tf.slice(x, [0, y0, x0, 0], [b, y1 - y0, x1 - x0, c]), [1, 2]));
    }
  }
  return tf.concat(cells, 1) as tf.Tensor2D;
}

/**
 * Class logits `[B, K]` for a batch of windows `[B, T, H, W, C]`. With `training`, applies dropout
 * (seeded by `seed`). Does not dispose `x` or the weights; wrap in `tf.tidy` or use under `tf.grads`.
 */
export function headForward(
  stream: string,
  spec: HeadSpec,
  weights: NamedTensors,
  x: tf.Tensor5D,
  training = false,
  seed?: number,
): tf.Tensor2D {
  let y: tf.Tensor5D = tf.div(tf.sub(x, weights[`${stream}/norm/mean`]), weights[`${stream}/norm/std`]);
  spec.layers.forEach((l, i) => {
    const k = weights[`${stream}/conv${i}/kernel`] as tf.Tensor5D;
    y = tf.relu(
      tf.add(conv3dFrom2d(y, k, l.strides, 'same'), weights[`${stream}/conv${i}/bias`]),
    ) as tf.Tensor5D;
  });
  let z: tf.Tensor2D = adaptivePoolFlatten(temporalMeanMax(y), spec.poolGrid);
  if (training && spec.dropout > 0) z = tf.dropout(z, spec.dropout, undefined, seed) as tf.Tensor2D;
  return tf.add(tf.matMul(z, weights[`${stream}/dense/kernel`]), weights[`${stream}/dense/bias`]);
}
