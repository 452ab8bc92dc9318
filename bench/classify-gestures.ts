/**
 * Leave-one-person-out accuracy of the clip classifier on the real gesture clips
 * (../shared/data/actions/gestures: 3 classes × 2 people × 3 takes, `PS7A<action>P<person>T<take>.avi`):
 * train on one person's 9 clips, test on the other's 9, both ways; appearance stream alone, motion
 * stream alone, and both fused. Features are computed once (wasm), heads trained per fold (cpu).
 *
 * Besides clip accuracy (the protocol's figure) it prints window accuracy (every 16-frame window
 * labelled alone) and the mean probability given to the true class, finer measures of what each
 * stream brings. `--seeds 1,2,3` averages over training seeds.
 *
 *   node --import tsx/esm bench/classify-gestures.ts [--json out.json] [--epochs N] [--seeds 1,2,3]
 */
import { writeFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../src/backend/backend.js';
import { buildModelConfig, prepareClips } from '../src/classify/train.js';
import { DEFAULT_STREAM_CONFIG, type StreamName } from '../src/classify/config.js';
import { fitHeads, predictClips, type PreparedClip } from '../src/classify/fit.js';
import { arraysToWeights } from '../src/classify/model.js';
import { argmax, fuseProbabilities, streamProbabilities } from '../src/classify/scoring.js';
import { plainWindow, windowStarts } from '../src/classify/augment.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = path.resolve(here, '../../shared/data/actions/gestures');
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const epochs = Number(arg('--epochs') ?? 40);
const seeds = (arg('--seeds') ?? arg('--seed') ?? '1').split(',').map(Number);

if (!existsSync(DATA)) {
  console.error(`[skip] ${DATA} is absent (../shared/data): nothing to measure.`);
  process.exit(0);
}
await initBackend('wasm');
const labels = readdirSync(DATA).sort();
const entries = labels.flatMap((label) =>
  readdirSync(path.join(DATA, label))
    .sort()
    .map((f) => ({ path: path.join(DATA, label, f), label })),
);
const person = (p: string) => Number(/P(\d)T/.exec(path.basename(p))?.[1]);

const t0 = performance.now();
const clips = await prepareClips(entries, labels, DEFAULT_STREAM_CONFIG, {
  onClip: (done) => process.stderr.write(`\rfeatures ${done}/${entries.length}`),
});
const featuresSeconds = (performance.now() - t0) / 1000;
process.stderr.write(`\rfeatures: ${clips.length} clips in ${featuresSeconds.toFixed(1)} s\n`);

type Row = {
  streams: string;
  fold: string;
  seed: number;
  accuracy: number;
  windowAccuracy: number;
  trueProb: number;
  confusion: number[][];
  trainSeconds: number;
};
const rows: Row[] = [];
const variants: Array<[string, StreamName[]]> = [
  ['appearance', ['appearance']],
  ['motion', ['motion']],
  ['fused', ['appearance', 'motion']],
];
for (const seed of seeds) {
  for (const [name, streams] of variants) {
    for (const trainPerson of [1, 2]) {
      const train = clips.filter((c) => person(c.path) === trainPerson);
      const test = clips.filter((c) => person(c.path) !== trainPerson);
      const config = buildModelConfig(labels, DEFAULT_STREAM_CONFIG, streams);
      const t1 = performance.now();
      const fitted = await fitHeads(config, train, [], { epochs, seed });
      const trainSeconds = (performance.now() - t1) / 1000;
      const weights = arraysToWeights(fitted.weights);
      const probs = predictClips(config, weights, test as PreparedClip[]);
      let windowsRight = 0;
      let windowsAll = 0;
      for (const c of test) {
        const n = c.views[0].appearance.length;
        const windows = windowStarts(n, config.clipLength, config.clipLength / 2).map((s0) =>
          plainWindow(s0, config.clipLength),
        );
        const perWindow = fuseProbabilities(
          config,
          streamProbabilities(config, weights, c.views[0], windows),
        );
        windowsRight += perWindow.filter((p) => argmax(p) === c.labelIndex).length;
        windowsAll += perWindow.length;
      }
      tf.dispose(Object.values(weights));
      const confusion = labels.map(() => labels.map(() => 0));
      test.forEach((c, i) => confusion[c.labelIndex][argmax(probs[i])]++);
      const accuracy = test.filter((c, i) => argmax(probs[i]) === c.labelIndex).length / test.length;
      const trueProb = test.reduce((a, c, i) => a + probs[i][c.labelIndex], 0) / test.length;
      rows.push({
        streams: name,
        fold: `train P${trainPerson} → test P${3 - trainPerson}`,
        seed,
        accuracy,
        windowAccuracy: windowsRight / windowsAll,
        trueProb,
        confusion,
        trainSeconds,
      });
      process.stderr.write(
        `seed ${seed} ${name} P${trainPerson}: ${accuracy.toFixed(3)} windows ${(windowsRight / windowsAll).toFixed(3)} p(true) ${trueProb.toFixed(3)} (${trainSeconds.toFixed(1)} s)\n`,
      );
    }
  }
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(
  `\nLeave-one-person-out, ${epochs} epochs, seeds ${seeds.join(',')}; features ${featuresSeconds.toFixed(1)} s for ${clips.length} clips\n`,
);
console.log(
  '| streams | clip acc. P1→P2 | clip acc. P2→P1 | **clip acc. mean** | window acc. | p(true class) | train s/fold |',
);
console.log('|---|---|---|---|---|---|---|');
for (const [name] of variants) {
  const r = rows.filter((x) => x.streams === name);
  const fold = (p: number) => mean(r.filter((x) => x.fold.startsWith(`train P${p}`)).map((x) => x.accuracy));
  console.log(
    `| ${name} | ${fold(1).toFixed(3)} | ${fold(2).toFixed(3)} | **${mean(r.map((x) => x.accuracy)).toFixed(3)}** | ${mean(r.map((x) => x.windowAccuracy)).toFixed(3)} | ${mean(r.map((x) => x.trueProb)).toFixed(3)} | ${mean(r.map((x) => x.trainSeconds)).toFixed(1)} |`,
  );
}
for (const r of rows.filter((x) => x.seed === seeds[0])) {
  console.log(`\n${r.streams}, ${r.fold}, seed ${r.seed} (rows: true, columns: predicted)`);
  console.log(`| | ${labels.join(' | ')} |`);
  console.log(`|---|${labels.map(() => '---').join('|')}|`);
  r.confusion.forEach((row, i) => console.log(`| ${labels[i]} | ${row.join(' | ')} |`));
}
const out = arg('--json');
if (out) writeFileSync(out, JSON.stringify({ epochs, seeds, featuresSeconds, labels, rows }, null, 2));
