/**
 * The tracker: a Siamese embedding (SiamFC) with a correlation-filter head (CFNet), width and
 * height searched with real crops, a constant-velocity motion model, a confidence (peak, PSR), a
 * lost state and re-detection. See docs/tracker.md for the method.
 *
 * Per frame (searcher.ts): crop the search region at each size candidate around the predicted
 * centre → trunk → per candidate, r = w ⋆ φ(z) in the Fourier domain → the best penalised peak
 * gives the displacement and the size. Here: if the peak is confident, move, resize, update the
 * motion model and, on a sharp peak, the template (on the same search features, the label
 * centred on the new position: no second trunk pass); if not, the target is lost, the reported
 * box stays at the last confident one and the searcher looks wider until a confident peak whose
 * box has the target's colours (colour-check.ts) takes it back.
 */
import { resolveEngine } from '../backend/engine.js';
import { SiamError } from '../errors.js';
import type { Box, Frame, Timings, TrackResult } from '../types.js';
import { validateBox, validateFrame } from './box.js';
import { ColourModel } from './colour-check.js';
import { createInProcessEmbedder, createWorkerEmbedder, type Embedder } from './embedder.js';
import { resolveTrackerOptions, type ResolvedTrackerOptions, type TrackerOptions } from './params.js';
import { dampedScale } from './scale.js';
import { Searcher } from './searcher.js';
import { SizeFilter, sizeGrid } from './size-filter.js';
import { TargetState } from './target.js';

/** Learning rate of the colour model on sure frames (Staple's 0.04). */
const COLOUR_RATE = 0.04;

/** A single-object tracker: `init` on a box, then `update` frame after frame. */
export interface Tracker {
  /** Learns the target in `box` (pixels, top-left origin) on `frame`. `ERR_BAD_BOX`, `ERR_BAD_FRAME`. */
  init(frame: Frame, box: Box): Promise<TrackResult>;
  /** Locates the target in the next frame. `ERR_NOT_INITIALISED` before `init`, `ERR_DISPOSED` after `dispose`. */
  update(frame: Frame): Promise<TrackResult>;
  /** Forgets the target, keeps the model. */
  reset(): void;
  /** Releases the model, tensors and workers; resolves once they are released (calling it again is a no-op). */
  dispose(): Promise<void>;
  /** Tensors held by the trunk's isolate(s), main first (for leak tests). */
  numTensors(): Promise<number[]>;
  /** The resolved options. */
  readonly options: Readonly<ResolvedTrackerOptions>;
}

/** Creates a tracker: resolves options, starts the backend and loads the trunk (in-process or in workers). */
export async function createTracker(options: TrackerOptions = {}): Promise<Tracker> {
  const resolved = resolveTrackerOptions(options);
  if (resolved.thread === 'worker') {
    const { createThreadTracker } = await import('./thread-tracker.js');
    return createThreadTracker(options);
  }
  const engine = await resolveEngine(resolved.engine);
  const o = { ...resolved, engine }; // options.engine says which engine runs
  const config = {
    engine,
    backend: o.backend,
    threads: o.threads,
    layer: o.features,
    modelPath: o.modelPath,
  };
  const embedder =
    o.workers > 0 ? await createWorkerEmbedder(config, o.workers) : await createInProcessEmbedder(config);
  return new SiamTracker(o, embedder);
}

class SiamTracker implements Tracker {
  private readonly searcher: Searcher;
  private readonly sizes: SizeFilter | undefined;
  private readonly colour: ColourModel | undefined;
  private state: TargetState | undefined;
  private lastBox: Box | undefined;
  private lost = false;
  private lostFrames = 0;
  private frames = 0;
  /** Running mean of the peak over confident frames (what "a weak peak" is relative to). */
  private usualScore = 1;
  /** The last search's peak and PSR (reported again on frames the lost search skips). */
  private lastReading = { value: 0, psr: 0 };
  /** The frame size `init` saw: every later frame must have it. */
  private frameSize = { width: 0, height: 0 };
  private disposed = false;
  private released: Promise<void> = Promise.resolve();

  constructor(
    readonly options: ResolvedTrackerOptions,
    private readonly embedder: Embedder,
  ) {
    const o = options;
    this.searcher = new Searcher(o, embedder);
    if (o.foundColourRatio > 0) this.colour = new ColourModel();
    if (o.sizeFilter) {
      const grid = sizeGrid(o.sizeScaleSteps, o.sizeScaleStep, o.sizeAspectSteps, o.sizeAspectStep);
      this.sizes = new SizeFilter(24, o.sizeMargin, o.sizeRate, grid, o.sizePenalty);
    }
  }

  private ensureUsable(): void {
    if (this.disposed) throw new SiamError('ERR_DISPOSED', 'The tracker was used after dispose().');
  }

  async init(frame: Frame, box: Box): Promise<TrackResult> {
    this.ensureUsable();
    validateFrame(frame);
    validateBox(box, frame);
    const t0 = performance.now();
    const state = new TargetState(box);
    const { reading, cropMs, t1 } = await this.searcher.learnFirst(frame, state);
    this.ensureUsable(); // dispose() may have run meanwhile
    this.sizes?.reset();
    this.sizes?.learn(frame, state.t.cx, state.t.cy, state.t.w, state.t.h);
    this.colour?.reset();
    this.colour?.learn(frame, box, 1);
    this.state = state;
    this.frameSize = { width: frame.width, height: frame.height };
    this.lastBox = { ...box };
    this.lost = false;
    this.lostFrames = 0;
    this.frames = 0;
    this.usualScore = reading.value;
    const t2 = performance.now();
    return this.result(frame, box, reading.value, reading.psr, {
      cropMs,
      trunkMs: t1 - t0 - cropMs,
      filterMs: t2 - t1,
      totalMs: t2 - t0,
    });
  }

  async update(frame: Frame): Promise<TrackResult> {
    this.ensureUsable();
    const state = this.state;
    if (!state || !this.lastBox) {
      throw new SiamError('ERR_NOT_INITIALISED', 'update() was called before init().', {
        hint: 'Call init(frame, box) first.',
      });
    }
    validateFrame(frame);
    const { width, height } = this.frameSize;
    if (frame.width !== width || frame.height !== height) {
      throw new SiamError(
        'ERR_BAD_FRAME',
        `Expected a ${width}x${height} frame (the size init() saw), got ${frame.width}x${frame.height}`,
        { hint: 'Scale frames to one size, or call init(frame, box) again on the new size.' },
      );
    }
    const t0 = performance.now();
    this.frames++;
    const o = this.options;
    if (this.lost) {
      this.lostFrames++;
      // The search budget while lost: one (widened) pass every n-th frame; the others only report.
      if ((this.lostFrames - 1) % o.lostSearchEveryNFrames !== 0) {
        return this.result(frame, this.lastBox, this.lastReading.value, this.lastReading.psr, {
          cropMs: 0,
          trunkMs: 0,
          filterMs: 0,
          totalMs: performance.now() - t0,
        });
      }
    }
    const got = this.lost
      ? await this.searcher.searchLost(frame, state, this.lostFrames)
      : await this.searcher.searchNear(frame, state, this.frames);
    // dispose() may have run while the trunk was busy: its state is gone.
    this.ensureUsable();
    const { reading, cropMs, t1 } = got;
    this.lastReading = reading;
    // Confidence relative to this target's usual peak (a running mean over confident frames).
    const usual = this.usualScore;
    const cx = Math.min(Math.max(got.cx + reading.dx * got.cellX, 0), frame.width);
    const cy = Math.min(Math.max(got.cy + reading.dy * got.cellY, 0), frame.height);
    const confident = this.lost
      ? reading.psr >= o.psrFound &&
        reading.value >= o.foundScoreRatio * usual &&
        this.colourAgrees(frame, cx, cy)
      : reading.psr >= o.psrLost && reading.value >= o.lostScoreRatio * usual;
    if (confident) {
      if (this.lost) {
        // Found again: a new start for the motion model.
        state.t.cx = cx;
        state.t.cy = cy;
        state.stop();
      } else {
        const maxSpeed = o.maxSpeedFactor * this.searcher.regionSide(state.t);
        state.observe({ cx: got.cx, cy: got.cy }, cx, cy, o.motionGain, maxSpeed);
        const r = o.scaleUpdateRate;
        let { fx, fy } = got.size;
        if (this.sizes) {
          // The size filter refines what the trunk's scale search (if any) chose.
          const { t } = state;
          const f = this.sizes.grid[this.sizes.search(frame, t.cx, t.cy, t.w * fx, t.h * fy).best];
          fx *= f.fx;
          fy *= f.fy;
        }
        state.resize(dampedScale(fx, r), dampedScale(fy, r), o.maxScaleChange, o.maxAspectChange);
      }
      this.usualScore += o.scoreMemoryRate * (reading.value - this.usualScore);
      const sure = reading.psr >= o.updateMinPsr && reading.value >= o.updateScoreRatio * usual;
      if (!this.lost && sure && o.templateUpdateRate > 0) {
        this.searcher.learn(state, got);
        this.sizes?.learn(frame, state.t.cx, state.t.cy, state.t.w, state.t.h);
        this.colour?.learn(frame, state.box(), COLOUR_RATE);
      }
      this.lost = false;
      this.lostFrames = 0;
      this.searcher.stopLostSearch();
      this.lastBox = state.box();
    } else if (!this.lost) {
      // The reported box stays at the last confident one; the search moves on (searcher.ts).
      this.lost = true;
    }
    const t2 = performance.now();
    return this.result(frame, this.lastBox, reading.value, reading.psr, {
      cropMs,
      trunkMs: t1 - t0 - cropMs,
      filterMs: t2 - t1,
      totalMs: t2 - t0,
    });
  }

  /** Does a box of the target's size at (cx, cy) have the target's colours (always, without a colour check)? */
  private colourAgrees(frame: Frame, cx: number, cy: number): boolean {
    const { colour, state } = this;
    if (!colour || !state) return true;
    const { w, h } = state.t;
    const s = colour.score(frame, { x: cx - w / 2, y: cy - h / 2, width: w, height: h });
    return s >= this.options.foundColourRatio * colour.usualScore;
  }

  private result(frame: Frame, box: Box, score: number, psr: number, timings: Timings): TrackResult {
    const round = (v: number): number => Math.round(v * 1000) / 1000;
    return {
      frameIndex: frame.index,
      timestampMs: frame.timestampMs,
      box: { x: box.x, y: box.y, width: box.width, height: box.height },
      score: Number.isFinite(score) ? score : 0,
      psr: Number.isFinite(psr) ? psr : 0,
      lost: this.lost,
      timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v)])) as Timings,
    };
  }

  reset(): void {
    this.state = undefined;
    this.lastBox = undefined;
    this.lost = false;
    this.lostFrames = 0;
    this.searcher.reset();
  }

  async numTensors(): Promise<number[]> {
    this.ensureUsable();
    return this.embedder.numTensors();
  }

  dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      this.reset();
      this.released = this.embedder.dispose();
    }
    return this.released;
  }
}
