/**
 * The tracker as RxJS operators (STYLE.md §2–3): `track(initialBox)` follows one object,
 * `trackMany(starts)` several (each from its own first frame). Frames are processed strictly in
 * order, one at a time (`concatMap`). Without a given `tracker`, one is created on subscribe and
 * disposed in the teardown.
 *
 * Backpressure: an `all`-mode `decode()` only emits while its `FrameDemand` has credits. Either
 * put `demand.ackEach()` after the operator, or pass the demand as `options.demand` and the
 * operator hands one credit back as each frame's result is emitted (or fails).
 */
import { concatMap, defer, finalize, from, Observable, type OperatorFunction } from 'rxjs';
import type { Box, Frame, TrackResult } from '../types.js';
import type { MultiTracker, TargetResult } from './multi-tracker.js';
import type { Tracker } from './tracker.js';
import type { TrackerOptions } from './params.js';

/** What every tracking operator takes besides its targets. */
interface OperatorOptions<T> {
  /** Use this tracker (not disposed by the operator); otherwise one is created per subscription. */
  tracker?: T;
  /** The `FrameDemand` of an `all`-mode `decode()`: released once per processed frame. */
  demand?: { release(n?: number): void };
}

/** Options of {@link track}. */
export type TrackOptions = TrackerOptions & OperatorOptions<Tracker>;

/** Options of {@link trackMany}. */
export type TrackManyOptions = TrackerOptions & OperatorOptions<MultiTracker>;

/** A target of {@link trackMany}: its box on its first frame. */
export interface TargetStart {
  box: Box;
  /** Its id (default: the next free one, from 1, in the order of the list). */
  id?: number;
  /** The index of its first frame (default: the stream's first frame); it starts on the first frame at or after it. */
  frameIndex?: number;
}

/** Every target's result on one frame (targets not started yet have none). */
export interface MultiTrackResult {
  frameIndex: number;
  timestampMs: number;
  targets: TargetResult[];
}

/** Tracks the object in `initialBox` (pixels, top-left, on the first frame) through a frame stream. */
export function track(initialBox: Box, options: TrackOptions = {}): OperatorFunction<Frame, TrackResult> {
  const { tracker, demand, ...trackerOptions } = options;
  return perFrame(
    tracker,
    () => import('./tracker.js').then(({ createTracker }) => createTracker(trackerOptions)),
    demand,
    () => {
      let first = true;
      return (t, frame) => {
        const isFirst = first;
        first = false;
        return isFirst ? t.init(frame, initialBox) : t.update(frame);
      };
    },
  );
}

/** Tracks several objects through a frame stream, each from its own first frame; one result per frame. */
export function trackMany(
  starts: readonly TargetStart[],
  options: TrackManyOptions = {},
): OperatorFunction<Frame, MultiTrackResult> {
  const { tracker, demand, ...trackerOptions } = options;
  return perFrame(
    tracker,
    () => import('./tracker.js').then(({ createMultiTracker }) => createMultiTracker(trackerOptions)),
    demand,
    () => {
      let waiting = [...starts];
      return async (t, frame) => {
        const targets = await t.update(frame);
        const due = waiting.filter((s) => (s.frameIndex ?? -Infinity) <= frame.index);
        waiting = waiting.filter((s) => !due.includes(s));
        for (const s of due) targets.push(await t.add(frame, s.box, s.id));
        return { frameIndex: frame.index, timestampMs: frame.timestampMs, targets };
      };
    },
  );
}

/**
 * The scaffolding of a tracking operator: the tracker (given, or created on the first frame —
 * loaded on demand, so that a given tracker needs no model code), one step per frame in order
 * (`makeStep` is called once per subscription, for the step's own state),
 * a demand credit back per frame, and the teardown that disposes an owned tracker after the frame
 * in flight.
 */
function perFrame<T extends { dispose(): Promise<void> }, R>(
  given: T | undefined,
  create: () => Promise<T>,
  demand: { release(n?: number): void } | undefined,
  makeStep: () => (tracker: T, frame: Frame) => Promise<R>,
): OperatorFunction<Frame, R> {
  return (frames) =>
    new Observable<R>((subscriber) => {
      const step = makeStep();
      let owned: T | undefined;
      let closed = false;
      let ready: Promise<T> | undefined;
      const getTracker = (): Promise<T> =>
        (ready ??= given
          ? Promise.resolve(given)
          : create().then((t) => {
              if (closed) void t.dispose();
              else owned = t;
              return t;
            }));
      let inFlight: Promise<R | void> = Promise.resolve();
      const subscription = frames
        .pipe(
          concatMap((frame) =>
            defer(() => {
              const result = getTracker().then((t) => step(t, frame));
              inFlight = result;
              return from(result);
            }).pipe(finalize(() => demand?.release())),
          ),
        )
        .subscribe(subscriber);
      return () => {
        closed = true;
        subscription.unsubscribe();
        // Dispose after the frame in flight (if any) has finished with the model.
        void inFlight.catch(() => undefined).then(() => owned?.dispose());
      };
    });
}
