/**
 * Action segments on a timeline from the windows `classifyClips` labels one by one, then
 * subtitles. Pure functions: the CLI's `classify --segments` and tests use them alike. Two
 * segmenters:
 *
 * - `viterbi` (the default): the windows' posteriors pooled on a 100 ms grid and decoded with a
 *   cost per change of label (viterbi.ts);
 * - `mode`: each window speaks for the stretch around its centre (from halfway to the previous
 *   window's centre to halfway to the next one's; the first from its start, the last to its end)
 *   with the mode of its neighbourhood's labels (a label must win it to stand).
 *
 * Either way runs of one label are merged and runs shorter than a minimum absorbed by their
 * longer neighbour.
 */
import type { ClipLabel } from '../types.js';
import { csvField } from '../util/csv.js';
import { UNKNOWN_LABEL } from './openset.js';
import { decodeLabels, type ViterbiOptions } from './viterbi.js';

/** One segment of the timeline. */
export interface ActionSegment {
  label: string;
  startMs: number;
  endMs: number;
  /** Mean probability of `label`'s class over the segment's windows; null for `unknown`. */
  score: number | null;
  /** Mean familiarity of its windows (models with the open-set calibration only). */
  familiarity?: number;
  /** Windows that make it up. */
  windows: number;
}

/** Options of {@link segmentsOf}. */
export interface SegmentOptions extends ViterbiOptions {
  /**
   * `viterbi`: the windows' posteriors pooled on a 100 ms grid and decoded with a switching cost
   * (viterbi.ts); `mode`: each window's label, smoothed by a mode filter over its neighbours.
   * @default 'viterbi'
   */
  method?: 'viterbi' | 'mode';
  /** `mode`: windows on each side in the filter (0: none). @default 1 */
  smoothRadius?: number;
  /** Segments shorter than this are absorbed by a neighbour. @default 1000 */
  minSegmentMs?: number;
}

/**
 * The mode of each window's neighbourhood (`radius` windows each side); a tie keeps the window's
 * own label.
 */
export function smoothLabels(labels: readonly string[], radius: number): string[] {
  return labels.map((own, i) =>
    modeOf(labels.slice(Math.max(0, i - radius), Math.min(labels.length, i + radius + 1)), own),
  );
}

/** The most frequent of `labels`; a tie keeps `own`. */
export function modeOf(labels: readonly string[], own: string): string {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  let best = own;
  for (const [label, n] of counts) if (n > (counts.get(best) ?? 0)) best = label;
  return best;
}

/** Where each window's stretch of the timeline starts and ends (see the module comment). */
function stretches(windows: readonly ClipLabel[]): Array<[number, number]> {
  const centre = (w: ClipLabel) => (w.startMs + w.endMs) / 2;
  return windows.map((w, i) => [
    i === 0 ? w.startMs : (centre(windows[i - 1]) + centre(w)) / 2,
    i === windows.length - 1 ? w.endMs : (centre(w) + centre(windows[i + 1])) / 2,
  ]);
}

/** A stretch of the timeline with one label (a window's, or a step of the Viterbi grid). */
interface Unit {
  label: string;
  startMs: number;
  endMs: number;
}

/** Each window's smoothed label over the stretch it speaks for (the `mode` segmenter). */
function modeUnits(windows: readonly ClipLabel[], radius: number): Unit[] {
  const labels = smoothLabels(
    windows.map((w) => w.label),
    radius,
  );
  return stretches(windows).map(([startMs, endMs], i) => ({ label: labels[i], startMs, endMs }));
}

/** The segments of a run of windows (in time order). */
export function segmentsOf(windows: readonly ClipLabel[], options: SegmentOptions = {}): ActionSegment[] {
  if (windows.length === 0) return [];
  const units =
    (options.method ?? 'viterbi') === 'viterbi'
      ? decodeLabels(windows, Object.keys(windows[0].scores), options)
      : modeUnits(windows, options.smoothRadius ?? 1);
  // Runs of one label: [label, first unit, last unit].
  let runs: Array<{ label: string; from: number; to: number }> = [];
  units.forEach(({ label }, i) => {
    const last = runs[runs.length - 1];
    if (last && last.label === label) last.to = i;
    else runs.push({ label, from: i, to: i });
  });
  // Short runs join the longer neighbour (the previous one on a tie), shortest first, until none is left.
  const minMs = options.minSegmentMs ?? 1000;
  const length = (r: (typeof runs)[number]) => units[r.to].endMs - units[r.from].startMs;
  for (;;) {
    if (runs.length < 2) break;
    let k = -1;
    for (let i = 0; i < runs.length; i++)
      if (length(runs[i]) < minMs && (k < 0 || length(runs[i]) < length(runs[k]))) k = i;
    if (k < 0) break;
    const prev = runs[k - 1];
    const next = runs[k + 1];
    const into = !next || (prev && length(prev) >= length(next)) ? k - 1 : k + 1;
    const merged = {
      label: runs[into].label,
      from: Math.min(runs[k].from, runs[into].from),
      to: Math.max(runs[k].to, runs[into].to),
    };
    runs = runs.flatMap((r, i) => (i === Math.min(k, into) ? [merged] : i === Math.max(k, into) ? [] : [r]));
    // Neighbours of one label that now touch become one run.
    runs = runs.reduce<typeof runs>((out, r) => {
      const last = out[out.length - 1];
      if (last && last.label === r.label) last.to = r.to;
      else out.push({ ...r });
      return out;
    }, []);
  }
  // A segment's windows: those whose centre lies in it (the last segment takes any beyond); both
  // in time order, so one pass.
  const centre = (w: ClipLabel) => (w.startMs + w.endMs) / 2;
  let next = 0;
  return runs.map((r, i) => {
    const startMs = units[r.from].startMs;
    const endMs = units[r.to].endMs;
    const last = i === runs.length - 1;
    while (next < windows.length && centre(windows[next]) < startMs) next++;
    const from = next;
    while (next < windows.length && (last || centre(windows[next]) < endMs)) next++;
    const ws = windows.slice(from, next);
    const fam = ws.map((w) => w.familiarity).filter((f): f is number => f !== undefined);
    return {
      label: r.label,
      startMs,
      endMs,
      score:
        r.label === UNKNOWN_LABEL
          ? null
          : ws.reduce((a, w) => a + (w.scores[r.label] ?? 0), 0) / Math.max(1, ws.length),
      ...(fam.length ? { familiarity: fam.reduce((a, f) => a + f, 0) / fam.length } : {}),
      windows: ws.length,
    };
  });
}

/** `HH:MM:SS<sep>mmm`. */
function clock(ms: number, sep: '.' | ','): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}${sep}${pad(t % 1000, 3)}`;
}

const cue = (s: ActionSegment): string =>
  s.score === null ? s.label : `${s.label} (${Math.round(s.score * 100)} %)`;

/** A WebVTT file: one cue per segment. */
export function toWebVtt(segments: readonly ActionSegment[]): string {
  return `WEBVTT\n\n${segments.map((s) => `${clock(s.startMs, '.')} --> ${clock(s.endMs, '.')}\n${cue(s)}\n`).join('\n')}`;
}

/** A SubRip (.srt) file: one numbered cue per segment. */
export function toSrt(segments: readonly ActionSegment[]): string {
  return segments
    .map((s, i) => `${i + 1}\n${clock(s.startMs, ',')} --> ${clock(s.endMs, ',')}\n${cue(s)}\n`)
    .join('\n');
}

/** The header of the segments' CSV. */
export const SEGMENT_CSV_HEADER = 'label,startMs,endMs,score,familiarity,windows';

/** One CSV row per segment, without the header. */
export function segmentCsvRows(segments: readonly ActionSegment[]): string[] {
  return segments.map((s) =>
    [
      csvField(s.label),
      s.startMs.toFixed(0),
      s.endMs.toFixed(0),
      s.score?.toFixed(4) ?? '',
      s.familiarity?.toFixed(4) ?? '',
      String(s.windows),
    ].join(','),
  );
}

/** CSV with a header: label, startMs, endMs, score, familiarity, windows. */
export function toSegmentsCsv(segments: readonly ActionSegment[]): string {
  return `${SEGMENT_CSV_HEADER}\n${segmentCsvRows(segments).join('\n')}\n`;
}
