/**
 * Per-frame stream inputs of the classifier, cached by frame index: overlapping sliding windows
 * (classify-clips.ts) compute the trunk and the flow once per frame, batched over the frames a
 * window adds. A frame whose timestamp differs is a different frame (a restarted video).
 */
import type { Frame } from '../types.js';

interface CachedFrame {
  timestampMs: number;
  appearance: Float32Array;
  motion: Float32Array;
  /** Grey image at flow size; kept only for the last frame of each computed run. */
  gray?: Float32Array;
}

/** The cache and the bookkeeping around it. */
export class FrameFeatureCache {
  private readonly frames = new Map<number, CachedFrame>();

  /** Consecutive runs of `frames` not cached yet, each to be computed in one batch. */
  missingRuns(frames: readonly Frame[]): Frame[][] {
    const runs: Frame[][] = [];
    let run: Frame[] = [];
    const flush = (): void => {
      if (run.length > 0) runs.push(run);
      run = [];
    };
    for (const frame of frames) {
      const hit = this.frames.get(frame.index);
      if (hit && hit.timestampMs === frame.timestampMs) {
        flush();
        continue;
      }
      if (run.length > 0 && frame.index !== run[run.length - 1].index + 1) flush();
      run.push(frame);
    }
    flush();
    return runs;
  }

  /** The grey image of the frame before `frame` (the flow continues from it), if cached. */
  previousGray(frame: Frame): Float32Array | undefined {
    return this.frames.get(frame.index - 1)?.gray;
  }

  /** Stores one computed run; the grey image of its last frame is kept for the next run's flow. */
  store(
    run: readonly Frame[],
    appearance: Float32Array[],
    motion: Float32Array[],
    lastGray: Float32Array,
  ): void {
    run.forEach((frame, i) => {
      this.frames.set(frame.index, {
        timestampMs: frame.timestampMs,
        appearance: appearance[i],
        motion: motion[i],
      });
    });
    this.frames.get(run[run.length - 1].index)!.gray = lastGray;
  }

  /** Both streams' inputs of `frames` (all cached). */
  features(frames: readonly Frame[]): { appearance: Float32Array[]; motion: Float32Array[] } {
    const cached = frames.map((f) => this.frames.get(f.index)!);
    return { appearance: cached.map((c) => c.appearance), motion: cached.map((c) => c.motion) };
  }

  /** Keeps only `frames`' span: sliding windows only move forward, so the cache stays bounded. */
  keepSpanOf(frames: readonly Frame[]): void {
    const first = frames[0].index;
    const last = frames[frames.length - 1].index;
    for (const key of this.frames.keys()) if (key < first || key > last) this.frames.delete(key);
  }

  clear(): void {
    this.frames.clear();
  }
}
