/**
 * The decode stage's front door (STYLE.md §1): ffmpeg → `Observable<Frame>`, probing, and which
 * ffmpeg binary is used. See docs/decode.md.
 */
export { decode } from './decode.js';
export { probeVideo } from './probe.js';
export {
  resolveFfmpeg,
  ffmpegCapabilities,
  prefetchFfmpegCapabilities,
  type FfmpegLocation,
  type FfmpegCapabilities,
} from './ffmpeg-path.js';
export {
  createFrameDemand,
  DEFAULT_MAX_IN_FLIGHT,
  type FrameDemand,
  type FrameDemandOptions,
} from './demand.js';
export { reconnectWithBackoff } from './reconnect.js';
export {
  DEFAULT_DECODE_OPTIONS,
  DEFAULT_RECONNECT,
  type DecodeOptions,
  type VideoInfo,
  type ReconnectOptions,
  type ReconnectEvent,
  type FfmpegChild,
} from './options.js';
