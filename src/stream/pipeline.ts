/**
 * Drives a tracker from a live frame stream without ever falling behind: `trackLatest()` works on
 * one frame at a time and, while the tracker is busy, keeps only the newest frame waiting (the
 * older ones are skipped and counted). `init` / `stop` commands from clients are applied between
 * frames; an `init` may name the frame its box was drawn on, which is taken from a short history
 * so the box matches the picture the user saw.
 *
 * Several targets share one tracker (src/track's `MultiTracker`: one trunk call per frame for all
 * of them). An `init` naming a `target` starts (or restarts) that one beside the others; an `init`
 * without one replaces every target by a single target 1 — what `init` meant when there was only
 * one. A `stop` naming a target ends it; without one, every target.
 *
 * The tracker comes from a factory, so tests run with fakes and the real one (src/track's
 * `createMultiTracker`) plugs in by default. This is the live loop — newest frame wins, boxes
 * arrive as commands at any time — beside the `trackMany()` operator's every-frame loop that
 * files, `eval` and the library use.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import { SiamError } from '../errors.js';
import type { MultiTracker, TargetResult } from '../track/multi-tracker.js';
import type { Box } from '../types.js';
import {
  clipBox,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_MAX_TARGETS,
  MAX_QUEUED_COMMANDS,
  toErrorMessage,
  type PipelineEvent,
  type StampedFrame,
  type TrackCommand,
  type TrackLatestOptions,
} from './live-commands.js';
import { nowMs, type ErrorMessage, type TargetState } from './protocol.js';

export {
  clipBox,
  DEFAULT_HISTORY_SIZE,
  DEFAULT_MAX_TARGETS,
  type InitialTarget,
  type PipelineEvent,
  type StampedFrame,
  type TrackCommand,
  type TrackerFactory,
  type TrackLatestOptions,
  type TracksEvent,
} from './live-commands.js';

/** The tracking stage of the live server. See the module comment. */
export function trackLatest(options: TrackLatestOptions): OperatorFunction<StampedFrame, PipelineEvent> {
  const historySize = options.historySize ?? DEFAULT_HISTORY_SIZE;
  const maxTargets = options.maxTargets ?? DEFAULT_MAX_TARGETS;
  return (source) =>
    new Observable<PipelineEvent>((subscriber) => {
      let tracker: MultiTracker | null = null;
      let closed = false;
      let busy = false;
      let skipped = 0;
      let pendingFrame: StampedFrame | null = null;
      /** The targets followed, in the order they were added, with the box and frame each started on. */
      let targets: TargetState[] = [];
      // Commands apply in order, between frames; a flood keeps only the newest few.
      const commandQueue: TrackCommand[] = (options.initialTargets ?? []).map((t, i) => ({
        type: 'init',
        box: t.box,
        target: t.id ?? i + 1,
      }));
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
          if (closed) void t.dispose();
          else tracker = t;
        });
      trackerReady.catch((e: unknown) => subscriber.error(e));

      /** Says what changed: `changed` started on `initBox` at `frameIndex`, or stopped (null box). */
      const announce = (changed: number | null, initBox: Box | null, frameIndex: number | null): void => {
        subscriber.next({
          type: 'state',
          tracking: targets.length > 0,
          target: changed,
          initBox,
          frameIndex,
          targets: targets.map((t) => ({ ...t })),
        });
      };
      const refuse = (
        cmd: TrackCommand,
        e: ErrorMessage & { code: 'ERR_BAD_BOX' | 'ERR_TOO_MANY_TARGETS' },
        hint: string,
      ): void => {
        if (cmd.reply) {
          cmd.reply(e);
          return;
        }
        // An initial box (`--box`) has no client to tell: it ends the session with its code, so
        // `serve` says it on stderr and exits 2 instead of running and never tracking.
        subscriber.error(new SiamError(e.code, e.message, { hint }));
      };

      const stop = (t: MultiTracker, cmd: Extract<TrackCommand, { type: 'stop' }>): void => {
        if (cmd.target === undefined) {
          t.clear();
          if (targets.length === 0) return;
          targets = [];
          announce(null, null, null);
          return;
        }
        if (!t.remove(cmd.target)) {
          cmd.reply?.({
            type: 'error',
            code: 'ERR_NOT_INITIALISED',
            message: `target ${cmd.target} is not tracked (tracked: ${targets.map((x) => x.id).join(', ') || 'none'})`,
          });
          return;
        }
        targets = targets.filter((x) => x.id !== cmd.target);
        announce(cmd.target, null, null);
      };

      const applyCommand = async (cmd: TrackCommand): Promise<void> => {
        const t = tracker;
        if (!t) return; // unreachable: the pump waits for the tracker
        if (cmd.type === 'stop') {
          stop(t, cmd);
          return;
        }
        const latest = pendingFrame ?? history[history.length - 1];
        const wanted =
          cmd.frameIndex === undefined ? undefined : history.find((h) => h.frame.index === cmd.frameIndex);
        const at = wanted ?? latest;
        if (!at) return; // unreachable: the pump waits for a frame
        const { frame } = at;
        const box = clipBox(cmd.box, frame.width, frame.height);
        if (!box) {
          const message = `box ${JSON.stringify(cmd.box)} is not inside the ${frame.width}x${frame.height} frame`;
          refuse(
            cmd,
            { type: 'error', code: 'ERR_BAD_BOX', message },
            'Boxes are {x, y, width, height} in pixels with a top-left origin, inside the frame.',
          );
          return;
        }
        const id = cmd.target ?? 1;
        const replacing = cmd.target === undefined ? targets.length > 0 : targets.some((x) => x.id === id);
        if (!replacing && targets.length >= maxTargets) {
          const message = `${targets.length} targets are tracked already, the most this server follows`;
          refuse(
            cmd,
            { type: 'error', code: 'ERR_TOO_MANY_TARGETS', message },
            'Stop a target first, or raise maxTargets.',
          );
          return;
        }
        if (cmd.target === undefined) t.clear();
        else t.remove(id);
        targets = cmd.target === undefined ? [] : targets.filter((x) => x.id !== id);
        let result: TargetResult;
        try {
          result = await t.add(frame, box, id);
        } catch (e) {
          if (replacing) announce(cmd.target ?? null, null, null); // the old one is gone
          throw e;
        }
        targets.push({ id, initBox: box, frameIndex: frame.index });
        announce(id, box, frame.index);
        subscriber.next({
          type: 'track',
          results: [result],
          decodedAt: at.decodedAt,
          latencyMs: nowMs() - at.decodedAt,
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
            if (!next || targets.length === 0 || !tracker) break;
            try {
              const results = await tracker.update(next.frame);
              if (closed) break;
              subscriber.next({
                type: 'track',
                results,
                decodedAt: next.decodedAt,
                latencyMs: nowMs() - next.decodedAt,
              });
            } catch (e) {
              subscriber.next(toErrorMessage(e));
              tracker?.clear();
              targets = [];
              announce(null, null, null);
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
          if (pendingFrame && targets.length > 0) {
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
            if (!busy && pendingFrame && targets.length > 0 && !closed) void pump();
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
