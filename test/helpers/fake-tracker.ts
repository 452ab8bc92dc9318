/**
 * Fakes of src/track's contracts, made of just the parts a test cares about: a `Tracker` (one
 * target) and a `MultiTracker` (several); the rest are inert (init answers the init box, reset and
 * dispose do nothing, no tensors, the default options). No model is loaded.
 */
import { SiamError } from '../../src/errors.js';
import type { MultiTracker, TargetResult } from '../../src/track/multi-tracker.js';
import { resolveTrackerOptions } from '../../src/track/params.js';
import type { Tracker } from '../../src/track/tracker.js';
import type { Box, Frame, TrackResult } from '../../src/types.js';

export type FakeTrackerParts = Partial<Omit<Tracker, 'update' | 'options'>> & {
  update(frame: Frame): Promise<TrackResult> | TrackResult;
};

/** The result a fake answers for `box` on `frame`. */
export function resultFor(frame: Frame, box: Box, lost = false): TrackResult {
  return {
    frameIndex: frame.index,
    timestampMs: frame.timestampMs,
    box: { ...box },
    score: lost ? 0 : 1,
    psr: lost ? 0 : 10,
    lost,
    timings: {},
  };
}

export function fakeTracker(parts: FakeTrackerParts): Tracker {
  const { update, ...rest } = parts;
  return {
    init: async (frame, box) => resultFor(frame, box),
    reset: () => undefined,
    dispose: async () => undefined,
    numTensors: async () => [],
    options: resolveTrackerOptions(),
    ...rest,
    update: async (frame) => update(frame),
  };
}

/** A target of {@link fakeMultiTracker}: its id, the box it started from and its last box. */
export interface FakeTarget {
  id: number;
  initBox: Box;
  box: Box;
}

export type FakeMultiParts = Partial<Pick<MultiTracker, 'dispose' | 'numTensors'>> & {
  /** Where `target` is on `frame`: a box, or null (lost: the last box is kept). Default: its init box. */
  locate?(frame: Frame, target: FakeTarget): Box | null;
  /** Time each `update` takes, ms. */
  delayMs?: number;
  /** Called on each `add` (before it resolves). */
  onAdd?(frame: Frame, box: Box, id: number): void;
};

/**
 * A `MultiTracker` (src/track's contract for several targets) whose targets go where `locate`
 * says, with the real id rules (next id = largest + 1; an id in use is ERR_BAD_OPTION). No model.
 */
export function fakeMultiTracker(parts: FakeMultiParts = {}): MultiTracker {
  let targets: FakeTarget[] = [];
  const withId = (frame: Frame, t: FakeTarget, lost = false): TargetResult => ({
    ...resultFor(frame, t.box, lost),
    id: t.id,
  });
  return {
    get ids() {
      return targets.map((t) => t.id);
    },
    async add(frame, box, id) {
      const given = id ?? Math.max(0, ...targets.map((t) => t.id)) + 1;
      if (targets.some((t) => t.id === given))
        throw new SiamError('ERR_BAD_OPTION', `Target id ${given} is already followed.`);
      parts.onAdd?.(frame, box, given);
      const t = { id: given, initBox: { ...box }, box: { ...box } };
      targets.push(t);
      return withId(frame, t);
    },
    remove(id) {
      const before = targets.length;
      targets = targets.filter((t) => t.id !== id);
      return targets.length < before;
    },
    clear() {
      targets = [];
    },
    async update(frame) {
      if (parts.delayMs) await new Promise((r) => setTimeout(r, parts.delayMs));
      return targets.map((t) => {
        const box = parts.locate ? parts.locate(frame, t) : t.initBox;
        if (box) t.box = { ...box };
        return { ...withId(frame, t, !box), timings: { updateMs: parts.delayMs ?? 0 } };
      });
    },
    dispose: parts.dispose ?? (async () => void (targets = [])),
    numTensors: parts.numTensors ?? (async () => []),
    options: resolveTrackerOptions(),
  };
}
