/**
 * The evaluation summary as Markdown for a person: the per-sequence table (with the mean and
 * overall fps), the mean scores per attribute tag, and, when some sequence has absent frames,
 * how the `lost` flag matched them.
 */
import type { LostVsAbsent } from './lost-vs-absent.js';
import type { EvalSummary } from './summary.js';

const fix = (v: number, d: number): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');

function sequenceRows(summary: EvalSummary): string[] {
  const rows = [
    '| sequence | frames | size | AUC | P@20 | fps (tracker) | fps (e2e) | lost | tags |',
    '|---|---:|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const [name, s] of Object.entries(summary.sequences)) {
    rows.push(
      `| ${name} | ${s.frames} | ${s.width}x${s.height} | ${fix(s.auc, 3)} | ${fix(s.p20, 3)} | ${fix(s.fps, 1)} | ${fix(s.e2eFps, 1)} | ${s.lostFrames} | ${s.attributes.join(' ')} |`,
    );
  }
  rows.push(
    `| **mean** | ${summary.frames} | | **${fix(summary.mean.auc, 3)}** | **${fix(summary.mean.p20, 3)}** | ${fix(summary.fps, 1)} | ${fix(summary.e2eFps, 1)} | ${summary.lostFrames} | |`,
  );
  return rows;
}

function attributeRows(summary: EvalSummary): string[] {
  const rows = ['| tag | sequences | AUC | P@20 |', '|---|---:|---:|---:|'];
  for (const [tag, a] of Object.entries(summary.byAttribute)) {
    rows.push(`| ${tag} | ${a.sequences} | ${fix(a.auc, 3)} | ${fix(a.p20, 3)} |`);
  }
  return rows;
}

function lostRows(summary: EvalSummary): string[] {
  const row = (name: string, l: LostVsAbsent): string =>
    `| ${name} | ${l.absentFrames} | ${l.lostFrames} | ${l.lostOnAbsent} | ${fix(l.precision, 3)} | ${fix(l.recall, 3)} |`;
  const rows = [
    '| lost vs absent | absent | lost | lost on absent | precision | recall |',
    '|---|---:|---:|---:|---:|---:|',
  ];
  for (const [name, s] of Object.entries(summary.sequences))
    if (s.lostVsAbsent) rows.push(row(name, s.lostVsAbsent));
  const pooled = summary.lostVsAbsent!;
  rows.push(row(`**pooled** (${pooled.sequences})`, pooled));
  return rows;
}

/**
 * Markdown: one row per sequence with its tags, the mean, and overall fps; then one row per
 * attribute tag (sequences, mean AUC, mean P@20); then, if some sequence has `nan` frames, the
 * precision and recall of `lost` on those, per sequence and pooled. Tables are separated by a
 * blank line.
 */
export function formatSummaryTable(summary: EvalSummary): string {
  const tables = [sequenceRows(summary)];
  if (Object.keys(summary.byAttribute).length > 0) tables.push(attributeRows(summary));
  if (summary.lostVsAbsent) tables.push(lostRows(summary));
  return `${tables.map((t) => t.join('\n')).join('\n\n')}\n`;
}
