/**
 * src/track's tracker in a worker thread, behind the {@link TrackerLike} interface. The live
 * server's event loop then only moves bytes: it keeps reading ffmpeg's pipe (so `latest` mode
 * really drops stale frames instead of letting them queue in the pipe while the tracker computes),
 * and keeps writing to sockets. A frame is copied to the worker (~0.3 ms for 640x360).
 */
import type { Worker } from 'node:worker_threads';
import { SiamError } from '../errors.js';
import type { TrackerOptions } from '../track/index.js';
import type { Box, Frame, TrackResult } from '../types.js';
import type { TrackerLike } from './pipeline.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { fromWireError, type WireError } from './worker-errors.js';

/** Loads the tracker in a new worker; resolves once its model is ready. */
export async function createWorkerTracker(options: TrackerOptions = {}): Promise<TrackerLike> {
  const worker: Worker = spawnWorker(import.meta.url, 'tracker-worker', { workerData: { options } });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  let dead: Error | null = null;
  const failAll = (e: Error): void => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };

  await new Promise<void>((resolve, reject) => {
    worker.once('message', (m: { ready: boolean; error?: WireError }) => {
      if (m.ready) resolve();
      else reject(fromWireError(m.error ?? { message: 'tracker worker failed to start' }));
    });
    worker.once('error', reject);
    // A worker that dies without a word (killed, out of memory) must not leave serve() waiting forever.
    worker.once('exit', (code) =>
      reject(new Error(`the tracker worker exited (code ${code}) before it was ready`)),
    );
  }).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });

  worker.on('message', (m: { id: number; result?: unknown; error?: WireError }) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.error) p.reject(fromWireError(m.error));
    else p.resolve(m.result);
  });
  worker.on('error', (e) => failAll(e));
  worker.on('exit', () => failAll(new SiamError('ERR_DISPOSED', 'the tracker worker has exited')));

  const call = <T>(op: 'init' | 'update', frame: Frame, box?: Box): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = ++nextId;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, op, frame, box });
    });
  };

  return {
    init: (frame: Frame, box: Box) => call<TrackResult>('init', frame, box),
    update: (frame: Frame) => call<TrackResult>('update', frame),
    dispose: () => {
      if (dead) return;
      // The thread ends once the worker has answered the dispose (model freed), not after a guess.
      const id = ++nextId;
      const end = (): void => void worker.terminate();
      pending.set(id, { resolve: end, reject: end });
      worker.postMessage({ id, op: 'dispose' });
    },
  };
}
