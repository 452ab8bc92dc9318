/**
 * The evaluation summary (`summary.json`) and its human table. Plain JSON: per sequence AUC,
 * P@20 and tracker fps; the mean over sequences (the headline figure); overall tracker fps
 * (all frames / all seconds spent inside `init()` + `update()`, decode excluded) as
 * opencv_peers.py computes it, and end-to-end fps (decode + track, wall clock).
 */
import { mean, type SequenceScore } from './metrics.js';

/** One sequence's line of `summary.json`. */
export interface SequenceSummary {
  /** Success AUC (OTB, IoU > t over t = 0, 0.05, …, 1). */
  auc: number;
  /** Precision at 20 px. */
  p20: number;
  /** Tracker-only frames per second (time inside init() + update()). */
  fps: number;
  /** Frames tracked (= ground-truth lines). */
  frames: number;
  /** Frames per second, decode + track, wall clock. */
  e2eFps: number;
  /** Fraction of scored frames with IoU > 0.5. */
  op50: number;
  meanIou: number;
  /** Frames with ground truth (nan lines excluded). */
  scoredFrames: number;
  /** Frames the tracker reported as lost. */
  lostFrames: number;
  /** Frames missing from the video (fewer frames than ground-truth lines): the last box was held. */
  missingFrames: number;
  /** Frame size. */
  width: number;
  height: number;
  /** Tracker seconds (init + update) and wall seconds (decode + track). */
  trackerSeconds: number;
  wallSeconds: number;
  /** The success curve over the 21 thresholds. */
  successCurve: number[];
}

/** `summary.json`. */
export interface EvalSummary {
  sequences: Record<string, SequenceSummary>;
  /** Mean over sequences. */
  mean: { auc: number; p20: number };
  /** Tracker-only fps over all frames of all sequences. */
  fps: number;
  /** End-to-end (decode + track) fps over all frames of all sequences. */
  e2eFps: number;
  frames: number;
  lostFrames: number;
  tracker: { backend?: string; preset?: string };
  protocol: string;
  createdAt: string;
}

/** What one sequence run measured, before scoring. */
export interface SequenceMeasure {
  frames: number;
  lostFrames: number;
  missingFrames: number;
  width: number;
  height: number;
  trackerSeconds: number;
  wallSeconds: number;
}

/** The protocol, in words, written into `summary.json`. */
export const PROTOCOL =
  'OTB one-pass evaluation: init on frame 1 ground truth, frame 1 counted with the init box, nan ground truth skipped; ' +
  'AUC = mean over t = 0, 0.05, ..., 1 of fraction(IoU > t); P@20 = fraction(centre error <= 20 px); ' +
  'fps = frames / seconds inside init() + update() (decode excluded).';

/** One sequence's summary line from its score and measurements. */
export function summariseSequence(score: SequenceScore, m: SequenceMeasure): SequenceSummary {
  return {
    auc: score.auc,
    p20: score.p20,
    fps: m.trackerSeconds > 0 ? m.frames / m.trackerSeconds : Number.NaN,
    frames: m.frames,
    e2eFps: m.wallSeconds > 0 ? m.frames / m.wallSeconds : Number.NaN,
    op50: score.op50,
    meanIou: score.meanIou,
    scoredFrames: score.scoredFrames,
    lostFrames: m.lostFrames,
    missingFrames: m.missingFrames,
    width: m.width,
    height: m.height,
    trackerSeconds: m.trackerSeconds,
    wallSeconds: m.wallSeconds,
    successCurve: score.curve,
  };
}

/** The whole summary from the per-sequence lines. */
export function summarise(
  sequences: Record<string, SequenceSummary>,
  tracker: { backend?: string; preset?: string } = {},
): EvalSummary {
  const all = Object.values(sequences);
  const sum = (f: (s: SequenceSummary) => number): number => all.reduce((acc, s) => acc + f(s), 0);
  const frames = sum((s) => s.frames);
  const trackerSeconds = sum((s) => s.trackerSeconds);
  const wallSeconds = sum((s) => s.wallSeconds);
  return {
    sequences,
    mean: { auc: mean(all.map((s) => s.auc)), p20: mean(all.map((s) => s.p20)) },
    fps: trackerSeconds > 0 ? frames / trackerSeconds : Number.NaN,
    e2eFps: wallSeconds > 0 ? frames / wallSeconds : Number.NaN,
    frames,
    lostFrames: sum((s) => s.lostFrames),
    tracker,
    protocol: PROTOCOL,
    createdAt: new Date().toISOString(),
  };
}

/** JSON text of the summary (NaN, which JSON cannot hold, becomes null). */
export function summaryJson(summary: EvalSummary): string {
  return `${JSON.stringify(summary, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`;
}

const fix = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

/** A Markdown table: one row per sequence, the mean, and overall fps. */
export function formatSummaryTable(summary: EvalSummary): string {
  const rows = [
    '| sequence | frames | size | AUC | P@20 | fps (tracker) | fps (e2e) | lost |',
    '|---|---:|---|---:|---:|---:|---:|---:|',
  ];
  for (const [name, s] of Object.entries(summary.sequences)) {
    rows.push(
      `| ${name} | ${s.frames} | ${s.width}x${s.height} | ${fix(s.auc, 3)} | ${fix(s.p20, 3)} | ${fix(s.fps, 1)} | ${fix(s.e2eFps, 1)} | ${s.lostFrames} |`,
    );
  }
  rows.push(
    `| **mean** | ${summary.frames} | | **${fix(summary.mean.auc, 3)}** | **${fix(summary.mean.p20, 3)}** | ${fix(summary.fps, 1)} | ${fix(summary.e2eFps, 1)} | ${summary.lostFrames} |`,
  );
  return `${rows.join('\n')}\n`;
}
