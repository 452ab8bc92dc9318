/**
 * Encodes JPEG previews off the event loop, one frame at a time: natively (libvips/mozjpeg through
 * `sharp`, jpeg-native.ts) where it loads, else with jpeg-js in a worker thread. The server asks
 * {@link JpegEncoder.busy} before offering a frame, so a slow encoder lowers the preview rate
 * instead of queueing frames. If the worker cannot start either, jpeg-js encodes on the main
 * thread (correct, but it then competes with the tracker).
 */
import {
  encodeJpegPreview,
  DEFAULT_JPEG_PREVIEW_OPTIONS,
  type JpegPreview,
  type JpegPreviewOptions,
} from './jpeg.js';
import type { JpegReply, JpegRequest } from './jpeg-worker.js';
import { loadNativeJpeg, type NativeJpegEncode } from './jpeg-native.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { WorkerRpc } from '../util/worker-rpc.js';
import { SiamError } from '../errors.js';

/** An encoded preview with how long the encoding took. */
export interface EncodedPreview extends JpegPreview {
  encodeMs: number;
}

/** Which encoder makes previews: `sharp` where it loads (`auto`), or jpeg-js. */
export type PreviewEncoderName = 'auto' | 'sharp' | 'jpeg-js';

/** JPEG previews encoded in a worker thread, one at a time (see the module comment). */
export class JpegEncoder {
  private readonly opts: Required<JpegPreviewOptions>;
  private rpc: WorkerRpc<JpegRequest, JpegReply> | null = null;
  private native: NativeJpegEncode | null = null;
  private encoding = false;
  private closed = false;
  /** Settles once the encoder is chosen. */
  readonly ready: Promise<void>;

  /**
   * @param useWorker encode with jpeg-js in a worker thread (when jpeg-js encodes) @default true
   * @param engine `sharp` fails (ERR_BAD_OPTION, in {@link ready}) where it does not load @default 'auto'
   */
  constructor(options: JpegPreviewOptions = {}, useWorker = true, engine: PreviewEncoderName = 'auto') {
    this.opts = { ...DEFAULT_JPEG_PREVIEW_OPTIONS, ...options };
    this.ready = (engine === 'jpeg-js' ? Promise.resolve(null) : loadNativeJpeg()).then((native) => {
      if (engine === 'sharp' && !native) {
        throw new SiamError('ERR_BAD_OPTION', 'The sharp preview encoder was asked for but does not load.', {
          hint: 'npm install sharp, or leave previewEncoder at auto (jpeg-js then encodes).',
        });
      }
      this.native = native;
      if (!native && useWorker && !this.closed) this.startWorker();
    });
  }

  /** The encoder in use once {@link ready}: `sharp` or `jpeg-js`. */
  get engine(): 'sharp' | 'jpeg-js' {
    return this.native ? 'sharp' : 'jpeg-js';
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
      await this.ready;
      if (this.closed) throw new Error('encoder closed');
      if (this.native) {
        const t0 = performance.now();
        const out = await this.native(rgb, width, height, this.opts);
        return { ...out, encodeMs: performance.now() - t0 };
      }
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
