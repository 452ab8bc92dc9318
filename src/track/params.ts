/**
 * Tracker options: every field optional, defaults in one constant, hyper-parameters in named
 * presets (presets.ts), validated once (STYLE.md §6).
 */
import { parseBackendName } from '../backend/backend-names.js';
import { parseEngineName } from '../backend/engine.js';
import { SiamError } from '../errors.js';
import { closestName } from '../util/closest-name.js';
import { PRESETS, type TrackerHyperParams } from './presets.js';

export { PRESETS, type FeatureLayer, type FeatureNorm, type TrackerHyperParams } from './presets.js';

/** Options of {@link createTracker}. Every field is optional; hyper-parameters override the preset. */
export interface TrackerOptions extends Partial<TrackerHyperParams> {
  /** TensorFlow.js backend (`auto`, `wasm`, `cpu`, `node`, `node-gpu`). @default 'auto' */
  backend?: string;
  /** Hyper-parameter preset, see {@link PRESETS}. @default 'default' */
  preset?: 'default' | 'fast' | 'robust' | 'shape' | (string & {});
  /** Inference engine of the trunk: ONNX Runtime where `onnxruntime-node` loads, else TensorFlow.js. @default 'auto' */
  engine?: 'auto' | 'tfjs' | 'onnx';
  /** ONNX Runtime's intra-op threads per trunk (onnx engine): 1 leaves the second core to ffmpeg. @default 1 */
  threads?: number;
  /**
   * Where the tracker runs: in the caller's thread, or in a worker thread of its own (same
   * interface; the caller's event loop stays free, e.g. the live server's). @default 'main'
   */
  thread?: 'main' | 'worker';
  /** Worker threads running the trunk; 0 runs it in-process. @default 0 */
  workers?: number;
  /** Where crops are taken: in JS from the frame's bytes, or on the backend (`tf.image.cropAndResize`). @default 'js' */
  crop?: 'js' | 'backend';
  /** The trunk's model.json. @default `@vladmandic/human`'s `models/centernet.json` */
  modelPath?: string;
}

/** The defaults of everything that is not a hyper-parameter, plus the default preset. */
export const DEFAULT_TRACKER_OPTIONS: Readonly<
  Required<Omit<TrackerOptions, 'modelPath' | keyof TrackerHyperParams>> & TrackerHyperParams
> = Object.freeze({
  backend: 'auto',
  engine: 'auto',
  thread: 'main',
  threads: 1, // end to end (ffmpeg decoding beside us) 1 thread beat 2 on every 1280×720 sequence (docs/tracker.md)
  preset: 'default',
  workers: 0,
  crop: 'js',
  ...PRESETS.default,
});

/** Options after defaults and the preset are applied. */
export type ResolvedTrackerOptions = typeof DEFAULT_TRACKER_OPTIONS & { modelPath?: string };

function bad(message: string): SiamError {
  return new SiamError('ERR_BAD_OPTION', message);
}

function check(name: string, value: number, ok: boolean, want: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok) {
    throw bad(`Expected \`${name}\` to be ${want}, got ${String(value)}`);
  }
}

/** Applies the preset and defaults to `options` and validates the result (`ERR_BAD_OPTION`). */
export function resolveTrackerOptions(options: TrackerOptions = {}): ResolvedTrackerOptions {
  const presetName = options.preset ?? DEFAULT_TRACKER_OPTIONS.preset;
  // Own keys only: `toString` is not a preset.
  const preset = Object.hasOwn(PRESETS, presetName) ? PRESETS[presetName] : undefined;
  if (!preset)
    throw bad(`Expected \`preset\` to be one of ${Object.keys(PRESETS).join(', ')}, got ${presetName}`);
  const known = new Set([...Object.keys(DEFAULT_TRACKER_OPTIONS), 'modelPath']);
  const unknown = Object.keys(options).find((k) => !known.has(k));
  if (unknown !== undefined) {
    const near = closestName(unknown, known);
    throw new SiamError('ERR_BAD_OPTION', `Unknown tracker option \`${unknown}\``, {
      hint: near ? `Did you mean \`${near}\`?` : 'See TrackerOptions in docs/tracker.md.',
    });
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = {
    ...DEFAULT_TRACKER_OPTIONS,
    ...preset,
    ...defined,
    preset: presetName,
  } as ResolvedTrackerOptions;
  check(
    'inputSize',
    o.inputSize,
    o.inputSize >= 32 && o.inputSize <= 1024 && o.inputSize % 16 === 0,
    'a multiple of 16 in [32, 1024]',
  );
  if (!['stride8', 'stride16', 'both'].includes(o.features))
    throw bad(`Expected \`features\` to be stride8, stride16 or both, got ${o.features}`);
  if (!['exemplar', 'patch'].includes(o.featureNorm))
    throw bad(`Expected \`featureNorm\` to be exemplar or patch, got ${o.featureNorm}`);
  if (!['filter', 'ratio'].includes(o.templateUpdate))
    throw bad(`Expected \`templateUpdate\` to be filter or ratio, got ${o.templateUpdate}`);
  if (!['js', 'backend'].includes(o.crop)) throw bad(`Expected \`crop\` to be js or backend, got ${o.crop}`);
  // A backend is started only for the tfjs engine: a wrong name must not pass unnoticed with onnx.
  if (options.backend !== undefined) parseBackendName(options.backend);
  if (options.engine !== undefined) parseEngineName(options.engine);
  check('searchAreaFactor', o.searchAreaFactor, o.searchAreaFactor >= 1, '≥ 1');
  check('minRegionPx', o.minRegionPx, o.minRegionPx >= 0, '≥ 0');
  check('lambda', o.lambda, o.lambda > 0, '> 0');
  check('labelSigmaFactor', o.labelSigmaFactor, o.labelSigmaFactor > 0, '> 0');
  check(
    'templateUpdateRate',
    o.templateUpdateRate,
    o.templateUpdateRate >= 0 && o.templateUpdateRate <= 1,
    'in [0, 1]',
  );
  check(
    'scaleCount',
    o.scaleCount,
    Number.isInteger(o.scaleCount) && o.scaleCount >= 1 && o.scaleCount % 2 === 1,
    'an odd integer ≥ 1',
  );
  check('scaleStep', o.scaleStep, o.scaleStep > 1, '> 1');
  check('scalePenalty', o.scalePenalty, o.scalePenalty > 0 && o.scalePenalty <= 1, 'in (0, 1]');
  check('maxAspectChange', o.maxAspectChange, o.maxAspectChange >= 1, '≥ 1');
  check('maxScaleChange', o.maxScaleChange, o.maxScaleChange >= 1, '≥ 1');
  check('motionGain', o.motionGain, o.motionGain >= 0 && o.motionGain <= 1, 'in [0, 1]');
  check('maxSpeedFactor', o.maxSpeedFactor, o.maxSpeedFactor >= 0, '≥ 0');
  check('recentreBeyond', o.recentreBeyond, o.recentreBeyond >= 0, '≥ 0');
  check('frameTaper', o.frameTaper, o.frameTaper >= 0, '≥ 0');
  check(
    'longSideFraction',
    o.longSideFraction,
    o.longSideFraction >= 0 && o.longSideFraction <= 1,
    'in [0, 1]',
  );
  check('windowFlat', o.windowFlat, o.windowFlat >= 0 && o.windowFlat < 1, 'in [0, 1)');
  check(
    'globalSearchAfterFrames',
    o.globalSearchAfterFrames,
    Number.isInteger(o.globalSearchAfterFrames) && o.globalSearchAfterFrames >= 0,
    'an integer ≥ 0',
  );
  check('exemplarMaskTaper', o.exemplarMaskTaper, o.exemplarMaskTaper >= 0, '≥ 0');
  for (const k of ['sizeScaleSteps', 'sizeAspectSteps'] as const)
    check(
      k,
      o[k],
      Number.isInteger(o[k]) && o[k] >= 1 && o[k] % 2 === 1 && o[k] <= 33,
      'an odd integer in [1, 33]',
    );
  check('sizeScaleStep', o.sizeScaleStep, o.sizeScaleStep > 1, '> 1');
  check('sizeAspectStep', o.sizeAspectStep, o.sizeAspectStep > 1, '> 1');
  check('sizeMargin', o.sizeMargin, o.sizeMargin >= 1 && o.sizeMargin <= 4, 'in [1, 4]');
  check('sizePenalty', o.sizePenalty, o.sizePenalty >= 0, '≥ 0');
  check('sizeRate', o.sizeRate, o.sizeRate > 0 && o.sizeRate <= 1, 'in (0, 1]');
  if (typeof o.sizeFilter !== 'boolean')
    throw bad(`Expected \`sizeFilter\` to be a boolean, got ${String(o.sizeFilter)}`);
  check(
    'lostSearchEveryNFrames',
    o.lostSearchEveryNFrames,
    Number.isInteger(o.lostSearchEveryNFrames) && o.lostSearchEveryNFrames >= 1,
    'an integer ≥ 1',
  );
  check('scaleUpdateRate', o.scaleUpdateRate, o.scaleUpdateRate >= 0 && o.scaleUpdateRate <= 1, 'in [0, 1]');
  check(
    'scaleEveryNFrames',
    o.scaleEveryNFrames,
    Number.isInteger(o.scaleEveryNFrames) && o.scaleEveryNFrames >= 1,
    'an integer ≥ 1',
  );
  check('windowInfluence', o.windowInfluence, o.windowInfluence >= 0 && o.windowInfluence <= 1, 'in [0, 1]');
  check(
    'responseUpsample',
    o.responseUpsample,
    Number.isInteger(o.responseUpsample) && o.responseUpsample >= 1 && o.responseUpsample <= 64,
    'an integer in [1, 64]',
  );
  check('scoreMemoryRate', o.scoreMemoryRate, o.scoreMemoryRate > 0 && o.scoreMemoryRate <= 1, 'in (0, 1]');
  check('lostScoreRatio', o.lostScoreRatio, o.lostScoreRatio >= 0, '≥ 0');
  check(
    'foundScoreRatio',
    o.foundScoreRatio,
    o.foundScoreRatio >= o.lostScoreRatio,
    `≥ lostScoreRatio (${o.lostScoreRatio})`,
  );
  check('updateScoreRatio', o.updateScoreRatio, o.updateScoreRatio >= 0, '≥ 0');
  check('psrLost', o.psrLost, true, 'a number');
  check('psrFound', o.psrFound, o.psrFound >= o.psrLost, `≥ psrLost (${o.psrLost})`);
  check(
    'foundColourRatio',
    o.foundColourRatio,
    o.foundColourRatio >= 0 && o.foundColourRatio <= 2,
    'in [0, 2]',
  );
  check('updateMinPsr', o.updateMinPsr, true, 'a number');
  check('lostSearchGrowth', o.lostSearchGrowth, o.lostSearchGrowth >= 1, '≥ 1');
  check('maxLostSearch', o.maxLostSearch, o.maxLostSearch >= 1 && o.maxLostSearch <= 4, 'in [1, 4]');
  if (!['main', 'worker'].includes(o.thread))
    throw bad(`Expected \`thread\` to be main or worker, got ${String(o.thread)}`);
  if (!['auto', 'tfjs', 'onnx'].includes(o.engine))
    throw bad(`Expected \`engine\` to be auto, tfjs or onnx, got ${String(o.engine)}`);
  check(
    'threads',
    o.threads,
    Number.isInteger(o.threads) && o.threads >= 1 && o.threads <= 16,
    'an integer in [1, 16]',
  );
  check(
    'workers',
    o.workers,
    Number.isInteger(o.workers) && o.workers >= 0 && o.workers <= 8,
    'an integer in [0, 8]',
  );
  if (typeof o.scaleInterpolation !== 'boolean')
    throw bad(`Expected \`scaleInterpolation\` to be a boolean, got ${String(o.scaleInterpolation)}`);
  if (typeof o.searchWindow !== 'boolean')
    throw bad(`Expected \`searchWindow\` to be a boolean, got ${String(o.searchWindow)}`);
  if (typeof o.confirmFound !== 'boolean')
    throw bad(`Expected \`confirmFound\` to be a boolean, got ${String(o.confirmFound)}`);
  return o;
}
