/**
 * The clip classifier: a trained model plus the frozen trunk, owned by one instance (STYLE.md §4).
 * `classify(frames)` labels one window; per-frame stream inputs are cached by frame index, so
 * overlapping sliding windows (classify-clips.ts) compute the trunk and the flow once per frame,
 * batched over the frames a window adds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/backend.js';
import { resolveEngine } from '../backend/engine.js';
import type { OnnxRunner } from '../backend/onnx/runner.js';
import { SiamError } from '../errors.js';
import type { ClipLabel, Frame } from '../types.js';
import {
  createAppearanceTrunk,
  openOnnxAppearance,
  warmUpAppearance,
  type AppearanceTrunk,
} from './appearance.js';
import { plainWindow, windowStarts } from './augment.js';
import { extractFeatures, modelImages, splitRows, stackFrameBytes } from './features.js';
import { createFlowWorker, type FlowWorker } from './flow-client.js';
import { FrameFeatureCache } from './frame-cache.js';
import { disposeClipModel, loadClipModel, type ClipModel } from './model.js';
import { argmax, fuseProbabilities, meanRows, streamProbabilities } from './scoring.js';
import { meanFamiliarity, prototypesOf, UNKNOWN_LABEL } from './openset.js';

/**
 * Frames a window needs before it gets a class: the classes are motions, and motion is measured
 * between frames. A shorter window (a one-frame clip, a one-frame tail) is `unknown`, its scores kept.
 */
export const MIN_LABELLED_FRAMES = 2;

/** Options of {@link createClipClassifier}. */
export interface ClipClassifierOptions {
  /** A model folder (written by `siamstream train`), or a model already in memory (then the caller keeps ownership). */
  model: string | ClipModel;
  /** TensorFlow.js backend. @default 'auto' (wasm unless tfjs-node is installed) */
  backend?: string;
  /**
   * Inference engine of the appearance trunk while the flow runs in its worker: ONNX Runtime
   * where `onnxruntime-node` loads, else TensorFlow.js (src/backend/engine.ts). In-process flow and
   * training use the tfjs trunk. @default 'auto'
   */
  engine?: 'auto' | 'tfjs' | 'onnx';
  /**
   * Compute the motion stream (optical flow) in a worker thread with its own backend, while this
   * thread runs the appearance trunk: both cores busy on wasm (single-threaded per isolate). The
   * features are the same as in process. @default true on the wasm backend, false otherwise
   */
  flowInWorker?: boolean;
  /**
   * Where the classifier runs: in the caller's thread, or in a worker thread of its own (same
   * interface; the caller's event loop stays free, e.g. the live server's; `model` must then be
   * a folder path). @default 'main'
   */
  thread?: 'main' | 'worker';
  /**
   * Windows less familiar than this (openset.ts) are labelled `unknown`; 0 never says unknown.
   * @default the threshold calibrated when the model was trained (none for older models)
   */
  unknownThreshold?: number;
}

/** A loaded classifier. */
export interface ClipClassifier {
  readonly labels: string[];
  /** Frames per second the model expects (decode with `{ fps }`). */
  readonly fps: number;
  /** Frames per window the model was trained on. */
  readonly clipLength: number;
  /** The engine of the appearance trunk (`onnx` only with the flow in its worker). */
  readonly engine: 'tfjs' | 'onnx';
  /** Frame size the model works at (decode at this size to skip a resize). */
  readonly inputWidth: number;
  readonly inputHeight: number;
  /**
   * Labels `frames` (consecutive, one size, at `fps`). A window longer than `clipLength` is cut
   * into overlapping windows whose probabilities are averaged; a shorter one is padded.
   */
  classify(frames: Frame[]): Promise<ClipLabel>;
  /** Forgets cached per-frame features (call between unrelated videos whose frame indices restart). */
  reset(): void;
  /** Releases the model, the trunk and the workers; resolves once they are released (calling it again is a no-op). */
  dispose(): Promise<void>;
  /**
   * Live tensors in the flow worker's isolate (undefined without one), or in the classifier's own
   * thread (`thread: 'worker'`); for leak tests.
   */
  workerTensors(): Promise<number | undefined>;
}

/** Loads the trunk and the model and returns a classifier that owns them. */
export async function createClipClassifier(options: ClipClassifierOptions): Promise<ClipClassifier> {
  if (!options || (typeof options.model !== 'string' && typeof options.model?.config !== 'object')) {
    throw new SiamError('ERR_BAD_OPTION', 'Expected `model` to be a model folder path or a loaded model.');
  }
  if (options.thread !== undefined && options.thread !== 'main' && options.thread !== 'worker') {
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Expected \`thread\` to be main or worker, got ${String(options.thread)}`,
    );
  }
  const t = options.unknownThreshold;
  if (t !== undefined && !(typeof t === 'number' && Number.isFinite(t) && t >= 0 && t <= 1)) {
    throw new SiamError('ERR_BAD_OPTION', `Expected \`unknownThreshold\` to be in [0, 1], got ${String(t)}`);
  }
  if (options.thread === 'worker') {
    if (typeof options.model !== 'string') {
      throw new SiamError(
        'ERR_BAD_OPTION',
        'Expected `model` to be a model folder path with `thread: worker`.',
        {
          hint: 'A model in memory cannot move to another thread: pass the folder `siamstream train` wrote.',
        },
      );
    }
    const { createThreadClassifier } = await import('./thread-classifier.js');
    return createThreadClassifier({ ...options, model: options.model });
  }
  // The flow worker boots (node isolate, imports, backend init) while this thread loads: spawned
  // first, on the backend this thread will run (the same `auto` resolution, or the one already
  // running). By default it is kept only on wasm (the other backends use several cores already).
  const requested = options.backend ?? process.env.SIAMSTREAM_BACKEND ?? 'auto';
  const running = (tf.engine().backendName as string | null) ?? undefined;
  const workerBackend =
    requested !== 'auto' ? requested : running === 'tensorflow' ? 'node' : (running ?? 'auto');
  const wanted = options.flowInWorker ?? (workerBackend === 'auto' || workerBackend === 'wasm');
  const workerP: Promise<FlowWorker | undefined> = wanted
    ? createFlowWorker(workerBackend)
    : Promise.resolve(undefined);
  workerP.catch(() => undefined);
  const dropWorker = () =>
    void workerP.then(
      (w) => w?.terminate(),
      () => undefined,
    );
  let model: ClipModel;
  let trunk: AppearanceTrunk;
  const ownsModel = typeof options.model === 'string';
  try {
    await initBackend(options.backend);
    model = typeof options.model === 'string' ? await loadClipModel(options.model) : options.model;
  } catch (e) {
    dropWorker();
    throw e;
  }
  const config = model.config;
  const prototypes = prototypesOf(model.weights);
  const unknownBelow = prototypes ? (options.unknownThreshold ?? config.openSet?.threshold ?? 0) : 0;
  let onnx: OnnxRunner | undefined;
  try {
    trunk = await createAppearanceTrunk();
    // ONNX Runtime serves the worker-flow path only (the in-process path calls the trunk synchronously).
    if (wanted && (await resolveEngine(options.engine)) === 'onnx') onnx = await openOnnxAppearance();
  } catch (e) {
    if (ownsModel) disposeClipModel(model);
    dropWorker();
    throw e;
  }
  const cache = new FrameFeatureCache();
  let disposed = false;
  let released: Promise<void> | undefined;
  // Not awaited here: the worker may still be booting, and goes on doing so while the caller
  // waits on I/O (ffprobe, ffmpeg's start); the first classify() waits for it. By default a worker
  // that failed to start leaves the flow in process; with `flowInWorker: true`, classify() rejects.
  let flowWorker: FlowWorker | undefined;
  let workerReady: Promise<void> | undefined = workerP.then(
    (w) => {
      if (!w) return;
      // Features must be the same as in process: the worker must run this thread's backend.
      if (
        disposed ||
        w.backend !== tf.getBackend() ||
        (options.flowInWorker === undefined && tf.getBackend() !== 'wasm')
      ) {
        void w.terminate();
        return;
      }
      w.configure(config);
      flowWorker = w;
    },
    (e: unknown) => {
      if (options.flowInWorker) throw e;
    },
  );
  workerReady.catch(() => undefined);
  // The trunk's first call is slow (graph and kernel set-up, heap growth). It is warmed up on a
  // dummy batch right after this returns, i.e. while the caller waits on I/O (ffprobe, ffmpeg's
  // start); the first classify() waits for it.
  let warmUp: Promise<void> | undefined = warmUpAppearance(onnx ?? trunk, config, () => disposed);

  type RunTimings = { trunkMs: number; flowMs: number; flowWaitMs: number };
  async function computeRun(run: Frame[]): Promise<RunTimings> {
    const previousGray = cache.previousGray(run[0]);
    if (!flowWorker) {
      const f = extractFeatures(trunk, config, run, { previousGray });
      cache.store(run, f.appearance, f.motion, f.lastGray);
      return { ...f.timings, flowWaitMs: f.timings.flowMs };
    }
    // The flow request goes first (bytes transferred), then the trunk runs here meanwhile.
    const t0 = performance.now();
    const bytes = stackFrameBytes(run);
    const shape: [number, number, number] = [run.length, run[0].height, run[0].width];
    const images = modelImages(bytes, shape, config);
    const motionP = flowWorker.motion(bytes, shape, previousGray);
    motionP.catch(() => undefined);
    let appearance: Float32Array;
    try {
      if (onnx) {
        const [n, h, w] = images.shape;
        appearance = (await onnx.run(images.dataSync() as Float32Array, n, h, w)).data;
      } else {
        const features = trunk.embed(images);
        appearance = features.dataSync() as Float32Array;
        features.dispose();
      }
    } finally {
      images.dispose();
    }
    const t1 = performance.now();
    const m = await motionP;
    const t2 = performance.now();
    cache.store(run, splitRows(appearance, run.length), splitRows(m.motion, run.length), m.lastGray);
    return { trunkMs: t1 - t0, flowMs: m.ms, flowWaitMs: t2 - t1 };
  }

  return {
    labels: config.labels,
    get engine() {
      return onnx && flowWorker ? ('onnx' as const) : ('tfjs' as const);
    },
    fps: config.fps,
    clipLength: config.clipLength,
    inputWidth: config.inputWidth,
    inputHeight: config.inputHeight,
    async classify(frames) {
      if (disposed) throw new SiamError('ERR_DISPOSED', 'classify() after dispose().');
      if (!Array.isArray(frames) || frames.length === 0)
        throw new SiamError('ERR_BAD_FRAME', 'classify() needs at least one frame.');
      if (warmUp || workerReady) {
        await Promise.all([warmUp, workerReady]);
        warmUp = workerReady = undefined;
      }
      const gone = (): SiamError =>
        new SiamError('ERR_DISPOSED', 'The classifier was disposed during classify().');
      if (disposed) throw gone();
      const t0 = performance.now();
      const timings = { trunkMs: 0, flowMs: 0, flowWaitMs: 0 };
      const runs = cache.missingRuns(frames);
      for (const r of runs) {
        const t = await computeRun(r);
        timings.trunkMs += t.trunkMs;
        timings.flowMs += t.flowMs;
        timings.flowWaitMs += t.flowWaitMs;
      }
      if (disposed) throw gone(); // its cache and model are gone
      const features = cache.features(frames);
      const t1 = performance.now();
      const length = config.clipLength;
      const windows = windowStarts(frames.length, length, Math.max(1, Math.floor(length / 2))).map((s) =>
        plainWindow(s, length),
      );
      const probs = meanRows(
        fuseProbabilities(config, streamProbabilities(config, model.weights, features, windows)),
      );
      // Familiarity: the mean over the windows of each one's similarity to its nearest prototype.
      const familiar = prototypes ? meanFamiliarity(features.appearance, windows, prototypes) : undefined;
      const headMs = performance.now() - t1;
      cache.keepSpanOf(frames);
      const first = frames[0];
      const last = frames[frames.length - 1];
      const step =
        frames.length > 1 ? (last.timestampMs - first.timestampMs) / (frames.length - 1) : 1000 / config.fps;
      const scores: Record<string, number> = {};
      config.labels.forEach((label, k) => (scores[label] = probs[k]));
      return {
        startMs: first.timestampMs,
        endMs: last.timestampMs + step,
        startFrame: first.index,
        endFrame: last.index,
        label:
          frames.length < MIN_LABELLED_FRAMES || (familiar !== undefined && familiar < unknownBelow)
            ? UNKNOWN_LABEL
            : config.labels[argmax(probs)],
        scores,
        ...(familiar === undefined ? {} : { familiarity: familiar }),
        timings: { ...timings, headMs, totalMs: performance.now() - t0 },
      };
    },
    reset() {
      cache.clear();
    },
    dispose() {
      if (!released) {
        disposed = true;
        cache.clear();
        trunk.dispose();
        if (ownsModel) disposeClipModel(model);
        released = Promise.all([onnx?.dispose(), flowWorker?.terminate()]).then(() => undefined);
      }
      return released;
    },
    async workerTensors() {
      await workerReady;
      return flowWorker?.numTensors();
    },
  };
}
