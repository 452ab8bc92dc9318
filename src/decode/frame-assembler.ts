/**
 * Cuts ffmpeg's raw RGB24 byte stream into frames. Bytes arrive on stdout in pipe-sized chunks
 * (64 KiB, unrelated to frame boundaries); each frame's size and pts arrive separately on stderr
 * (`showinfo`). ffmpeg prints a frame's showinfo line before it writes the frame, but the two pipes
 * are read independently, so either side may be ahead: bytes wait until their frame's line is known.
 */
import type { FrameMeta } from './stderr-parser.js';

/** A frame cut from the stream, before `decode()` gives it its final index and timestamp. */
export interface RawFrame {
  meta: FrameMeta;
  data: Uint8Array;
}

/** Accumulates stdout chunks and stderr metas; `take()` returns the next complete frame. */
export class FrameAssembler {
  private readonly chunks: Buffer[] = [];
  private head = 0; // read offset into chunks[0]
  private bytes = 0;
  private readonly metas: FrameMeta[] = [];

  /** Bytes held that are not yet a whole frame (bounded by one frame plus one pipe chunk). */
  get bufferedBytes(): number {
    return this.bytes;
  }

  pushBytes(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.bytes += chunk.length;
  }

  pushMeta(meta: FrameMeta): void {
    this.metas.push(meta);
  }

  /** The next whole frame, or undefined if its bytes or its showinfo line have not arrived yet. */
  take(): RawFrame | undefined {
    const meta = this.metas[0];
    if (!meta) return undefined;
    const size = meta.width * meta.height * 3;
    if (this.bytes < size) return undefined;
    this.metas.shift();
    const data = new Uint8Array(size);
    let filled = 0;
    while (filled < size) {
      const chunk = this.chunks[0];
      const n = Math.min(chunk.length - this.head, size - filled);
      data.set(chunk.subarray(this.head, this.head + n), filled);
      filled += n;
      this.head += n;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.bytes -= size;
    return { meta, data };
  }
}
