/**
 * Tuning and accuracy benchmark of the tracker on the shared tracking sequences (OTB one-pass).
 *
 *   node --import tsx/esm bench/track-tune.ts [--data DIR] [--seq a,b] [--preset fast] [--workers 1]
 *                                [--config '{"lambda":0.02}' …] [--json out.json]
 *   node --import tsx/esm bench/track-tune.ts --e2e [--seq boat1,person11] [--config …]
 *   node --import tsx/esm bench/track-tune.ts --sre 4 [--seq …] [--config …]
 *
 * Each sequence is decoded once (ffmpeg → RGB24 in memory) and every `--config` (hyper-parameter
 * overrides, JSON) is run on it; prints per-sequence success AUC, P@20, tracker-only fps and
 * frames reported lost, then the means. Speed is noisy on a shared machine: compare it with
 * `opencv_peers.py --trackers CSRT` run beside it. `--e2e` instead measures decode + track end to
 * end (src/decode's `decode()` in `all` mode with a `FrameDemand`, piped into `track()`): wall
 * clock from subscribe to the last result. `--sre k` also starts every sequence from k perturbed
 * first boxes (OTB's spatial robustness evaluation, Wu, Lim & Yang, CVPR 2013, §4.2: the box
 * shifted by 10 % of its size left, right, up, down, then scaled by 0.9 and 1.1 …) and reports
 * each sequence's mean over the one-pass run and those: one lost or kept target decides a
 * sequence's one-pass AUC, so two close variants are compared on these means.
 */
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { createTracker, type TrackerOptions } from '../src/track/index.js';
import { precisionAt, successAuc } from '../src/eval/metrics.js';
import { parseGroundTruth } from '../src/eval/groundtruth.js';
import type { Box } from '../src/types.js';
import { lastValueFrom, count, toArray } from 'rxjs';
import { createFrameDemand, decode } from '../src/decode/index.js';
import { track } from '../src/track/index.js';

function mean<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((s, x) => s + f(x), 0) / xs.length;
}

function arg(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => {
    if (a === `--${name}` && process.argv[i + 1] !== undefined) out.push(process.argv[i + 1]);
  });
  return out;
}

interface Row {
  config: string;
  seq: string;
  /** 0: the given first box; i > 0: SRE perturbation i. */
  start: number;
  auc: number;
  p20: number;
  fps: number;
  lost: number;
  frames: number;
}

const dataDir = arg('data')[0] ?? path.resolve(import.meta.dirname, '../../shared/data/tracking');
const seqs = (
  arg('seq')[0]?.split(',') ??
  readdirSync(dataDir).filter((d) => existsSync(path.join(dataDir, d, 'video.mp4')))
).sort();
const configs = arg('config').length ? arg('config') : ['{}'];
const base: TrackerOptions = {
  preset: arg('preset')[0],
  workers: arg('workers')[0] ? Number(arg('workers')[0]) : undefined,
  backend: arg('backend')[0],
};
const rows: Row[] = [];
/** OTB SRE's perturbations of the first box, in the order `--sre k` takes them. */
const SRE: ReadonlyArray<(b: Box) => Box> = [
  (b) => ({ ...b, x: b.x - 0.1 * b.width }),
  (b) => ({ ...b, x: b.x + 0.1 * b.width }),
  (b) => ({ ...b, y: b.y - 0.1 * b.height }),
  (b) => ({ ...b, y: b.y + 0.1 * b.height }),
  ...[0.9, 1.1].map((s) => (b: Box) => ({
    x: b.x + (b.width * (1 - s)) / 2,
    y: b.y + (b.height * (1 - s)) / 2,
    width: b.width * s,
    height: b.height * s,
  })),
  ...[-1, 1].flatMap((sy) =>
    [-1, 1].map((sx) => (b: Box) => ({ ...b, x: b.x + 0.1 * sx * b.width, y: b.y + 0.1 * sy * b.height })),
  ),
];
const sre = Math.min(Number(arg('sre')[0] ?? 0), SRE.length);
const trackers = await Promise.all(
  configs.map((c) => createTracker({ ...base, ...(JSON.parse(c) as TrackerOptions) })),
);

if (process.argv.includes('--e2e')) {
  for (const seq of seqs) {
    const dir = path.join(dataDir, seq);
    const gt = parseGroundTruth(readFileSync(path.join(dir, 'groundtruth.txt'), 'utf8'));
    for (const [ci, tracker] of trackers.entries()) {
      const demand = createFrameDemand({ maxInFlight: 2 });
      const t0 = performance.now();
      const n = await lastValueFrom(
        decode(path.join(dir, 'video.mp4'), { demand }).pipe(
          track(gt[0] as Box, { tracker, demand }),
          count(),
        ),
      );
      const fps = (n / (performance.now() - t0)) * 1000;
      console.log(
        `${seq.padEnd(11)} ${configs[ci].slice(0, 60).padEnd(60)} end-to-end ${fps.toFixed(1)} fps (${n} frames)`,
      );
    }
  }
  for (const t of trackers) t.dispose();
  process.exit(0);
}

for (const seq of seqs) {
  const dir = path.join(dataDir, seq);
  const gt = parseGroundTruth(readFileSync(path.join(dir, 'groundtruth.txt'), 'utf8'));
  const frames = await lastValueFrom(decode(path.join(dir, 'video.mp4')).pipe(toArray()));
  for (const [ci, tracker] of trackers.entries()) {
    const mine: Row[] = [];
    for (let start = 0; start <= sre; start++) {
      const pred: Box[] = [];
      let lost = 0;
      const first = start === 0 ? (gt[0] as Box) : SRE[start - 1](gt[0] as Box);
      const t0 = performance.now();
      pred.push((await tracker.init(frames[0], first)).box);
      for (let i = 1; i < gt.length; i++) {
        const r = await tracker.update(frames[Math.min(i, frames.length - 1)]);
        pred.push(r.box);
        if (r.lost) lost++;
      }
      const ms = performance.now() - t0;
      mine.push({
        config: configs[ci],
        seq,
        start,
        auc: successAuc(pred, gt),
        p20: precisionAt(pred, gt),
        fps: (gt.length / ms) * 1000,
        lost,
        frames: gt.length,
      });
    }
    rows.push(...mine);
    const r = mine[0];
    const sreNote =
      sre > 0 ? `  SRE mean AUC ${mean(mine, (x) => x.auc).toFixed(3)} (${mine.length} starts)` : '';
    console.log(
      `${seq.padEnd(11)} ${configs[ci].slice(0, 60).padEnd(60)} AUC ${r.auc.toFixed(3)}  P@20 ${r.p20.toFixed(3)}  ${r.fps.toFixed(1)} fps  lost ${r.lost}${sreNote}`,
    );
  }
}
for (const t of trackers) t.dispose();

console.log(
  '\nconfig'.padEnd(62) + ' mean AUC  mean P@20  min AUC  mean fps' + (sre > 0 ? '  SRE mean AUC' : ''),
);
for (const c of configs) {
  const all = rows.filter((r) => r.config === c);
  const mine = all.filter((r) => r.start === 0);
  const m = (f: (r: Row) => number): number => mean(mine, f);
  console.log(
    `${c.slice(0, 60).padEnd(61)} ${m((r) => r.auc)
      .toFixed(3)
      .padStart(8)} ${m((r) => r.p20)
      .toFixed(3)
      .padStart(10)} ${Math.min(...mine.map((r) => r.auc))
      .toFixed(3)
      .padStart(8)} ${m((r) => r.fps)
      .toFixed(1)
      .padStart(9)}${
      sre > 0
        ? mean(all, (r) => r.auc)
            .toFixed(3)
            .padStart(14)
        : ''
    }`,
  );
}
const jsonOut = arg('json')[0];
if (jsonOut) writeFileSync(jsonOut, JSON.stringify(rows, null, 1));
