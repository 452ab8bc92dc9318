/**
 * The tracker: a Siamese embedding (SiamFC) with a correlation-filter head (CFNet), a few real
 * scales, a confidence (peak, PSR) and a lost state. See docs/tracker.md for the method.
 *
 * Per frame: crop the search region at each scale around the last position → trunk → per scale,
 * r = w ⋆ φ(z) in the Fourier domain → the best penalised peak gives the displacement and the
 * scale → if the peak is sharp enough, the template is updated on the same search features with
 * the label centred on the new position (no second trunk pass).
 */
import { SiamError } from '../errors.js';
import type { Box, Frame, TrackResult } from '../types.js';
import { boxFromCentre, validateBox, validateFrame } from './box.js';
import { CorrelationFilter } from './correlation-filter.js';
import { cropPatchesJs, meanColour, type Region } from './crop.js';
import { createInProcessEmbedder, createWorkerEmbedder, type Embedder } from './embedder.js';
import { FEATURE_BLOCKS, featureStride, type FeatureBatch } from './embedding.js';
import { nextPowerOfTwo } from './fft2d.js';
import { resolveTrackerOptions, type ResolvedTrackerOptions, type TrackerOptions } from './params.js';
import { dampedScale, interpolatedScale, pickScale, scaleFactors } from './scale.js';
import { SearchHead, type ScaleReading } from './search-head.js';

/** A single-object tracker: `init` on a box, then `update` frame after frame. */
export interface Tracker {
  /** Learns the target in `box` (pixels, top-left origin) on `frame`. `ERR_BAD_BOX`, `ERR_BAD_FRAME`. */
  init(frame: Frame, box: Box): Promise<TrackResult>;
  /** Locates the target in the next frame. `ERR_NOT_INITIALISED` before `init`, `ERR_DISPOSED` after `dispose`. */
  update(frame: Frame): Promise<TrackResult>;
  /** Forgets the target, keeps the model. */
  reset(): void;
  /** Releases the model, tensors and workers. */
  dispose(): void;
  /** Tensors held by the trunk's isolate(s), main first (for leak tests). */
  numTensors(): Promise<number[]>;
  /** The resolved options. */
  readonly options: Readonly<ResolvedTrackerOptions>;
}

/** Creates a tracker: resolves options, starts the backend and loads the trunk (in-process or in workers). */
export async function createTracker(options: TrackerOptions = {}): Promise<Tracker> {
  const o = resolveTrackerOptions(options);
  const config = { backend: o.backend, layer: o.features, modelPath: o.modelPath };
  const embedder =
    o.workers > 0 ? await createWorkerEmbedder(config, o.workers) : await createInProcessEmbedder(config);
  return new SiamTracker(o, embedder);
}

interface Target {
  cx: number;
  cy: number;
  w: number;
  h: number;
}

class SiamTracker implements Tracker {
  private readonly stride: number;
  private readonly cells: number;
  private readonly head: SearchHead;
  private readonly pixels: Float32Array;
  private readonly factors: number[];
  private target: Target | undefined;
  private initial: Target | undefined;
  private lastBox: Box | undefined;
  private lost = false;
  private lostSearch = 1;
  private frames = 0;
  /** Running mean of the peak over confident frames (what "a weak peak" is relative to). */
  private usualScore = 1;
  private disposed = false;

  constructor(
    readonly options: ResolvedTrackerOptions,
    private readonly embedder: Embedder,
  ) {
    const o = options;
    this.stride = featureStride(o.features);
    this.cells = o.inputSize / this.stride;
    const cf = new CorrelationFilter(
      nextPowerOfTwo(this.cells),
      embedder.channels,
      o.lambda,
      o.templateUpdate,
    );
    this.head = new SearchHead(
      cf,
      this.cells,
      o.scaleCount,
      o.responseUpsample,
      FEATURE_BLOCKS[o.features],
      o.featureNorm,
    );
    this.factors = scaleFactors(o.scaleCount, o.scaleStep);
    this.pixels = new Float32Array(o.scaleCount * o.inputSize * o.inputSize * 3);
  }

  private ensureUsable(): void {
    if (this.disposed) throw new SiamError('ERR_DISPOSED', 'The tracker was used after dispose().');
  }

  /** Side of the square search region for the current target, in pixels. */
  private regionSide(t: Target): number {
    return Math.max(this.options.searchAreaFactor * Math.sqrt(t.w * t.h), this.options.minRegionPx);
  }

  private async embed(
    frame: Frame,
    regions: Region[],
    size: number,
  ): Promise<{ batch: FeatureBatch; cropMs: number }> {
    const t0 = performance.now();
    const mean = meanColour(frame);
    if (this.options.crop === 'backend' && this.embedder.embedRegions) {
      return { batch: await this.embedder.embedRegions(frame, regions, size, mean), cropMs: 0 };
    }
    const pixels =
      size === this.options.inputSize && regions.length <= this.options.scaleCount
        ? this.pixels
        : new Float32Array(regions.length * size * size * 3);
    cropPatchesJs(frame, regions, size, mean, pixels);
    const cropMs = performance.now() - t0;
    return { batch: await this.embedder.embed(pixels, regions.length, size), cropMs };
  }

  async init(frame: Frame, box: Box): Promise<TrackResult> {
    this.ensureUsable();
    validateFrame(frame);
    validateBox(box, frame);
    const t0 = performance.now();
    const target = { cx: box.x + box.width / 2, cy: box.y + box.height / 2, w: box.width, h: box.height };
    const side = this.regionSide(target);
    const { batch, cropMs } = await this.embed(
      frame,
      [{ cx: target.cx, cy: target.cy, side }],
      this.options.inputSize,
    );
    const t1 = performance.now();
    this.head.cf.reset();
    const sigma = this.labelSigma(target, side);
    const reading = this.head.learnFirst(batch, sigma);
    this.target = target;
    this.initial = { ...target };
    this.lastBox = { ...box };
    this.lost = false;
    this.lostSearch = 1;
    this.frames = 0;
    this.usualScore = reading.value;
    const t2 = performance.now();
    return this.result(frame, box, reading.value, reading.psr, {
      crop: cropMs,
      trunk: t1 - t0 - cropMs,
      cf: t2 - t1,
      total: t2 - t0,
    });
  }

  private labelSigma(t: Target, side: number): number {
    const cellPx = (side / this.options.inputSize) * this.stride;
    return (this.options.labelSigmaFactor * Math.sqrt(t.w * t.h)) / cellPx;
  }

  async update(frame: Frame): Promise<TrackResult> {
    this.ensureUsable();
    const target = this.target;
    if (!target || !this.initial || !this.lastBox) {
      throw new SiamError('ERR_NOT_INITIALISED', 'update() was called before init().', {
        hint: 'Call init(frame, box) first.',
      });
    }
    validateFrame(frame);
    const o = this.options;
    const t0 = performance.now();
    this.frames++;
    const side = this.regionSide(target);
    let reading: ScaleReading;
    let factor = 1;
    let learnSide = side;
    let cellPx: number;
    let cropMs: number;
    let t1: number;
    if (this.lost) {
      // Widen the search at the same pixels-per-cell: a larger crop and a larger FFT grid.
      this.lostSearch = Math.min(o.maxLostSearch, this.lostSearch * o.lostSearchGrowth);
      const size = Math.round((o.inputSize * this.lostSearch) / 16) * 16;
      const got = await this.embed(
        frame,
        [{ cx: target.cx, cy: target.cy, side: (side * size) / o.inputSize }],
        size,
      );
      cropMs = got.cropMs;
      t1 = performance.now();
      reading = this.head.searchWide(got.batch);
      cellPx = (side / o.inputSize) * this.stride;
    } else {
      const scaled = o.scaleCount > 1 && (this.frames - 1) % o.scaleEveryNFrames === 0;
      const factors = scaled ? this.factors : [1];
      const got = await this.embed(
        frame,
        factors.map((f) => ({ cx: target.cx, cy: target.cy, side: side * f })),
        o.inputSize,
      );
      cropMs = got.cropMs;
      t1 = performance.now();
      const readings = this.head.search(got.batch, o.windowInfluence, o.searchWindow);
      const peaks = readings.map((r) => r.value);
      const best = pickScale(peaks, factors, o.scalePenalty);
      reading = readings[best];
      factor = o.scaleInterpolation ? interpolatedScale(peaks, factors, best) : factors[best];
      learnSide = side * factors[best];
      cellPx = (learnSide / o.inputSize) * this.stride;
    }
    // Confidence relative to this target's usual peak (a running mean over confident frames).
    const usual = this.usualScore;
    const confident = this.lost
      ? reading.psr >= o.psrFound && reading.value >= o.foundScoreRatio * usual
      : reading.psr >= o.psrLost && reading.value >= o.lostScoreRatio * usual;
    if (confident) {
      this.moveTo(
        target,
        reading.dx * cellPx,
        reading.dy * cellPx,
        this.lost ? 1 : dampedScale(factor, o.scaleUpdateRate),
        frame,
      );
      this.usualScore += o.scoreMemoryRate * (reading.value - this.usualScore);
      const sure = reading.psr >= o.updateMinPsr && reading.value >= o.updateScoreRatio * usual;
      if (!this.lost && sure && o.templateUpdateRate > 0) {
        this.head.learn(
          reading.index,
          this.labelSigma(target, learnSide),
          reading.dy,
          reading.dx,
          o.templateUpdateRate,
          o.searchWindow,
        );
      }
      this.lost = false;
      this.lostSearch = 1;
      this.lastBox = boxFromCentre(target.cx, target.cy, target.w, target.h);
    } else {
      this.lost = true;
    }
    const t2 = performance.now();
    return this.result(frame, this.lastBox, reading.value, reading.psr, {
      crop: cropMs,
      trunk: t1 - t0 - cropMs,
      cf: t2 - t1,
      total: t2 - t0,
    });
  }

  private moveTo(t: Target, dx: number, dy: number, scale: number, frame: Frame): void {
    const init = this.initial as Target;
    t.cx = Math.min(Math.max(t.cx + dx, 0), frame.width);
    t.cy = Math.min(Math.max(t.cy + dy, 0), frame.height);
    const s = Math.min(
      Math.max(scale, 0.2 * Math.sqrt((init.w * init.h) / (t.w * t.h))),
      5 * Math.sqrt((init.w * init.h) / (t.w * t.h)),
    );
    t.w = Math.max(t.w * s, 2);
    t.h = Math.max(t.h * s, 2);
  }

  private result(
    frame: Frame,
    box: Box,
    score: number,
    psr: number,
    timings: Record<string, number>,
  ): TrackResult {
    const round = (v: number): number => Math.round(v * 1000) / 1000;
    return {
      frameIndex: frame.index,
      timestampMs: frame.timestampMs,
      box: { x: box.x, y: box.y, width: box.width, height: box.height },
      score: Number.isFinite(score) ? score : 0,
      psr: Number.isFinite(psr) ? psr : 0,
      lost: this.lost,
      timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v)])),
    };
  }

  reset(): void {
    this.target = undefined;
    this.initial = undefined;
    this.lastBox = undefined;
    this.lost = false;
    this.lostSearch = 1;
    this.head.cf.reset();
  }

  async numTensors(): Promise<number[]> {
    this.ensureUsable();
    return this.embedder.numTensors();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.reset();
    void this.embedder.dispose();
  }
}
