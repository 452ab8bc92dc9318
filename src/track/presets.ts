/**
 * The tracker's hyper-parameters and their named presets, one comment a line saying why each value
 * (pytracking `parameter/<tracker>/`): `default` (accuracy first), `fast` (the live server's),
 * `robust` and `shape` (opt-in). Options and their validation: params.ts.
 */
import type { TemplateUpdate } from './correlation-filter.js';

/** Which trunk activations are the features. */
export type FeatureLayer = 'stride8' | 'stride16' | 'both';

/** Feature normalisation: gains fixed from the exemplar, or recomputed for every patch. */
export type FeatureNorm = 'exemplar' | 'patch';

/** The tracker's hyper-parameters (what a preset sets). Sizes in pixels or feature cells, as named. */
export interface TrackerHyperParams {
  /** Side of the square crop fed to the trunk, in pixels; a multiple of 16. */
  inputSize: number;
  /** Trunk activations used as features (MobileNetV3 stride-8: 32 ch, stride-16: 88 ch). */
  features: FeatureLayer;
  /** Feature gains: from the exemplar once (`exemplar`) or per patch (`patch`). */
  featureNorm: FeatureNorm;
  /** Side of the (square) search region as a multiple of √(w·h) of the target box. */
  searchAreaFactor: number;
  /** Smallest search-region side in pixels, so tiny targets still bring some context. */
  minRegionPx: number;
  /** Ridge regulariser λ of the correlation filter (features have unit mean energy per cell). */
  lambda: number;
  /** σ of the Gaussian label as a fraction of √(w·h) of the target, measured in feature cells. */
  labelSigmaFactor: number;
  /** Template learning rate η: template ← (1 − η)·template + η·new. */
  templateUpdateRate: number;
  /** What is averaged: the filter itself (CFNet) or its numerator and denominator (MOSSE/DSST). */
  templateUpdate: TemplateUpdate;
  /** Number of scales searched (odd; 1 disables scale estimation). */
  scaleCount: number;
  /** Ratio between neighbouring scales (> 1). */
  scaleStep: number;
  /** Multiplier on the peak of every scale other than the current one (≤ 1). */
  scalePenalty: number;
  /** Take the vertex of a parabola through the best scale's peak and its neighbours' (log-scale axis). */
  scaleInterpolation: boolean;
  /** Width/height may drift at most this factor from the exemplar's aspect ratio (either way). */
  maxAspectChange: number;
  /** √(w·h) may drift at most this factor from the exemplar's (either way). */
  maxScaleChange: number;
  /** β of the constant-velocity (α–β) model of the centre; 0 searches around the last position. */
  motionGain: number;
  /** The velocity is bounded to this fraction of the search region's side per frame. */
  maxSpeedFactor: number;
  /**
   * A second search, centred on the first one's peak, when that peak lies beyond this fraction of
   * the region's half side (fast motion: the search window dims a target far off centre); 0: never.
   */
  recentreBeyond: number;
  /** After this many lost frames, the lost search sweeps tiles of the whole frame; 0: never. */
  globalSearchAfterFrames: number;
  /** While lost, search on every n-th frame only (a widened pass costs ~4 tracking passes). */
  lostSearchEveryNFrames: number;
  /** Training features are weighted by a soft box around the target, tapering over this × √(w·h) (in cells); 0: the cosine window alone. */
  exemplarMaskTaper: number;
  /** Estimate width and height from the target box itself (size-filter.ts) instead of the trunk's scale search. */
  sizeFilter: boolean;
  /** Size filter: scale steps searched (odd) and the ratio between them. */
  sizeScaleSteps: number;
  sizeScaleStep: number;
  /** Size filter: aspect steps searched (odd) and the ratio of w/h between them. */
  sizeAspectSteps: number;
  sizeAspectStep: number;
  /** Size filter: sample side as a multiple of the box side. */
  sizeMargin: number;
  /** Size filter: model learning rate. */
  sizeRate: number;
  /** Size filter: score handicap per step away from the current size. */
  sizePenalty: number;
  /** Damping of the size update: size ← size·((1 − r) + r·scale). */
  scaleUpdateRate: number;
  /** Search scales on every n-th frame only (others search the current scale alone). */
  scaleEveryNFrames: number;
  /** Weight of the cosine displacement penalty mixed into the response (0…1). */
  windowInfluence: number;
  /** Also apply the cosine window to the search features (KCF) rather than only the exemplar (CFNet). */
  searchWindow: boolean;
  /** The flat central fraction of the cosine window (a Tukey window), on training and search features; 0: Hann. */
  windowFlat: number;
  /** Search cells within this many cells of the frame's border are faded out (the padding's edge is not scene); 0: off. */
  frameTaper: number;
  /** The region is stretched along an elongated target's length so that it spans at most this fraction of it; 0: off. */
  longSideFraction: number;
  /** Sub-cell resolution of the peak: the response is interpolated at 1/u cell. */
  responseUpsample: number;
  /** Rate of the running mean of confident peaks that the score ratios below refer to. */
  scoreMemoryRate: number;
  /** The target is declared lost when the peak falls below this fraction of the running mean peak … */
  lostScoreRatio: number;
  /** … or when the PSR falls below this. */
  psrLost: number;
  /** While lost, a peak above this fraction of the running mean … */
  foundScoreRatio: number;
  /** … with a PSR above this brings the target back … */
  psrFound: number;
  /** … if the candidate box's colours score at least this fraction of the target's own (colour-check.ts); 0: no colour check … */
  foundColourRatio: number;
  /** … and, when set, only once a second search centred on the candidate finds it again within half the target's size. */
  confirmFound: boolean;
  /** The template is updated only when the peak reaches this fraction of the running mean … */
  updateScoreRatio: number;
  /** … and the PSR reaches this (guards against distractors and occluders). */
  updateMinPsr: number;
  /** While lost, the search region grows by this factor every frame … */
  lostSearchGrowth: number;
  /** … up to this multiple of the normal search region. */
  maxLostSearch: number;
}

/**
 * The stride-8 settings every preset starts from (the default before 2026-11-30's second session,
 * now `fast`'s and `shape`'s base); the default adds the stride-16 block.
 */
const STRIDE8: Readonly<TrackerHyperParams> = Object.freeze({
  inputSize: 192, // 24×24 stride-8 cells, padded to a 32-point FFT
  features: 'stride8', // the default overrides this (below)
  featureNorm: 'exemplar', // gains fixed at init: per-patch gains bias the scale search
  searchAreaFactor: 2.5, // region side = 2.5·√(w·h): 3 lets the background steer the scale (boat1 0.26 → 0.66)
  minRegionPx: 64, // tiny targets: at most 3× upsampling of the crop
  lambda: 1e-2, // ridge regulariser
  labelSigmaFactor: 0.2, // Gaussian label σ = 0.2·√(w·h) cells
  templateUpdateRate: 0.01, // slow template: faster rates drift
  templateUpdate: 'filter', // CFNet: average the filter
  scaleCount: 3, // 1/step, 1, step
  scaleStep: 1.04, // neighbouring scales 4 % apart
  scalePenalty: 0.98, // changing scale needs a 2 % higher peak
  scaleInterpolation: false, // a continuous scale reacted to noise (mean AUC 0.673 vs 0.696)
  maxAspectChange: 4, // w/h within ×4 of the exemplar's either way
  maxScaleChange: 5, // √(w·h) within ×5 of the exemplar's either way
  motionGain: 0.1, // fold A: 0.1 0.483, 0 0.453, 0.3 0.461 (erratic players suffer from larger gains)
  maxSpeedFactor: 0.5, // at most half a search region per frame
  recentreBeyond: 0, // no second search (the default turns it on, below)
  globalSearchAfterFrames: 6, // frame-wide sweep once lost for 6 frames
  lostSearchEveryNFrames: 1, // while lost, a widened pass every frame: ~2× a tracking frame (4 crops' worth vs 2)
  exemplarMaskTaper: 1, // train on the target's cells, tapering over one target size (fold A +0.003, tiny S1001 +0.1)
  sizeFilter: false, // off: it lost on both folds (A 0.483 → 0.47, B 0.567 → 0.51–0.53), see docs/tracker.md
  sizeScaleSteps: 5, // 5 scales …
  sizeScaleStep: 1.03, // … 3 % apart
  sizeAspectSteps: 3, // 3 aspect ratios …
  sizeAspectStep: 1.1, // … 10 % apart in w/h
  sizeMargin: 2, // the box and half its side around it (2 > 1.5 > 1 on fold A)
  sizeRate: 0.025, // DSST's learning rate
  sizePenalty: 0.02, // a step must raise the correlation by 0.02 (0.005 and 0.01 let the box wander)
  scaleUpdateRate: 0.6, // damping of the size update (SiamFC: 0.59)
  scaleEveryNFrames: 2, // scale search on every second frame: as accurate (0.693 both), ~1.5× faster
  windowInfluence: 0.2, // displacement penalty weight
  searchWindow: true, // window the search features too
  windowFlat: 0, // Hann
  frameTaper: 0, // off
  longSideFraction: 0, // off
  responseUpsample: 8, // peak at 1/8 cell
  scoreMemoryRate: 0.05, // running mean of confident peaks over ~20 frames
  lostScoreRatio: 0.35, // lost below 35 % of the usual peak (occlusion: ~20 %) …
  psrLost: 4, // … or below this PSR
  foundScoreRatio: 0.6, // back when the peak is 60 % of the usual …
  psrFound: 7, // … and the PSR above this
  foundColourRatio: 0.7, // … and the candidate's colours score ≥ 70 % of the target's own (chosen on fold B: 0.8 lost KiteSurf
  // 0.70 → 0.57, 0.6 and 0.7 as off there; no effect on fold A; rejects the sample's and the re-entry test's background, ≤ 65 %)
  confirmFound: false, // the default turns it on (below); `fast` SRE fold A 0.434 both, fold B 0.518 → 0.516: off
  updateScoreRatio: 0.6, // no template update below 60 % of the usual peak …
  updateMinPsr: 6, // … or below this PSR
  lostSearchGrowth: 1.5, // search widens 1.5× per lost frame …
  maxLostSearch: 2, // … up to 2× the normal region
});

/** The accuracy-first preset (`track`, `eval`). */
const DEFAULT_PRESET: Readonly<TrackerHyperParams> = Object.freeze({
  ...STRIDE8,
  features: 'both', // stride 8 + stride 16: fold A 0.483 → 0.565 (bolt1 0.01 → 0.53), held-out fold B 0.548 → 0.558
  // A lost target is taken back on a second sighting: fold A SRE 0.498 both, one-pass 0.551 → 0.581
  // (group3_2 0.16 → 0.45); held-out fold B SRE 0.535 → 0.537, one-pass 0.561 → 0.572.
  confirmFound: true,
  // The training mask hugs the target (CSR-DCF's constraint: the filter learns the target, not
  // its surroundings): a taper of one target size had covered the whole region of a small or
  // elongated target. SRE fold A 0.498 → 0.523, fold B 0.537 → 0.550. With the background out
  // of the filter a wider region no longer lets it steer, and catches faster motion: region
  // 3·√(w·h), chosen on fold A (SRE 0.539; 3.5: 0.533), held-out fold B 0.571 (docs/tracker.md).
  exemplarMaskTaper: 0.1,
  searchAreaFactor: 3,
  // A second search centred on a far-off peak (fast motion), and the search's cells faded out at
  // the frame's border (the padding's edge is not scene): chosen on fold A (SRE 0.539 → 0.548;
  // 0.2 instead of 0.3 or either alone lower), held-out fold B 0.571 → 0.576 (docs/tracker.md).
  recentreBeyond: 0.3,
  frameTaper: 2,
  // The cosine window pulls an elongated target's peak back along its length (it weights the
  // ends down): the region is stretched so that the length spans at most 45 % of it. Chosen on
  // fold B (SRE 0.576 → 0.654: truck2 0.044 → 0.666; 0.4: 0.649), held-out fold A 0.548 → 0.546.
  longSideFraction: 0.45,
});

/** Named hyper-parameter sets, each differing from the stride-8 base only where it says. */
export const PRESETS: Readonly<Record<string, Readonly<TrackerHyperParams>>> = Object.freeze({
  default: DEFAULT_PRESET,
  /** The default's values under the name they had while opt-in (scripts keep working). */
  robust: DEFAULT_PRESET,
  fast: Object.freeze({
    ...STRIDE8,
    inputSize: 160, // 20×20 stride-8 cells in a 32-point FFT (128 lost boat1: AUC 0.25)
    minRegionPx: 48, // tiny targets: at most ~3.3× upsampling
    scaleEveryNFrames: 3, // scale search on every third frame
    // The default's tight mask and wider region, measured here too (SRE fold A 0.434 → 0.501,
    // fold B 0.518 → 0.533); not re-tuned for this preset.
    exemplarMaskTaper: 0.1,
    searchAreaFactor: 3,
    // The default's border fade and stretched region for elongated targets, cost-free: SRE fold A
    // 0.501 → 0.502, fold B 0.533 → 0.557. Not its re-centred search: fold A 0.496 with it, and
    // a second trunk call on some frames would make the live latency uneven.
    frameTaper: 2,
    longSideFraction: 0.45,
  }),
  shape: Object.freeze({
    ...STRIDE8,
    sizeFilter: true, // width and height from the box itself: the aspect follows a turning target …
    scaleCount: 1, // … and sizes the box alone: one trunk pass per frame (~1.6× the default's fps)
  }),
});
