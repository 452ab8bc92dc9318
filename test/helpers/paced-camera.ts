/**
 * A network camera whose clock is the test: a TCP server that sends a raw MJPEG stream (one JPEG
 * per frame, ffmpeg's `mjpeg` demuxer) to whoever connects (`tcp://127.0.0.1:port`, a live source
 * for decode), one frame per `write` of the test's. Each connection remembers which frame of the
 * sequence it sent n-th, so a result for decoded frame n can be checked against that frame's
 * ground truth, whatever the machine's speed.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { resolveFfmpeg } from '../../src/decode/ffmpeg-path.js';

/** One connection of a decoder to the camera. */
export interface CameraConnection {
  /** When it was accepted (`performance.timeOrigin + performance.now()`). */
  readonly acceptedAt: number;
  /** The sequence frame sent n-th, for every frame sent so far. */
  readonly sent: number[];
  readonly closed: boolean;
  /**
   * Sends sequence frame `frame` (clamped to the last one: the camera then shows a still).
   * `padded`: about 1 MB of JPEG comment segments (COM, skipped by decoders) in it; ffmpeg reads
   * ~5 MB of a raw MJPEG stream to probe it before its first frame, so a few padded frames start a
   * connection where ~125 plain ones would queue behind the probe.
   */
  write(frame: number, padded?: boolean): void;
}

/** A running camera. */
export interface PacedCamera {
  readonly url: string;
  /** Frames in the sequence. */
  readonly length: number;
  close(): Promise<void>;
}

/** The first `maxFrames` frames of `video` as JPEGs, in order (ffmpeg, awaited). */
export async function jpegFrames(video: string, maxFrames: number): Promise<Buffer[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'siam-mjpeg-'));
  try {
    await promisify(execFile)(resolveFfmpeg().path, [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-i', video],
      ...['-frames:v', String(maxFrames), '-q:v', '5', path.join(dir, 'f%05d.jpg')],
    ]);
    const names = (await readdir(dir)).sort();
    return await Promise.all(names.map((n) => readFile(path.join(dir, n))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** 16 COM segments of 64 KB: put after a JPEG's SOI marker, they make it ~1 MB. */
const PADDING = (() => {
  const com = Buffer.alloc(65537);
  com.writeUInt16BE(0xfffe, 0); // COM marker
  com.writeUInt16BE(65535, 2); // its length, the two length bytes included
  return Buffer.concat(Array<Buffer>(16).fill(com));
})();

/** Serves `frames` (JPEGs) on 127.0.0.1; `onConnection` drives each connection. */
export async function startPacedCamera(
  frames: readonly Buffer[],
  onConnection: (c: CameraConnection) => void,
): Promise<PacedCamera> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    let closed = false;
    socket.on('close', () => {
      closed = true;
      sockets.delete(socket);
    });
    socket.on('error', () => undefined); // the decoder went away (its worker was killed)
    const sent: number[] = [];
    onConnection({
      acceptedAt: performance.timeOrigin + performance.now(),
      sent,
      get closed() {
        return closed;
      },
      write(frame, padded = false) {
        if (closed) return;
        const f = Math.min(frame, frames.length - 1);
        const jpeg = frames[f] as Buffer;
        sent.push(f);
        socket.write(padded ? Buffer.concat([jpeg.subarray(0, 2), PADDING, jpeg.subarray(2)]) : jpeg);
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `tcp://127.0.0.1:${port}`,
    length: frames.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
