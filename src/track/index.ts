/**
 * The tracker stage: a CFNet-style Siamese tracker (SiamFC embedding + closed-form
 * correlation-filter head) on TensorFlow.js. See docs/tracker.md.
 */
export { createTracker, type Tracker } from './tracker.js';
export { track, type TrackOptions } from './operator.js';
export {
  DEFAULT_TRACKER_OPTIONS,
  PRESETS,
  type TrackerOptions,
  type TrackerHyperParams,
  type FeatureLayer,
} from './params.js';
