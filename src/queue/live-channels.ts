/**
 * How a camera's worker and the servers that show it talk through Redis (docs/scale.md, "Live
 * cameras"): pub/sub channels for what the session says (`events`, JSON; `frames`, the binary
 * preview messages of docs/protocol.md) and for what dashboards ask (`commands`, JSON), and one
 * key holding the session's latest state, from which a worker taking over resumes.
 */
import { z } from 'zod';
import type { TargetResult } from '../track/multi-tracker.js';
import type { Box } from '../types.js';
import type {
  ErrorMessage,
  HelloMessage,
  LabelMessage,
  SegmentMessage,
  SourceInfo,
  StateMessage,
} from '../stream/protocol.js';
import { QUEUE_PREFIX } from './jobs.js';

/** The channels and the state key of camera `camera`. */
export function liveKeys(camera: string): {
  events: string;
  frames: string;
  commands: string;
  state: string;
} {
  const base = `${QUEUE_PREFIX}:live:${camera}`;
  return {
    events: `${base}:events`,
    frames: `${base}:frames`,
    commands: `${base}:commands`,
    state: `${base}:state`,
  };
}

/** What a camera's worker publishes on `events`. */
export type LiveEvent =
  /** Every target's result on one frame. */
  | { type: 'tracks'; results: TargetResult[]; decodedAt: number; latencyMs: number }
  /** The source's size and rate (on start, on change, and every second with `counters`). */
  | { type: 'info'; info: SourceInfo | null; worker: string; preview: HelloMessage['preview'] }
  /** The session's counters so far (every second). */
  | { type: 'counters'; framesIn: number; decoderDropped: number; trackerSkipped: number; worker: string }
  /** The session ended for good (stopped, or its source ended). */
  | { type: 'ended'; reason: string }
  | StateMessage
  | LabelMessage
  | SegmentMessage
  /** `replyTo`: meant for the one client whose command failed. */
  | (ErrorMessage & { replyTo?: string });

const box = z
  .object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() })
  .strict()
  .refine((b) => [b.x, b.y, b.width, b.height].every(Number.isFinite), 'finite numbers');
const replyTo = z.string().max(64).optional();
const target = z.number().int().min(1).optional();

/** What a server (or `siamstream cameras --stop`) publishes on `commands`, checked on arrival. */
export const liveCommandSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('init'),
      box,
      target,
      frameIndex: z.number().int().min(0).optional(),
      replyTo,
    })
    .strict(),
  z.object({ type: z.literal('stop'), target, replyTo }).strict(),
  /** Ends the camera's session: its job completes and its state is deleted. */
  z.object({ type: z.literal('end') }).strict(),
]);
/** A command to a camera's worker. */
export type LiveCommand = z.infer<typeof liveCommandSchema>;

/** The state key's value: what a worker taking over resumes from. */
export interface LiveState {
  /** The job's `submittedAt`: a state left by an earlier session of the same camera is not resumed. */
  submittedAt: number;
  /** The frame of `targets`' boxes. */
  frameIndex: number;
  timestampMs: number;
  /** The targets and their latest boxes (the last confident one while lost). */
  targets: { id: number; box: Box }[];
  info: SourceInfo | null;
  /** The worker that wrote it. */
  worker: string;
  /** Epoch ms. */
  updatedAt: number;
}

/** Parses a state key's value; null when absent or not one. */
export function parseLiveState(text: string | null): LiveState | null {
  if (!text) return null;
  try {
    const s = JSON.parse(text) as LiveState;
    return typeof s.frameIndex === 'number' && Array.isArray(s.targets) ? s : null;
  } catch {
    return null;
  }
}
