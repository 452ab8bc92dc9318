/**
 * `probeVideo(source)`: size, rate, frame count and duration of a video without decoding it.
 * Uses ffprobe when there is one (Debian's ffmpeg ships it), else parses `ffmpeg -i`'s stderr
 * header (the packaged 2018 static ffmpeg has no ffprobe) and counts frames with a stream copy to
 * the null muxer (demux only, no decoding).
 */
import { execFile } from 'node:child_process';
import { SiamError } from '../errors.js';
import { parentDeathCommand } from '../util/child-process.js';
import { resolveFfmpeg } from './ffmpeg-path.js';
import type { VideoInfo } from './options.js';
import { redactUrl, resolveSource, type ResolvedSource } from './source.js';
import { HeaderParser, NO_VIDEO_STREAM_RE } from './stderr-parser.js';

/** Probes give up after this long (network sources that never answer). */
const PROBE_TIMEOUT_MS = 30_000;

interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: Error;
}

function run(bin: string, args: string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(
      ...parentDeathCommand(bin, args),
      { timeout: PROBE_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error ? ((error as { code?: unknown }).code as number | null) : 0;
        resolve({ code: typeof code === 'number' ? code : null, stdout, stderr, error: error ?? undefined });
      },
    );
  });
}

function failed(source: string, why: string, details?: { stderr?: string }): SiamError {
  // A network source's password would show in the URL and in ffprobe's own error lines.
  return new SiamError('ERR_PROBE_FAILED', redactUrl(`could not probe ${source}: ${why}`), {
    hint: 'check that the file is a video ffmpeg can read (try: ffprobe <file>)',
    details: details?.stderr === undefined ? details : { stderr: redactUrl(details.stderr) },
  });
}

function noVideo(source: string): SiamError {
  return new SiamError('ERR_NO_VIDEO_STREAM', redactUrl(`${source} has no video stream`), {
    hint: 'give a video file or stream (ffprobe <file> lists its streams)',
  });
}

function parseRate(r: string | undefined): number | undefined {
  if (!r) return undefined;
  const [num, den] = r.split('/').map(Number);
  const v = den === undefined ? num : den === 0 ? Number.NaN : num / den;
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

interface FfprobeJson {
  streams?: {
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    nb_frames?: string;
    nb_read_packets?: string;
    duration?: string;
  }[];
  format?: { duration?: string };
}

async function withFfprobe(ffprobe: string, src: ResolvedSource): Promise<VideoInfo> {
  const args = ['-v', 'error', ...src.inputOptions, '-select_streams', 'v:0'];
  // Counting packets reads the whole file (no decoding); for live sources it would never end.
  if (src.kind === 'file') args.push('-count_packets');
  args.push(
    '-show_entries',
    'stream=codec_name,width,height,avg_frame_rate,r_frame_rate,nb_frames,nb_read_packets,duration:format=duration',
    '-of',
    'json',
    src.ffmpegInput,
  );
  const r = await run(ffprobe, args);
  if (r.code !== 0)
    throw failed(src.original, lastLine(r.stderr) || (r.error?.message ?? 'ffprobe failed'), {
      stderr: r.stderr,
    });
  let json: FfprobeJson;
  try {
    json = JSON.parse(r.stdout) as FfprobeJson;
  } catch {
    throw failed(src.original, 'ffprobe printed no JSON');
  }
  const s = json.streams?.[0];
  if (!s || !s.width || !s.height) throw noVideo(src.original);
  const fps = parseRate(s.avg_frame_rate) ?? parseRate(s.r_frame_rate) ?? 0;
  const info: VideoInfo = { width: s.width, height: s.height, fps };
  const frames = Number(s.nb_frames ?? s.nb_read_packets);
  const counted = Number(s.nb_read_packets);
  if (Number.isInteger(counted) && counted > 0) info.frameCount = counted;
  else if (Number.isInteger(frames) && frames > 0) info.frameCount = frames;
  const announced = Number(s.nb_frames);
  if (Number.isInteger(announced) && announced > 0) info.containerFrames = announced;
  const duration = Number(s.duration ?? json.format?.duration);
  if (Number.isFinite(duration) && duration > 0) info.durationMs = Math.round(duration * 1000);
  if (s.codec_name) info.codec = s.codec_name;
  return info;
}

async function withFfmpeg(ffmpeg: string, src: ResolvedSource): Promise<VideoInfo> {
  const base = ['-hide_banner', '-nostdin', ...src.inputOptions, '-i', src.ffmpegInput];
  // Files: copy the video packets to the null muxer, which counts them ("frame=  301").
  const args = src.kind === 'file' ? [...base, '-map', '0:v:0', '-c', 'copy', '-f', 'null', '-'] : base;
  const r = await run(ffmpeg, args);
  const parser = new HeaderParser();
  for (const line of r.stderr.split(/\r?\n|\r/)) parser.push(line);
  const h = parser.header;
  if (NO_VIDEO_STREAM_RE.test(r.stderr)) throw noVideo(src.original);
  if (!h.width || !h.height)
    throw failed(src.original, lastLine(r.stderr) || 'no video stream', { stderr: r.stderr });
  const info: VideoInfo = { width: h.width, height: h.height, fps: h.fps ?? 0 };
  if (src.kind === 'file' && r.code === 0) {
    const counts = [...r.stderr.matchAll(/frame=\s*(\d+)/g)];
    const n = Number(counts[counts.length - 1]?.[1]);
    if (Number.isInteger(n) && n > 0) info.frameCount = n;
  }
  if (h.durationMs !== undefined) info.durationMs = h.durationMs;
  if (h.codec) info.codec = h.codec;
  return info;
}

/**
 * Width, height, fps, and frame count / duration when known, of the first video stream.
 * @throws SiamError `ERR_SOURCE_NOT_FOUND`, `ERR_UNSUPPORTED_SOURCE` (also for `-`: probing would
 *   consume stdin), `ERR_FFMPEG_NOT_FOUND`, `ERR_NO_VIDEO_STREAM`, `ERR_PROBE_FAILED`.
 */
export async function probeVideo(source: string): Promise<VideoInfo> {
  const src = resolveSource(source);
  if (src.kind === 'stdin') {
    throw new SiamError('ERR_UNSUPPORTED_SOURCE', 'cannot probe stdin (it would consume the stream)', {
      hint: 'decode it directly; onInfo reports the size and rate before the first frame',
    });
  }
  const ff = resolveFfmpeg();
  return ff.ffprobePath ? withFfprobe(ff.ffprobePath, src) : withFfmpeg(ff.path, src);
}
