/**
 * JPEG previews through libvips/mozjpeg (the `sharp` package, an optional dependency whose
 * prebuilt binaries come from npm): ~1.5 ms for 640x360 at quality 70 on the reference machine
 * against jpeg-js's 25–45 ms (bench/latency.ts prints both), and the work runs on libuv's thread
 * pool, not on the event loop. Where `sharp` does not load, previews fall back to jpeg-js in a
 * worker thread (jpeg-encoder.ts).
 */
import {
  DEFAULT_JPEG_PREVIEW_OPTIONS,
  previewSize,
  type JpegPreview,
  type JpegPreviewOptions,
} from './jpeg.js';

/** Encodes one RGB24 frame (scaled to the preview size) as JPEG, off the event loop. */
export type NativeJpegEncode = (
  rgb: Uint8Array,
  width: number,
  height: number,
  options?: JpegPreviewOptions,
) => Promise<JpegPreview>;

let loading: Promise<NativeJpegEncode | null> | undefined;

/** The native encoder, or null where `sharp` is not installed or its binary does not load. Loaded once. */
export function loadNativeJpeg(): Promise<NativeJpegEncode | null> {
  loading ??= import('sharp').then(
    ({ default: sharp }) => {
      // One libvips thread per image: previews are small, and the tracker and ffmpeg need the cores.
      sharp.concurrency(1);
      return async (rgb, width, height, options = {}) => {
        const { maxSide, quality } = { ...DEFAULT_JPEG_PREVIEW_OPTIONS, ...options };
        const size = previewSize(width, height, maxSide);
        let image = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, width * height * 3), {
          raw: { width, height, channels: 3 },
        });
        if (size.width !== width || size.height !== height) {
          image = image.resize(size.width, size.height, { fit: 'fill' });
        }
        // Baseline Huffman tables: optimised coding halves the speed for ~3 % fewer bytes.
        const jpeg = await image.jpeg({ quality, optimiseCoding: false }).toBuffer();
        return { jpeg: new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength), ...size };
      };
    },
    () => null,
  );
  return loading;
}
