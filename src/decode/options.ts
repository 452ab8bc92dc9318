/**
 * `decode()` options: every field optional, defaults in one constant, validated once (STYLE.md §6).
 */
import type { Readable } from 'node:stream';
import { SiamError } from '../errors.js';
import { closestName } from '../util/closest-name.js';
import { DEFAULT_KILL_GRACE_MS } from './child-reaper.js';
import type { FrameDemand } from './demand.js';

/** What is known about a video stream (from ffprobe, `ffmpeg -i`, or the running decoder). */
export interface VideoInfo {
  width: number;
  height: number;
  /** Frames per second (the stream's average rate; the output rate when `fps` resamples). */
  fps: number;
  /** Number of frames, when the container says or the packets were counted. */
  frameCount?: number;
  /** Frames the container's index announces (files probed with ffprobe): more than `frameCount` means a truncated or damaged file. */
  containerFrames?: number;
  durationMs?: number;
  /** Codec name as ffmpeg spells it (`h264`, `gif`, …); the source codec, even while decoding to RGB. */
  codec?: string;
}

/** Live-source reconnection: exponential backoff, bounded attempts. */
export interface ReconnectOptions {
  /** Attempts after a drop before giving up with `ERR_SOURCE_LOST`. @default 5 */
  attempts?: number;
  /** Delay before the first attempt, in ms; doubles each attempt. @default 500 */
  initialDelayMs?: number;
  /** Cap on the delay, in ms. @default 8000 */
  maxDelayMs?: number;
}

/** One reconnect attempt, as reported to `onReconnect` (and logged on stderr). */
export interface ReconnectEvent {
  /** 1-based attempt number. */
  attempt: number;
  attempts: number;
  delayMs: number;
  /** Why the previous connection ended. */
  reason: string;
  /** Its code, when it was one of ours (`ERR_SOURCE_STALLED`, `ERR_FFMPEG_EXIT` …). */
  code?: string;
}

/** An ffmpeg child as decode reports it. */
export interface FfmpegChild {
  pid: number;
  args: string[];
  /** Resolves when the process has exited (after the teardown's SIGTERM, or SIGKILL past the grace period). */
  exited: Promise<void>;
}

/** Options of {@link decode}. */
export interface DecodeOptions {
  /** Output width in pixels; alone, the height follows the aspect ratio. */
  width?: number;
  /** Output height in pixels; alone, the width follows the aspect ratio. */
  height?: number;
  /** Longest output side in pixels, keeping the aspect ratio; never upscales. Ignored if width/height given. */
  maxSide?: number;
  /** Resample to this frame rate (ffmpeg's `fps` filter: drops or duplicates frames). */
  fps?: number;
  /** Start this far into a file (ffmpeg `-ss` on the input: fast and frame-accurate). */
  startMs?: number;
  /** Stop after this much stream time. */
  durationMs?: number;
  /**
   * `all`: every frame, ffmpeg's stdout paused while the consumer is behind (needs a `demand` to
   * know when the consumer is behind). `latest`: ffmpeg is read as fast as it produces, and a
   * consumer that is behind gets the newest frame, stale ones being dropped and counted.
   * @default 'all' for files and stdin, 'latest' for cameras and network sources
   */
  backpressure?: 'all' | 'latest';
  /**
   * How the consumer says it is ready for more: see {@link createFrameDemand}. Without one, the
   * consumer is assumed to handle each frame synchronously inside `next()`.
   */
  demand?: FrameDemand;
  /** Read a file at its own frame rate (ffmpeg `-re`), as a live server would. @default false */
  realtime?: boolean;
  /**
   * Network sources: whether the stream is live (reconnected when it ends, `latest` by default) or
   * a recording that ends at its end (every frame, `all` by default). Only for network sources.
   * @default from the stream: live unless ffmpeg's header of it announces a duration
   */
  live?: boolean;
  /** Loop a file forever (`-stream_loop -1`); frame indices and timestamps keep increasing. @default false */
  loop?: boolean;
  /** Reconnect policy for live sources (cameras, network). */
  reconnect?: ReconnectOptions;
  /** `latest` mode: called with the total number of stale frames dropped so far, after each drop. */
  onDropped?: (count: number) => void;
  /** Called once, before the first frame, when the output size and rate are known. */
  onInfo?: (info: VideoInfo) => void;
  /** Called before each reconnect attempt of a live source (a line is also written on stderr). */
  onReconnect?: (event: ReconnectEvent) => void;
  /**
   * Called when an ffmpeg child starts, with a promise that resolves once it has exited (execa's
   * style: a caller that stops the stream awaits `exited` instead of polling the pid).
   */
  onStart?: (child: FfmpegChild) => void;
  /**
   * Called once when ffmpeg says the input ended before its container said it would (matroska's
   * "File ended prematurely", mov's "partial file"): a truncated download or a cut recording. The
   * stream still ends normally, with the frames that could be decoded. Gets ffmpeg's line.
   */
  onTruncated?: (note: string) => void;
  /** Stream read for the source `-`. @default process.stdin */
  stdin?: Readable;
  /** Grace period between SIGTERM and SIGKILL when ffmpeg is stopped, in ms. @default 2000 */
  killGraceMs?: number;
  /** Log reconnects on stderr. @default true */
  logReconnects?: boolean;
  /**
   * Live sources: a connection that delivers no frame for this long (twice as long for the first
   * frame, which waits for the connection) is stalled — a sender that stopped, a server that hangs
   * mid-stream: ffmpeg is stopped and the source reconnects with backoff, then `ERR_SOURCE_LOST`.
   * 0 turns the watchdog off. @default 5000
   */
  stallTimeoutMs?: number;
}

/** Every field of {@link DecodeOptions} (a typo is refused, not ignored). */
const DECODE_OPTION_KEYS = [
  'width',
  'height',
  'maxSide',
  'fps',
  'startMs',
  'durationMs',
  'backpressure',
  'demand',
  'realtime',
  'live',
  'loop',
  'reconnect',
  'onDropped',
  'onInfo',
  'onReconnect',
  'onStart',
  'onTruncated',
  'stdin',
  'killGraceMs',
  'logReconnects',
  'stallTimeoutMs',
] as const satisfies readonly (keyof DecodeOptions)[];
// Compile-time check that the list above names every field.
const everyKeyListed: Exclude<keyof DecodeOptions, (typeof DECODE_OPTION_KEYS)[number]> extends never
  ? true
  : never = true;
void everyKeyListed;

/** Reconnect defaults (live sources). */
export const DEFAULT_RECONNECT: Required<ReconnectOptions> = {
  attempts: 5,
  initialDelayMs: 500,
  maxDelayMs: 8000,
};

/** Defaults of the fields that have one (the others are "absent = not applied"). */
export const DEFAULT_DECODE_OPTIONS = {
  realtime: false,
  loop: false,
  killGraceMs: DEFAULT_KILL_GRACE_MS,
  logReconnects: true,
  reconnect: DEFAULT_RECONNECT,
  stallTimeoutMs: 5000,
} as const;

function bad(message: string): SiamError {
  return new SiamError('ERR_BAD_OPTION', message, { hint: 'see DecodeOptions in docs/decode.md' });
}

function checkPositiveInt(name: string, v: unknown, max = 16384): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
    throw bad(`Expected \`${name}\` to be an integer in [1, ${max}], got ${String(v)}`);
  }
}

function checkNonNegative(name: string, v: unknown, allowZero = true): void {
  if (v === undefined) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw bad(
      `Expected \`${name}\` to be a ${allowZero ? 'non-negative' : 'positive'} number, got ${String(v)}`,
    );
  }
}

/**
 * Checks every field once, at the call to `decode()`.
 * @throws SiamError `ERR_BAD_OPTION` saying which field is wrong and what was given.
 */
export function validateDecodeOptions(o: DecodeOptions): void {
  if (o === null || typeof o !== 'object') throw bad(`Expected options to be an object, got ${String(o)}`);
  const unknown = Object.keys(o).find((k) => !(DECODE_OPTION_KEYS as readonly string[]).includes(k));
  if (unknown !== undefined) {
    const near = closestName(unknown, DECODE_OPTION_KEYS);
    throw new SiamError('ERR_BAD_OPTION', `Unknown decode option \`${unknown}\``, {
      hint: near ? `Did you mean \`${near}\`?` : 'See DecodeOptions in docs/decode.md.',
    });
  }
  checkPositiveInt('width', o.width);
  checkPositiveInt('height', o.height);
  checkPositiveInt('maxSide', o.maxSide);
  checkNonNegative('fps', o.fps, false);
  if (o.fps !== undefined && o.fps > 1000) throw bad(`Expected \`fps\` to be <= 1000, got ${o.fps}`);
  checkNonNegative('startMs', o.startMs);
  checkNonNegative('durationMs', o.durationMs, false);
  checkNonNegative('killGraceMs', o.killGraceMs);
  checkNonNegative('stallTimeoutMs', o.stallTimeoutMs);
  if (o.live !== undefined && typeof o.live !== 'boolean') {
    throw bad(`Expected \`live\` to be a boolean, got ${String(o.live)}`);
  }
  if (o.backpressure !== undefined && o.backpressure !== 'all' && o.backpressure !== 'latest') {
    throw bad(`Expected \`backpressure\` to be 'all' or 'latest', got ${String(o.backpressure)}`);
  }
  if (o.reconnect !== undefined) {
    if (o.reconnect === null || typeof o.reconnect !== 'object')
      throw bad('Expected `reconnect` to be an object');
    const { attempts, initialDelayMs, maxDelayMs } = o.reconnect;
    if (attempts !== undefined && (!Number.isInteger(attempts) || attempts < 0 || attempts > 1000)) {
      throw bad(`Expected \`reconnect.attempts\` to be an integer in [0, 1000], got ${String(attempts)}`);
    }
    checkNonNegative('reconnect.initialDelayMs', initialDelayMs);
    checkNonNegative('reconnect.maxDelayMs', maxDelayMs);
  }
  for (const cb of ['onDropped', 'onInfo', 'onReconnect', 'onStart', 'onTruncated'] as const) {
    if (o[cb] !== undefined && typeof o[cb] !== 'function') {
      throw bad(`Expected \`${cb}\` to be a function, got ${typeof o[cb]}`);
    }
  }
}
