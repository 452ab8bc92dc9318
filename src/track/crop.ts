/**
 * Square crops of the frame around the target, resized to the trunk's input size, padded with
 * the frame's mean colour where they leave the frame (SiamFC, Bertinetto et al. 2016, §2.4).
 *
 * Two implementations with the same sampling grid (output pixel j samples the frame at
 * x = cx − side/2 + (j + ½)·side/S − ½, bilinear):
 * - `cropPatchesJs`: reads only the needed pixels from the frame's bytes. At 1280×720 three
 *   192² crops and their upload take ~2–3 ms, where uploading the whole frame for
 *   `cropAndResize` takes ~7–10 ms (bench/backbone.ts), so this is the default; it is also what
 *   a worker needs (a crop is 0.4 MB, a frame 2.7 MB).
 * - `cropPatchesTf`: `tf.image.cropAndResize` on the uploaded frame, extrapolating with a
 *   sentinel (−1) that is then replaced by the mean colour.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Frame } from '../types.js';

/**
 * A region of the frame, resized to a square crop: centre, width (`side`) and height (`sideY`,
 * default `side`) in pixels. A non-square region warps the target's aspect back to the
 * exemplar's, which is how the tracker searches over width and height separately.
 */
export interface Region {
  cx: number;
  cy: number;
  side: number;
  sideY?: number;
}

/** Pixels {@link meanColour} reads at most: the padding colour needs no more (a 1280×720 frame read every 7th pixel cost ~0.4 ms a frame). */
const MEAN_SAMPLES = 8192;

/** The frame's mean colour (RGB, 0…255), from a strided sample of at most ~8k of its pixels. */
export function meanColour(
  frame: Frame,
  stride = Math.max(7, Math.floor(frame.data.length / 3 / MEAN_SAMPLES) | 1),
): [number, number, number] {
  const { data } = frame;
  let r = 0;
  let g = 0;
  let b = 0;
  let count = 0;
  for (let i = 0; i + 2 < data.length; i += 3 * stride) {
    r += data[i];
    g += data[i + 1];
    b += data[i + 2];
    count++;
  }
  return count ? [r / count, g / count, b / count] : [0, 0, 0];
}

/**
 * Bilinear crops of `regions` into `out` (count × size × size × 3, RGB float 0…255).
 * Taps outside the frame read the mean colour.
 */
export function cropPatchesJs(
  frame: Frame,
  regions: readonly Region[],
  size: number,
  mean: readonly number[],
  out: Float32Array,
): void {
  const { width: W, height: H, data } = frame;
  const row = 3 * W;
  let o = 0;
  for (const { cx, cy, side, sideY = side } of regions) {
    const step = side / size;
    const stepY = sideY / size;
    const x0 = cx - side / 2 + step / 2 - 0.5;
    const y0 = cy - sideY / 2 + stepY / 2 - 0.5;
    for (let j = 0; j < size; j++) {
      const y = y0 + j * stepY;
      const yi = Math.floor(y);
      const fy = y - yi;
      const yIn0 = yi >= 0 && yi < H;
      const yIn1 = yi + 1 >= 0 && yi + 1 < H;
      for (let i = 0; i < size; i++) {
        const x = x0 + i * step;
        const xi = Math.floor(x);
        const fx = x - xi;
        if (yIn0 && yIn1 && xi >= 0 && xi + 1 < W) {
          const a = yi * row + 3 * xi;
          const c = a + row;
          const w00 = (1 - fx) * (1 - fy);
          const w01 = fx * (1 - fy);
          const w10 = (1 - fx) * fy;
          const w11 = fx * fy;
          out[o++] = data[a] * w00 + data[a + 3] * w01 + data[c] * w10 + data[c + 3] * w11;
          out[o++] = data[a + 1] * w00 + data[a + 4] * w01 + data[c + 1] * w10 + data[c + 4] * w11;
          out[o++] = data[a + 2] * w00 + data[a + 5] * w01 + data[c + 2] * w10 + data[c + 5] * w11;
          continue;
        }
        // Border: each tap reads the frame or, outside it, the mean colour.
        const xIn0 = xi >= 0 && xi < W;
        const xIn1 = xi + 1 >= 0 && xi + 1 < W;
        for (let k = 0; k < 3; k++) {
          const p00 = yIn0 && xIn0 ? data[yi * row + 3 * xi + k] : mean[k];
          const p01 = yIn0 && xIn1 ? data[yi * row + 3 * (xi + 1) + k] : mean[k];
          const p10 = yIn1 && xIn0 ? data[(yi + 1) * row + 3 * xi + k] : mean[k];
          const p11 = yIn1 && xIn1 ? data[(yi + 1) * row + 3 * (xi + 1) + k] : mean[k];
          out[o++] = (p00 * (1 - fx) + p01 * fx) * (1 - fy) + (p10 * (1 - fx) + p11 * fx) * fy;
        }
      }
    }
  }
}

/**
 * The same crops on the backend: uploads the frame and runs `tf.image.cropAndResize`; the
 * caller owns (and disposes) the returned [count, size, size, 3] float32 tensor.
 */
export function cropPatchesTf(
  frame: Frame,
  regions: readonly Region[],
  size: number,
  mean: readonly number[],
): tf.Tensor4D {
  const { width: W, height: H } = frame;
  return tf.tidy(() => {
    const image = tf.tensor4d(frame.data, [1, H, W, 3], 'int32');
    const boxes = regions.map(({ cx, cy, side, sideY = side }) => {
      const step = side / size;
      const stepY = sideY / size;
      const y1 = cy - sideY / 2 + stepY / 2 - 0.5;
      const x1 = cx - side / 2 + step / 2 - 0.5;
      const y2 = y1 + (size - 1) * stepY;
      const x2 = x1 + (size - 1) * step;
      return [
        y1 / Math.max(H - 1, 1),
        x1 / Math.max(W - 1, 1),
        y2 / Math.max(H - 1, 1),
        x2 / Math.max(W - 1, 1),
      ];
    });
    const crops = tf.image.cropAndResize(
      image,
      tf.tensor2d(boxes),
      regions.map(() => 0),
      [size, size],
      'bilinear',
      -1,
    );
    // Samples outside the frame are exactly −1 (valid pixels interpolate within 0…255).
    const fill = tf.broadcastTo(tf.tensor4d(mean.slice(0, 3), [1, 1, 1, 3]), crops.shape);
    return tf.where(tf.less(crops, 0), fill, crops) as tf.Tensor4D;
  });
}
