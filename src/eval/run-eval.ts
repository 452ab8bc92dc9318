/**
 * OTB one-pass evaluation of our tracker over a folder of sequences (Wu, Lim & Yang, CVPR 2013,
 * "OPE"): for each sequence, initialise on frame 1's ground-truth box, track every later frame,
 * score with metrics.ts, and write `<out>/<seq>.txt`, `<out>/summary.json`, `<out>/success.svg`.
 *
 * Timing follows opencv_peers.py: tracker fps counts only the time inside `init()` + `update()`
 * (decode excluded); end-to-end fps is wall clock from the decoder's start to the last frame.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lastValueFrom, take, tap } from 'rxjs';
import { createFrameDemand, decode } from '../decode/index.js';
import { SiamError } from '../errors.js';
import { track } from '../track/operator.js';
import type { Tracker, TrackerOptions } from '../track/index.js';
import type { Box, TrackResult } from '../types.js';
import { deriveAttributes, type SequenceAttribute } from './attributes.js';
import { readGroundTruth, writeGroundTruth } from './groundtruth.js';
import { lostVsAbsent } from './lost-vs-absent.js';
import { isValidGt, scoreSequence, type GroundTruthBox } from './metrics.js';
import { listSequences, readMetaAttributes, type SequenceEntry } from './sequences.js';
import { renderSuccessPlot } from './success-plot.js';
import { makeDirs } from '../util/make-dirs.js';
import {
  summarise,
  summariseSequence,
  summaryJson,
  type EvalSummary,
  type SequenceMeasure,
} from './summary.js';

/** Progress of a run, reported after every frame. */
export interface EvalProgress {
  sequence: string;
  /** Frames done in this sequence / in the run. */
  frame: number;
  done: number;
  /** Frames in the whole run (sum of ground-truth lines). */
  total: number;
}

/** Options of {@link runEval}. */
export interface EvalOptions {
  /** Folder of sequence folders (video.mp4 + groundtruth.txt each). */
  dataDir: string;
  /** Where `<seq>.txt`, `summary.json` and `success.svg` go (created). */
  outDir: string;
  /** Only these sequences, in this order. @default every sequence folder, sorted */
  sequences?: readonly string[];
  /** TensorFlow.js backend name, passed to the tracker. */
  backend?: string;
  /** Inference engine (`auto`, `tfjs`, `onnx`), passed to the tracker. */
  engine?: string;
  /** Tracker preset name. */
  preset?: string;
  /** Makes the tracker (tests inject a fake). @default createTracker({ backend, preset }) */
  trackerFactory?: () => Promise<Tracker>;
  onProgress?: (p: EvalProgress) => void;
  /** Called when a sequence is done. */
  onSequence?: (name: string, summary: EvalSummary['sequences'][string]) => void;
}

/** The predictions of one sequence and what was measured while tracking it. */
export interface SequenceRun extends SequenceMeasure {
  predictions: Box[];
  /** The tracker's `lost` flag per frame (as many as ground-truth lines). */
  lost: boolean[];
}

/**
 * Tracks one sequence by the OTB protocol: `init` on frame 0 with `gt[0]`, `update` on every
 * later frame, the prediction of frame 0 being `gt[0]` itself. Frames beyond the ground truth
 * are not decoded; if the video is shorter than the ground truth, the last box and its `lost`
 * flag are held for the missing frames (and they are counted).
 */
export async function trackSequence(
  tracker: Tracker,
  video: string,
  gt: readonly GroundTruthBox[],
  onFrame?: (index: number) => void,
): Promise<SequenceRun> {
  const initBox = gt[0];
  if (!isValidGt(initBox) || initBox.width <= 0 || initBox.height <= 0) {
    throw new SiamError('ERR_EVAL_DATA', `The first ground-truth line of ${video} is not a usable box.`, {
      hint: 'The OTB protocol initialises on frame 1: its ground truth must be a box with positive size.',
    });
  }
  const predictions: Box[] = [];
  const lost: boolean[] = [];
  let trackerMs = 0;
  let width = 0;
  let height = 0;
  const demand = createFrameDemand({ maxInFlight: 2 });
  const start = performance.now();
  await lastValueFrom(
    decode(video, { backpressure: 'all', demand }).pipe(
      take(gt.length),
      tap((frame) => {
        if (predictions.length === 0) ({ width, height } = frame);
      }),
      track(initBox, { tracker: timed(tracker, (ms) => (trackerMs += ms)), demand }),
      tap((result: TrackResult) => {
        const first = predictions.length === 0;
        lost.push(result.lost);
        predictions.push(first ? { ...initBox } : { ...result.box });
        onFrame?.(predictions.length);
      }),
    ),
    { defaultValue: undefined },
  );
  const wallMs = performance.now() - start;
  if (predictions.length === 0) {
    throw new SiamError('ERR_EVAL_DATA', `No frame could be decoded from ${video}.`, {
      hint: 'Check the video with ffprobe.',
    });
  }
  const decoded = predictions.length;
  const lostFrames = lost.filter(Boolean).length; // reported by the tracker: held frames not counted
  while (predictions.length < gt.length) {
    predictions.push({ ...predictions[decoded - 1] });
    lost.push(lost[decoded - 1]);
  }
  return {
    predictions,
    lost,
    frames: gt.length,
    lostFrames,
    missingFrames: gt.length - decoded,
    width,
    height,
    trackerSeconds: trackerMs / 1000,
    wallSeconds: wallMs / 1000,
  };
}

/** `tracker` with the time spent inside each `init()` and `update()` reported to `add` (in ms). */
function timed(tracker: Tracker, add: (ms: number) => void): Tracker {
  const time = async (call: () => Promise<TrackResult>): Promise<TrackResult> => {
    const t0 = performance.now();
    try {
      return await call();
    } finally {
      add(performance.now() - t0);
    }
  };
  return {
    init: (frame, box) => time(() => tracker.init(frame, box)),
    update: (frame) => time(() => tracker.update(frame)),
    reset: () => tracker.reset(),
    dispose: () => tracker.dispose(),
    numTensors: () => tracker.numTensors(),
    options: tracker.options,
  };
}

/**
 * Runs the evaluation and writes its files. Returns the summary (also in `summary.json`).
 * The tracker is created once and re-initialised on each sequence; it is disposed at the end,
 * also on error.
 */
export async function runEval(options: EvalOptions): Promise<EvalSummary> {
  const seqs: SequenceEntry[] = listSequences(options.dataDir, options.sequences);
  const gts = new Map<string, GroundTruthBox[]>();
  const tags = new Map<string, SequenceAttribute[]>();
  for (const s of seqs) {
    const gt = await readGroundTruth(s.groundTruth);
    gts.set(s.name, gt);
    tags.set(s.name, [...deriveAttributes(gt), ...(await readMetaAttributes(s.meta))]);
  }
  const total = [...gts.values()].reduce((n, g) => n + g.length, 0);
  const outDir = path.resolve(options.outDir);
  makeDirs(outDir);

  // Loaded on demand: the metrics and file helpers of this module do not need TensorFlow.js.
  const factory =
    options.trackerFactory ??
    (async () =>
      (await import('../track/index.js')).createTracker({
        backend: options.backend,
        engine: options.engine as TrackerOptions['engine'],
        preset: options.preset,
      }));
  const tracker = await factory();
  const results: EvalSummary['sequences'] = {};
  let done = 0;
  try {
    for (const s of seqs) {
      const gt = gts.get(s.name)!;
      tracker.reset();
      const run = await trackSequence(tracker, s.video, gt, (frame) => {
        options.onProgress?.({ sequence: s.name, frame, done: done + frame, total });
      });
      done += gt.length;
      await writeGroundTruth(path.join(outDir, `${s.name}.txt`), run.predictions);
      results[s.name] = summariseSequence(scoreSequence(run.predictions, gt), run, {
        attributes: tags.get(s.name)!,
        lostVsAbsent: lostVsAbsent(run.lost, gt),
      });
      options.onSequence?.(s.name, results[s.name]);
    }
  } finally {
    await tracker.dispose();
  }
  const engine = tracker.options.engine;
  const summary = summarise(results, { backend: options.backend, engine, preset: options.preset });
  await writeFile(path.join(outDir, 'summary.json'), summaryJson(summary));
  const series = Object.entries(results).map(([name, r]) => ({ name, curve: r.successCurve, auc: r.auc }));
  await writeFile(path.join(outDir, 'success.svg'), renderSuccessPlot(series));
  return summary;
}
