/** The live server's front door: `serve()`, its options and result, and the protocol's types. */
export { serve, type LiveServer } from './server.js';
export type { ServeOptions } from './serve-options.js';
export type { TrackerFactory } from './pipeline.js';
export type { FrameSourceFactory, FrameSourceHooks } from './session.js';
export {
  PROTOCOL_VERSION,
  decodeFrameMessage,
  type ClientMessage,
  type ServerMessage,
  type HelloMessage,
  type StateMessage,
  type TrackMessage,
  type LabelMessage,
  type SegmentMessage,
  type StatsMessage,
  type ErrorMessage,
  type FrameHeader,
  type SourceInfo,
  type TargetState,
  type StreamType,
} from './protocol.js';
