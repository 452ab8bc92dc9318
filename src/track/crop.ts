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
  const [m0, m1, m2] = mean;
  // Per output column, its left tap's byte offset in a row, its weight and whether both taps are
  // inside the frame: computed once per region instead of once per pixel.
  const xo = new Int32Array(size);
  const fxs = new Float32Array(size);
  const inside = new Uint8Array(size);
  let o = 0;
  for (const { cx, cy, side, sideY = side } of regions) {
    const step = side / size;
    const stepY = sideY / size;
    const x0 = cx - side / 2 + step / 2 - 0.5;
    const y0 = cy - sideY / 2 + stepY / 2 - 0.5;
    for (let i = 0; i < size; i++) {
      const x = x0 + i * step;
      const xi = Math.floor(x);
      xo[i] = 3 * xi;
      fxs[i] = x - xi;
      inside[i] = xi >= 0 && xi + 1 < W ? 1 : 0;
    }
    for (let j = 0; j < size; j++) {
      const y = y0 + j * stepY;
      const yi = Math.floor(y);
      const fy = y - yi;
      const yIn0 = yi >= 0 && yi < H;
      const yIn1 = yi + 1 >= 0 && yi + 1 < H;
      const top = yi * row;
      for (let i = 0; i < size; i++) {
        const fx = fxs[i];
        if (yIn0 && yIn1 && inside[i]) {
          // Lerp along x on both rows, then along y.
          const a = top + xo[i];
          const c = a + row;
          let t = data[a] + (data[a + 3] - data[a]) * fx;
          let b = data[c] + (data[c + 3] - data[c]) * fx;
          out[o++] = t + (b - t) * fy;
          t = data[a + 1] + (data[a + 4] - data[a + 1]) * fx;
          b = data[c + 1] + (data[c + 4] - data[c + 1]) * fx;
          out[o++] = t + (b - t) * fy;
          t = data[a + 2] + (data[a + 5] - data[a + 2]) * fx;
          b = data[c + 2] + (data[c + 5] - data[c + 2]) * fx;
          out[o++] = t + (b - t) * fy;
          continue;
        }
        // Border: each tap reads the frame or, outside it, the mean colour.
        const xi = xo[i] / 3;
        const xIn0 = xi >= 0 && xi < W;
        const xIn1 = xi + 1 >= 0 && xi + 1 < W;
        for (let k = 0; k < 3; k++) {
          const m = k === 0 ? m0 : k === 1 ? m1 : m2;
          const p00 = yIn0 && xIn0 ? data[top + xo[i] + k] : m;
          const p01 = yIn0 && xIn1 ? data[top + xo[i] + 3 + k] : m;
          const p10 = yIn1 && xIn0 ? data[top + row + xo[i] + k] : m;
          const p11 = yIn1 && xIn1 ? data[top + row + xo[i] + 3 + k] : m;
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
