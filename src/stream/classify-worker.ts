/**
 * Worker-thread entry that hosts src/classify's clip classifier for the live server (see
 * worker-classifier.ts). In: `{ frame }` (already at the model's rate, indices consecutive). Out:
 * `{ ready, fps, clipLength }` once loaded (or `{ ready: false, error }`), then `{ label }` per
 * window and `{ done: lastFrameIndex }` after each, or `{ error }`.
 */
import { Subject } from 'rxjs';
import { parentPort, workerData } from 'node:worker_threads';
import { classifyClips, createClipClassifier } from '../classify/index.js';
import type { Frame } from '../types.js';
import { toWireError } from './worker-errors.js';

const port = parentPort;
if (port) {
  const { model, backend } = workerData as { model: string; backend?: string };
  // The tfjs engine here: this thread is terminated by the stream's teardown, and ending a thread
  // while an ONNX Runtime run is in flight aborts the whole process (measured: SIGABRT, exit 134).
  createClipClassifier({ model, backend, engine: 'tfjs' }).then(
    (classifier) => {
      const frames = new Subject<Frame>();
      frames.pipe(classifyClips({ classifier })).subscribe({
        next: (label) => port.postMessage({ label, done: label.endFrame }),
        error: (e: unknown) => port.postMessage({ error: toWireError(e) }),
      });
      port.on('message', (m: { frame: Frame }) => frames.next(m.frame));
      port.postMessage({ ready: true, fps: classifier.fps, clipLength: classifier.clipLength });
    },
    (e: unknown) => port.postMessage({ ready: false, error: toWireError(e) }),
  );
}
