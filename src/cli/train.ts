/**
 * `siamstream train --data DIR --out MODEL_DIR`: trains a clip classifier from `DIR/<label>/<clips>`
 * and writes the model folder. Progress on stderr (a bar on a TTY), one JSON summary line on stdout.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { initBackend } from '../backend/backend.js';
import {
  disposeClipModel,
  saveClipModel,
  trainClassifier,
  type TrainEvent,
  type TrainOptions,
} from '../classify/index.js';
import { validateTrainOptions } from '../classify/train.js';
import { checkEngineFlags } from './engine-flags.js';
import { numberFlag } from './flags.js';
import { checkOutputs } from './output-path.js';
import { createProgress, type Progress } from './progress.js';

interface TrainFlags {
  data: string;
  out: string;
  epochs?: string;
  fps?: string;
  clipLength?: string;
  validationSplit?: string;
  cropViews?: string;
  flip?: string;
  seed?: string;
  backend?: string;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a clip classifier from a folder DIR/<label>/<clips> (any container ffmpeg reads)')
    .requiredOption('--data <dir>', 'training folder: one sub-folder of clips per label')
    .requiredOption('--out <dir>', 'model folder to write (model.json, weights.bin, classifier.json)')
    .option('--epochs <n>', 'passes over the training clips (default 40)')
    .option('--fps <n>', 'frames per second sampled from each clip (default 10)')
    .option('--clip-length <n>', 'frames per window (default 16)')
    .option('--validation-split <f>', 'fraction of each class held out to pick the best epoch (default 0.2)')
    .option('--crop-views <n>', 'crop views per clip for augmentation, 1..5 (default 3)')
    .option('--flip <mode>', 'horizontal flips: auto (left/right labels swap), none, all (default auto)')
    .option('--seed <n>', 'random seed (default 1)')
    .option('--backend <name>', 'TensorFlow.js backend: auto, wasm, cpu')
    .action(async (flags: TrainFlags) => {
      checkEngineFlags({ backend: flags.backend });
      let bar: Progress | undefined;
      let phase: TrainEvent['phase'] | undefined;
      const options: TrainOptions = {
        epochs: numberFlag('--epochs', flags.epochs),
        fps: numberFlag('--fps', flags.fps),
        clipLength: numberFlag('--clip-length', flags.clipLength),
        validationSplit: numberFlag('--validation-split', flags.validationSplit),
        cropViews: numberFlag('--crop-views', flags.cropViews),
        seed: numberFlag('--seed', flags.seed),
        flip: flags.flip as TrainOptions['flip'],
        onWarning: (w) => {
          process.stderr.write(`siamstream: warning ${w.toString()}\n`);
        },
        onProgress: (e) => {
          // Off a TTY (CI, a log file) there is no bar: a line per epoch says it is alive.
          if (!process.stderr.isTTY) {
            const line = progressLine(e);
            if (line) process.stderr.write(`${line}\n`);
            return;
          }
          if (e.phase !== phase) {
            bar?.stop();
            phase = e.phase;
            bar =
              e.phase === 'features'
                ? createProgress({ label: 'features', total: e.total, unit: 'clips' })
                : createProgress({ label: 'training', total: e.epochs, unit: 'epochs' });
          }
          bar?.tick();
        },
      };
      // Every flag, and where the model goes, before the backend starts or any clip is read.
      validateTrainOptions(options);
      checkOutputs([{ flag: '--out', file: path.join(flags.out, 'model.json') }], []);
      await initBackend(flags.backend);
      const started = performance.now();
      const { model, history } = await trainClassifier(flags.data, options);
      bar?.stop();
      try {
        await saveClipModel(model, flags.out);
      } finally {
        disposeClipModel(model);
      }
      const last = history[history.length - 1];
      const t = model.config.training;
      const summary = {
        model: flags.out,
        labels: model.config.labels,
        clips: t.clips,
        trainClips: t.trainClips,
        validationClips: t.validationClips,
        skipped: t.skipped,
        epochs: history.length,
        loss: last ? Math.round(last.loss * 1000) / 1000 : undefined,
        bestValAccuracy: t.bestValAccuracy,
        seconds: Math.round((performance.now() - started) / 100) / 10,
      };
      process.stdout.write(`${JSON.stringify(summary)}\n`);
    });
}

/**
 * The stderr line of a training event when there is no progress bar: the first and last clip of
 * the feature pass, and every epoch with its loss and validation accuracy.
 */
export function progressLine(e: TrainEvent): string | undefined {
  if (e.phase === 'features') {
    if (e.done === 1) return `train: features of ${e.total} clips…`;
    return e.done === e.total ? `train: features done (${e.total} clips)` : undefined;
  }
  const acc = e.valAccuracy === undefined ? '' : `, validation accuracy ${e.valAccuracy.toFixed(3)}`;
  return `train: epoch ${e.epoch}/${e.epochs}, loss ${e.loss.toFixed(4)}${acc}`;
}
