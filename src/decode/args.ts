/**
 * The ffmpeg command line for one decode: input options, the filter chain, rawvideo RGB24 on stdout.
 */
import type { FfmpegCapabilities } from './ffmpeg-path.js';
import type { DecodeOptions } from './options.js';
import type { ResolvedSource } from './source.js';

/** Input and output options: ffmpeg's argument list is `[...inputOptions, '-i', input, ...outputOptions, 'pipe:1']`. */
export interface FfmpegArgs {
  inputOptions: string[];
  outputOptions: string[];
  /** The `-vf` chain alone (also part of `outputOptions`), for logs and tests. */
  filter: string;
}

/** Seconds with millisecond precision, as ffmpeg's time options take them. */
function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/**
 * The scale filter for the size options, or undefined when the native size is kept.
 * `width` or `height` alone keeps the aspect ratio (`-1`); `maxSide` fits the frame in a
 * `maxSide`² box without ever upscaling.
 */
export function scaleFilter(o: Pick<DecodeOptions, 'width' | 'height' | 'maxSide'>): string | undefined {
  if (o.width !== undefined || o.height !== undefined) return `scale=${o.width ?? -1}:${o.height ?? -1}`;
  if (o.maxSide !== undefined) {
    const m = o.maxSide;
    return `scale=w=min(${m}\\,iw):h=min(${m}\\,ih):force_original_aspect_ratio=decrease`;
  }
  return undefined;
}

/** Builds the argument lists (see stderr-parser.ts for why `showinfo` + `passthrough`). */
export function buildFfmpegArgs(
  source: ResolvedSource,
  o: DecodeOptions,
  caps: FfmpegCapabilities,
): FfmpegArgs {
  const input: string[] = ['-hide_banner', '-nostats', '-loglevel', 'info'];
  // ffmpeg reads its stdin for interactive keys unless told not to; stdin is the data for `-`.
  if (source.kind !== 'stdin') input.push('-nostdin');
  input.push(...source.inputOptions);
  if (o.realtime) input.push('-re');
  if (o.loop) input.push('-stream_loop', '-1');
  if (o.startMs !== undefined && o.startMs > 0) input.push('-ss', seconds(o.startMs));

  const filters: string[] = [];
  if (o.fps !== undefined) filters.push(`fps=${o.fps}`);
  const scale = scaleFilter(o);
  if (scale) filters.push(scale);
  filters.push('format=rgb24', caps.showinfoChecksumOption ? 'showinfo=checksum=0' : 'showinfo');
  const filter = filters.join(',');

  const output: string[] = ['-map', '0:v:0', '-an', '-sn', '-dn', '-vf', filter];
  output.push(...(caps.fpsMode ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough']));
  if (o.durationMs !== undefined) output.push('-t', seconds(o.durationMs));
  output.push('-f', 'rawvideo', '-pix_fmt', 'rgb24');
  return { inputOptions: input, outputOptions: output, filter };
}

/**
 * The same decode without the `fps` filter, stopped after one frame: decode.ts's second run when
 * the filter gave nothing. ffmpeg's `fps` ends its output at the input's end rounded to the nearest
 * output tick, so a file shorter than half an output interval (one frame at 30 fps, resampled to
 * 10) has no tick at all. `eof_action=pass` would keep it, but it rounds the end up for every file,
 * adding a last frame to longer ones (31 frames at 30 fps: 11 instead of 10 at 10 fps).
 */
export function buildFirstFrameArgs(
  source: ResolvedSource,
  o: DecodeOptions,
  caps: FfmpegCapabilities,
): FfmpegArgs {
  const args = buildFfmpegArgs(source, { ...o, fps: undefined }, caps);
  return { ...args, outputOptions: [...args.outputOptions, '-frames:v', '1'] };
}
