/**
 * Several targets at once, sharing the expensive part: every frame the search crops of all
 * targets go through the trunk together (one call per crop size, crop-embedder.ts), and each
 * target keeps its own filter, size, motion, confidence and lost state (target-track.ts).
 * Targets are added and removed at any frame; each has a stable id. The single-target `Tracker`
 * (tracker.ts) is this with one target.
 *
 * Targets must not take each other's place or template: once all targets are located,
 * - two confident targets on the same spot (IoU > {@link SAME_SPOT_IOU}) cannot both be right:
 *   a lost target found again on the spot of a target that covered it when it was lost yields
 *   to it (an occluded target's re-detection lands on its occluder, whose own tracker holds it);
 *   otherwise the one whose peak is weaker relative to its own usual peak yields (a target that
 *   drifted onto another's object does not keep it from being found). The one that yields is
 *   (stays) lost: it keeps its last box and searches on;
 * - a lost target's first sighting (awaiting `confirmFound`'s second) on the spot its occluder
 *   holds is not a candidate, or its confirming search would follow the occluder;
 * - a target whose box is covered by another confident target's more than {@link LEARN_COVER}
 *   learns nothing that frame (template, size and colour models), so an occluder's appearance
 *   never enters its template. (A lost target's box is its last confident one, stale: it blocks
 *   nobody.)
 */
import { SiamError } from '../errors.js';
import type { Box, Frame, Timings, TrackResult } from '../types.js';
import { intersectionArea, iou, validateBox, validateFrame } from './box.js';
import { CropEmbedder } from './crop-embedder.js';
import type { Embedder } from './embedder.js';
import type { FeatureBatch } from './embedding.js';
import type { ResolvedTrackerOptions } from './params.js';
import type { Search, SearchPlan } from './searcher.js';
import { TargetTrack, type Located } from './target-track.js';

/** Above this IoU two confident targets are on the same spot: only the surer one keeps it. */
export const SAME_SPOT_IOU = 0.5;
/** A target covered by another's box more than this (intersection / own area) does not learn. */
export const LEARN_COVER = 0.25;

/** One target's result: a {@link TrackResult} and the target's id. */
export interface TargetResult extends TrackResult {
  id: number;
}

/** Follows several targets through one frame stream; one call at a time. */
export interface MultiTracker {
  /**
   * Starts following the object in `box` (pixels, top-left origin) on `frame`; `id` defaults to one
   * more than the largest id so far. Resolves with the target's first result. `ERR_BAD_BOX`,
   * `ERR_BAD_FRAME`, `ERR_BAD_OPTION` (an id in use or not a positive integer).
   */
  add(frame: Frame, box: Box, id?: number): Promise<TargetResult>;
  /** Stops following `id`; false when no target has it. */
  remove(id: number): boolean;
  /** Locates every target in the next frame (results in the order the targets were added). */
  update(frame: Frame): Promise<TargetResult[]>;
  /** The ids followed, in the order they were added. */
  readonly ids: readonly number[];
  /** Forgets every target, keeps the model. */
  clear(): void;
  /** Releases the model, tensors and workers; resolves once they are released (again: a no-op). */
  dispose(): Promise<void>;
  /** Tensors held by the trunk's isolate(s), main first (for leak tests). */
  numTensors(): Promise<number[]>;
  /** The resolved options. */
  readonly options: Readonly<ResolvedTrackerOptions>;
}

/** The part of `a` that `b` covers. */
function cover(a: Box, b: Box): number {
  return intersectionArea(a, b) / (a.width * a.height);
}

export class SiamMultiTracker implements MultiTracker {
  private targets: TargetTrack[] = [];
  private readonly crops: CropEmbedder;
  /** The frame size of the first target's `init`: every later frame must have it. */
  private frameSize: { width: number; height: number } | undefined;
  private disposed = false;
  private released: Promise<void> = Promise.resolve();

  constructor(
    readonly options: ResolvedTrackerOptions,
    private readonly embedder: Embedder,
  ) {
    this.crops = new CropEmbedder(embedder, options.crop);
  }

  get ids(): number[] {
    return this.targets.map((t) => t.id);
  }

  private ensureUsable(): void {
    if (this.disposed) throw new SiamError('ERR_DISPOSED', 'The tracker was used after dispose().');
  }

  private checkSize(frame: Frame): void {
    const size = this.frameSize;
    if (!size || (frame.width === size.width && frame.height === size.height)) return;
    throw new SiamError(
      'ERR_BAD_FRAME',
      `Expected a ${size.width}x${size.height} frame (the size init() saw), got ${frame.width}x${frame.height}`,
      { hint: 'Scale frames to one size, or call init(frame, box) again on the new size.' },
    );
  }

  private nextId(id: number | undefined): number {
    if (id === undefined) return Math.max(0, ...this.ids) + 1;
    if (!Number.isInteger(id) || id < 1) {
      throw new SiamError('ERR_BAD_OPTION', `Expected a target id that is a positive integer, got ${id}`);
    }
    if (this.ids.includes(id)) {
      throw new SiamError('ERR_BAD_OPTION', `Target id ${id} is already followed.`, {
        hint: 'Remove it first, or give another id.',
      });
    }
    return id;
  }

  async add(frame: Frame, box: Box, id?: number): Promise<TargetResult> {
    this.ensureUsable();
    validateFrame(frame);
    this.checkSize(frame);
    validateBox(box, frame);
    const target = new TargetTrack(this.nextId(id), this.options, box);
    const t0 = performance.now();
    const plan = target.planInit();
    const { batches, cropMs, trunkMs } = await this.crops.embed(frame, [plan]);
    this.ensureUsable(); // dispose() may have run meanwhile
    this.nextId(target.id); // … or another add() taken the id
    const t1 = performance.now();
    const reading = plan.read(batches[0]);
    this.frameSize ??= { width: frame.width, height: frame.height };
    this.targets.push(target);
    const t2 = performance.now();
    const timings = { cropMs, trunkMs, filterMs: t2 - t1, totalMs: t2 - t0 };
    return { ...target.init(frame, reading, timings), id: target.id };
  }

  remove(id: number): boolean {
    const before = this.targets.length;
    this.targets = this.targets.filter((t) => t.id !== id);
    if (this.targets.length === 0) this.frameSize = undefined;
    return this.targets.length < before;
  }

  clear(): void {
    this.targets = [];
    this.frameSize = undefined;
  }

  async update(frame: Frame): Promise<TargetResult[]> {
    this.ensureUsable();
    validateFrame(frame);
    this.checkSize(frame);
    const t0 = performance.now();
    const targets = this.targets;
    if (targets.length === 0) return [];
    const plans = targets.map((t) => t.plan(frame));
    const first = await this.embedPlans(frame, plans);
    let t1 = performance.now();
    const located = plans.map((p, i) => p && targets[i].locate(frame, p.read(first.batches[i]!)));
    let { cropMs, trunkMs } = first;
    // Targets found far off centre look again around where they were found (fast motion).
    const again = located.map((at, i) => (at ? targets[i].planRecentre(frame, at) : undefined));
    if (again.some((p) => p !== undefined)) {
      const t = performance.now();
      const second = await this.embedPlans(frame, again);
      again.forEach((p, i) => {
        if (p) located[i] = targets[i].locate(frame, p.read(second.batches[i]!));
      });
      cropMs += second.cropMs;
      trunkMs += second.trunkMs;
      t1 += performance.now() - t; // filterMs: the filter's time alone
    }
    this.separate(located);
    this.noteOccluders(located);
    const timings = (): Timings => {
      const t2 = performance.now();
      return { cropMs, trunkMs, filterMs: t2 - t1, totalMs: t2 - t0 };
    };
    return targets.map((t, i) => {
      const at = located[i];
      const result = at
        ? t.commit(frame, at, this.mayLearn(i, located), timings())
        : t.skipped(frame, timings());
      return { ...result, id: t.id };
    });
  }

  /**
   * Embeds the plans given, all targets' crops together (crop-embedder.ts): each plan's features
   * at its own index, undefined where a target has no plan.
   */
  private async embedPlans(
    frame: Frame,
    plans: ReadonlyArray<SearchPlan<Search> | undefined>,
  ): Promise<{ batches: Array<FeatureBatch | undefined>; cropMs: number; trunkMs: number }> {
    const asked = plans.filter((p): p is SearchPlan<Search> => p !== undefined);
    const { batches, cropMs, trunkMs } = await this.crops.embed(frame, asked);
    this.ensureUsable(); // dispose() may have run while the trunk was busy: its state is gone
    let next = 0;
    return { batches: plans.map((p) => (p ? batches[next++] : undefined)), cropMs, trunkMs };
  }

  /** Two confident targets on the same spot: a re-detection on its occluder yields, else the one less sure of itself. */
  private separate(located: Array<Located | undefined>): void {
    const targets = this.targets;
    const hidBy = (i: number, j: number): boolean =>
      located[i]!.wasLost && !located[j]!.wasLost && targets[i].occluders.has(targets[j].id);
    for (let i = 0; i < located.length; i++) {
      for (let j = i + 1; j < located.length; j++) {
        const a = located[i];
        const b = located[j];
        if (!a?.confident || !b?.confident || iou(a.box, b.box) <= SAME_SPOT_IOU) continue;
        const aYields =
          hidBy(i, j) || (!hidBy(j, i) && targets[i].relativeScore(a) < targets[j].relativeScore(b));
        if (aYields) a.confident = false;
        else b.confident = false;
      }
    }
    // A lost target's sighting (awaiting confirmation) on the spot its occluder holds is the
    // occluder: not a candidate, or the lost target would follow it.
    located.forEach((mine, i) => {
      if (!mine?.sighted) return;
      const occluders = targets[i].occluders;
      const held = located.some(
        (other, j) =>
          j !== i &&
          other?.confident &&
          occluders.has(targets[j].id) &&
          iou(mine.box, other.box) > SAME_SPOT_IOU,
      );
      if (held) mine.sighted = false;
    });
  }

  /** A target lost this frame remembers which confident targets covered its box: its occluders. */
  private noteOccluders(located: Array<Located | undefined>): void {
    located.forEach((mine, i) => {
      if (!mine || mine.confident || mine.wasLost) return;
      const box = this.targets[i].box;
      const ids = located.flatMap((other, j) =>
        j !== i && other?.confident && cover(box, other.box) > LEARN_COVER ? [this.targets[j].id] : [],
      );
      this.targets[i].occluders = new Set(ids);
    });
  }

  /** May target `i` learn this frame: is its box clear of every other target seen this frame? */
  private mayLearn(i: number, located: Array<Located | undefined>): boolean {
    const mine = located[i];
    if (!mine) return false;
    return located.every(
      (other, j) => j === i || !other?.confident || cover(mine.box, other.box) <= LEARN_COVER,
    );
  }

  async numTensors(): Promise<number[]> {
    this.ensureUsable();
    return this.embedder.numTensors();
  }

  dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      this.clear();
      this.released = this.embedder.dispose();
    }
    return this.released;
  }
}
