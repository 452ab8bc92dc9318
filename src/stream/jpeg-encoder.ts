/**
 * Encodes JPEG previews off the event loop, in one worker thread, one frame at a time. The server
 * asks {@link JpegEncoder.busy} before offering a frame, so a slow encoder lowers the preview rate
 * instead of queueing frames. If the worker cannot start, it falls back to encoding on the main
 * thread (correct, but it then competes with the tracker).
 */
import {
  encodeJpegPreview,
  DEFAULT_JPEG_PREVIEW_OPTIONS,
  type JpegPreview,
  type JpegPreviewOptions,
} from './jpeg.js';
import type { JpegReply, JpegRequest } from './jpeg-worker.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { WorkerRpc } from '../util/worker-rpc.js';

/** An encoded preview with how long the encoding took. */
export interface EncodedPreview extends JpegPreview {
  encodeMs: number;
}

/** JPEG previews encoded in a worker thread, one at a time (see the module comment). */
export class JpegEncoder {
  private readonly opts: Required<JpegPreviewOptions>;
  private rpc: WorkerRpc<JpegRequest, JpegReply> | null = null;
  private encoding = false;
  private closed = false;

  /** @param useWorker encode in a worker thread @default true */
  constructor(options: JpegPreviewOptions = {}, useWorker = true) {
    this.opts = { ...DEFAULT_JPEG_PREVIEW_OPTIONS, ...options };
    if (useWorker) this.startWorker();
  }

  /** True while a frame is being encoded. */
  get busy(): boolean {
    return this.encoding;
  }

  /** Encodes one RGB frame. Rejects if called while {@link busy} or after {@link close}. */
  async encode(rgb: Uint8Array, width: number, height: number): Promise<EncodedPreview> {
    if (this.closed) throw new Error('encoder closed');
    if (this.encoding) throw new Error('encoder busy');
    this.encoding = true;
    try {
      if (!this.rpc) {
        const t0 = performance.now();
        return { ...encodeJpegPreview(rgb, width, height, this.opts), encodeMs: performance.now() - t0 };
      }
      // The frame's buffer is shared with the tracker: copied (structured clone), not transferred.
      const r = await this.rpc.call({ rgb, width, height, ...this.opts }, 'jpeg');
      return { jpeg: r.jpeg, width: r.width, height: r.height, encodeMs: r.encodeMs };
    } finally {
      this.encoding = false;
    }
  }

  /** Stops the worker; a pending encode rejects (ERR_DISPOSED). */
  async close(): Promise<void> {
    this.closed = true;
    const rpc = this.rpc;
    this.rpc = null;
    await rpc?.terminate('The JPEG encoder');
  }

  private startWorker(): void {
    try {
      const worker = spawnWorker(import.meta.url, 'jpeg-worker');
      const rpc = new WorkerRpc<JpegRequest, JpegReply>(worker, 'JPEG worker');
      // A worker that fails (e.g. cannot load its module) is replaced by main-thread encoding;
      // the encode in flight, if any, rejects (WorkerRpc).
      const drop = (): void => {
        if (this.rpc === rpc) this.rpc = null;
      };
      worker.on('error', drop);
      worker.on('exit', drop);
      this.rpc = rpc;
    } catch {
      // fall back to the main thread
    }
  }
}
