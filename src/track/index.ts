/**
 * The tracker stage: a CFNet-style Siamese tracker (SiamFC embedding + closed-form
 * correlation-filter head) on TensorFlow.js. See docs/tracker.md.
 */
export { createTracker, createMultiTracker, type Tracker } from './tracker.js';
export type { MultiTracker, TargetResult } from './multi-tracker.js';
export {
  track,
  trackMany,
  type TrackOptions,
  type TrackManyOptions,
  type TargetStart,
  type MultiTrackResult,
} from './operator.js';
export {
  DEFAULT_TRACKER_OPTIONS,
  PRESETS,
  type TrackerOptions,
  type TrackerHyperParams,
  type FeatureLayer,
} from './params.js';
