/**
 * Drives a tracker from a live frame stream without ever falling behind: `trackLatest()` works on
 * one frame at a time and, while the tracker is busy, keeps only the newest frame waiting (the
 * older ones are skipped and counted). `init` / `stop` commands from clients are applied between
 * frames; an `init` may name the frame its box was drawn on, which is taken from a short history
 * so the box matches the picture the user saw.
 *
 * The tracker (src/track's `Tracker`) comes from a factory, so tests run with an identity or a
 * ground-truth-replaying tracker and the real one (`createTracker` of src/track) plugs in by default.
 * This is the live loop — newest frame wins, boxes arrive as commands at any time — beside the
 * `track()` operator's every-frame loop that files, `eval` and the library use.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { isSiamError, SiamError } from '../errors.js';
import type { Tracker } from '../track/tracker.js';
import type { Box, Frame, TrackResult } from '../types.js';
import { nowMs, type ErrorMessage, type StateMessage } from './protocol.js';

/** Creates the tracker; called once per pipeline subscription. */
export type TrackerFactory = () => Promise<Tracker> | Tracker;

/** A frame with the wall-clock time (see {@link nowMs}) the server received it from the decoder. */
export interface StampedFrame {
  frame: Frame;
  decodedAt: number;
}

/** A client's request; `reply` receives an error meant for that client only. */
export type TrackCommand =
  | { type: 'init'; box: Box; frameIndex?: number; reply?: (e: ErrorMessage) => void }
  | { type: 'stop'; reply?: (e: ErrorMessage) => void };

/** What the pipeline emits. `error` events without a `reply` are for every client. */
export type PipelineEvent =
  { type: 'track'; result: TrackResult; decodedAt: number; latencyMs: number } | StateMessage | ErrorMessage;

/** Options of {@link trackLatest}. */
export interface TrackLatestOptions {
  createTracker: TrackerFactory;
  /** Client commands. */
  commands: Observable<TrackCommand>;
  /** Start tracking this box on the first frame (`--box`). */
  initialBox?: Box;
  /** Frames kept for `init` on an earlier frame. @default 30 */
  historySize?: number;
  /** Called with the cumulative number of frames skipped because the tracker was busy. */
  onSkipped?: (count: number) => void;
  /** Called at teardown with a promise that resolves once the tracker is disposed. */
  onTrackerReleased?: (released: Promise<void>) => void;
}

/** Frames kept for an `init` that names an earlier frame (~1 s at 30 fps). */
export const DEFAULT_HISTORY_SIZE = 30;

/** Client commands waiting for the tracker at most; older ones are dropped. */
const MAX_QUEUED_COMMANDS = 8;

/** Clips `box` to the frame; null if less than 2x2 pixels remain. */
export function clipBox(box: Box, width: number, height: number): Box | null {
  const x0 = Math.max(0, box.x);
  const y0 = Math.max(0, box.y);
  const x1 = Math.min(width, box.x + box.width);
  const y1 = Math.min(height, box.y + box.height);
  if (!(x1 - x0 >= 2 && y1 - y0 >= 2)) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

function toErrorMessage(e: unknown): ErrorMessage {
  const code =
    isSiamError(e) && (e.code === 'ERR_BAD_BOX' || e.code === 'ERR_NOT_INITIALISED')
      ? e.code
      : 'ERR_INTERNAL';
  return { type: 'error', code, message: String((e as Error)?.message ?? e) };
}

/** The tracking stage of the live server. See the module comment. */
export function trackLatest(options: TrackLatestOptions): OperatorFunction<StampedFrame, PipelineEvent> {
  const historySize = options.historySize ?? DEFAULT_HISTORY_SIZE;
  return (source) =>
    new Observable<PipelineEvent>((subscriber) => {
      let tracker: Tracker | null = null;
      let closed = false;
      let busy = false;
      let tracking = false;
      let skipped = 0;
      let pendingFrame: StampedFrame | null = null;
      // Commands apply in order, between frames; a flood keeps only the newest few.
      const commandQueue: TrackCommand[] = options.initialBox
        ? [{ type: 'init', box: options.initialBox }]
        : [];
      const history: StampedFrame[] = [];
      /** Run once the pump is idle (no fixed-interval polling). */
      const idleWaiters: Array<() => void> = [];
      const whenIdle = (fn: () => void): void => {
        if (busy) idleWaiters.push(fn);
        else fn();
      };

      const trackerReady = Promise.resolve()
        .then(() => options.createTracker())
        .then((t) => {
          if (closed) t.dispose();
          else tracker = t;
        });
      trackerReady.catch((e: unknown) => subscriber.error(e));

      const setState = (on: boolean, initBox: Box | null, frameIndex: number | null): void => {
        tracking = on;
        subscriber.next({ type: 'state', tracking: on, initBox, frameIndex });
      };

      const applyCommand = async (cmd: TrackCommand): Promise<void> => {
        if (cmd.type === 'stop') {
          if (tracking) setState(false, null, null);
          return;
        }
        const latest = pendingFrame ?? history[history.length - 1];
        const wanted =
          cmd.frameIndex === undefined ? undefined : history.find((h) => h.frame.index === cmd.frameIndex);
        const target = wanted ?? latest;
        if (!target || !tracker) return; // unreachable: the pump waits for a frame and the tracker
        const { frame } = target;
        const box = clipBox(cmd.box, frame.width, frame.height);
        if (!box) {
          const e: ErrorMessage = {
            type: 'error',
            code: 'ERR_BAD_BOX',
            message: `box ${JSON.stringify(cmd.box)} is not inside the ${frame.width}x${frame.height} frame`,
          };
          if (cmd.reply) {
            cmd.reply(e);
            return;
          }
          // The initial box (`--box`) has no client to tell: it ends the session with its code,
          // so `serve` says it on stderr and exits 2 instead of running and never tracking.
          subscriber.error(
            new SiamError('ERR_BAD_BOX', e.message, {
              hint: 'Boxes are {x, y, width, height} in pixels with a top-left origin, inside the frame.',
            }),
          );
          return;
        }
        const initResult = await tracker.init(frame, box);
        setState(true, box, frame.index);
        subscriber.next({
          type: 'track',
          result: initResult,
          decodedAt: target.decodedAt,
          latencyMs: nowMs() - target.decodedAt,
        });
        // Frames older than the init frame are of no use any more.
        if (pendingFrame && pendingFrame.frame.index <= frame.index) pendingFrame = null;
      };

      const pump = async (): Promise<void> => {
        if (busy) return;
        busy = true;
        try {
          await trackerReady;
          while (!closed) {
            if (commandQueue.length > 0 && (pendingFrame || history.length > 0)) {
              const cmd = commandQueue.shift() as TrackCommand;
              try {
                await applyCommand(cmd);
              } catch (e) {
                const err = toErrorMessage(e);
                if (cmd.reply) cmd.reply(err);
                else subscriber.next(err);
              }
              continue;
            }
            const next = pendingFrame;
            pendingFrame = null;
            if (!next || !tracking || !tracker) break;
            try {
              const result = await tracker.update(next.frame);
              if (closed) break;
              const t = nowMs();
              subscriber.next({
                type: 'track',
                result,
                decodedAt: next.decodedAt,
                latencyMs: t - next.decodedAt,
              });
            } catch (e) {
              subscriber.next(toErrorMessage(e));
              setState(false, null, null);
            }
          }
        } catch {
          // trackerReady failed: already reported through subscriber.error.
        } finally {
          busy = false;
          for (const fn of idleWaiters.splice(0)) fn();
        }
      };

      const commandSub = options.commands.subscribe((cmd) => {
        commandQueue.push(cmd);
        if (commandQueue.length > MAX_QUEUED_COMMANDS) commandQueue.shift();
        void pump();
      });

      const frameSub = source.subscribe({
        next: (sf) => {
          history.push(sf);
          if (history.length > historySize) history.shift();
          if (pendingFrame && tracking) {
            skipped++;
            options.onSkipped?.(skipped);
          }
          pendingFrame = sf;
          void pump();
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => {
          // Let the tracker finish the frame in hand (and the last frame waiting), then complete.
          const finish = (): void => {
            if (!busy && pendingFrame && tracking && !closed) void pump();
            if (busy) whenIdle(finish);
            else subscriber.complete();
          };
          finish();
        },
      });

      return () => {
        closed = true;
        commandSub.unsubscribe();
        frameSub.unsubscribe();
        history.length = 0;
        pendingFrame = null;
        const t = tracker;
        tracker = null;
        if (t) {
          // Wait for an update in progress before freeing the model under it.
          const released = new Promise<void>((resolve) =>
            whenIdle(() => void Promise.resolve(t.dispose()).then(resolve, () => resolve())),
          );
          options.onTrackerReleased?.(released);
        }
      };
    });
}
