/**
 * Test doubles for the live server: a synthetic frame source (a bright square moving on a dark
 * background, emitted on a timer like a live camera, or one frame per call of the test's), a
 * WebSocket peer that never reads, an identity tracker, a ground-truth-replaying
 * tracker, and a small `ws` client that records what it receives.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { Observable, Subject } from 'rxjs';
import WebSocket from 'ws';
import { parseGroundTruth } from '../../src/eval/groundtruth.js';
import { iou } from '../../src/eval/metrics.js';
import { decode } from '../../src/decode/index.js';
import { createFrameDemand } from '../../src/decode/demand.js';
import type { TrackerFactory } from '../../src/stream/pipeline.js';
import type { FrameSourceFactory } from '../../src/stream/session.js';
import type { MultiTracker } from '../../src/track/multi-tracker.js';
import { fakeMultiTracker } from '../helpers/fake-tracker.js';
import { decodeFrameMessage, type FrameHeader, type ServerMessage } from '../../src/stream/protocol.js';
import type { Box, Frame } from '../../src/types.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

/** Where the square is on frame `i` (pixels). */
export function squareAt(i: number, width: number, height: number, side = 40): Box {
  const t = i / 30;
  return {
    x: Math.round((width - side) / 2 + ((width - side) / 3) * Math.sin(t)),
    y: Math.round((height - side) / 2 + ((height - side) / 3) * Math.cos(t * 0.7)),
    width: side,
    height: side,
  };
}

/** Options of the synthetic sources: frame size, nominal rate, and noisy (incompressible) backgrounds. */
export interface SyntheticOptions {
  width?: number;
  height?: number;
  fps?: number;
  noise?: boolean;
}

/** Makes frame `i` of the synthetic scene: the square at {@link squareAt} on a flat or noisy background. */
function syntheticFrames(o: SyntheticOptions): {
  info: { width: number; height: number; fps: number };
  frame(i: number): Frame;
} {
  const width = o.width ?? 320;
  const height = o.height ?? 180;
  const fps = o.fps ?? 30;
  // Noise does not compress: big JPEG previews (two precomputed backgrounds, alternating).
  const noisy = o.noise
    ? [0, 1].map((seed) => {
        const b = new Uint8Array(width * height * 3);
        for (let k = 0; k < b.length; k++) b[k] = (Math.imul(k + seed * 7919, 2654435761) >>> 24) & 255;
        return b;
      })
    : null;
  return {
    info: { width, height, fps },
    frame(i) {
      const data = noisy
        ? new Uint8Array(noisy[i % 2] as Uint8Array)
        : new Uint8Array(width * height * 3).fill(30);
      const b = squareAt(i, width, height);
      for (let y = b.y; y < b.y + b.height; y++)
        data.fill(220, (y * width + b.x) * 3, (y * width + b.x + b.width) * 3);
      return { index: i, timestampMs: (i * 1000) / fps, width, height, data };
    },
  };
}

/** Synthetic frames at `fps` on a timer; `count` frames then complete (Infinity: forever). */
export function syntheticSource(o: SyntheticOptions & { count?: number } = {}): FrameSourceFactory {
  const count = o.count ?? Infinity;
  const scene = syntheticFrames(o);
  return (hooks) =>
    new Observable<Frame>((sub) => {
      hooks.onInfo(scene.info);
      let i = 0;
      const timer = setInterval(() => {
        sub.next(scene.frame(i));
        i++;
        if (i >= count) {
          clearInterval(timer);
          sub.complete();
        }
      }, 1000 / scene.info.fps);
      return () => clearInterval(timer);
    });
}

/**
 * The synthetic scene with the test as its clock: `next()` emits the next frame (synchronously,
 * to the server subscribed to `frames`) and returns its index. A slow machine slows the test, never
 * changes what it sees.
 */
export function pacedSource(o: SyntheticOptions = {}): { frames: FrameSourceFactory; next(): number } {
  const scene = syntheticFrames(o);
  const out = new Subject<Frame>();
  let i = 0;
  return {
    frames: (hooks) =>
      new Observable<Frame>((sub) => {
        hooks.onInfo(scene.info);
        return out.subscribe(sub);
      }),
    next() {
      out.next(scene.frame(i));
      return i++;
    },
  };
}

/**
 * A WebSocket client that completes the opening handshake (RFC 6455 §4.1) on a raw TCP socket and
 * then never reads: what the server sees of a stalled peer (its writes back up, it answers no ping).
 * Resolves once the server has answered 101.
 */
export function stalledClient(port: number, pathAndQuery = '/ws'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('error', reject);
    socket.once('connect', () =>
      socket.write(
        `GET ${pathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      ),
    );
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause(); // from here on nothing is read: the kernel's buffers fill, then the server's
      if (/^HTTP\/1\.1 101 /.test(head)) resolve(socket);
      else reject(new Error(`handshake refused: ${head.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
  });
}

/** A file source whose pace the test sets: see {@link pacedFile}. */
export interface PacedFile {
  /** The server's `frames`. */
  frames: FrameSourceFactory;
  /** The server's `createTracker`: the given factory's tracker, reporting each finished frame. */
  createTracker: TrackerFactory;
  /** While true, frames advance only on {@link PacedFile.step}; else at the tracker's pace. */
  manual: boolean;
  /** Lets one more frame through (manual mode). */
  step(): void;
}

/**
 * A file decoded (ffmpeg, no `-re`) at the pace of its consumer, never of the clock: one frame is in
 * flight at a time (a FrameDemand), and the next is let through when the tracker has finished it
 * (`add` or `update`), or, while no target is followed, every `idleFrameMs` (a camera showing the
 * scene until a box is drawn), or in manual mode when the test calls `step()`. Every frame is
 * tracked, so the boxes are the same on a busy machine as on an idle one; only the test slows down.
 */
export function pacedFile(
  file: string,
  o: { createTracker: TrackerFactory; loop?: boolean; idleFrameMs?: number },
): PacedFile {
  const demand = createFrameDemand({ maxInFlight: 1 });
  let tracker: MultiTracker | undefined;
  const paced: PacedFile = {
    manual: false,
    step: () => demand.release(),
    frames: (hooks) =>
      new Observable<Frame>((sub) => {
        const idle =
          o.idleFrameMs === undefined
            ? undefined
            : setInterval(() => {
                if (!paced.manual && (tracker?.ids.length ?? 0) === 0) demand.release();
              }, o.idleFrameMs);
        const frames = decode(file, {
          demand,
          loop: o.loop,
          onInfo: hooks.onInfo,
          onStart: hooks.onStart,
          onDropped: hooks.onDropped,
        }).subscribe(sub);
        return () => {
          clearInterval(idle);
          frames.unsubscribe();
        };
      }),
    createTracker: async () => {
      const t = await o.createTracker();
      tracker = t;
      const done = (): void => {
        if (!paced.manual) demand.release();
      };
      return new Proxy(t, {
        get(target, prop) {
          if (prop === 'add' || prop === 'update') {
            const method = target[prop] as (...args: unknown[]) => Promise<unknown>;
            return async (...args: unknown[]) => {
              try {
                return await method.apply(target, args);
              } finally {
                done();
              }
            };
          }
          const v: unknown = Reflect.get(target, prop, target);
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      });
    },
  };
  return paced;
}

/** A tracker whose targets always answer their init boxes (optionally taking `delayMs` per update). */
export function identityTracker(delayMs = 0): MultiTracker {
  return fakeMultiTracker({ delayMs });
}

/** A tracker whose every target answers `truth(frame.index)` (null = hidden → lost, last box kept). */
export function replayTracker(truth: (index: number) => Box | null): MultiTracker {
  return fakeMultiTracker({ locate: (f) => truth(f.index) });
}

/** The boxes of a ground-truth file (`null` where the target is hidden), read by src/eval. */
export function readGroundTruth(file: string): (Box | null)[] {
  return parseGroundTruth(readFileSync(file, 'utf8'), file);
}

export { iou };

/** A `ws` client that records every message, with receive times. */
export class RecordingClient {
  readonly ws: WebSocket;
  readonly messages: { at: number; msg: ServerMessage }[] = [];
  readonly frames: { at: number; header: FrameHeader; bytes: number }[] = [];
  readonly opened: Promise<void>;

  constructor(url: string, options: WebSocket.ClientOptions = {}) {
    this.ws = new WebSocket(url, options);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      const at = performance.timeOrigin + performance.now();
      if (isBinary) {
        const { header, jpeg } = decodeFrameMessage(data);
        this.frames.push({ at, header, bytes: jpeg.length });
      } else this.messages.push({ at, msg: JSON.parse(data.toString('utf8')) as ServerMessage });
    });
  }

  of<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }>[] {
    return this.messages
      .filter((m) => m.msg.type === type)
      .map((m) => m.msg as Extract<ServerMessage, { type: T }>);
  }

  /** Resolves when `pred` holds on the recorded messages (polling), rejects after `timeoutMs`. */
  async waitFor(pred: (c: this) => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const t0 = Date.now();
    while (!pred(this)) {
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  send(obj: unknown): void {
    this.ws.send(typeof obj === 'string' ? obj : JSON.stringify(obj));
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((r) => {
      this.ws.once('close', () => r());
      this.ws.terminate();
    });
  }
}

/** Status code of a refused upgrade (the `unexpected-response`), or 101 when it was accepted. */
export function upgradeStatus(url: string, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => {
      ws.terminate();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('error', (e) => reject(e));
  });
}

/** `siamstream serve …args` as a process (no token from the environment unless `env` gives one). */
export function spawnServe(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SIAMSTREAM_TOKEN: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}
