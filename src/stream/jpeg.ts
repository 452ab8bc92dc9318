/**
 * JPEG previews of RGB frames, in pure JS (jpeg-js). Pure functions, used by the encoder worker
 * (jpeg-worker.ts) and by bench/latency.ts to measure the cost.
 *
 * jpeg-js costs ~30–40 ms for 640x360 at quality 70 on this project's reference machine, too much
 * for the event loop that also drives the tracker, so the server encodes in a worker thread
 * (jpeg-encoder.ts), once per frame for all clients, and only when a client wants one.
 */
import jpeg from 'jpeg-js';

/** Preview settings. */
export interface JpegPreviewOptions {
  /** Longest side of the preview in pixels; larger frames are scaled down (never up). @default 640 */
  maxSide?: number;
  /** JPEG quality, 1–100. @default 70 */
  quality?: number;
}

/** Defaults of {@link JpegPreviewOptions}. */
export const DEFAULT_JPEG_PREVIEW_OPTIONS: Required<JpegPreviewOptions> = { maxSide: 640, quality: 70 };

/** An encoded preview. */
export interface JpegPreview {
  jpeg: Uint8Array;
  width: number;
  height: number;
}

/** The preview size for a `width`x`height` frame: aspect kept, long side ≤ `maxSide`, never upscaled. */
export function previewSize(
  width: number,
  height: number,
  maxSide: number,
): { width: number; height: number } {
  const s = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

/**
 * RGB24 → RGBA (what jpeg-js reads), resampled to `dw`x`dh`. Bilinear when scaling, a plain copy
 * otherwise. Alpha is 255.
 */
export function rgbToRgba(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh * 4);
  if (sw === dw && sh === dh) {
    for (let i = 0, j = 0; i < sw * sh * 3; i += 3, j += 4) {
      out[j] = src[i];
      out[j + 1] = src[i + 1];
      out[j + 2] = src[i + 2];
      out[j + 3] = 255;
    }
    return out;
  }
  // Pixel centres aligned (OpenCV's INTER_LINEAR convention).
  const fx = sw / dw;
  const fy = sh / dh;
  for (let y = 0; y < dh; y++) {
    const syf = Math.min(Math.max((y + 0.5) * fy - 0.5, 0), sh - 1);
    const y0 = Math.floor(syf);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = syf - y0;
    for (let x = 0; x < dw; x++) {
      const sxf = Math.min(Math.max((x + 0.5) * fx - 0.5, 0), sw - 1);
      const x0 = Math.floor(sxf);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = sxf - x0;
      const a = (y0 * sw + x0) * 3;
      const b = (y0 * sw + x1) * 3;
      const c = (y1 * sw + x0) * 3;
      const d = (y1 * sw + x1) * 3;
      const o = (y * dw + x) * 4;
      for (let k = 0; k < 3; k++) {
        const top = src[a + k] + (src[b + k] - src[a + k]) * wx;
        const bottom = src[c + k] + (src[d + k] - src[c + k]) * wx;
        out[o + k] = top + (bottom - top) * wy + 0.5;
      }
      out[o + 3] = 255;
    }
  }
  return out;
}

/** Encodes one RGB frame as a JPEG preview (synchronous; ~tens of ms at 640x360). */
export function encodeJpegPreview(
  rgb: Uint8Array,
  width: number,
  height: number,
  options: JpegPreviewOptions = {},
): JpegPreview {
  const { maxSide, quality } = { ...DEFAULT_JPEG_PREVIEW_OPTIONS, ...options };
  const size = previewSize(width, height, maxSide);
  const rgba = rgbToRgba(rgb, width, height, size.width, size.height);
  const encoded = jpeg.encode({ data: rgba, width: size.width, height: size.height }, quality);
  return {
    jpeg: new Uint8Array(encoded.data.buffer, encoded.data.byteOffset, encoded.data.byteLength),
    ...size,
  };
}
