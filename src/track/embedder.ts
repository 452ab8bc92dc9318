/**
 * Where the trunk runs: in this isolate, or in `worker_threads`.
 *
 * tfjs's wasm backend runs one thread per Node isolate, so a second core is only reached through
 * a worker with its own backend and its own copy of the weights. With `workers: k` the patches
 * of one frame (the scales) are split over k workers; the main thread crops, solves the filter
 * and reads the next frame meanwhile. Messages carry crops (0.1–0.4 MB) and feature maps, both
 * transferred, never the frame. bench/track-tune.ts measures what this buys (docs/tracker.md).
 */
import type { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { SiamError, type ErrorCode } from '../errors.js';
import { initBackend } from '../backend/backend.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { cropPatchesTf, type Region } from './crop.js';
import { FEATURE_CHANNELS, Trunk, type FeatureBatch } from './embedding.js';
import type { FeatureLayer } from './params.js';
import type { Frame } from '../types.js';
import type { WorkerMessage, WorkerReply, WorkerRequest } from './trunk-worker.js';

/** Runs the trunk on patches. */
export interface Embedder {
  readonly channels: number;
  /** Feature maps of `count` square patches of `size` px (RGB float 0…255, NHWC). */
  embed(pixels: Float32Array, count: number, size: number): Promise<FeatureBatch>;
  /** Crops on the backend (`tf.image.cropAndResize`) and embeds; in-process embedders only. */
  embedRegions?(
    frame: Frame,
    regions: readonly Region[],
    size: number,
    mean: readonly number[],
  ): Promise<FeatureBatch>;
  /** Tensors held by the trunk's isolate(s) (for leak tests). */
  numTensors(): Promise<number[]>;
  dispose(): Promise<void>;
}

/** What an embedder needs to start. */
export interface EmbedderConfig {
  backend: string;
  layer: FeatureLayer;
  modelPath?: string;
}

/** The trunk in this isolate. */
export async function createInProcessEmbedder(config: EmbedderConfig): Promise<Embedder> {
  await initBackend(config.backend);
  const trunk = await Trunk.load(config.layer, config.modelPath);
  return {
    channels: trunk.channels,
    embed: (pixels, count, size) => trunk.embedPixels(pixels, count, size),
    embedRegions: async (frame, regions, size, mean) => {
      const patches = cropPatchesTf(frame, regions, size, mean);
      try {
        return await trunk.embedTensor(patches);
      } finally {
        patches.dispose();
      }
    },
    numTensors: async () => [tf.memory().numTensors],
    dispose: async () => trunk.dispose(),
  };
}

/** One worker and its pending requests. */
class TrunkWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<
    number,
    { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private failure: Error | undefined;

  constructor() {
    this.worker = spawnWorker(import.meta.url, 'trunk-worker');
    this.worker.unref();
    this.worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.type === 'error')
        p.reject(new SiamError(reply.code as ErrorCode, reply.message, { hint: reply.hint }));
      else p.resolve(reply);
    });
    this.worker.on('error', (e) => this.fail(e));
    this.worker.on('exit', (code) => this.fail(new SiamError('ERR_INTERNAL', `Trunk worker exited (code ${code}).`)));
  }

  /** Rejects every pending request with the first failure (after terminate(): ERR_DISPOSED, not the exit). */
  private fail(e: Error): void {
    const failure = (this.failure ??= e);
    for (const p of this.pending.values()) p.reject(failure);
    this.pending.clear();
  }

  request(message: WorkerMessage, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...message, id } as WorkerRequest, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.failure ??= new SiamError('ERR_DISPOSED', 'The tracker was disposed.');
    await this.worker.terminate();
  }
}

/** The trunk in `count` worker threads; a batch of patches is split evenly over them. */
export async function createWorkerEmbedder(config: EmbedderConfig, count: number): Promise<Embedder> {
  const workers = Array.from({ length: count }, () => new TrunkWorker());
  try {
    await Promise.all(workers.map((w) => w.request({ type: 'init', ...config })));
  } catch (e) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw e;
  }
  const channels = FEATURE_CHANNELS[config.layer];
  return {
    channels,
    async embed(pixels, n, size) {
      const per = size * size * 3;
      const used = Math.min(n, workers.length);
      const jobs: Array<Promise<WorkerReply>> = [];
      let start = 0;
      for (let w = 0; w < used; w++) {
        const take = Math.floor(n / used) + (w < n % used ? 1 : 0);
        const chunk = pixels.slice(start * per, (start + take) * per);
        jobs.push(workers[w].request({ type: 'embed', pixels: chunk, count: take, size }, [chunk.buffer]));
        start += take;
      }
      const replies = await Promise.all(jobs);
      const parts = replies
        .map((r) => (r.type === 'features' ? r.batch : undefined))
        .filter((b): b is FeatureBatch => !!b);
      const side = parts[0].side;
      const data = new Float32Array(n * side * side * channels);
      let offset = 0;
      for (const p of parts) {
        data.set(p.data, offset);
        offset += p.data.length;
      }
      return { data, count: n, side, channels };
    },
    async numTensors() {
      const replies = await Promise.all(workers.map((w) => w.request({ type: 'memory' })));
      return replies.map((r) => (r.type === 'memory' ? r.numTensors : -1));
    },
    async dispose() {
      await Promise.all(workers.map((w) => w.request({ type: 'close' }).catch(() => undefined)));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
