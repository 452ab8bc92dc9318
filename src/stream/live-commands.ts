/**
 * What the live loop (`trackLatest`, pipeline.ts) is told and what it says: client commands,
 * its events, its options and their defaults, and the box clipping it applies to an `init`.
 */
import { isSiamError } from '../errors.js';
import type { MultiTracker, TargetResult } from '../track/multi-tracker.js';
import type { Box, Frame } from '../types.js';
import type { ErrorMessage, StateMessage } from './protocol.js';
import type { Observable } from 'rxjs';

/** Creates the tracker; called once per pipeline subscription. */
export type TrackerFactory = () => Promise<MultiTracker> | MultiTracker;

/** A frame with the wall-clock time (see {@link nowMs}) the server received it from the decoder. */
export interface StampedFrame {
  frame: Frame;
  decodedAt: number;
}

/** A client's request; `reply` receives an error meant for that client only. */
export type TrackCommand =
  | { type: 'init'; box: Box; target?: number; frameIndex?: number; reply?: (e: ErrorMessage) => void }
  | { type: 'stop'; target?: number; reply?: (e: ErrorMessage) => void };

/** Every target's result on one frame (in the order the targets were added). */
export interface TracksEvent {
  type: 'track';
  results: TargetResult[];
  decodedAt: number;
  latencyMs: number;
}

/** What the pipeline emits. `error` events without a `reply` are for every client. */
export type PipelineEvent = TracksEvent | StateMessage | ErrorMessage;

/** A box to start from on the first frame (`--box`); ids default to 1, 2, … in order. */
export interface InitialTarget {
  box: Box;
  id?: number;
}

/** Options of {@link trackLatest}. */
export interface TrackLatestOptions {
  createTracker: TrackerFactory;
  /** Client commands. */
  commands: Observable<TrackCommand>;
  /** Start tracking these boxes on the first frame (`--box`). */
  initialTargets?: readonly InitialTarget[];
  /** Targets followed at most; an `init` for one more is refused (`ERR_TOO_MANY_TARGETS`). @default 16 */
  maxTargets?: number;
  /** Frames kept for `init` on an earlier frame. @default 30 */
  historySize?: number;
  /** Called with the cumulative number of frames skipped because the tracker was busy. */
  onSkipped?: (count: number) => void;
  /** Called at teardown with a promise that resolves once the tracker is disposed. */
  onTrackerReleased?: (released: Promise<void>) => void;
}

/** Frames kept for an `init` that names an earlier frame (~1 s at 30 fps). */
export const DEFAULT_HISTORY_SIZE = 30;

/** Targets a live session follows at most, by default: each costs a search per frame. */
export const DEFAULT_MAX_TARGETS = 16;

/** Client commands waiting for the tracker at most; older ones are dropped. */
export const MAX_QUEUED_COMMANDS = 32;

/** Clips `box` to the frame; null if less than 2x2 pixels remain. */
export function clipBox(box: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(width, box.x + box.width);
  const y1 = Math.min(height, box.y + box.height);
  if (!(x1 - x0 >= 2 && y1 - y0 >= 2)) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/** A failure of the tracker as the `error` message clients get. */
export function toErrorMessage(e: unknown): ErrorMessage {
  const code =
    isSiamError(e) && (e.code === 'ERR_BAD_BOX' || e.code === 'ERR_NOT_INITIALISED')
      ? e.code
      : 'ERR_INTERNAL';
  return { type: 'error', code, message: String((e as Error)?.message ?? e) };
}
