/**
 * The tracker: a Siamese embedding (SiamFC) with a correlation-filter head (CFNet), width and
 * height searched with real crops, a constant-velocity motion model, a confidence (peak, PSR), a
 * lost state and re-detection. See docs/tracker.md for the method.
 *
 * Per frame (searcher.ts): crop the search region at each size candidate around the predicted
 * centre → trunk → per candidate, r = w ⋆ φ(z) in the Fourier domain → the best penalised peak
 * gives the displacement and the size (a peak far off centre is searched again, centred on
 * itself). Then (target-track.ts): if the peak is confident, move,
 * resize, update the motion model and, on a sharp peak, the template (on the same search
 * features, the label centred on the new position: no second trunk pass); if not, the target is
 * lost, the reported box stays at the last confident one and the searcher looks wider until a
 * confident peak whose box has the target's colours (colour-check.ts) takes it back.
 *
 * One tracker for one target and one for several are the same code: `createTracker` is the
 * multi-target tracker (multi-tracker.ts) holding one target.
 */
import { resolveEngine } from '../backend/engine.js';
import { SiamError } from '../errors.js';
import type { Box, Frame, TrackResult } from '../types.js';
import { createInProcessEmbedder, createWorkerEmbedder } from './embedder.js';
import { SiamMultiTracker, type MultiTracker, type TargetResult } from './multi-tracker.js';
import { resolveTrackerOptions, type ResolvedTrackerOptions, type TrackerOptions } from './params.js';

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
  return new SingleTracker(await createMultiTracker(options));
}

/**
 * Creates a tracker of several targets (multi-tracker.ts): one trunk, one call per frame for all
 * targets' crops; with `thread: 'worker'`, all of it in a worker thread (thread-tracker.ts).
 */
export async function createMultiTracker(options: TrackerOptions = {}): Promise<MultiTracker> {
  const resolved = resolveTrackerOptions(options);
  if (resolved.thread === 'worker') {
    const { createThreadMultiTracker } = await import('./thread-tracker.js');
    return createThreadMultiTracker(options);
  }
  return startMultiTracker(resolved);
}

async function startMultiTracker(resolved: ResolvedTrackerOptions): Promise<SiamMultiTracker> {
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
  return new SiamMultiTracker(o, embedder);
}

/** A multi-target tracker (in this thread or another) holding one target (id 1), its results without the id. */
class SingleTracker implements Tracker {
  constructor(private readonly many: MultiTracker) {}

  get options(): Readonly<ResolvedTrackerOptions> {
    return this.many.options;
  }

  async init(frame: Frame, box: Box): Promise<TrackResult> {
    this.many.clear();
    return withoutId(await this.many.add(frame, box, 1));
  }

  async update(frame: Frame): Promise<TrackResult> {
    // Without a target the update is a no-op (or ERR_DISPOSED after dispose()).
    const [result] = await this.many.update(frame);
    if (!result) {
      throw new SiamError('ERR_NOT_INITIALISED', 'update() was called before init().', {
        hint: 'Call init(frame, box) first.',
      });
    }
    return withoutId(result);
  }

  reset(): void {
    this.many.clear();
  }

  numTensors(): Promise<number[]> {
    return this.many.numTensors();
  }

  dispose(): Promise<void> {
    return this.many.dispose();
  }
}

function withoutId(result: TargetResult): TrackResult {
  const { id: _id, ...rest } = result;
  return rest;
}
