/**
 * The live server's clip labelling: src/classify's classifier in a worker thread of its own
 * (`createClipClassifier({ thread: 'worker' })`) behind `classifyClips`. Frames are thinned to the
 * model's frame rate and numbered consecutively (the classifier caches per-frame work by index);
 * labels come back with their frame numbers mapped to the source's. While the classifier is more
 * than two windows behind, frames are not passed on (live: never queue up). The classifier is
 * created on subscribe and disposed by the teardown (STYLE.md §3); `onReleased` gets a promise that
 * resolves once it is (the server waits for it before exiting: ending a thread in the middle of an
 * ONNX Runtime run aborts the process).
 */
import { Observable, Subject, type OperatorFunction } from 'rxjs';
import { classifyClips, createClipClassifier, type ClipClassifier } from '../classify/index.js';
import type { ClipLabel, Frame } from '../types.js';

/** Labels clips of the frames with the model in `model` (a folder from `siamstream train`). */
export function classifyInWorker(options: {
  model: string;
  backend?: string;
  onReleased?: (released: Promise<void>) => void;
}): OperatorFunction<Frame, ClipLabel> {
  const { onReleased, ...classifierOptions } = options;
  return (source) =>
    new Observable<ClipLabel>((subscriber) => {
      let classifier: ClipClassifier | undefined;
      let closed = false;
      let nextDueMs = -Infinity;
      let sent = 0;
      let done = -1;
      /** Our consecutive numbering → the source's frame index. */
      const original = new Map<number, number>();
      const thinned = new Subject<Frame>();

      const created = createClipClassifier({ ...classifierOptions, thread: 'worker' });
      onReleased?.(
        created.then(
          (c) => new Promise<void>((resolve) => subscriber.add(() => void c.dispose().then(resolve))),
          () => undefined,
        ),
      );
      created.then(
        (c) => {
          if (closed) return;
          classifier = c;
          subscriber.add(
            thinned.pipe(classifyClips({ classifier: c })).subscribe({
              next: (label) => {
                done = label.endFrame;
                subscriber.next({
                  ...label,
                  startFrame: original.get(label.startFrame) ?? label.startFrame,
                  endFrame: original.get(label.endFrame) ?? label.endFrame,
                });
                for (const k of original.keys()) if (k < label.startFrame) original.delete(k);
              },
              error: (e: unknown) => subscriber.error(e),
              complete: () => subscriber.complete(),
            }),
          );
        },
        (e: unknown) => subscriber.error(e),
      );

      subscriber.add(
        source.subscribe({
          next: (frame) => {
            const c = classifier;
            if (!c) return; // not loaded yet
            const period = 1000 / c.fps;
            // Thin to the model's rate (a quarter period of slack for pts jitter).
            if (frame.timestampMs < nextDueMs - period / 4) return;
            if (sent - 1 - done > 2 * c.clipLength) return; // the classifier is behind: skip, do not queue
            const resync = nextDueMs === -Infinity || frame.timestampMs - nextDueMs > period;
            nextDueMs = resync ? frame.timestampMs + period : nextDueMs + period;
            original.set(sent, frame.index);
            thinned.next({ ...frame, index: sent++ });
          },
          error: (e: unknown) => subscriber.error(e),
          complete: () => (classifier ? thinned.complete() : subscriber.complete()),
        }),
      );
      return () => {
        closed = true;
      };
    });
}
