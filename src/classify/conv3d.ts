/**
 * 3D convolution built from 2D convolutions (C3D, Tran et al., "Learning Spatiotemporal Features
 * with 3D Convolutional Networks", ICCV 2015).
 *
 * Why: on the wasm backend `tf.conv3d` runs at ~0.5 GFLOP/s while `tf.conv2d` runs at ~26 GFLOP/s,
 * and wasm's `maxPool3d` is slow and wrong for all-negative windows. A 3D convolution with a
 * `kd × kh × kw` kernel is, for each output time step t, the sum over i < kd of a 2D convolution of
 * input frame `t·sd + i − padFront` with the kernel slice i. We compute that sum as ONE 2D
 * convolution by stacking the kd input frames of every output step along the channel axis
 * ("temporal im2col"): the filter `[kd, kh, kw, Cin, Cout]` becomes `[kh, kw, kd·Cin, Cout]`.
 * Only slice / concat / pad / reshape / conv2d are used, so gradients exist on the cpu backend.
 * Checked against `tf.conv3d` in test/classify/conv3d.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Padding modes supported, with TensorFlow's meaning (`same` pads `floor(total/2)` first). */
export type Conv3dPadding = 'valid' | 'same';

/** Strides as `[depth, height, width]`, or one number for all three. */
export type Conv3dStrides = number | [number, number, number];

function expandStrides(strides: Conv3dStrides): [number, number, number] {
  const s = typeof strides === 'number' ? ([strides, strides, strides] as [number, number, number]) : strides;
  for (const v of s) {
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`Expected \`strides\` to be integers >= 1, got ${s.join(',')}`);
  }
  return s;
}

/** Output depth and front padding along time, with TensorFlow's `valid` / `same` rules. */
export function temporalPadding(
  depth: number,
  kernelDepth: number,
  stride: number,
  padding: Conv3dPadding,
): { outDepth: number; padFront: number; padBack: number } {
  if (padding === 'valid') {
    const outDepth = Math.floor((depth - kernelDepth) / stride) + 1;
    if (outDepth < 1) {
      throw new RangeError(
        `Expected input depth ${depth} >= kernel depth ${kernelDepth} with 'valid' padding`,
      );
    }
    return { outDepth, padFront: 0, padBack: 0 };
  }
  const outDepth = Math.ceil(depth / stride);
  const total = Math.max((outDepth - 1) * stride + kernelDepth - depth, 0);
  const padFront = Math.floor(total / 2);
  return { outDepth, padFront, padBack: total - padFront };
}

/**
 * Same result as `tf.conv3d(x, filter, strides, padding)` (NDHWC, no dilation), built from one
 * `tf.conv2d`. `x`: `[N, D, H, W, Cin]`; `filter`: `[kd, kh, kw, Cin, Cout]`; returns
 * `[N, D', H', W', Cout]`.
 */
export function conv3dFrom2d(
  x: tf.Tensor5D,
  filter: tf.Tensor5D,
  strides: Conv3dStrides = 1,
  padding: Conv3dPadding = 'valid',
): tf.Tensor5D {
  const [sd, sh, sw] = expandStrides(strides);
  const [n, depth, h, w, cin] = x.shape;
  const [kd, kh, kw, fcin, cout] = filter.shape;
  if (fcin !== cin)
    throw new RangeError(`Expected filter in-channels ${fcin} to equal input channels ${cin}`);
  return tf.tidy(() => {
    const { outDepth, padFront, padBack } = temporalPadding(depth, kd, sd, padding);
    // Work on [N, D, H·W·C] views: slicing and padding 5-D tensors is ~10× slower on wasm (no
    // native 5-D slice), while rank ≤ 3 slices copy contiguous rows.
    const hwc = h * w * cin;
    let flat = tf.reshape(x, [n, depth, hwc]) as tf.Tensor3D;
    if (padFront + padBack > 0)
      flat = tf.pad(flat, [
        [0, 0],
        [padFront, padBack],
        [0, 0],
      ]);
    // Frames t·sd + i for every output step t, one slice per kernel depth i, stacked on channels.
    const parts: tf.Tensor2D[] = [];
    for (let i = 0; i < kd; i++) {
      const end = i + (outDepth - 1) * sd + 1;
      const part =
        sd === 1
          ? tf.slice(flat, [0, i, 0], [n, outDepth, hwc])
          : (tf.stridedSlice(flat, [0, i, 0], [n, end, hwc], [1, sd, 1]) as tf.Tensor3D);
      parts.push(tf.reshape(part, [n * outDepth * h * w, cin]));
    }
    const stacked = kd === 1 ? parts[0] : tf.concat(parts, 1);
    const frames = tf.reshape(stacked, [n * outDepth, h, w, kd * cin]) as tf.Tensor4D;
    const filter2d = tf.reshape(tf.transpose(filter, [1, 2, 0, 3, 4]), [
      kh,
      kw,
      kd * cin,
      cout,
    ]) as tf.Tensor4D;
    const y = tf.conv2d(frames, filter2d, [sh, sw], padding);
    return tf.reshape(y, [n, outDepth, y.shape[1], y.shape[2], cout]) as tf.Tensor5D;
  });
}

/**
 * Temporal pooling without `maxPool3d` (slow, and wrong for all-negative windows on wasm):
 * mean and max over the time axis of `[N, D, H, W, C]`, concatenated on channels → `[N, H, W, 2C]`.
 */
export function temporalMeanMax(x: tf.Tensor5D): tf.Tensor4D {
  const [n, d, h, w, c] = x.shape;
  return tf.tidy(() => {
    // As [N, D, H·W·C]: the gradients (broadcast compare, tile) are faster at rank 3 on wasm.
    const flat = tf.reshape(x, [n, d, h * w * c]);
    return tf.reshape(
      tf.concat([tf.reshape(tf.mean(flat, 1), [n, h, w, c]), tf.reshape(tf.max(flat, 1), [n, h, w, c])], 3),
      [n, h, w, 2 * c],
    ) as tf.Tensor4D;
  });
}
