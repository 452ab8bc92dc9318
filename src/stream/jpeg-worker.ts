/**
 * Worker-thread entry of the JPEG preview encoder (see jpeg-encoder.ts). Speaks WorkerRpc's
 * protocol (src/util/worker-rpc.ts): a request `{ id, rgb, width, height, maxSide, quality }` is
 * answered `{ id, type: 'jpeg', jpeg, width, height, encodeMs }` (the JPEG's buffer transferred) or
 * with an error reply.
 */
import { parentPort } from 'node:worker_threads';
import { errorReply, type RpcErrorReply } from '../util/worker-rpc.js';
import { encodeJpegPreview } from './jpeg.js';

/** What the owner asks (without the id). */
export interface JpegRequest {
  rgb: Uint8Array;
  width: number;
  height: number;
  maxSide: number;
  quality: number;
}

/** What the worker answers. */
export type JpegReply =
  | { id: number; type: 'jpeg'; jpeg: Uint8Array; width: number; height: number; encodeMs: number }
  | RpcErrorReply;

parentPort?.on('message', (job: JpegRequest & { id: number }) => {
  try {
    const t0 = performance.now();
    const out = encodeJpegPreview(job.rgb, job.width, job.height, {
      maxSide: job.maxSide,
      quality: job.quality,
    });
    // Copy into an exactly-sized buffer that can be transferred (jpeg-js's may be a pooled slice).
    const jpeg = new Uint8Array(out.jpeg);
    const reply: JpegReply = {
      id: job.id,
      type: 'jpeg',
      jpeg,
      width: out.width,
      height: out.height,
      encodeMs: performance.now() - t0,
    };
    parentPort?.postMessage(reply, [jpeg.buffer]);
  } catch (e) {
    parentPort?.postMessage(errorReply(job.id, e));
  }
});
