/**
 * Worker-thread entry hosting a clip classifier (`createClipClassifier({ thread: 'worker' })`,
 * thread-classifier.ts). Speaks WorkerRpc's protocol (src/util/worker-rpc.ts): a `ready` (or
 * `error`) reply under id 0 once the model is loaded, then one reply per request.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tf } from '../backend/backend.js';
import type { ClipLabel, Frame } from '../types.js';
import { serveRequests, type RpcErrorReply } from '../util/worker-rpc.js';
import { createClipClassifier, type ClipClassifier, type ClipClassifierOptions } from './classifier.js';

/** What a thread classifier tells its owner once loaded. */
export type ClassifierInfo = Pick<
  ClipClassifier,
  'labels' | 'fps' | 'clipLength' | 'engine' | 'inputWidth' | 'inputHeight'
>;

/** What the owner asks (without the id). */
export type ClassifierRequest =
  { type: 'classify'; frames: Frame[] } | { type: 'reset' } | { type: 'memory' } | { type: 'dispose' };

/** What the thread answers. */
export type ClassifierReply =
  | { id: number; type: 'ready'; info: ClassifierInfo }
  | { id: number; type: 'label'; label: ClipLabel }
  | { id: number; type: 'memory'; numTensors: number }
  | { id: number; type: 'done' }
  | RpcErrorReply;

const port = parentPort;
if (port) {
  const options = (workerData as { options: ClipClassifierOptions }).options;
  const ready = createClipClassifier({ ...options, thread: 'main' });
  const handle = async (
    c: ClipClassifier,
    m: ClassifierRequest & { id: number },
  ): Promise<ClassifierReply> => {
    switch (m.type) {
      case 'classify':
        return { id: m.id, type: 'label', label: await c.classify(m.frames) };
      case 'reset':
        c.reset();
        return { id: m.id, type: 'done' };
      case 'memory':
        return { id: m.id, type: 'memory', numTensors: tf.memory().numTensors };
      case 'dispose':
        // Answered once the model is released: the owner ends the thread then, never under a
        // native session (ONNX Runtime) still closing.
        await c.dispose();
        return { id: m.id, type: 'done' };
    }
  };
  const announce = (c: ClipClassifier): ClassifierReply => {
    const { labels, fps, clipLength, engine, inputWidth, inputHeight } = c;
    return { id: 0, type: 'ready', info: { labels, fps, clipLength, engine, inputWidth, inputHeight } };
  };
  serveRequests(port, ready, announce, handle);
}
