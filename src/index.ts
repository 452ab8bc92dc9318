/**
 * Public API: each stage's front door (STYLE.md §1) — the factories, operators, options and result
 * types a user needs, not the helpers the CLI and the benches share (those stay importable from the
 * stage modules inside the repository). test/api.test.ts locks the list and the main signatures.
 */
export type { Frame, Box, TrackResult, ClipLabel, Timings } from './types.js';
export { SiamError, isSiamError, ERROR_CODES, type ErrorCode } from './errors.js';
export { initBackend, type BackendName, type BackendInfo } from './backend/backend.js';
export {
  decode,
  probeVideo,
  createFrameDemand,
  resolveFfmpeg,
  DEFAULT_DECODE_OPTIONS,
  DEFAULT_RECONNECT,
  DEFAULT_MAX_IN_FLIGHT,
  type DecodeOptions,
  type VideoInfo,
  type ReconnectOptions,
  type ReconnectEvent,
  type FfmpegChild,
  type FfmpegLocation,
  type FrameDemand,
  type FrameDemandOptions,
} from './decode/index.js';
export * from './track/index.js';
export * from './classify/index.js';
export * from './stream/index.js';
export {
  runEval,
  listSequences,
  successAuc,
  precisionAt,
  iou,
  parseGroundTruth,
  readGroundTruth,
  writeGroundTruth,
  type EvalOptions,
  type EvalProgress,
  type EvalSummary,
  type SequenceSummary,
  type SequenceEntry,
  type GroundTruthBox,
} from './eval/index.js';
