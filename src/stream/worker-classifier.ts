/**
 * src/classify's `classifyClips` in a worker thread, as an operator for the live server: frames are
 * thinned to the model's frame rate, numbered consecutively (the classifier caches per-frame work by
 * index) and copied to the worker; labels come back with their frame numbers mapped to the source's.
 * While the worker is more than two windows behind, frames are not sent (live: never queue up).
 * The worker starts on subscribe and is terminated by the teardown (STYLE.md §3).
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { ClipLabel, Frame } from '../types.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { fromWireError, type WireError } from './worker-errors.js';

type Reply =
  | { ready: true; fps: number; clipLength: number }
  | { ready: false; error: WireError }
  | { label: ClipLabel; done: number }
  | { error: WireError };

/** Labels clips of the frames with the model in `model` (a folder from `siamstream train`). */
export function classifyInWorker(options: {
  model: string;
  backend?: string;
}): OperatorFunction<Frame, ClipLabel> {
  return (source) =>
    new Observable<ClipLabel>((subscriber) => {
      const worker = spawnWorker(import.meta.url, 'classify-worker', { workerData: options });
      let closed = false;
      let fps = 0;
      let clipLength = 16;
      let nextDueMs = -Infinity;
      let sent = 0;
      let done = -1;
      /** Our consecutive numbering → the source's frame index. */
      const original = new Map<number, number>();

      worker.on('message', (m: Reply) => {
        if ('ready' in m) {
          if (!m.ready) subscriber.error(fromWireError(m.error));
          else ({ fps, clipLength } = m);
          return;
        }
        if ('error' in m) return subscriber.error(fromWireError(m.error));
        done = m.done;
        const { label } = m;
        subscriber.next({
          ...label,
          startFrame: original.get(label.startFrame) ?? label.startFrame,
          endFrame: original.get(label.endFrame) ?? label.endFrame,
        });
        for (const k of original.keys()) if (k < label.startFrame) original.delete(k);
      });
      worker.on('error', (e) => subscriber.error(e));
      // A worker that dies without an 'error' (killed, out of memory) must not end the labels silently.
      worker.on('exit', (code) => {
        if (!closed) subscriber.error(new Error(`the classifier worker exited (code ${code})`));
      });

      const sub = source.subscribe({
        next: (frame) => {
          if (fps === 0) return; // not loaded yet
          const period = 1000 / fps;
          // Thin to the model's rate (a quarter period of slack for pts jitter).
          if (frame.timestampMs < nextDueMs - period / 4) return;
          if (sent - 1 - done > 2 * clipLength) return; // the worker is behind: skip, do not queue
          const resync = nextDueMs === -Infinity || frame.timestampMs - nextDueMs > period;
          nextDueMs = resync ? frame.timestampMs + period : nextDueMs + period;
          original.set(sent, frame.index);
          worker.postMessage({ frame: { ...frame, index: sent++ } });
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
      return () => {
        closed = true;
        sub.unsubscribe();
        void worker.terminate();
      };
    });
}
