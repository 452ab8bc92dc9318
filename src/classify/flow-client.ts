/**
 * The motion stream in a worker thread (flow-worker.ts): the classifier posts each run of frames
 * (bytes transferred, not copied) before it runs the trunk, and awaits the flow afterwards, so the
 * two streams use both cores. Requests are answered in order; the worker is referenced only while
 * a request is pending, so an idle classifier never keeps the process alive.
 */
import { SiamError } from '../errors.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { WorkerRpc, type WithoutId } from '../util/worker-rpc.js';
import type { StreamConfig } from './config.js';
import type { FlowOptions } from './flow.js';
import type { FlowReply, FlowRequest, FlowWorkerData } from './flow-worker.js';

/** The flow worker, owned by one classifier. */
export interface FlowWorker {
  /** tfjs's name of the worker's backend (`wasm`, `cpu`, `tensorflow`). */
  readonly backend: string;
  /** Sets the model's stream config (before any `motion`) and warms the worker up; not awaited. */
  configure(config: StreamConfig): void;
  /** Motion features of a run of frames (`bytes` `[N, H, W, 3]` is transferred: detached after the call). */
  motion(
    bytes: Uint8Array,
    shape: [number, number, number],
    previousGray?: Float32Array,
  ): Promise<{ motion: Float32Array; lastGray: Float32Array; ms: number }>;
  /** Live tensors in the worker's isolate (for leak tests). */
  numTensors(): Promise<number>;
  terminate(): Promise<void>;
}

/** Spawns the worker and waits until its backend is ready. */
export async function createFlowWorker(backend: string, flow?: FlowOptions): Promise<FlowWorker> {
  const data: FlowWorkerData = { backend, flow };
  const rpc = new WorkerRpc<WithoutId<FlowRequest>, FlowReply>(
    spawnWorker(import.meta.url, 'flow-worker', { workerData: data }),
    'Flow worker',
  );
  let backendName: string;
  try {
    // The worker says `ready` (id 0) on its own once its backend has started.
    backendName = (await rpc.ready('The flow worker')).backend;
  } catch (e) {
    throw new SiamError('ERR_BACKEND_UNAVAILABLE', `Flow worker failed to start: ${(e as Error).message}`, {
      cause: e,
    });
  }
  return {
    backend: backendName,
    configure(config) {
      rpc.request({ type: 'config', config }).catch(() => undefined);
    },
    async motion(bytes, shape, previousGray) {
      // A byte view that does not span its whole buffer would transfer (detach) more than it owns.
      const own =
        bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      const r = await rpc.call({ type: 'flow', bytes: own, shape, previousGray }, 'motion', [
        own.buffer as ArrayBuffer,
      ]);
      return { motion: r.motion, lastGray: r.lastGray, ms: r.ms };
    },
    async numTensors() {
      return (await rpc.call({ type: 'memory' }, 'memory')).numTensors;
    },
    terminate() {
      return rpc.terminate('The flow worker');
    },
  };
}
