/**
 * Worker-thread entry that hosts src/track's tracker for the live server (see worker-tracker.ts).
 * Messages in: `{ id, op: 'init' | 'update' | 'dispose', frame?, box? }`; out: `{ ready }` once the
 * model is loaded (or `{ ready: false, error }`), then `{ id, result }` or `{ id, error }` per call.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createTracker, type Tracker, type TrackerOptions } from '../track/index.js';
import type { Box, Frame } from '../types.js';
import { toWireError } from './worker-errors.js';

interface Call {
  id: number;
  op: 'init' | 'update' | 'dispose';
  frame?: Frame;
  box?: Box;
}

const port = parentPort;
if (port) {
  let tracker: Tracker | undefined;
  createTracker((workerData as { options?: TrackerOptions } | undefined)?.options ?? {}).then(
    (t) => {
      tracker = t;
      port.postMessage({ ready: true });
    },
    (e: unknown) => port.postMessage({ ready: false, error: toWireError(e) }),
  );
  port.on('message', (call: Call) => {
    const run = async (): Promise<unknown> => {
      if (!tracker) throw new Error('tracker not ready');
      if (call.op === 'init') return tracker.init(call.frame as Frame, call.box as Box);
      if (call.op === 'update') return tracker.update(call.frame as Frame);
      tracker.dispose();
      return null;
    };
    run().then(
      (result) => port.postMessage({ id: call.id, result }),
      (e: unknown) => port.postMessage({ id: call.id, error: toWireError(e) }),
    );
  });
}
