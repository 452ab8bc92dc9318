/**
 * The WebSocket protocol between the live server and its clients (documented in docs/protocol.md).
 *
 * Every text message is one JSON object with a `type`. Server → client: `hello`, `state`, `track`,
 * `label`, `stats`, `error`; the JPEG preview (`frame`) travels as a *binary* message: a 4-byte
 * big-endian header length, a UTF-8 JSON header `{ "type": "frame", … }`, then the JPEG bytes (see
 * {@link encodeFrameMessage}). Client → server: `init`, `stop`, `subscribe`, validated here with zod.
 */
import { z } from 'zod';
import type { TargetResult } from '../track/multi-tracker.js';
import type { Box, ClipLabel, Frame } from '../types.js';
import type { ActionSegment } from '../classify/segments.js';

/**
 * Bumped on any incompatible change; sent in `hello`. 2: several targets (`target` on `init` /
 * `stop`, one `track` per target per frame with `result.id`, `targets` in `hello` and `state`).
 */
export const PROTOCOL_VERSION = 2;

/** Largest target id a client may name. */
export const MAX_TARGET_ID = 1_000_000;

/** The message types a client may subscribe to. */
export const STREAM_TYPES = ['frame', 'track', 'label', 'stats'] as const;
/** A message type a client may subscribe to. */
export type StreamType = (typeof STREAM_TYPES)[number];

/** Largest client message we accept, in bytes (ws `maxPayload`): client messages are tiny. */
export const MAX_CLIENT_PAYLOAD_BYTES = 4096;

// ---------------------------------------------------------------- client → server

const finite = z.number().finite();
const id = z.union([z.string().max(64), z.number().int()]).optional();
/** A target's id (the `id` of its results); `id` stays the request's own, echoed in errors. */
const target = z.number().int().min(1).max(MAX_TARGET_ID).optional();

/** A box in source pixels, top-left origin. Fits-in-frame is checked against the source later. */
export const boxSchema = z
  .object({ x: finite, y: finite, width: finite.positive(), height: finite.positive() })
  .strict();

/**
 * Client → server: start (or restart) target `target` on `box`, beside the others; without
 * `target`, every target is replaced by target 1 on `box` (version 1's single-target `init`).
 */
export const initMessageSchema = z
  .object({
    type: z.literal('init'),
    id,
    target,
    box: boxSchema,
    /** The frame the box was drawn on; the server inits on it while it is still in its short history. */
    frameIndex: z.number().int().nonnegative().optional(),
  })
  .strict();

/** Client → server: stop tracking `target`; without it, every target. */
export const stopMessageSchema = z.object({ type: z.literal('stop'), id, target }).strict();

/** Client → server: receive only these message types. */
export const subscribeMessageSchema = z
  .object({ type: z.literal('subscribe'), id, types: z.array(z.enum(STREAM_TYPES)).max(STREAM_TYPES.length) })
  .strict();

/** Every message a client may send. */
export const clientMessageSchema = z.discriminatedUnion('type', [
  initMessageSchema,
  stopMessageSchema,
  subscribeMessageSchema,
]);

/** A validated `init` message. */
export type InitMessage = z.infer<typeof initMessageSchema>;
/** A validated `stop` message. */
export type StopMessage = z.infer<typeof stopMessageSchema>;
/** A validated `subscribe` message. */
export type SubscribeMessage = z.infer<typeof subscribeMessageSchema>;
/** Any validated client message. */
export type ClientMessage = z.infer<typeof clientMessageSchema>;

/** The outcome of {@link parseClientMessage}: the message, or why it was refused. */
export type ParseResult =
  { ok: true; message: ClientMessage } | { ok: false; reason: string; id?: string | number };

/**
 * Parses and validates one client message (text or binary frame as received by `ws`).
 * Never throws: a bad message yields `{ ok: false, reason }` for an `ERR_BAD_MESSAGE` reply.
 */
export function parseClientMessage(data: unknown, isBinary: boolean): ParseResult {
  if (isBinary) return { ok: false, reason: 'binary messages are not accepted; send JSON text' };
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : typeof data === 'string' ? data : null;
  if (text === null) return { ok: false, reason: 'unreadable message' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  const parsed = clientMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const rawId = (json as { id?: unknown } | null)?.id;
  const echoed = typeof rawId === 'string' || typeof rawId === 'number' ? rawId : undefined;
  const reason = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
    .join('; ');
  return { ok: false, reason, id: echoed };
}

// ---------------------------------------------------------------- server → client

/** What the server knows about its source. `null` fields are not known yet (a camera still opening). */
export interface SourceInfo {
  width: number;
  height: number;
  fps: number;
  /** True for cameras and network streams (played in `latest` mode). */
  live: boolean;
}

/** First message on every connection; repeated when the source info becomes known or changes. */
export interface HelloMessage {
  type: 'hello';
  protocol: 'siamstream';
  version: number;
  source: SourceInfo | null;
  /** How previews travel: binary messages, JPEG, at most this many pixels on the long side. */
  preview: { transport: 'binary'; format: 'jpeg'; maxSide: number; maxFps: number };
  /** What this connection is currently subscribed to. */
  subscribed: StreamType[];
  /** Whether any target is tracked, as in a `state` message. */
  tracking: boolean;
  /** The targets tracked now, as in a `state` message. */
  targets: TargetState[];
  /** Whether this connection may send `init` / `stop` (false with the view-only token). */
  control: boolean;
  /** Camera servers (`serve --redis`): the camera this connection shows (`/ws?camera=NAME`). */
  camera?: string;
  /** Camera servers: every camera on the queue, by name. */
  cameras?: string[];
}

/** A target being tracked: its id and the box (clipped to the frame) it started from, on frame `frameIndex`. */
export interface TargetState {
  id: number;
  initBox: Box;
  frameIndex: number;
}

/**
 * A target started (after `init` or `--box`) or stopped (after `stop`, or a tracker failure).
 * Broadcast to every client.
 */
export interface StateMessage {
  type: 'state';
  /** Whether any target is tracked now. */
  tracking: boolean;
  /** The target that started or stopped; null when every target stopped. */
  target: number | null;
  /** The box `target` (re)started from, on the frame `frameIndex`; null when it stopped. */
  initBox: Box | null;
  frameIndex: number | null;
  /** Every target tracked now, in the order they were added. */
  targets: TargetState[];
}

/**
 * Header of a binary preview message. `width`/`height` are the JPEG's; boxes are in source pixels,
 * so scale by `width / sourceWidth`.
 */
export interface FrameHeader {
  type: 'frame';
  frameIndex: number;
  timestampMs: number;
  /** Wall-clock ms (`performance.timeOrigin + performance.now()`) when the server received the frame. */
  decodedAt: number;
  width: number;
  height: number;
  sourceWidth: number;
  sourceHeight: number;
}

/**
 * One target's result on one frame (`result.id` is the target), with the decode stamp of its frame
 * so a client can measure latency. Every target's result on a frame is sent, one message each.
 */
export interface TrackMessage {
  type: 'track';
  result: TargetResult;
  /** See {@link FrameHeader.decodedAt}. */
  decodedAt: number;
}

/** One clip classification. */
export interface LabelMessage {
  type: 'label';
  label: ClipLabel;
}

/**
 * An action segment started or ended (the labels smoothed over windows, classify/live-segments.ts):
 * `start` once a label has lasted the minimum segment length, dated back to where its run began;
 * `end` when the next segment starts or the source ends, with the segment's final end and score.
 * `segment.label` may be `unknown`. Sent on the `label` subscription.
 */
export interface SegmentMessage {
  type: 'segment';
  event: 'start' | 'end';
  segment: ActionSegment;
}

/** Once a second, per connection. Rates are over the last second. */
export interface StatsMessage {
  type: 'stats';
  /** Frames per second received from the decoder. */
  fpsIn: number;
  /** Tracker results per second. */
  fpsOut: number;
  /** Preview frames per second sent to this client. */
  previewFps: number;
  /** Decoded → track result ready, over the last second, ms (null when no result). */
  latencyMs: { p50: number | null; p95: number | null };
  /** Cumulative drop counts since the server started (`client*` are this connection's). */
  dropped: { decoder: number; tracker: number; clientFrames: number; clientMessages: number };
  clients: number;
  uptimeMs: number;
}

/** A refused client message or a failed command. The connection stays open. */
export interface ErrorMessage {
  type: 'error';
  code:
    | 'ERR_BAD_MESSAGE'
    | 'ERR_BAD_BOX'
    | 'ERR_NOT_INITIALISED'
    | 'ERR_TOO_MANY_TARGETS'
    | 'ERR_FORBIDDEN'
    | 'ERR_SOURCE_STALLED'
    | 'ERR_FFMPEG_EXIT'
    | 'ERR_REDIS_UNAVAILABLE'
    | 'ERR_INTERNAL';
  message: string;
  /** The `id` of the client message this answers, when it had one. */
  id?: string | number;
}

/** Every JSON (text) message the server sends. */
export type ServerMessage =
  HelloMessage | StateMessage | TrackMessage | LabelMessage | SegmentMessage | StatsMessage | ErrorMessage;

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across local processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The preview message of `frame` (decoded at `decodedAt`) from its encoded JPEG. */
export function previewMessage(
  frame: Pick<Frame, 'index' | 'timestampMs' | 'width' | 'height'>,
  decodedAt: number,
  p: { jpeg: Uint8Array; width: number; height: number },
): Buffer {
  return encodeFrameMessage(
    {
      type: 'frame',
      frameIndex: frame.index,
      timestampMs: frame.timestampMs,
      decodedAt,
      width: p.width,
      height: p.height,
      sourceWidth: frame.width,
      sourceHeight: frame.height,
    },
    p.jpeg,
  );
}

/** Builds the binary preview message: `[u32be headerLength][header JSON][JPEG]`. */
export function encodeFrameMessage(header: FrameHeader, jpeg: Uint8Array): Buffer {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.allocUnsafe(4 + head.length + jpeg.length);
  out.writeUInt32BE(head.length, 0);
  head.copy(out, 4);
  out.set(jpeg, 4 + head.length);
  return out;
}

/** Splits a binary preview message (for Node clients and tests). */
export function decodeFrameMessage(data: Uint8Array): { header: FrameHeader; jpeg: Uint8Array } {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = buf.readUInt32BE(0);
  const header = JSON.parse(buf.subarray(4, 4 + n).toString('utf8')) as FrameHeader;
  return { header, jpeg: buf.subarray(4 + n) };
}
