/**
 * Worker-thread entry that runs the trunk (see embedder.ts). One request at a time per worker;
 * replies carry the request's id. Feature maps are transferred back, not copied.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/backend.js';
import { errorReply, type RpcErrorReply } from '../util/worker-rpc.js';
import { Trunk, type FeatureBatch } from './embedding.js';
import type { EmbedderConfig } from './embedder.js';
import { OnnxTrunk } from './onnx-trunk.js';

/** What the main thread asks (without the id). */
export type WorkerMessage =
  | ({ type: 'init' } & EmbedderConfig)
  | { type: 'embed'; pixels: Float32Array; count: number; size: number }
  | { type: 'memory' }
  | { type: 'close' };

/** A request with its id. */
export type WorkerRequest = WorkerMessage & { id: number };

/** What the worker answers. */
export type WorkerReply =
  | { id: number; type: 'ready' }
  | { id: number; type: 'features'; batch: FeatureBatch; ms: number }
  | { id: number; type: 'memory'; numTensors: number }
  | { id: number; type: 'closed' }
  | RpcErrorReply;

let trunk: Trunk | OnnxTrunk | undefined;

async function handle(m: WorkerRequest): Promise<{ reply: WorkerReply; transfer?: ArrayBuffer[] }> {
  switch (m.type) {
    case 'init':
      if (m.engine === 'onnx') trunk = await OnnxTrunk.load(m.layer, m.modelPath, m.threads);
      else {
        await initBackend(m.backend);
        trunk = await Trunk.load(m.layer, m.modelPath);
      }
      return { reply: { id: m.id, type: 'ready' } };
    case 'embed': {
      if (!trunk) throw new Error('trunk worker used before init');
      const t0 = performance.now();
      const batch = await trunk.embedPixels(m.pixels, m.count, m.size);
      return {
        reply: { id: m.id, type: 'features', batch, ms: performance.now() - t0 },
        transfer: [batch.data.buffer as ArrayBuffer],
      };
    }
    case 'memory':
      return {
        reply: {
          id: m.id,
          type: 'memory',
          numTensors: trunk instanceof OnnxTrunk ? 0 : tf.memory().numTensors,
        },
      };
    case 'close':
      await trunk?.dispose();
      trunk = undefined;
      return { reply: { id: m.id, type: 'closed' } };
  }
}

parentPort?.on('message', (m: WorkerRequest) => {
  handle(m).then(
    ({ reply, transfer }) => parentPort?.postMessage(reply, transfer ?? []),
    (e: unknown) => parentPort?.postMessage(errorReply(m.id, e, 'ERR_MODEL_INVALID') satisfies WorkerReply),
  );
});
