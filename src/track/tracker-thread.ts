/**
 * Worker-thread entry hosting a multi-target tracker (`thread: 'worker'`, thread-tracker.ts); the
 * single-target tracker in a thread is the same host holding one target. Speaks WorkerRpc's
 * protocol (src/util/worker-rpc.ts): a `ready` (or `error`) reply under id 0 once the model is
 * loaded, then one reply per request, errors as `{ type: 'error', code, … }`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Box, Frame } from '../types.js';
import { serveRequests, type RpcErrorReply } from '../util/worker-rpc.js';
import type { MultiTracker, TargetResult } from './multi-tracker.js';
import type { ResolvedTrackerOptions, TrackerOptions } from './params.js';
import { createMultiTracker } from './tracker.js';

/** What the owner asks (without the id). */
export type ThreadRequest =
  | { type: 'add'; frame: Frame; box: Box; target?: number }
  | { type: 'update'; frame: Frame }
  | { type: 'remove'; target: number }
  | { type: 'clear' }
  | { type: 'memory' }
  | { type: 'dispose' };

/** What the thread answers. */
export type ThreadReply =
  | { id: number; type: 'ready'; options: ResolvedTrackerOptions }
  | { id: number; type: 'added'; result: TargetResult }
  | { id: number; type: 'results'; results: TargetResult[] }
  | { id: number; type: 'memory'; numTensors: number[] }
  | { id: number; type: 'done' }
  | RpcErrorReply;

const port = parentPort;
if (port) {
  const options = (workerData as { options: TrackerOptions }).options;
  const ready = createMultiTracker({ ...options, thread: 'main' });
  const handle = async (t: MultiTracker, m: ThreadRequest & { id: number }): Promise<ThreadReply> => {
    switch (m.type) {
      case 'add':
        return { id: m.id, type: 'added', result: await t.add(m.frame, m.box, m.target) };
      case 'update':
        return { id: m.id, type: 'results', results: await t.update(m.frame) };
      case 'remove':
        t.remove(m.target);
        return { id: m.id, type: 'done' };
      case 'clear':
        t.clear();
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
