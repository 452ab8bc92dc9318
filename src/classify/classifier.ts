/**
 * The clip classifier: a trained model plus the frozen trunk, owned by one instance (STYLE.md §4).
 * `classify(frames)` labels one window; per-frame stream inputs are cached by frame index, so
 * overlapping sliding windows (classify-clips.ts) compute the trunk and the flow once per frame,
 * batched over the frames a window adds.
 */
import { initBackend } from '../backend/backend.js';
import { SiamError } from '../errors.js';
import type { ClipLabel, Frame } from '../types.js';
import { createAppearanceTrunk, type AppearanceTrunk } from './appearance.js';
import { plainWindow, windowStarts } from './augment.js';
import { extractFeatures } from './features.js';
import { disposeClipModel, loadClipModel, type ClipModel } from './model.js';
import { argmax, fuseProbabilities, meanRows, streamProbabilities } from './scoring.js';

/** Options of {@link createClipClassifier}. */
export interface ClipClassifierOptions {
  /** A model folder (written by `siamstream train`), or a model already in memory (then the caller keeps ownership). */
  model: string | ClipModel;
  /** TensorFlow.js backend. @default 'auto' (wasm unless tfjs-node is installed) */
  backend?: string;
}

/** A loaded classifier. */
export interface ClipClassifier {
  readonly labels: string[];
  /** Frames per second the model expects (decode with `{ fps }`). */
  readonly fps: number;
  /** Frames per window the model was trained on. */
  readonly clipLength: number;
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
  dispose(): void;
}

interface CachedFrame {
  timestampMs: number;
  appearance: Float32Array;
  motion: Float32Array;
  /** Grey image at flow size; kept only for the last frame of each computed run. */
  gray?: Float32Array;
}

/** Loads the trunk and the model and returns a classifier that owns them. */
export async function createClipClassifier(options: ClipClassifierOptions): Promise<ClipClassifier> {
  if (!options || (typeof options.model !== 'string' && typeof options.model?.config !== 'object')) {
    throw new SiamError('ERR_BAD_OPTION', 'Expected `model` to be a model folder path or a loaded model.');
  }
  await initBackend(options.backend);
  const ownsModel = typeof options.model === 'string';
  const model = typeof options.model === 'string' ? await loadClipModel(options.model) : options.model;
  let trunk: AppearanceTrunk;
  try {
    trunk = await createAppearanceTrunk();
  } catch (e) {
    if (ownsModel) disposeClipModel(model);
    throw e;
  }
  const config = model.config;
  const cache = new Map<number, CachedFrame>();
  let disposed = false;

  function computeRun(run: Frame[]): { trunkMs: number; flowMs: number } {
    const previous = cache.get(run[0].index - 1);
    const f = extractFeatures(trunk, config, run, { previousGray: previous?.gray });
    run.forEach((frame, i) => {
      cache.set(frame.index, { timestampMs: frame.timestampMs, appearance: f.appearance[i], motion: f.motion[i] });
    });
    cache.get(run[run.length - 1].index)!.gray = f.lastGray;
    return f.timings;
  }

  return {
    labels: config.labels,
    fps: config.fps,
    clipLength: config.clipLength,
    inputWidth: config.inputWidth,
    inputHeight: config.inputHeight,
    async classify(frames) {
      if (disposed) throw new SiamError('ERR_DISPOSED', 'classify() after dispose().');
      if (!Array.isArray(frames) || frames.length === 0) throw new SiamError('ERR_BAD_FRAME', 'classify() needs at least one frame.');
      const t0 = performance.now();
      const timings = { trunkMs: 0, flowMs: 0 };
      // Consecutive runs of frames not cached yet, each computed in one batch.
      let run: Frame[] = [];
      const flush = () => {
        if (run.length === 0) return;
        const t = computeRun(run);
        timings.trunkMs += t.trunkMs;
        timings.flowMs += t.flowMs;
        run = [];
      };
      for (const frame of frames) {
        const hit = cache.get(frame.index);
        if (hit && hit.timestampMs === frame.timestampMs) {
          flush();
          continue;
        }
        if (run.length > 0 && frame.index !== run[run.length - 1].index + 1) flush();
        run.push(frame);
      }
      flush();
      const cached = frames.map((f) => cache.get(f.index)!);
      const features = { appearance: cached.map((c) => c.appearance), motion: cached.map((c) => c.motion) };
      const t1 = performance.now();
      const length = config.clipLength;
      const windows = windowStarts(frames.length, length, Math.max(1, Math.floor(length / 2))).map((s) => plainWindow(s, length));
      const probs = meanRows(fuseProbabilities(config, streamProbabilities(config, model.weights, features, windows)));
      const headMs = performance.now() - t1;
      // Keep the cache bounded: sliding windows only move forward.
      const oldest = frames[0].index;
      for (const key of cache.keys()) if (key < oldest || key > frames[frames.length - 1].index) cache.delete(key);
      const first = frames[0];
      const last = frames[frames.length - 1];
      const step = frames.length > 1 ? (last.timestampMs - first.timestampMs) / (frames.length - 1) : 1000 / config.fps;
      const scores: Record<string, number> = {};
      config.labels.forEach((label, k) => (scores[label] = probs[k]));
      return {
        startMs: first.timestampMs,
        endMs: last.timestampMs + step,
        startFrame: first.index,
        endFrame: last.index,
        label: config.labels[argmax(probs)],
        scores,
        timings: { ...timings, headMs, totalMs: performance.now() - t0 },
      };
    },
    reset() {
      cache.clear();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      cache.clear();
      trunk.dispose();
      if (ownsModel) disposeClipModel(model);
    },
  };
}

