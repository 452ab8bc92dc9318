/**
 * The motion stream in a worker thread (flow-worker.ts): the classifier posts each run of frames
 * (bytes transferred, not copied) before it runs the trunk, and awaits the flow afterwards, so the
 * two streams use both cores. Requests are answered in order; the worker is referenced only while
 * a request is pending, so an idle classifier never keeps the process alive.
 */
import type { Worker } from 'node:worker_threads';
import { SiamError } from '../errors.js';
import { spawnWorker } from '../util/spawn-worker.js';
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
  motion(bytes: Uint8Array, shape: [number, number, number], previousGray?: Float32Array): Promise<{ motion: Float32Array; lastGray: Float32Array; ms: number }>;
  /** Live tensors in the worker's isolate (for leak tests). */
  numTensors(): Promise<number>;
  terminate(): Promise<void>;
}

type Pending = { resolve: (r: FlowReply) => void; reject: (e: Error) => void };

/** Spawns the worker and waits until its backend is ready. */
export async function createFlowWorker(backend: string, flow?: FlowOptions): Promise<FlowWorker> {
  const data: FlowWorkerData = { backend, flow };
  const worker: Worker = spawnWorker(import.meta.url, 'flow-worker', { workerData: data });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let failure: Error | undefined;
  let ready!: Pending;
  const readyP = new Promise<FlowReply>((resolve, reject) => (ready = { resolve, reject }));
  // Pending requests get the first failure: after terminate() that is ERR_DISPOSED, not the exit.
  const failAll = (e: Error) => {
    const first = (failure ??= e);
    ready.reject(first);
    for (const p of pending.values()) p.reject(first);
    pending.clear();
    worker.unref();
  };
  worker.on('message', (r: FlowReply) => {
    if (r.id === 0) {
      if (r.type === 'error') failAll(new SiamError('ERR_BACKEND_UNAVAILABLE', `Flow worker failed to start: ${r.message}`));
      else ready.resolve(r);
      return;
    }
    const p = pending.get(r.id);
    if (!p) return;
    pending.delete(r.id);
    if (pending.size === 0) worker.unref();
    if (r.type === 'error') p.reject(new SiamError('ERR_INTERNAL', `Flow worker: ${r.message}`));
    else p.resolve(r);
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', (code) => failAll(new SiamError('ERR_INTERNAL', `Flow worker exited (code ${code}).`)));

  const request = (m: FlowRequest, transfer: ArrayBuffer[] = []): Promise<FlowReply> => {
    if (failure) return Promise.reject(failure);
    worker.ref();
    return new Promise<FlowReply>((resolve, reject) => {
      pending.set(m.id, { resolve, reject });
      worker.postMessage(m, transfer);
    });
  };

  let backendName: string;
  try {
    const r = await readyP;
    backendName = r.type === 'ready' ? r.backend : '';
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  worker.unref();
  return {
    backend: backendName,
    configure(config) {
      request({ id: nextId++, type: 'config', config }).catch(() => undefined);
    },
    async motion(bytes, shape, previousGray) {
      // A byte view that does not span its whole buffer would transfer (detach) more than it owns.
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      const r = await request({ id: nextId++, type: 'flow', bytes: own, shape, previousGray }, [own.buffer as ArrayBuffer]);
      if (r.type !== 'motion') throw new SiamError('ERR_INTERNAL', `Flow worker answered ${r.type}.`);
      return { motion: r.motion, lastGray: r.lastGray, ms: r.ms };
    },
    async numTensors() {
      const r = await request({ id: nextId++, type: 'memory' });
      if (r.type !== 'memory') throw new SiamError('ERR_INTERNAL', `Flow worker answered ${r.type}.`);
      return r.numTensors;
    },
    async terminate() {
      failure ??= new SiamError('ERR_DISPOSED', 'Flow worker terminated.');
      await worker.terminate();
    },
  };
}
