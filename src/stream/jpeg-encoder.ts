/**
 * Encodes JPEG previews off the event loop, in one worker thread, one frame at a time. The server
 * asks {@link JpegEncoder.busy} before offering a frame, so a slow encoder lowers the preview rate
 * instead of queueing frames. If the worker cannot start, it falls back to encoding on the main
 * thread (correct, but it then competes with the tracker).
 */
import type { Worker } from 'node:worker_threads';
import {
  encodeJpegPreview,
  DEFAULT_JPEG_PREVIEW_OPTIONS,
  type JpegPreview,
  type JpegPreviewOptions,
} from './jpeg.js';
import { spawnWorker } from '../util/spawn-worker.js';

/** An encoded preview with how long the encoding took. */
export interface EncodedPreview extends JpegPreview {
  encodeMs: number;
}

interface Reply {
  id: number;
  jpeg?: Uint8Array;
  width?: number;
  height?: number;
  encodeMs?: number;
  error?: string;
}

/** JPEG previews encoded in a worker thread, one at a time (see the module comment). */
export class JpegEncoder {
  private readonly opts: Required<JpegPreviewOptions>;
  private worker: Worker | null = null;
  private nextId = 0;
  private pending: { id: number; resolve: (p: EncodedPreview) => void; reject: (e: Error) => void } | null =
    null;
  private closed = false;

  /** @param useWorker encode in a worker thread @default true */
  constructor(options: JpegPreviewOptions = {}, useWorker = true) {
    this.opts = { ...DEFAULT_JPEG_PREVIEW_OPTIONS, ...options };
    if (useWorker) this.startWorker();
  }

  /** True while a frame is being encoded. */
  get busy(): boolean {
    return this.pending !== null;
  }

  /** Encodes one RGB frame. Rejects if called while {@link busy} or after {@link close}. */
  encode(rgb: Uint8Array, width: number, height: number): Promise<EncodedPreview> {
    if (this.closed) return Promise.reject(new Error('encoder closed'));
    if (this.pending) return Promise.reject(new Error('encoder busy'));
    if (!this.worker) {
      const t0 = performance.now();
      try {
        const out = encodeJpegPreview(rgb, width, height, this.opts);
        return Promise.resolve({ ...out, encodeMs: performance.now() - t0 });
      } catch (e) {
        return Promise.reject(e as Error);
      }
    }
    const id = ++this.nextId;
    return new Promise<EncodedPreview>((resolve, reject) => {
      this.pending = { id, resolve, reject };
      // The frame's buffer is shared with the tracker: copied (structured clone), not transferred.
      this.worker?.postMessage({ id, rgb, width, height, ...this.opts });
    });
  }

  /** Stops the worker; a pending encode rejects. */
  async close(): Promise<void> {
    this.closed = true;
    this.failPending(new Error('encoder closed'));
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private startWorker(): void {
    let worker: Worker;
    try {
      worker = spawnWorker(import.meta.url, 'jpeg-worker');
    } catch {
      return; // fall back to the main thread
    }
    worker.unref();
    worker.on('message', (r: Reply) => {
      const p = this.pending;
      if (!p || p.id !== r.id) return;
      this.pending = null;
      if (r.error !== undefined || !r.jpeg) p.reject(new Error(r.error ?? 'no output'));
      else p.resolve({ jpeg: r.jpeg, width: r.width ?? 0, height: r.height ?? 0, encodeMs: r.encodeMs ?? 0 });
    });
    worker.on('error', (e) => {
      // A worker that fails (e.g. cannot load its module) is replaced by main-thread encoding.
      if (this.worker === worker) this.worker = null;
      this.failPending(e);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null;
      this.failPending(new Error('encoder worker exited'));
    });
    this.worker = worker;
  }

  private failPending(e: Error): void {
    const p = this.pending;
    this.pending = null;
    p?.reject(e);
  }
}
