/**
 * A clip classifier hosted in a worker thread (`createClipClassifier({ thread: 'worker' })`),
 * behind the same {@link ClipClassifier} interface: its owner's event loop stays free (the live
 * server's). A window's frames are copied to the thread on each `classify` (the thread's per-frame
 * cache still computes each frame once). One request mechanism: WorkerRpc (a thread that dies
 * fails every pending call with ERR_INTERNAL; a call after `dispose()` is ERR_DISPOSED).
 */
import { SiamError } from '../errors.js';
import type { ClipLabel, Frame } from '../types.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { WorkerRpc } from '../util/worker-rpc.js';
import type { ClipClassifier, ClipClassifierOptions } from './classifier.js';
import type { ClassifierReply, ClassifierRequest } from './classifier-thread.js';

/** Starts the thread and resolves once its model is loaded. `options.model` must be a folder path. */
export async function createThreadClassifier(
  options: ClipClassifierOptions & { model: string },
): Promise<ClipClassifier> {
  const rpc = new WorkerRpc<ClassifierRequest, ClassifierReply>(
    spawnWorker(import.meta.url, 'classifier-thread', { workerData: { options } }),
    'Classifier thread',
  );
  const { info } = await rpc.ready('The classifier');
  let disposed = false;
  return {
    ...info,
    classify: async (frames: Frame[]): Promise<ClipLabel> => {
      const { label } = await rpc.call({ type: 'classify', frames }, 'label');
      // A label that comes back after dispose() was called is not delivered: the call was in flight.
      if (disposed) throw new SiamError('ERR_DISPOSED', 'The classifier was disposed during classify().');
      return label;
    },
    reset: () => {
      // Ordered before any later request; nothing to wait for.
      rpc.request({ type: 'reset' }).catch(() => undefined);
    },
    workerTensors: async () => (await rpc.call({ type: 'memory' }, 'memory')).numTensors,
    dispose: () => {
      // The thread ends once it has freed its model; calls from now on are ERR_DISPOSED.
      disposed = true;
      return rpc.close({ type: 'dispose' }, 'The classifier');
    },
  };
}
