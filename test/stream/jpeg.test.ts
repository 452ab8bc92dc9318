import { describe, expect, it } from 'vitest';
import jpeg from 'jpeg-js';
import { encodeJpegPreview, previewSize, rgbToRgba } from '../../src/stream/jpeg.js';
import { JpegEncoder } from '../../src/stream/jpeg-encoder.js';

function gradient(w: number, h: number): Uint8Array {
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 3;
      rgb[i] = (x * 255) / w;
      rgb[i + 1] = (y * 255) / h;
      rgb[i + 2] = 128;
    }
  return rgb;
}

describe('jpeg previews', () => {
  it('keeps the aspect ratio and never upscales', () => {
    expect(previewSize(1280, 720, 640)).toEqual({ width: 640, height: 360 });
    expect(previewSize(320, 180, 640)).toEqual({ width: 320, height: 180 });
    expect(previewSize(360, 640, 320)).toEqual({ width: 180, height: 320 });
  });

  it('resamples a constant image to the same constant', () => {
    const rgb = new Uint8Array(40 * 20 * 3).fill(77);
    const out = rgbToRgba(rgb, 40, 20, 13, 7);
    expect(out.length).toBe(13 * 7 * 4);
    for (let i = 0; i < out.length; i += 4)
      expect([out[i], out[i + 1], out[i + 2], out[i + 3]]).toEqual([77, 77, 77, 255]);
  });

  it('encodes a JPEG that decodes back close to the input', () => {
    const w = 64;
    const h = 48;
    const p = encodeJpegPreview(gradient(w, h), w, h, { quality: 90 });
    const back = jpeg.decode(p.jpeg, { useTArray: true });
    expect([back.width, back.height]).toEqual([w, h]);
    const src = gradient(w, h);
    let err = 0;
    for (let i = 0; i < w * h; i++) err += Math.abs(back.data[i * 4] - src[i * 3]);
    expect(err / (w * h)).toBeLessThan(4);
  });

  it('encodes natively with sharp (an optional dependency npm ci installs), scaled, close to the input', async () => {
    const enc = new JpegEncoder({ maxSide: 320, quality: 90 });
    try {
      await enc.ready;
      expect(enc.engine).toBe('sharp');
      const [w, h] = [640, 360];
      const src = gradient(w, h);
      const first = enc.encode(src, w, h);
      expect(enc.busy).toBe(true);
      await expect(enc.encode(src, w, h)).rejects.toThrow(/busy/);
      const p = await first;
      expect([p.width, p.height]).toEqual([320, 180]);
      const back = jpeg.decode(p.jpeg, { useTArray: true });
      expect([back.width, back.height]).toEqual([320, 180]);
      // Against the gradient at the preview's size: red follows x, green follows y.
      const small = gradient(320, 180);
      let err = 0;
      for (let i = 0; i < 320 * 180; i++)
        err += Math.abs(back.data[i * 4] - small[i * 3]) + Math.abs(back.data[i * 4 + 1] - small[i * 3 + 1]);
      expect(err / (320 * 180 * 2)).toBeLessThan(4);
    } finally {
      await enc.close();
    }
  });

  it('encodes with jpeg-js in a worker thread, one frame at a time, when asked', async () => {
    const enc = new JpegEncoder({ maxSide: 320 }, true, 'jpeg-js');
    try {
      const rgb = gradient(640, 360);
      const first = enc.encode(rgb, 640, 360);
      expect(enc.busy).toBe(true);
      await expect(enc.encode(rgb, 640, 360)).rejects.toThrow(/busy/);
      const p = await first;
      expect(enc.engine).toBe('jpeg-js');
      expect([p.width, p.height]).toEqual([320, 180]);
      expect(Array.from(p.jpeg.subarray(0, 2))).toEqual([0xff, 0xd8]);
      expect(enc.busy).toBe(false);
    } finally {
      await enc.close();
    }
  });
});
