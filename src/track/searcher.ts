/**
 * Where the tracker looks and what it finds there (tracker.ts decides what to believe).
 *
 * - Tracking: the search region around the predicted centre at the size candidates of this
 *   frame (target.ts), trunk, correlation filter (search-head.ts), the best penalised peak; a
 *   peak far off centre is searched again, centred on itself (fast motion). Cells near the
 *   frame's border are faded out (grid-maps.ts `inFrameWeights`).
 * - Lost: a widened search at the last centre (a larger crop at the same pixels per cell) and,
 *   once the loss lasts, on every second lost frame one tile of a sweep over the whole frame
 *   (redetect.ts).
 * - Learning: the exemplar and the template updates, with the optional target mask.
 *
 * Each search is a {@link SearchPlan}: the crops to embed and how to read their features, so that
 * the crops of several targets go through the trunk in one call (crop-embedder.ts).
 */
import type { Frame } from '../types.js';
import { CorrelationFilter } from './correlation-filter.js';
import type { Region } from './crop.js';
import { FEATURE_BLOCKS, featureStride, type FeatureBatch } from './embedding.js';
import { nextPowerOfTwo } from './fft2d.js';
import { inFrameWeights } from './grid-maps.js';
import type { ResolvedTrackerOptions } from './params.js';
import { TileSweep, tileCentres } from './redetect.js';
import { interpolatedScale, pickScale } from './scale.js';
import { SearchHead, type ScaleReading } from './search-head.js';
import { scaleCandidates, targetMask, type SizeCandidate, type Target, type TargetState } from './target.js';

/** Crops of one size to embed, and what their features say once embedded. */
export interface SearchPlan<T> {
  regions: Region[];
  /** Side of the square crops fed to the trunk, pixels. */
  size: number;
  read(batch: FeatureBatch): T;
}

/** What one frame's search found: the chosen reading, where its crop was and how big its cells. */
export interface Search {
  reading: ScaleReading;
  /** Centre of the chosen crop, pixels. */
  cx: number;
  cy: number;
  /** Pixels per feature cell along x and y. */
  cellX: number;
  cellY: number;
  /** The chosen size candidate. */
  size: SizeCandidate;
  /** √area of the chosen region (for the label's σ). */
  learnSide: number;
  /** Where the motion model expected the target (a re-centred search keeps the first one's). */
  predicted: { cx: number; cy: number };
}

export class Searcher {
  readonly head: SearchHead;
  private readonly stride: number;
  private readonly cells: number;
  private readonly scales: SizeCandidate[];
  private readonly maskBuffer: Float64Array;
  private readonly frameBuffers: Float64Array[];
  private readonly sweep = new TileSweep();
  private lostSearch = 1;
  /** The region's stretch along an elongated target's length, set at `init` (`longSideFraction`). */
  private stretch = { x: 1, y: 1 };

  constructor(private readonly options: ResolvedTrackerOptions) {
    const o = options;
    this.stride = featureStride(o.features);
    this.cells = o.inputSize / this.stride;
    const cf = new CorrelationFilter(
      nextPowerOfTwo(this.cells),
      FEATURE_BLOCKS[o.features],
      o.lambda,
      o.templateUpdate,
    );
    const maxCandidates = o.scaleCount;
    this.head = new SearchHead(
      cf,
      this.cells,
      maxCandidates,
      o.responseUpsample,
      o.featureNorm,
      o.windowFlat,
    );
    this.scales = scaleCandidates(o.scaleCount, o.scaleStep);
    this.maskBuffer = new Float64Array(this.cells * this.cells);
    this.frameBuffers = Array.from({ length: o.scaleCount }, () => new Float64Array(this.cells * this.cells));
  }

  /** Learns the exemplar (forgetting any earlier template); reads its self-response. */
  planFirst(state: TargetState): SearchPlan<ScaleReading> {
    const t = state.t;
    this.stretch = { x: 1, y: 1 };
    const f = this.options.longSideFraction;
    const plain = this.regionSide(t);
    if (f > 0 && Math.max(t.w, t.h) > f * plain) {
      if (t.w >= t.h) this.stretch.x = t.w / (f * plain);
      else this.stretch.y = t.h / (f * plain);
    }
    const { side, sideX, sideY } = this.sides(state);
    return {
      regions: [{ cx: t.cx, cy: t.cy, side: sideX, sideY }],
      size: this.options.inputSize,
      read: (batch) => {
        this.head.cf.reset();
        this.stopLostSearch();
        const mask = this.mask(t, sideX, sideY, 0, 0);
        return this.head.learnFirst(batch, this.labelSigma(t, side), mask);
      },
    };
  }

  /** Template update from the chosen candidate of the last search (rate η). */
  learn(state: TargetState, got: Search): void {
    const o = this.options;
    const { reading } = got;
    const toSide = o.inputSize / this.stride;
    this.head.learn(
      reading.index,
      this.labelSigma(state.t, got.learnSide),
      reading.dy,
      reading.dx,
      o.templateUpdateRate,
      o.searchWindow,
      this.mask(state.t, got.cellX * toSide, got.cellY * toSide, reading.dy, reading.dx),
    );
  }

  /** Ends a loss: the next loss starts with a small widened search and a new sweep. */
  stopLostSearch(): void {
    this.lostSearch = 1;
    this.sweep.stop();
  }

  reset(): void {
    this.stopLostSearch();
    this.head.cf.reset();
  }

  /**
   * The search region's width and height in pixels: exemplar-shaped (target.ts), stretched along
   * an elongated target's length (`longSideFraction`); `side` is √ of its area.
   */
  private sides(state: TargetState): { side: number; sideX: number; sideY: number } {
    const { sideX, sideY } = state.regionSides(this.regionSide(state.t));
    const x = sideX * this.stretch.x;
    const y = sideY * this.stretch.y;
    return { side: Math.sqrt(x * y), sideX: x, sideY: y };
  }

  /** Side of the search region (√ of its area) for the current target, in pixels. */
  regionSide(t: Target): number {
    return Math.max(this.options.searchAreaFactor * Math.sqrt(t.w * t.h), this.options.minRegionPx);
  }

  /** The training mask for a target in a region of `sideX`×`sideY` px, or undefined when off. */
  private mask(t: Target, sideX: number, sideY: number, dy: number, dx: number): Float64Array | undefined {
    const o = this.options;
    if (o.exemplarMaskTaper <= 0) return undefined;
    const wc = (t.w / sideX) * this.cells;
    const hc = (t.h / sideY) * this.cells;
    const taper = o.exemplarMaskTaper * Math.sqrt(wc * hc);
    return targetMask(this.head.window, this.cells, dy, dx, hc, wc, taper, this.maskBuffer);
  }

  /** σ of the label in cells: the target's √(w·h) over the region's (geometric-mean) cell size. */
  private labelSigma(t: Target, side: number): number {
    const cellPx = (side / this.options.inputSize) * this.stride;
    return (this.options.labelSigmaFactor * Math.sqrt(t.w * t.h)) / cellPx;
  }

  /** Per region, the weights of its cells inside the frame (undefined: wholly inside, or `frameTaper` 0). */
  private inFrame(frame: Frame, regions: readonly Region[]): Array<Float64Array | undefined> {
    const taper = this.options.frameTaper;
    if (taper <= 0) return [];
    const f = this.cells;
    return regions.map((r, i) => {
      const sideY = r.sideY ?? r.side;
      return inFrameWeights(
        f,
        r.cx - r.side / 2,
        r.cy - sideY / 2,
        r.side / f,
        sideY / f,
        frame.width,
        frame.height,
        taper,
        this.frameBuffers[i],
      );
    });
  }

  /** Which sizes this frame searches: the scales every n-th frame, else the current size. */
  private candidates(frameCount: number): SizeCandidate[] {
    const o = this.options;
    return o.scaleCount > 1 && (frameCount - 1) % o.scaleEveryNFrames === 0
      ? this.scales
      : [{ fx: 1, fy: 1 }];
  }

  /** Tracking: the size candidates around the predicted centre, displacement-penalised. */
  planNear(frame: Frame, state: TargetState, frameCount: number): SearchPlan<Search> {
    const o = this.options;
    const p = state.predict(frame.width, frame.height);
    const { side, sideX, sideY } = this.sides(state);
    const sizes = this.candidates(frameCount);
    const regions = sizes.map((c) => ({ cx: p.cx, cy: p.cy, side: sideX * c.fx, sideY: sideY * c.fy }));
    return {
      regions,
      size: o.inputSize,
      read: (batch) => {
        const inFrame = this.inFrame(frame, regions);
        const readings = this.head.search(batch, o.windowInfluence, o.searchWindow, inFrame);
        const peaks = readings.map((r) => r.value);
        const factors = sizes.map((c) => c.fx);
        const best = pickScale(peaks, factors, o.scalePenalty);
        let size = sizes[best];
        if (o.scaleInterpolation && sizes === this.scales) {
          const f = interpolatedScale(peaks, factors, best);
          size = { fx: f, fy: f };
        }
        return {
          reading: readings[best],
          cx: p.cx,
          cy: p.cy,
          cellX: ((sideX * sizes[best].fx) / o.inputSize) * this.stride,
          cellY: ((sideY * sizes[best].fy) / o.inputSize) * this.stride,
          size,
          learnSide: side * Math.sqrt(sizes[best].fx * sizes[best].fy),
          predicted: p,
        };
      },
    };
  }

  /**
   * Fast motion: when the peak of `first` lies beyond `recentreBeyond` of the region's half side,
   * a second search at the size it chose, centred on that peak, where the search window no longer
   * dims the target and the displacement penalty no longer pulls it back. Undefined otherwise.
   */
  planRecentre(frame: Frame, first: Search, cx: number, cy: number): SearchPlan<Search> | undefined {
    const o = this.options;
    const { dx, dy } = first.reading;
    if (o.recentreBeyond <= 0 || Math.hypot(dx, dy) <= o.recentreBeyond * (this.cells / 2)) return undefined;
    const sideX = (first.cellX / this.stride) * o.inputSize;
    const sideY = (first.cellY / this.stride) * o.inputSize;
    const regions = [{ cx, cy, side: sideX, sideY }];
    return {
      regions,
      size: o.inputSize,
      read: (batch) => {
        const inFrame = this.inFrame(frame, regions);
        const [reading] = this.head.search(batch, o.windowInfluence, o.searchWindow, inFrame);
        return { ...first, reading, cx, cy };
      },
    };
  }

  /**
   * Lost: a widened search (a larger crop at the same pixels per cell) around the last centre,
   * alternating, once the loss has lasted `globalSearchAfterFrames`, with one tile of a sweep over
   * the whole frame (nearest first).
   */
  planLost(
    frame: Frame,
    state: TargetState,
    lostFrames: number,
    focus?: { cx: number; cy: number },
  ): SearchPlan<Search> {
    const o = this.options;
    this.lostSearch = Math.min(o.maxLostSearch, this.lostSearch * o.lostSearchGrowth);
    const { side, sideX, sideY } = this.sides(state);
    // Around the last confident centre (carrying it along the last velocity lost Couple: the
    // velocity at the moment of a loss is mostly the drift that caused it) …
    let centre = { cx: state.t.cx, cy: state.t.cy };
    let grow = this.lostSearch;
    // … and, once the loss lasts, every second search is one tile of a sweep over the frame.
    const search = Math.floor((lostFrames - 1) / o.lostSearchEveryNFrames);
    const sweeping = o.globalSearchAfterFrames > 0 && lostFrames > o.globalSearchAfterFrames;
    if (focus) {
      // A candidate to confirm: look again where it was.
      centre = { ...focus };
    } else if (sweeping && search % 2 === 1) {
      if (!this.sweep.active) {
        // Tiles at the largest widening; any centre within half a region of a tile centre is seen whole.
        const span = o.maxLostSearch - 1;
        this.sweep.start(
          tileCentres(frame.width, frame.height, sideX * span, sideY * span, state.t.cx, state.t.cy),
        );
      }
      centre = this.sweep.take();
      grow = o.maxLostSearch;
    }
    const size = Math.round((o.inputSize * grow) / 16) * 16;
    const scale = size / o.inputSize;
    return {
      regions: [{ cx: centre.cx, cy: centre.cy, side: sideX * scale, sideY: sideY * scale }],
      size,
      read: (batch) => ({
        reading: this.head.searchWide(batch),
        ...centre,
        cellX: (sideX / o.inputSize) * this.stride,
        cellY: (sideY / o.inputSize) * this.stride,
        size: { fx: 1, fy: 1 },
        learnSide: side,
        predicted: centre,
      }),
    };
  }
}
