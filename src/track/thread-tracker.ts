/**
 * A tracker hosted in a worker thread (`createTracker({ thread: 'worker' })`), behind the same
 * {@link Tracker} interface. Its owner's event loop then only moves bytes: the live server keeps
 * reading ffmpeg's pipe (so `latest` mode drops stale frames instead of letting them queue) and
 * keeps writing to sockets while the tracker computes. A frame is copied to the thread (~0.3 ms
 * for 640x360). One request mechanism: WorkerRpc (numbered requests, one error encoding; a thread
 * that dies fails every pending call with ERR_INTERNAL; a call after `dispose()` is ERR_DISPOSED).
 */
import type { Box, Frame, TrackResult } from '../types.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { WorkerRpc } from '../util/worker-rpc.js';
import type { TrackerOptions } from './params.js';
import type { ThreadReply, ThreadRequest } from './tracker-thread.js';
import type { Tracker } from './tracker.js';

/** Starts the thread and resolves once its model is loaded. */
export async function createThreadTracker(options: TrackerOptions): Promise<Tracker> {
  const rpc = new WorkerRpc<ThreadRequest, ThreadReply>(
    spawnWorker(import.meta.url, 'tracker-thread', { workerData: { options } }),
    'Tracker thread',
  );
  const resolved = (await rpc.ready('The tracker')).options;
  const result = async (request: ThreadRequest): Promise<TrackResult> =>
    (await rpc.call(request, 'result')).result;
  return {
    options: { ...resolved, thread: 'worker' },
    init: (frame: Frame, box: Box) => result({ type: 'init', frame, box }),
    update: (frame: Frame) => result({ type: 'update', frame }),
    reset: () => {
      // Ordered before any later request; nothing to wait for.
      rpc.request({ type: 'reset' }).catch(() => undefined);
    },
    numTensors: async () => (await rpc.call({ type: 'memory' }, 'memory')).numTensors,
    // The thread ends once it has freed its model; calls from now on are ERR_DISPOSED.
    dispose: () => rpc.close({ type: 'dispose' }, 'The tracker'),
  };
}
