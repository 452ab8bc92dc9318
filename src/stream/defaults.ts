/**
 * The real stages the server uses when none are injected: `decode()` for frames, src/track's
 * `createMultiTracker()`, src/classify's `classifyClips()`. Loaded with dynamic imports so that a
 * server with injected stages (tests) never loads TensorFlow.js.
 */
import { defer, from, switchMap, type Observable, type OperatorFunction } from 'rxjs';
import type { TrackerOptions } from '../track/index.js';
import type { ClipLabel, Frame } from '../types.js';
import type { MultiTracker } from '../track/multi-tracker.js';
import type { TrackerFactory } from './pipeline.js';
import type { FrameSourceFactory } from './session.js';

/**
 * Frames from `decode()`: a live source in `latest` mode (never behind real time); a file at its
 * own frame rate (ffmpeg `-re`), looping if asked, from `startMs` in (a live job resuming).
 */
export function defaultFrameSource(
  source: string,
  o: { live: boolean; loop: boolean; maxSide?: number; startMs?: number },
): FrameSourceFactory {
  return (hooks) =>
    defer(() => from(import('../decode/index.js'))).pipe(
      switchMap(({ decode }): Observable<Frame> =>
        decode(source, {
          backpressure: o.live ? 'latest' : 'all',
          realtime: !o.live,
          loop: !o.live && o.loop,
          ...(o.maxSide ? { maxSide: o.maxSide } : {}),
          ...(o.startMs ? { startMs: o.startMs } : {}),
          onInfo: hooks.onInfo,
          onDropped: hooks.onDropped,
          onStart: hooks.onStart,
          onReconnect: hooks.onReconnect,
        }),
      ),
    );
}

/**
 * The tracker preset a live dashboard uses unless told otherwise: `fast`. Live, latency is what a
 * user sees; measured on this 2-core machine (bench/latency.ts, 640x360 live source) p50/p95 fell
 * from 51/82 ms (default) to 30/60 ms (fast), at mean success AUC 0.677 instead of 0.693 on
 * ../shared/data/tracking (docs/tracker.md).
 */
export const LIVE_TRACKER_PRESET = 'fast';

/**
 * src/track's `createMultiTracker(options)` (which starts the backend it is given), in a worker thread
 * of its own unless `inWorker` is false (`thread: 'worker'`: the server's event loop keeps reading
 * ffmpeg's pipe and writing to sockets while the tracker computes). Without a `preset`, the live one.
 */
export function defaultTrackerFactory(given: TrackerOptions = {}, inWorker = true): TrackerFactory {
  const options: TrackerOptions = {
    ...given,
    preset: given.preset ?? LIVE_TRACKER_PRESET,
    thread: given.thread ?? (inWorker ? 'worker' : 'main'),
  };
  return async (): Promise<MultiTracker> => {
    const { createMultiTracker } = await import('../track/index.js');
    return createMultiTracker(options);
  };
}

/**
 * src/classify's `classifyClips` on the model in `model`, in a worker thread; none without a model.
 * `onReleased` gets, per subscription, a promise that resolves once the classifier is disposed.
 */
export function defaultClassifier(
  model: string | undefined,
  backend?: string,
  onReleased?: (released: Promise<void>) => void,
): OperatorFunction<Frame, ClipLabel> | undefined {
  if (!model) return undefined;
  return (frames) =>
    defer(() => from(import('./worker-classifier.js'))).pipe(
      switchMap(({ classifyInWorker }) => frames.pipe(classifyInWorker({ model, backend, onReleased }))),
    );
}
