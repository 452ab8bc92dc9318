/**
 * One followed target: its filter, size, motion, confidence and lost state, and the decisions of
 * a frame (tracker.ts describes the method). The trunk is not here: a frame is planned (which
 * crops to embed), then located on the features (where the peak says the target is, and whether
 * to believe it), then committed (move, resize, learn) — so that the tracker can embed the crops
 * of every target in one call and look at all the located boxes before any template learns.
 */
import type { Box, Frame, Timings, TrackResult } from '../types.js';
import { ColourModel } from './colour-check.js';
import type { ResolvedTrackerOptions } from './params.js';
import { dampedScale } from './scale.js';
import type { ScaleReading } from './search-head.js';
import { Searcher, type Search, type SearchPlan } from './searcher.js';
import { SizeFilter, sizeGrid } from './size-filter.js';
import { TargetState } from './target.js';

/** Learning rate of the colour model on sure frames (Staple's 0.04). */
const COLOUR_RATE = 0.04;

/** What a frame's search says before anything is changed. */
export interface Located {
  search: Search;
  /** The peak's position in the frame, pixels. */
  cx: number;
  cy: number;
  /** Believed (a tracked target moves, a lost one is found again). */
  confident: boolean;
  /** The target was lost before this frame: believed, this is a re-detection. */
  wasLost: boolean;
  /** Lost, a candidate passed every check but awaits its confirmation (`confirmFound`). */
  sighted: boolean;
  /** The box the target would have if believed. */
  box: Box;
}

export class TargetTrack {
  private readonly searcher: Searcher;
  private readonly sizes: SizeFilter | undefined;
  private readonly colour: ColourModel | undefined;
  private readonly state: TargetState;
  private lastBox: Box;
  private lost = false;
  private lostFrames = 0;
  private frames = 0;
  /** Running mean of the peak over confident frames (what "a weak peak" is relative to). */
  private usualScore = 1;
  /** The last search's peak and PSR (reported again on frames the lost search skips). */
  private lastReading = { value: 0, psr: 0 };
  /** While lost: the ids of the targets that covered this one when it was lost (multi-tracker.ts). */
  occluders: ReadonlySet<number> = new Set();
  /** While lost (`confirmFound`): where a candidate was seen, to be seen again before it is believed. */
  private candidate: { cx: number; cy: number } | undefined;

  constructor(
    readonly id: number,
    private readonly options: ResolvedTrackerOptions,
    box: Box,
  ) {
    const o = options;
    this.searcher = new Searcher(o);
    if (o.foundColourRatio > 0) this.colour = new ColourModel();
    if (o.sizeFilter) {
      const grid = sizeGrid(o.sizeScaleSteps, o.sizeScaleStep, o.sizeAspectSteps, o.sizeAspectStep);
      this.sizes = new SizeFilter(24, o.sizeMargin, o.sizeRate, grid, o.sizePenalty);
    }
    this.state = new TargetState(box);
    this.lastBox = { ...box };
  }

  get isLost(): boolean {
    return this.lost;
  }

  /** The reported box: the current one, or the last confident one while lost. */
  get box(): Box {
    return this.lastBox;
  }

  /** The exemplar's crop. */
  planInit(): SearchPlan<ScaleReading> {
    return this.searcher.planFirst(this.state);
  }

  /** Learns the target from the exemplar's self-response; its first result. */
  init(frame: Frame, reading: ScaleReading, timings: Timings): TrackResult {
    const t = this.state.t;
    this.sizes?.learn(frame, t.cx, t.cy, t.w, t.h);
    this.colour?.learn(frame, this.lastBox, 1);
    this.usualScore = reading.value;
    this.lastReading = reading;
    return this.result(frame, timings);
  }

  /**
   * This frame's search, or undefined when a lost target skips it (the search budget while lost:
   * one widened pass every n-th frame).
   */
  plan(frame: Frame): SearchPlan<Search> | undefined {
    this.frames++;
    if (this.lost) {
      this.lostFrames++;
      if ((this.lostFrames - 1) % this.options.lostSearchEveryNFrames !== 0) return undefined;
      return this.searcher.planLost(frame, this.state, this.lostFrames, this.candidate);
    }
    return this.searcher.planNear(frame, this.state, this.frames);
  }

  /** A second search centred on a tracked target's far-off peak (fast motion), or undefined. */
  planRecentre(frame: Frame, located: Located): SearchPlan<Search> | undefined {
    if (located.wasLost) return undefined;
    return this.searcher.planRecentre(frame, located.search, located.cx, located.cy);
  }

  /** Where the search puts the target and whether to believe it; changes nothing but the last reading. */
  locate(frame: Frame, search: Search): Located {
    const o = this.options;
    const { reading } = search;
    this.lastReading = reading;
    const usual = this.usualScore;
    const cx = Math.min(Math.max(search.cx + reading.dx * search.cellX, 0), frame.width);
    const cy = Math.min(Math.max(search.cy + reading.dy * search.cellY, 0), frame.height);
    const { w, h } = this.state.t;
    const found =
      this.lost &&
      reading.psr >= o.psrFound &&
      reading.value >= o.foundScoreRatio * usual &&
      this.colourAgrees(frame, cx, cy);
    const seenAgain =
      this.candidate !== undefined &&
      Math.hypot(cx - this.candidate.cx, cy - this.candidate.cy) <= Math.max(w, h) / 2;
    const confident = this.lost
      ? found && (!o.confirmFound || seenAgain)
      : reading.psr >= o.psrLost && reading.value >= o.lostScoreRatio * usual;
    const box = { x: cx - w / 2, y: cy - h / 2, width: w, height: h };
    return { search, cx, cy, confident, wasLost: this.lost, sighted: found && !confident, box };
  }

  /** The peak relative to this target's usual one (how sure a located target is, comparably across targets). */
  relativeScore(located: Located): number {
    return located.search.reading.value / this.usualScore;
  }

  /**
   * Applies a located frame: if confident, move, resize and update the motion model and, when
   * `mayLearn` and the peak is sharp, the template; if not, the target is (stays) lost and the
   * reported box stays at the last confident one.
   */
  commit(frame: Frame, located: Located, mayLearn: boolean, timings: Timings): TrackResult {
    const o = this.options;
    const { state } = this;
    const { search, cx, cy } = located;
    const { reading } = search;
    const usual = this.usualScore;
    if (located.confident) {
      if (this.lost) {
        // Found again: a new start for the motion model.
        state.t.cx = cx;
        state.t.cy = cy;
        state.stop();
      } else {
        const maxSpeed = o.maxSpeedFactor * this.searcher.regionSide(state.t);
        state.observe(search.predicted, cx, cy, o.motionGain, maxSpeed);
        const r = o.scaleUpdateRate;
        let { fx, fy } = search.size;
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
      if (!this.lost && sure && mayLearn && o.templateUpdateRate > 0) {
        this.searcher.learn(state, search);
        this.sizes?.learn(frame, state.t.cx, state.t.cy, state.t.w, state.t.h);
        this.colour?.learn(frame, state.box(), COLOUR_RATE);
      }
      this.lost = false;
      this.lostFrames = 0;
      this.occluders = new Set();
      this.searcher.stopLostSearch();
      this.lastBox = state.box();
    } else {
      this.lost = true;
    }
    this.candidate = this.lost && located.sighted ? { cx, cy } : undefined;
    return this.result(frame, timings);
  }

  /** A frame the lost search skipped: the last reading and box again. */
  skipped(frame: Frame, timings: Timings): TrackResult {
    return this.result(frame, timings);
  }

  /** Does a box of the target's size at (cx, cy) have the target's colours (always, without a colour check)? */
  private colourAgrees(frame: Frame, cx: number, cy: number): boolean {
    const { colour } = this;
    if (!colour) return true;
    const { w, h } = this.state.t;
    const s = colour.score(frame, { x: cx - w / 2, y: cy - h / 2, width: w, height: h });
    return s >= this.options.foundColourRatio * colour.usualScore;
  }

  private result(frame: Frame, timings: Timings): TrackResult {
    const round = (v: number): number => Math.round(v * 1000) / 1000;
    const { value, psr } = this.lastReading;
    const box = this.lastBox;
    return {
      frameIndex: frame.index,
      timestampMs: frame.timestampMs,
      box: { x: box.x, y: box.y, width: box.width, height: box.height },
      score: Number.isFinite(value) ? value : 0,
      psr: Number.isFinite(psr) ? psr : 0,
      lost: this.lost,
      timings: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v)])) as Timings,
    };
  }
}
