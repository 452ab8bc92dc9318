/**
 * Segments on real footage: a long video made of one person's gesture clips
 * (../shared/data/actions/gestures) with the unrelated real clips of ../shared/data/clips between
 * them, each re-encoded to 320x240 at 25 fps and joined (ffmpeg concat); a model trained on the
 * other person (`trainClassifier`, defaults); `classify --segments` on the long video
 * (`classifyFile` + `segmentsOf`, default smoothing). Both ways.
 *
 * Prints per fold: frame-level accuracy of the segment labels against the truth (`unknown` counted
 * as a class, one sample every 100 ms), the share of true boundaries with a predicted boundary
 * within 0.5 s, and the speed as a multiple of the video's duration (model loaded; the whole
 * pipeline: decode, trunk, flow, heads, segments). `--repeat n` plays the long video n times
 * (a longer video for the speed figure).
 *
 *   node --import tsx/esm bench/classify-segments.ts [--repeat 1] [--stride frames] [--segmenter viterbi|mode]
 *        [--switch-cost 5] [--smooth 1] [--min-segment 1000] [--json out.json]
 *
 * `--json` also saves each fold's windows and truth, to try other segmenters on them offline.
 */
import { execFileSync } from 'node:child_process';
import type { ClipLabel } from '../src/types.js';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '../src/backend/backend.js';
import { classifyFile } from '../src/classify/classify-file.js';
import { createClipClassifier } from '../src/classify/index.js';
import { saveClipModel, disposeClipModel } from '../src/classify/model.js';
import { segmentsOf, type ActionSegment } from '../src/classify/segments.js';
import { trainClassifier } from '../src/classify/train.js';
import { resolveFfmpeg } from '../src/decode/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const GESTURES = path.resolve(here, '../../shared/data/actions/gestures');
const CLIPS = path.resolve(here, '../../shared/data/clips');
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const repeat = Number(arg('--repeat') ?? 1);
const stride = arg('--stride') ? Number(arg('--stride')) : undefined; // default: a quarter window, as `classify --segments`
const segmentOptions = {
  method: (arg('--segmenter') ?? 'viterbi') as 'viterbi' | 'mode',
  switchCost: Number(arg('--switch-cost') ?? 5),
  smoothRadius: Number(arg('--smooth') ?? 1),
  minSegmentMs: Number(arg('--min-segment') ?? 1000),
};
if (!existsSync(GESTURES) || !existsSync(CLIPS)) {
  console.error(
    '[skip] ../shared/data/actions/gestures or ../shared/data/clips is absent: nothing to measure.',
  );
  process.exit(0);
}
await initBackend('wasm');
const ffmpeg = resolveFfmpeg().path;
const ffprobe = (f: string) =>
  Number(
    execFileSync('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'format=duration',
      '-of',
      'csv=p=0',
      f,
    ]).toString(),
  );
const labels = readdirSync(GESTURES).sort();
const person = (f: string) => Number(/P(\d)T/.exec(f)?.[1]);
const unrelated = readdirSync(CLIPS)
  .filter((f) => /\.(avi|mp4|gif|mkv|mov|webm)$/i.test(f))
  .sort()
  .map((f) => path.join(CLIPS, f));
const tmp = mkdtempSync(path.join(os.tmpdir(), 'siam-segments-'));

/** Re-encodes `src` (at most `seconds`) to 320x240, 25 fps; returns its duration in ms. */
function normalise(src: string, out: string, seconds: number): number {
  execFileSync(ffmpeg, [
    '-v',
    'error',
    '-y',
    '-i',
    src,
    '-t',
    String(seconds),
    '-an',
    '-vf',
    'scale=320:240:force_original_aspect_ratio=decrease,pad=320:240:(ow-iw)/2:(oh-ih)/2,fps=25,format=yuv420p,setsar=1',
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-g',
    '25',
    out,
  ]);
  return ffprobe(out) * 1000;
}

interface Fold {
  fold: string;
  frameAccuracy: number;
  boundariesWithin500ms: string;
  boundaryRate: number;
  videoSeconds: number;
  classifySeconds: number;
  xRealTime: number;
  segments: number;
  /** The windows and the truth (in the --json output: to try other segmenters offline). */
  windows: ClipLabel[];
  truth: Array<{ label: string; startMs: number; endMs: number }>;
}
const folds: Fold[] = [];
for (const trainPerson of [1, 2]) {
  const testPerson = 3 - trainPerson;
  // Training folder: the train person's clips (symlinks), by class.
  const data = path.join(tmp, `train-P${trainPerson}`);
  for (const l of labels) {
    execFileSync('mkdir', ['-p', path.join(data, l)]);
    for (const f of readdirSync(path.join(GESTURES, l)).filter((x) => person(x) === trainPerson))
      execFileSync('ln', ['-sf', path.join(GESTURES, l, f), path.join(data, l, f)]);
  }
  const { model } = await trainClassifier(data, {});
  const modelDir = path.join(tmp, `model-P${trainPerson}`);
  await saveClipModel(model, modelDir);
  disposeClipModel(model);

  // The long video: takes in class order 0,1,2,0,1,2,… (each next to another class), an unrelated
  // clip (3 s at most) after every second take.
  const takes = [1, 2, 3].flatMap((t) =>
    labels.map((l) => ({
      label: l,
      file: path.join(
        GESTURES,
        l,
        readdirSync(path.join(GESTURES, l)).find(
          (f) => person(f) === testPerson && f.includes(`T${t}`),
        ) as string,
      ),
    })),
  );
  const parts: Array<{ label: string; file: string }> = [];
  let u = 0;
  takes.forEach((t, i) => {
    parts.push(t);
    if (i % 2 === 1 && u < unrelated.length) parts.push({ label: 'unknown', file: unrelated[u++] });
  });
  const truth: Array<{ label: string; startMs: number; endMs: number }> = [];
  let at = 0;
  const list: string[] = [];
  for (let r = 0; r < repeat; r++) {
    parts.forEach((p, i) => {
      const out = path.join(tmp, `P${testPerson}-${r}-${i}.mp4`);
      const ms = normalise(p.file, out, p.label === 'unknown' ? 3 : 60);
      truth.push({ label: p.label, startMs: at, endMs: at + ms });
      at += ms;
      list.push(`file '${out}'`);
    });
  }
  const listFile = path.join(tmp, `P${testPerson}.txt`);
  writeFileSync(listFile, `${list.join('\n')}\n`);
  const long = path.join(tmp, `long-P${testPerson}.mp4`);
  execFileSync(ffmpeg, [
    '-v',
    'error',
    '-y',
    '-f',
    'concat',
    '-safe',
    '0',
    '-i',
    listFile,
    '-c',
    'copy',
    long,
  ]);

  const classifier = await createClipClassifier({ model: modelDir });
  const t0 = performance.now();
  const r = await classifyFile(classifier, long, {
    stride: stride ?? Math.max(1, Math.floor(classifier.clipLength / 4)),
  });
  const segments: ActionSegment[] = segmentsOf(r.windows, segmentOptions);
  const classifySeconds = (performance.now() - t0) / 1000;
  await classifier.dispose();

  const labelAt = (xs: Array<{ label: string; startMs: number; endMs: number }>, t: number) =>
    xs.find((s) => t >= s.startMs && t < s.endMs)?.label;
  let right = 0;
  let all = 0;
  for (let t = 50; t < at; t += 100) {
    all++;
    if (labelAt(segments, t) === labelAt(truth, t)) right++;
  }
  // True boundaries: where the truth's label changes; predicted: segment starts after the first.
  const trueB = truth
    .slice(1)
    .filter((s, i) => s.label !== truth[i].label)
    .map((s) => s.startMs);
  const predB = segments.slice(1).map((s) => s.startMs);
  const hit = trueB.filter((b) => predB.some((p) => Math.abs(p - b) <= 500)).length;
  folds.push({
    fold: `train P${trainPerson} → video of P${testPerson}`,
    frameAccuracy: right / all,
    boundariesWithin500ms: `${hit}/${trueB.length}`,
    boundaryRate: hit / trueB.length,
    videoSeconds: at / 1000,
    classifySeconds,
    xRealTime: at / 1000 / classifySeconds,
    segments: segments.length,
    windows: r.windows,
    truth,
  });
  console.error(
    `P${testPerson}, first part: truth ${truth
      .slice(0, parts.length)
      .map((t) => `${t.label}@${(t.startMs / 1000).toFixed(1)}`)
      .join(' ')} | segments ${segments
      .filter((s) => s.startMs < truth[parts.length - 1].endMs)
      .map((s) => `${s.label}@${(s.startMs / 1000).toFixed(1)}`)
      .join(' ')}`,
  );
}
rmSync(tmp, { recursive: true, force: true });
console.log(
  '\n| fold | frame accuracy | boundaries within 0.5 s | video s | classify s | × real time | segments |',
);
console.log('|---|---|---|---|---|---|---|');
for (const f of folds)
  console.log(
    `| ${f.fold} | ${f.frameAccuracy.toFixed(3)} | ${f.boundariesWithin500ms} (${(f.boundaryRate * 100).toFixed(0)} %) | ${f.videoSeconds.toFixed(1)} | ${f.classifySeconds.toFixed(1)} | ${f.xRealTime.toFixed(1)} | ${f.segments} |`,
  );
const out = arg('--json');
if (out) writeFileSync(out, `${JSON.stringify({ repeat, stride, segmentOptions, folds })}\n`);
