/**
 * "None of these" on real clips: a model trained on the gesture clips
 * (../shared/data/actions/gestures, 3 arm gestures × 2 people × 3 takes) must answer `unknown` for
 * the unrelated real clips of ../shared/data/clips (archery, arm wrestling, cricket, pancakes)
 * while still labelling the held-out person's gestures right. Leave-one-person-out: train on one
 * person (heads and open-set calibration, src/classify/openset.ts, from that person's clips
 * alone), test on the other person's clips and on the unrelated clips; both ways.
 *
 * Prints per fold the calibrated threshold and its anchors, clip accuracy on the held-out person
 * (`unknown` counted wrong), the share of known windows accepted and of unrelated windows
 * rejected, the unrelated clips labelled `unknown`, and the ROC AUC of familiarity (known vs
 * unrelated windows). Also max-softmax's AUC, the score it replaced.
 *
 *   node --import tsx/esm bench/classify-openset.ts [--epochs 40] [--json out.json]
 */
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../src/backend/backend.js';
import { plainWindow, windowStarts } from '../src/classify/augment.js';
import { DEFAULT_STREAM_CONFIG, TRUNK } from '../src/classify/config.js';
import { fitHeads, type PreparedClip } from '../src/classify/fit.js';
import { arraysToWeights } from '../src/classify/model.js';
import { calibrateOpenSet, familiarity, windowEmbedding } from '../src/classify/openset.js';
import { argmax, fuseProbabilities, meanRows, streamProbabilities } from '../src/classify/scoring.js';
import { buildModelConfig, prepareClips } from '../src/classify/train.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const GESTURES = path.resolve(here, '../../shared/data/actions/gestures');
const CLIPS = path.resolve(here, '../../shared/data/clips');
const args = process.argv.slice(2);
const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const epochs = Number(arg('--epochs') ?? 40);
if (!existsSync(GESTURES) || !existsSync(CLIPS)) {
  console.error(
    '[skip] ../shared/data/actions/gestures or ../shared/data/clips is absent: nothing to measure.',
  );
  process.exit(0);
}
await initBackend('wasm');
const labels = readdirSync(GESTURES).sort();
const gestureEntries = labels.flatMap((label) =>
  readdirSync(path.join(GESTURES, label))
    .sort()
    .map((f) => ({ path: path.join(GESTURES, label, f), label })),
);
const clipEntries = readdirSync(CLIPS)
  .filter((f) => /\.(avi|mp4|gif|mkv|mov|webm)$/i.test(f))
  .sort()
  .map((f) => ({ path: path.join(CLIPS, f), label: labels[0] })); // the label is not used
const gestures = await prepareClips(gestureEntries, labels, DEFAULT_STREAM_CONFIG, {});
const unrelated = await prepareClips(clipEntries, labels, DEFAULT_STREAM_CONFIG, {});
const person = (p: string) => Number(/P(\d)T/.exec(path.basename(p))?.[1]);

const auc = (pos: number[], neg: number[]): number => {
  let s = 0;
  for (const p of pos) for (const n of neg) s += p > n ? 1 : p === n ? 0.5 : 0;
  return s / (pos.length * neg.length);
};

const rows: Array<Record<string, number | string>> = [];
for (const trainPerson of [1, 2]) {
  const train = gestures.filter((c) => person(c.path) === trainPerson);
  const test = gestures.filter((c) => person(c.path) !== trainPerson);
  const config = buildModelConfig(labels, DEFAULT_STREAM_CONFIG, ['appearance', 'motion']);
  const fitted = await fitHeads(config, train, [], { epochs, seed: 1 });
  const weights = arraysToWeights(fitted.weights);
  const windowsOf = (c: PreparedClip) =>
    windowStarts(c.views[0].appearance.length, config.clipLength, config.clipLength / 2).map((s) =>
      plainWindow(s, config.clipLength),
    );
  const { prototypes, calibration } = calibrateOpenSet(
    train.map((c) => windowsOf(c).map((w) => windowEmbedding(c.views[0].appearance, w.positions))),
    TRUNK.channels,
  );
  /** Per window: familiarity, fused probabilities; per clip: the label `classify` would give. */
  const judge = (c: PreparedClip) => {
    const windows = windowsOf(c);
    const probs = fuseProbabilities(config, streamProbabilities(config, weights, c.views[0], windows));
    const fam = windows.map((w) =>
      familiarity(windowEmbedding(c.views[0].appearance, w.positions), prototypes),
    );
    const unknown = fam.filter((f) => f < calibration.threshold).length;
    const label = unknown * 2 > windows.length ? -1 : argmax(meanRows(probs));
    return { fam, maxProb: probs.map((p) => Math.max(...p)), label };
  };
  const known = test.map((c) => ({ c, j: judge(c) }));
  const other = unrelated.map((c) => ({ c, j: judge(c) }));
  tf.dispose(Object.values(weights));
  const knownFam = known.flatMap((k) => k.j.fam);
  const otherFam = other.flatMap((o) => o.j.fam);
  const row = {
    fold: `train P${trainPerson} → test P${3 - trainPerson}`,
    threshold: calibration.threshold,
    sameAnchor: calibration.sameAnchor,
    unrelatedAnchor: calibration.unrelatedAnchor,
    clipAccuracy: known.filter((k) => k.j.label === k.c.labelIndex).length / known.length,
    knownWindowsAccepted: knownFam.filter((f) => f >= calibration.threshold).length / knownFam.length,
    unrelatedWindowsRejected: otherFam.filter((f) => f < calibration.threshold).length / otherFam.length,
    unrelatedClipsUnknown: `${other.filter((o) => o.j.label === -1).length}/${other.length}`,
    aucFamiliarity: auc(knownFam, otherFam),
    aucMaxSoftmax: auc(
      known.flatMap((k) => k.j.maxProb),
      other.flatMap((o) => o.j.maxProb),
    ),
    knownFamiliarityMin: Math.min(...knownFam),
    unrelatedFamiliarityMax: Math.max(...otherFam),
  };
  rows.push(row);
}
const f3 = (x: number | string) => (typeof x === 'number' ? x.toFixed(3) : x);
const keys = Object.keys(rows[0]);
console.log(
  `\nOpen set, leave-one-person-out on the gestures (${epochs} epochs), unrelated: ${clipEntries.map((e) => path.basename(e.path)).join(', ')}\n`,
);
console.log(`| ${keys.join(' | ')} |\n|${keys.map(() => '---').join('|')}|`);
for (const r of rows) console.log(`| ${keys.map((k) => f3(r[k])).join(' | ')} |`);
const out = arg('--json');
if (out) writeFileSync(out, `${JSON.stringify({ epochs, rows }, null, 2)}\n`);
