/**
 * `track(initialBox)`: the tracker as an RxJS operator (STYLE.md §2–3). The first frame
 * initialises on `initialBox`, every later frame updates; frames are processed strictly in
 * order, one at a time (`concatMap`). Without a given `tracker`, one is created on subscribe and
 * disposed in the teardown.
 *
 * Backpressure: an `all`-mode `decode()` only emits while its `FrameDemand` has credits. Either
 * put `demand.ackEach()` after this operator, or pass the demand as `options.demand` and the
 * operator hands one credit back as each frame's result is emitted (or fails).
 */
import { concatMap, defer, finalize, from, Observable, type OperatorFunction } from 'rxjs';
import type { Box, Frame, TrackResult } from '../types.js';
import type { Tracker } from './tracker.js';
import type { TrackerOptions } from './params.js';

/** Options of {@link track}. */
export type TrackOptions = TrackerOptions & {
  /** Use this tracker (not disposed by the operator); otherwise one is created per subscription. */
  tracker?: Tracker;
  /** The `FrameDemand` of an `all`-mode `decode()`: released once per processed frame. */
  demand?: { release(n?: number): void };
};

/** Tracks the object in `initialBox` (pixels, top-left, on the first frame) through a frame stream. */
export function track(initialBox: Box, options: TrackOptions = {}): OperatorFunction<Frame, TrackResult> {
  const { tracker: given, demand, ...trackerOptions } = options;
  return (frames) =>
    new Observable<TrackResult>((subscriber) => {
      let owned: Tracker | undefined;
      let closed = false;
      let ready: Promise<Tracker> | undefined;
      const getTracker = (): Promise<Tracker> =>
        (ready ??= given
          ? Promise.resolve(given)
          : // Loaded on demand: with a given tracker this module needs no model code (eval, the CLI).
            import('./tracker.js')
              .then(({ createTracker }) => createTracker(trackerOptions))
              .then((t) => {
                if (closed) t.dispose();
                else owned = t;
                return t;
              }));
      let first = true;
      let inFlight: Promise<TrackResult | void> = Promise.resolve();
      const subscription = frames
        .pipe(
          concatMap((frame) =>
            defer(() => {
              const result = getTracker().then((t) => {
                const isFirst = first;
                first = false;
                return isFirst ? t.init(frame, initialBox) : t.update(frame);
              });
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
