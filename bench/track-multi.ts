/**
 * Several targets at once: what each extra target costs, and whether a target tracks the same
 * with others beside it.
 *
 *   node --import tsx/esm bench/track-multi.ts [--seq person11] [--targets 1,2,4,8] [--preset fast]
 *                                              [--threads 2] [--accuracy] [--json out.json]
 *
 * - Cost: on a 1280×720 shared sequence (decoded once, in memory), 1, 2, 4 and 8 targets in one
 *   multi-tracker, tracker-only fps and the cost of a frame as a multiple of one target's, in one
 *   run (each count twice, interleaved, the faster kept). Target 1 is the ground-truth box; the
 *   others are copies of it moved by whole box sizes across the frame (other objects or
 *   background: the cost is the same).
 * - End to end: `decode()` scaled to 640×360 → `trackMany()` with 4 targets, wall clock.
 * - `--accuracy`: every shared sequence tracked alone and as target 1 of a multi-tracker beside
 *   3 others (copies moved as above); success AUC of both and the difference.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { count, lastValueFrom, toArray } from 'rxjs';
import { createFrameDemand, decode } from '../src/decode/index.js';
import { parseGroundTruth } from '../src/eval/groundtruth.js';
import { listSequences } from '../src/eval/index.js';
import { successAuc } from '../src/eval/metrics.js';
import { createMultiTracker, createTracker, trackMany, type MultiTracker } from '../src/track/index.js';
import type { Box, Frame } from '../src/types.js';

const { values: args } = parseArgs({
  options: {
    seq: { type: 'string', default: 'person11' },
    targets: { type: 'string', default: '1,2,4,8' },
    accuracy: { type: 'boolean', default: false },
    preset: { type: 'string' },
    threads: { type: 'string' },
    json: { type: 'string' },
    data: { type: 'string', default: path.resolve(import.meta.dirname, '../../shared/data/tracking') },
  },
});

/** `n` targets: `first`, then copies moved by whole box sizes on a spiral of offsets, kept inside the frame. */
function targetsFrom(first: Box, n: number, width: number, height: number): Box[] {
  const out = [first];
  const steps = [
    [1.5, 0],
    [-1.5, 0],
    [0, 1.5],
    [0, -1.5],
    [3, 0],
    [-3, 0],
    [1.5, 1.5],
    [-1.5, -1.5],
    [3, 1.5],
  ];
  for (const [sx, sy] of steps) {
    if (out.length >= n) break;
    const x = first.x + sx * first.width;
    const y = first.y + sy * first.height;
    const cx = Math.min(Math.max(x + first.width / 2, first.width / 2), width - first.width / 2);
    const cy = Math.min(Math.max(y + first.height / 2, first.height / 2), height - first.height / 2);
    out.push({ x: cx - first.width / 2, y: cy - first.height / 2, width: first.width, height: first.height });
  }
  return out;
}

function readSequence(name: string): { video: string; gt: ReturnType<typeof parseGroundTruth> } {
  const dir = path.join(args.data!, name);
  return {
    video: path.join(dir, 'video.mp4'),
    gt: parseGroundTruth(readFileSync(path.join(dir, 'groundtruth.txt'), 'utf8')),
  };
}

/** Tracker-only ms a frame for `boxes` over `frames` (init excluded). */
async function timeTargets(t: MultiTracker, frames: Frame[], boxes: Box[]): Promise<number> {
  t.clear();
  for (const b of boxes) await t.add(frames[0], b);
  const t0 = performance.now();
  for (let i = 1; i < frames.length; i++) await t.update(frames[i]);
  return (performance.now() - t0) / (frames.length - 1);
}

const { video, gt } = readSequence(args.seq!);
const frames = await lastValueFrom(decode(video).pipe(toArray()));
const { width, height } = frames[0];
const counts = args.targets!.split(',').map(Number);
const trackerOptions = {
  preset: args.preset,
  threads: args.threads === undefined ? undefined : Number(args.threads),
};
const multi = await createMultiTracker(trackerOptions);
const best = new Map<number, number>();
for (let round = 0; round < 2; round++) {
  for (const n of counts) {
    const ms = await timeTargets(multi, frames, targetsFrom(gt[0] as Box, n, width, height));
    best.set(n, Math.min(best.get(n) ?? Infinity, ms));
  }
}
await multi.dispose();
const one = best.get(1) ?? best.get(counts[0])!;
console.log(
  `\n${args.seq} (${width}x${height}, ${frames.length} frames), preset ${args.preset ?? 'default'}, ${args.threads ?? 1} ORT thread(s); tracker only, best of 2 interleaved runs\n`,
);
console.log('| targets | ms / frame | fps | cost vs 1 target |\n|---:|---:|---:|---:|');
const cost = counts.map((n) => ({
  targets: n,
  ms: best.get(n)!,
  fps: 1000 / best.get(n)!,
  ratio: best.get(n)! / one,
}));
for (const c of cost)
  console.log(`| ${c.targets} | ${c.ms.toFixed(2)} | ${c.fps.toFixed(1)} | ${c.ratio.toFixed(2)}× |`);

// End to end at 640×360 with 4 targets.
const scale = 640 / width;
const starts = targetsFrom(gt[0] as Box, 4, width, height).map((b) => ({
  box: { x: b.x * scale, y: b.y * scale, width: b.width * scale, height: b.height * scale },
}));
const demand = createFrameDemand({ maxInFlight: 2 });
const t0 = performance.now();
const n = await lastValueFrom(
  decode(video, { demand, width: 640, height: 360 }).pipe(
    trackMany(starts, { ...trackerOptions, demand }),
    count(),
  ),
);
const e2eFps = (n / (performance.now() - t0)) * 1000;
console.log(
  `\nend to end (decode 640x360 → trackMany, 4 targets): ${e2eFps.toFixed(1)} fps over ${n} frames (target ≥ 30)`,
);

const accuracy: Array<{ seq: string; alone: number; withOthers: number }> = [];
if (args.accuracy) {
  const single = await createTracker(trackerOptions);
  const many = await createMultiTracker(trackerOptions);
  for (const { name } of listSequences(args.data!)) {
    const s = readSequence(name);
    const f = await lastValueFrom(decode(s.video).pipe(toArray()));
    const first = s.gt[0] as Box;
    const alone: Box[] = [(await single.init(f[0], first)).box];
    many.clear();
    const boxes = targetsFrom(first, 4, f[0].width, f[0].height);
    const mine: Box[] = [(await many.add(f[0], boxes[0])).box];
    for (const b of boxes.slice(1)) await many.add(f[0], b);
    for (let i = 1; i < s.gt.length; i++) {
      alone.push((await single.update(f[i])).box);
      mine.push((await many.update(f[i]))[0].box);
    }
    accuracy.push({ seq: name, alone: successAuc(alone, s.gt), withOthers: successAuc(mine, s.gt) });
    const r = accuracy[accuracy.length - 1];
    process.stderr.write(
      `  ${name.padEnd(11)} alone ${r.alone.toFixed(3)}  beside 3 others ${r.withOthers.toFixed(3)}\n`,
    );
  }
  await single.dispose();
  await many.dispose();
  console.log('\n| sequence | AUC alone | AUC beside 3 others | difference |\n|---|---:|---:|---:|');
  for (const r of accuracy) {
    console.log(
      `| ${r.seq} | ${r.alone.toFixed(3)} | ${r.withOthers.toFixed(3)} | ${(r.withOthers - r.alone).toFixed(3)} |`,
    );
  }
  const within = accuracy.filter((r) => Math.abs(r.withOthers - r.alone) <= 0.01).length;
  console.log(`\n${within} of ${accuracy.length} sequences within ±0.01`);
}
if (args.json) {
  writeFileSync(
    args.json,
    JSON.stringify({ seq: args.seq, ...trackerOptions, width, height, cost, e2eFps, accuracy }, null, 1),
  );
}
