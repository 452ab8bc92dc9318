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
  /** Sends sequence frame `frame` (clamped to the last one: the camera then shows a still). */
  write(frame: number): void;
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
      write(frame) {
        if (closed) return;
        const f = Math.min(frame, frames.length - 1);
        sent.push(f);
        socket.write(frames[f] as Buffer);
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
