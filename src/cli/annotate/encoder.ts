/**
 * An ffmpeg encoder child for `track --annotate`: raw RGB24 frames go to its stdin, an H.264 mp4
 * comes out. Writes wait for the pipe to drain (backpressure); `finish()` closes stdin so ffmpeg
 * writes the mp4 trailer (so an interrupted run still leaves a playable file); `kill()` sends
 * SIGTERM, then SIGKILL after a grace period; the child is also killed if this process exits.
 */
import type { ChildProcess } from 'node:child_process';
import { renameSync } from 'node:fs';
import path from 'node:path';
import { reservePartial } from '../output-path.js';
import { DEFAULT_KILL_GRACE_MS, terminate } from '../../decode/child-reaper.js';
import { SiamError } from '../../errors.js';
import { makeDirSync } from '../../util/make-dir.js';
import { spawnChild } from '../../util/child-process.js';

/** Options of {@link createVideoEncoder}. */
export interface VideoEncoderOptions {
  ffmpegPath: string;
  /** Output file (its extension picks the container; `.mp4` expected). */
  out: string;
  width: number;
  height: number;
  /** Frame rate written in the file; unknown (0, NaN) → {@link DEFAULT_ENCODER_FPS}. */
  fps: number;
  /** x264 preset. @default 'veryfast' */
  preset?: string;
  /** Grace period between SIGTERM and SIGKILL, in ms. @default 2000 */
  killGraceMs?: number;
}

/** A running encoder child: write frames, then `finish()` (or `kill()`). */
export interface VideoEncoder {
  readonly pid: number | undefined;
  /** Frames written so far. */
  readonly frames: number;
  /** Writes one RGB24 frame (`width * height * 3` bytes); resolves once the pipe can take more. */
  write(rgb: Uint8Array): Promise<void>;
  /** Closes stdin and waits for ffmpeg to finish the file. Rejects with `ERR_FFMPEG_EXIT` if it failed. */
  finish(): Promise<void>;
  /** Stops ffmpeg now (SIGTERM, then SIGKILL). The file may be unplayable. */
  kill(): void;
}

/** Characters of ffmpeg's stderr kept for error messages. */
const STDERR_TAIL = 2000;

/** Frame rate written when the source's is unknown (a live source that did not say). */
export const DEFAULT_ENCODER_FPS = 25;

/**
 * The ffmpeg arguments for an RGB24 pipe → H.264 yuv420p mp4 (padded to even sides), written to
 * `file` (the temporary file, renamed to `o.out` once ffmpeg has written the whole video).
 */
export function encoderArgs(o: VideoEncoderOptions, file: string): string[] {
  return [
    '-hide_banner',
    '-loglevel',
    'error',
    '-nostdin',
    '-y',
    '-f',
    'rawvideo',
    '-pix_fmt',
    'rgb24',
    '-s',
    `${o.width}x${o.height}`,
    '-r',
    String(o.fps),
    '-i',
    'pipe:0',
    '-an',
    '-vf',
    'pad=ceil(iw/2)*2:ceil(ih/2)*2',
    '-c:v',
    'libx264',
    '-preset',
    o.preset ?? 'veryfast',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    file,
  ];
}

/** Starts the encoder child. */
export function createVideoEncoder(o: VideoEncoderOptions): VideoEncoder {
  if (!(o.fps > 0 && Number.isFinite(o.fps))) o = { ...o, fps: DEFAULT_ENCODER_FPS };
  // A name of our own, created before ffmpeg runs (its `-y` then overwrites only that file):
  // never an input or an earlier file that happens to be called `<stem>.partial.mp4`.
  let partial: string;
  try {
    makeDirSync(path.dirname(path.resolve(o.out)));
    partial = reservePartial(o.out);
  } catch (cause) {
    if (cause instanceof SiamError) throw cause;
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Cannot write the video ${path.resolve(o.out)}: ${(cause as Error).message}.`,
      {
        cause,
        hint: 'Check that the folder is writable.',
      },
    );
  }
  const args = encoderArgs(o, partial);
  // Own process group: a terminal Ctrl-C reaches only us, and we close stdin so ffmpeg can write
  // the mp4 trailer, instead of ffmpeg and us racing to shut down.
  const child: ChildProcess = spawnChild(o.ffmpegPath, args, {
    stdio: ['pipe', 'ignore', 'pipe'],
    detached: true,
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once('error', (e) => {
      spawnError = e;
      resolve();
    });
    child.once('close', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  // stdin errors (EPIPE when ffmpeg died) surface through write()/finish() instead.
  child.stdin?.on('error', () => {});
  const onParentExit = (): void => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', onParentExit);
  void exit.then(() => process.removeListener('exit', onParentExit));

  const failure = (): SiamError => {
    const what = spawnError
      ? `could not start ${o.ffmpegPath}: ${spawnError.message}`
      : `exited with code ${exited?.code ?? 'null'}${exited?.signal ? `, signal ${exited.signal}` : ''}`;
    return new SiamError('ERR_FFMPEG_EXIT', `ffmpeg encoder for ${o.out} ${what}. ${stderr.trim()}`.trim(), {
      hint: 'check that the ffmpeg build has libx264 (ffmpeg -encoders | grep 264) and the output folder is writable',
      details: { args, code: exited?.code, signal: exited?.signal, stderr },
    });
  };

  // A function, not an inline test: TypeScript would keep `exited` narrowed across the await.
  const failed = (): boolean => spawnError !== undefined || (exited !== undefined && exited.code !== 0);
  let frames = 0;
  const expected = o.width * o.height * 3;
  return {
    get pid() {
      return child.pid;
    },
    get frames() {
      return frames;
    },
    async write(rgb) {
      if (rgb.length !== expected) {
        throw new SiamError(
          'ERR_BAD_FRAME',
          `Expected a ${o.width}x${o.height} RGB frame (${expected} bytes), got ${rgb.length}.`,
        );
      }
      if (exited || spawnError || !child.stdin || child.stdin.destroyed) throw failure();
      const ok = child.stdin.write(rgb);
      frames++;
      if (!ok) {
        await Promise.race([new Promise<void>((resolve) => child.stdin!.once('drain', resolve)), exit]);
        if (failed()) throw failure();
      }
    },
    async finish() {
      if (!exited && !spawnError) child.stdin?.end();
      await exit;
      if (failed() || !exited) throw failure();
      renameSync(partial, path.resolve(o.out));
    },
    kill() {
      if (exited || spawnError) return;
      terminate(child, o.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    },
  };
}
