/**
 * The evaluation summary (`summary.json`). Plain JSON: per sequence AUC, P@20, tracker fps, its
 * attribute tags and how its `lost` flag matched the absent frames; the mean over sequences
 * (the headline figure) and the mean per attribute tag; overall tracker fps (all frames / all
 * seconds spent inside `init()` + `update()`, decode excluded) as opencv_peers.py computes it,
 * and end-to-end fps (decode + track, wall clock). The human table is in summary-table.ts.
 */
import { ATTRIBUTE_ORDER, type SequenceAttribute } from './attributes.js';
import { poolLostVsAbsent, type LostVsAbsent, type PooledLostVsAbsent } from './lost-vs-absent.js';
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
  /** Tags derived from the ground truth, then the OTB codes of meta.json (see attributes.ts). */
  attributes: SequenceAttribute[];
  /** The `lost` flag against the `nan` frames; null when the sequence has none. */
  lostVsAbsent: LostVsAbsent | null;
}

/** The sequences carrying one attribute tag, and their mean scores. */
export interface AttributeSummary {
  /** Number of sequences with the tag. */
  sequences: number;
  /** Mean success AUC over those sequences (plain mean, as the headline figure). */
  auc: number;
  /** Mean P@20 over those sequences. */
  p20: number;
}

/** `summary.json`. */
export interface EvalSummary {
  sequences: Record<string, SequenceSummary>;
  /** Mean over sequences. */
  mean: { auc: number; p20: number };
  /** Per tag carried by at least one sequence, in attributes.ts's order (derived tags first). */
  byAttribute: Record<string, AttributeSummary>;
  /** The `lost` flag against the `nan` frames, pooled over the sequences that have some; else null. */
  lostVsAbsent: PooledLostVsAbsent | null;
  /** Tracker-only fps over all frames of all sequences. */
  fps: number;
  /** End-to-end (decode + track) fps over all frames of all sequences. */
  e2eFps: number;
  frames: number;
  lostFrames: number;
  tracker: { backend?: string; engine?: string; preset?: string };
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
  'fps = frames / seconds inside init() + update() (decode excluded); ' +
  'byAttribute = plain mean over the sequences carrying each tag; ' +
  'lostVsAbsent: precision = lost on nan frames / lost frames, recall = lost on nan frames / nan frames.';

/** What the evaluation knows of one sequence besides its scores and timings. */
export interface SequenceLabels {
  attributes: SequenceAttribute[];
  lostVsAbsent: LostVsAbsent | null;
}

/** One sequence's summary line from its score, measurements and labels. */
export function summariseSequence(
  score: SequenceScore,
  m: SequenceMeasure,
  labels: SequenceLabels,
): SequenceSummary {
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
    attributes: labels.attributes,
    lostVsAbsent: labels.lostVsAbsent,
  };
}

/** The mean AUC and P@20 of the sequences carrying each tag (tags nobody carries left out). */
export function summariseByAttribute(
  sequences: Record<string, SequenceSummary>,
): Record<string, AttributeSummary> {
  const all = Object.values(sequences);
  const out: Record<string, AttributeSummary> = {};
  for (const tag of ATTRIBUTE_ORDER) {
    const carrying = all.filter((s) => s.attributes.includes(tag));
    if (carrying.length === 0) continue;
    out[tag] = {
      sequences: carrying.length,
      auc: mean(carrying.map((s) => s.auc)),
      p20: mean(carrying.map((s) => s.p20)),
    };
  }
  return out;
}

/** The whole summary from the per-sequence lines. */
export function summarise(
  sequences: Record<string, SequenceSummary>,
  tracker: { backend?: string; engine?: string; preset?: string } = {},
): EvalSummary {
  const all = Object.values(sequences);
  const sum = (f: (s: SequenceSummary) => number): number => all.reduce((acc, s) => acc + f(s), 0);
  const frames = sum((s) => s.frames);
  const trackerSeconds = sum((s) => s.trackerSeconds);
  const wallSeconds = sum((s) => s.wallSeconds);
  return {
    sequences,
    mean: { auc: mean(all.map((s) => s.auc)), p20: mean(all.map((s) => s.p20)) },
    byAttribute: summariseByAttribute(sequences),
    lostVsAbsent: poolLostVsAbsent(all.map((s) => s.lostVsAbsent)),
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
