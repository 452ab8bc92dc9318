/**
 * Where the trunk runs: in this isolate, or in `worker_threads`.
 *
 * tfjs's wasm backend runs one thread per Node isolate, so a second core is only reached through
 * a worker with its own backend and its own copy of the weights. With `workers: k` the patches
 * of one frame (the scales) are split over k workers; the main thread crops, solves the filter
 * and reads the next frame meanwhile. Messages carry crops (0.1–0.4 MB) and feature maps, both
 * transferred, never the frame. bench/track-tune.ts measures what this buys (docs/tracker.md).
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/backend.js';
import { spawnWorker } from '../util/spawn-worker.js';
import { WorkerRpc } from '../util/worker-rpc.js';
import { cropPatchesTf, type Region } from './crop.js';
import { packedChannels, Trunk, type FeatureBatch } from './embedding.js';
import { OnnxTrunk } from './onnx-trunk.js';
import type { ResolvedEngine } from '../backend/engine.js';
import type { FeatureLayer } from './params.js';
import type { Frame } from '../types.js';
import type { WorkerMessage, WorkerReply } from './trunk-worker.js';

/** Runs the trunk on patches. */
export interface Embedder {
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
  /** The inference engine, resolved (engine.ts). */
  engine: ResolvedEngine;
  /** The tfjs backend (tfjs engine). */
  backend: string;
  /** ONNX Runtime's intra-op threads (onnx engine). */
  threads: number;
  layer: FeatureLayer;
  modelPath?: string;
}

/** The trunk in this isolate. */
export async function createInProcessEmbedder(config: EmbedderConfig): Promise<Embedder> {
  if (config.engine === 'onnx') {
    const trunk = await OnnxTrunk.load(config.layer, config.modelPath, config.threads);
    return {
      embed: (pixels, count, size) => trunk.embedPixels(pixels, count, size),
      numTensors: async () => [0], // ONNX Runtime holds no tfjs tensors; its buffers are freed with the session
      dispose: async () => trunk.dispose(),
    };
  }
  await initBackend(config.backend);
  const trunk = await Trunk.load(config.layer, config.modelPath);
  return {
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

/** One trunk worker thread. */
class TrunkWorker {
  private readonly rpc = new WorkerRpc<WorkerMessage, WorkerReply>(
    spawnWorker(import.meta.url, 'trunk-worker'),
    'Trunk worker',
  );

  request(message: WorkerMessage, transfer: ArrayBuffer[] = []): Promise<WorkerReply> {
    return this.rpc.request(message, transfer);
  }

  terminate(): Promise<void> {
    return this.rpc.terminate('The tracker');
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
  const channels = packedChannels(config.layer);
  return {
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
