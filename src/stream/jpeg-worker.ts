/**
 * Worker-thread entry of the JPEG preview encoder (see jpeg-encoder.ts). Receives
 * `{ id, rgb, width, height, maxSide, quality }`, answers `{ id, jpeg, width, height, encodeMs }`
 * (the JPEG's buffer transferred) or `{ id, error }`.
 */
import { parentPort } from 'node:worker_threads';
import { encodeJpegPreview } from './jpeg.js';

interface Job {
  id: number;
  rgb: Uint8Array;
  width: number;
  height: number;
  maxSide: number;
  quality: number;
}

parentPort?.on('message', (job: Job) => {
  try {
    const t0 = performance.now();
    const out = encodeJpegPreview(job.rgb, job.width, job.height, {
      maxSide: job.maxSide,
      quality: job.quality,
    });
    // Copy into an exactly-sized buffer that can be transferred (jpeg-js's may be a pooled slice).
    const jpeg = new Uint8Array(out.jpeg);
    parentPort?.postMessage(
      { id: job.id, jpeg, width: out.width, height: out.height, encodeMs: performance.now() - t0 },
      [jpeg.buffer],
    );
  } catch (e) {
    parentPort?.postMessage({ id: job.id, error: String((e as Error)?.message ?? e) });
  }
});
