/**
 * A `Tracker` (src/track's one tracker contract) made of just the parts a test cares about: the
 * rest are inert (init answers the init box, reset and dispose do nothing, no tensors, the default
 * options). No model is loaded.
 */
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
