/**
 * Labels on a fine time grid from overlapping windows, decoded as a hidden Markov model: the
 * standard way to turn a sliding classifier's posteriors into action segments (e.g. Kuehne,
 * Richard & Gall, "A Hybrid RNN-HMM Approach for Weakly Supervised Temporal Action
 * Segmentation", TPAMI 2018, §4; in its simplest form, a Viterbi pass with a switching cost).
 *
 * - **Pooling.** Every `stepMs` step of the timeline gets the mean posterior of the windows that
 *   cover it (a window covers [startMs, endMs]): with windows every quarter window, each instant
 *   is seen by about four windows, and a boundary falls where their mean changes side rather
 *   than at the centre of whichever window wins a vote.
 * - **Unknown.** A state of its own. A window's open-set answer votes for it softly: a window
 *   labelled `unknown` gives `1 − unknownVote` to it and `unknownVote` to its class posteriors, a
 *   familiar one the reverse.
 * - **Viterbi.** The most likely state path under those per-step likelihoods with a constant
 *   cost (in log-likelihood) for each change of state: a label must gain more than `switchCost`
 *   over a stretch to interrupt the current one, so one-window flickers do not, and a real
 *   change is placed where the evidence turns.
 */
import type { ClipLabel } from '../types.js';
import { UNKNOWN_LABEL } from './openset.js';

/** Options of {@link decodeLabels}. */
export interface ViterbiOptions {
  /** Time step of the grid, ms. @default 100 */
  stepMs?: number;
  /** Log-likelihood a change of label must gain. @default 5 */
  switchCost?: number;
  /** What a window's open-set answer leaves to the other side (0…0.5). @default 0.05 */
  unknownVote?: number;
}

/** The latest end of any window (a loop: a long video has too many windows to spread). */
function lastEnd(windows: readonly ClipLabel[]): number {
  let end = -Infinity;
  for (const w of windows) end = Math.max(end, w.endMs);
  return end;
}

/** Defaults, chosen on one fold of bench/classify-segments.ts (docs/classifier.md). */
export const VITERBI_DEFAULTS = { stepMs: 100, switchCost: 5, unknownVote: 0.05 } as const;

/**
 * Per step of the grid from the first window's start to the last one's end, the pooled
 * likelihood of each state: `labels` in order, then `unknown`. A step no window covers takes the
 * nearest window's.
 */
export function pooledScores(
  windows: readonly ClipLabel[],
  labels: readonly string[],
  stepMs: number,
  unknownVote: number,
): { startMs: number; scores: Float64Array[] } {
  const startMs = windows[0].startMs;
  const endMs = lastEnd(windows);
  const steps = Math.max(1, Math.ceil((endMs - startMs) / stepMs));
  const k = labels.length;
  const scores: Float64Array[] = [];
  let first = 0; // the first window that may still cover a step (windows in start order)
  for (let s = 0; s < steps; s++) {
    const t = startMs + (s + 0.5) * stepMs;
    while (first < windows.length - 1 && windows[first].endMs < t) first++;
    const p = new Float64Array(k + 1);
    let n = 0;
    const add = (w: ClipLabel): void => {
      const unknown = w.label === UNKNOWN_LABEL ? 1 - unknownVote : unknownVote;
      for (let i = 0; i < k; i++) p[i] += (1 - unknown) * (w.scores[labels[i]] ?? 0);
      p[k] += unknown;
      n++;
    };
    for (let j = first; j < windows.length && windows[j].startMs <= t; j++)
      if (windows[j].endMs >= t) add(windows[j]);
    if (n === 0) add(windows[first]);
    for (let i = 0; i <= k; i++) p[i] /= n;
    scores.push(p);
  }
  return { startMs, scores };
}

/** The most likely state per step: Σ log score − `switchCost` per change (Viterbi). */
export function viterbiPath(scores: readonly Float64Array[], switchCost: number): number[] {
  if (scores.length === 0) return [];
  const k = scores[0].length;
  const log = (p: number): number => Math.log(p + 1e-6);
  let prev = Float64Array.from(scores[0], log);
  const back: Int32Array[] = [];
  for (let s = 1; s < scores.length; s++) {
    let best = 0;
    for (let i = 1; i < k; i++) if (prev[i] > prev[best]) best = i;
    const cur = new Float64Array(k);
    const from = new Int32Array(k);
    for (let i = 0; i < k; i++) {
      const switched = prev[best] - switchCost;
      from[i] = prev[i] >= switched ? i : best;
      cur[i] = Math.max(prev[i], switched) + log(scores[s][i]);
    }
    back.push(from);
    prev = cur;
  }
  let state = 0;
  for (let i = 1; i < k; i++) if (prev[i] > prev[state]) state = i;
  const path = new Array<number>(scores.length);
  path[scores.length - 1] = state;
  for (let s = scores.length - 2; s >= 0; s--) path[s] = state = back[s][state];
  return path;
}

/** The decoded label of every step of the grid: { label, startMs, endMs }, in time order. */
export function decodeLabels(
  windows: readonly ClipLabel[],
  labels: readonly string[],
  options: ViterbiOptions = {},
): Array<{ label: string; startMs: number; endMs: number }> {
  if (windows.length === 0) return [];
  const o = { ...VITERBI_DEFAULTS, ...options };
  const { startMs, scores } = pooledScores(windows, labels, o.stepMs, o.unknownVote);
  const names = [...labels, UNKNOWN_LABEL];
  const endMs = lastEnd(windows);
  return viterbiPath(scores, o.switchCost).map((state, s) => ({
    label: names[state],
    startMs: startMs + s * o.stepMs,
    endMs: Math.min(endMs, startMs + (s + 1) * o.stepMs),
  }));
}
