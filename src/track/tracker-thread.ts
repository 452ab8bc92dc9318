/**
 * Worker-thread entry hosting a tracker (`createTracker({ thread: 'worker' })`, thread-tracker.ts).
 * Speaks WorkerRpc's protocol (src/util/worker-rpc.ts): a `ready` (or `error`) reply under id 0
 * once the model is loaded, then one reply per request, errors as `{ type: 'error', code, … }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Box, Frame, TrackResult } from '../types.js';
import { serveRequests, type RpcErrorReply } from '../util/worker-rpc.js';
import type { ResolvedTrackerOptions, TrackerOptions } from './params.js';
import { createTracker, type Tracker } from './tracker.js';

/** What the owner asks (without the id). */
export type ThreadRequest =
  | { type: 'init'; frame: Frame; box: Box }
  | { type: 'update'; frame: Frame }
  | { type: 'reset' }
  | { type: 'memory' }
  | { type: 'dispose' };

/** What the thread answers. */
export type ThreadReply =
  | { id: number; type: 'ready'; options: ResolvedTrackerOptions }
  | { id: number; type: 'result'; result: TrackResult }
  | { id: number; type: 'memory'; numTensors: number[] }
  | { id: number; type: 'done' }
  | RpcErrorReply;

const port = parentPort;
if (port) {
  const ready = createTracker({ ...(workerData as { options: TrackerOptions }).options, thread: 'main' });
  const handle = async (t: Tracker, m: ThreadRequest & { id: number }): Promise<ThreadReply> => {
    switch (m.type) {
      case 'init':
        return { id: m.id, type: 'result', result: await t.init(m.frame, m.box) };
      case 'update':
        return { id: m.id, type: 'result', result: await t.update(m.frame) };
      case 'reset':
        t.reset();
        return { id: m.id, type: 'done' };
      case 'memory':
        return { id: m.id, type: 'memory', numTensors: await t.numTensors() };
      case 'dispose':
        // Answered once the model is released: the owner ends the thread then, never under a
        // native session (ONNX Runtime) still closing.
        await t.dispose();
        return { id: m.id, type: 'done' };
    }
  };
  serveRequests(
    port,
    ready,
    (t) => ({ id: 0, type: 'ready', options: t.options }) satisfies ThreadReply,
    handle,
  );
}
