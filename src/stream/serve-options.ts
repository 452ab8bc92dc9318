/**
 * Options of `serve()`: every field optional except the source, defaults in one constant,
 * validated once (STYLE.md §6).
 */
import type { OperatorFunction } from 'rxjs';
import { SiamError } from '../errors.js';
import type { TrackerOptions } from '../track/index.js';
import type { Box, ClipLabel, Frame } from '../types.js';
import type { ClientQueueOptions } from './client-queue.js';
import type { PreviewEncoderName } from './jpeg-encoder.js';
import { DEFAULT_JPEG_PREVIEW_OPTIONS } from './jpeg.js';
import { DEFAULT_HISTORY_SIZE, DEFAULT_MAX_TARGETS, type TrackerFactory } from './pipeline.js';
import type { FrameSourceFactory } from './session.js';

/** Options of {@link serve}. */
export interface ServeOptions {
  /** A video file, `/dev/videoN`, or an rtsp/http(s)/udp URL (see decode). Required unless `frames` is given. */
  source?: string;
  /** Start tracking this box, or these boxes (ids 1, 2, … in order), in source pixels on the first frame. */
  box?: Box | readonly Box[];
  /** Targets followed at most; an `init` for one more gets `ERR_TOO_MANY_TARGETS`. @default 16 */
  maxTargets?: number;
  /** Clip-classifier model folder; no labels without one. */
  model?: string;
  /** Address to bind. Anything but loopback needs a token. @default '127.0.0.1' */
  host?: string;
  /** Port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Token required on the page and the WebSocket. @default process.env.SIAMSTREAM_TOKEN */
  token?: string;
  /** A second, view-only token: its holders see everything but may not `init` or `stop` (`ERR_FORBIDDEN`). Needs `token`. */
  viewToken?: string;
  /** Loop a file source forever. @default false */
  loop?: boolean;
  /** Treat the source as live (`latest` mode, no `-re`). @default true for cameras and URLs, false for files */
  live?: boolean;
  /** Scale decoded frames so the long side is at most this (pixels). @default unscaled */
  maxSide?: number;
  /** Long side of the JPEG preview, pixels. @default 640 */
  previewMaxSide?: number;
  /** JPEG quality of the preview, 1–100. @default 70 */
  previewQuality?: number;
  /** Previews encoded per second at most (all clients together). @default 15 */
  previewMaxFps?: number;
  /** Encode previews in a worker thread (when jpeg-js encodes them). @default true */
  previewWorker?: boolean;
  /** Preview encoder: `sharp` (libvips, native, off the event loop) where it loads, else jpeg-js. @default 'auto' */
  previewEncoder?: PreviewEncoderName;
  /** Ping interval; a client that has not answered the previous ping is terminated. @default 30000 */
  heartbeatMs?: number;
  /** `stats` interval. @default 1000 */
  statsIntervalMs?: number;
  /** Largest client message, bytes (ws `maxPayload`). @default 4096 */
  maxPayloadBytes?: number;
  /** Per-client queue limits. */
  queue?: ClientQueueOptions;
  /** Frames kept so that `init` can name the frame its box was drawn on. @default 30 */
  historySize?: number;
  /** Folder of the dashboard's static files. @default src/stream/dashboard */
  dashboardDir?: string;
  /** Frame source (tests inject one); default: `decode(source, …)`. */
  frames?: FrameSourceFactory;
  /** Options of the default tracker (`backend`, `preset`, …); ignored with `createTracker`. */
  tracker?: TrackerOptions;
  /** Run the default tracker in a worker thread, keeping the event loop free for I/O. @default true */
  trackerInWorker?: boolean;
  /** Tracker factory (tests inject fakes); default: src/track's `createMultiTracker(tracker)`. */
  createTracker?: TrackerFactory;
  /** Clip classifier; `null` for none; default: src/classify's `classifyClips({ model })` when `model` is given. */
  classify?: OperatorFunction<Frame, ClipLabel> | null;
  /** Environment read for `SIAMSTREAM_TOKEN`. @default process.env */
  env?: NodeJS.ProcessEnv;
}

/** Defaults of the {@link ServeOptions} fields that have one. */
export const DEFAULT_SERVE_OPTIONS = {
  host: '127.0.0.1',
  port: 8080,
  loop: false,
  previewMaxSide: DEFAULT_JPEG_PREVIEW_OPTIONS.maxSide,
  previewQuality: DEFAULT_JPEG_PREVIEW_OPTIONS.quality,
  previewMaxFps: 15,
  previewWorker: true,
  previewEncoder: 'auto',
  heartbeatMs: 30_000,
  statsIntervalMs: 1000,
  historySize: DEFAULT_HISTORY_SIZE,
  trackerInWorker: true,
} as const;

function bad(message: string): SiamError {
  return new SiamError('ERR_BAD_OPTION', message, { hint: 'see docs/server.md' });
}

function checkNumber(name: string, v: unknown, min: number, max: number, integer = true): void {
  if (v === undefined) return;
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    v < min ||
    v > max ||
    (integer && !Number.isInteger(v))
  ) {
    throw bad(
      `Expected \`${name}\` to be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}], got ${String(v)}`,
    );
  }
}

/** @throws SiamError `ERR_BAD_OPTION` / `ERR_BAD_BOX` naming the field and the value given. */
export function validateServeOptions(o: ServeOptions): void {
  if (o === null || typeof o !== 'object') throw bad(`Expected options to be an object, got ${String(o)}`);
  if (o.frames === undefined && (typeof o.source !== 'string' || o.source.length === 0)) {
    throw bad('Expected `source` to be a file, camera or URL');
  }
  if (o.host !== undefined && (typeof o.host !== 'string' || o.host.length === 0))
    throw bad(`Expected \`host\` to be a string, got ${String(o.host)}`);
  checkNumber('port', o.port, 0, 65535);
  checkNumber('maxSide', o.maxSide, 16, 16384);
  checkNumber('previewMaxSide', o.previewMaxSide, 16, 4096);
  checkNumber('previewQuality', o.previewQuality, 1, 100);
  checkNumber('previewMaxFps', o.previewMaxFps, 0.1, 120, false);
  checkNumber('heartbeatMs', o.heartbeatMs, 10, 3_600_000);
  checkNumber('statsIntervalMs', o.statsIntervalMs, 10, 3_600_000);
  checkNumber('maxPayloadBytes', o.maxPayloadBytes, 256, 1 << 20);
  checkNumber('historySize', o.historySize, 1, 1000);
  checkNumber('maxTargets', o.maxTargets, 1, 1000);
  const boxes = o.box === undefined ? [] : [o.box].flat();
  for (const b of boxes) {
    const ok =
      b &&
      [b.x, b.y, b.width, b.height].every((v) => typeof v === 'number' && Number.isFinite(v)) &&
      b.width > 0 &&
      b.height > 0;
    if (!ok)
      throw new SiamError(
        'ERR_BAD_BOX',
        `Expected \`box\` to be {x, y, width, height} with a positive size, got ${JSON.stringify(b)}`,
      );
  }
  const most = o.maxTargets ?? DEFAULT_MAX_TARGETS;
  if (boxes.length > most) {
    throw new SiamError(
      'ERR_TOO_MANY_TARGETS',
      `${boxes.length} boxes were given; \`maxTargets\` is ${most}`,
      {
        hint: 'Give fewer boxes, or a higher `maxTargets`.',
      },
    );
  }
  if (o.previewEncoder !== undefined && !['auto', 'sharp', 'jpeg-js'].includes(o.previewEncoder))
    throw bad(`Expected \`previewEncoder\` to be auto, sharp or jpeg-js, got ${String(o.previewEncoder)}`);
  if (o.token !== undefined && typeof o.token !== 'string') throw bad('Expected `token` to be a string');
  if (o.viewToken !== undefined && typeof o.viewToken !== 'string')
    throw bad('Expected `viewToken` to be a string');
}
