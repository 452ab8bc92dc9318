/**
 * Reads ffmpeg's stderr, line by line: the input header (codec, rate, duration), one `showinfo`
 * line per output frame (its pts and size), and a tail of the other lines for error reports.
 *
 * Timestamps come from the `showinfo` filter placed last in the filter chain (after any `fps` and
 * `scale`), with `-vsync passthrough`: every decoded frame goes out once, with its own pts, so a
 * variable-frame-rate source (animated GIF, phone video, network stream) keeps its real times and
 * its real frame count. The alternatives cost more or are wrong: `-vsync cfr` invents or drops
 * frames on VFR input, `-copyts` + ffprobe needs a second pass over the file (and cannot work on
 * stdin or live sources). `showinfo` is one line per frame; on ffmpeg ≥ 5.0 we turn its per-frame
 * checksum off (`checksum=0`), older builds pay an Adler-32 over the RGB frame (bench/decode.ts).
 */

import { redactUrl } from './source.js';

/** One `showinfo` line: what ffmpeg says about the frame it is about to write. */
export interface FrameMeta {
  /** showinfo's `n`: 0-based count of frames through the filter. */
  n: number;
  /** `pts_time` in ms, NaN when ffmpeg printed `NOPTS`. */
  ptsMs: number;
  width: number;
  height: number;
}

/** What the input header said (the first video stream of input #0). */
export interface InputHeader {
  codec?: string;
  /** Average frame rate (`fps`), else `tbr`. */
  fps?: number;
  durationMs?: number;
  width?: number;
  height?: number;
}

const SHOWINFO_RE = /\bn:\s*(\d+)\s+pts:\s*(\S+)\s+pts_time:(\S+).*?\bs:(\d+)x(\d+)/;
const DURATION_RE = /^\s*Duration:\s*(\d+):(\d+):(\d+(?:\.\d+)?)/;
const VIDEO_STREAM_RE = /^\s*Stream #\d+:\d+.*?: Video: ([A-Za-z0-9_]+)/;
const SIZE_RE = /,\s*(\d{1,5})x(\d{1,5})\b/;
const FPS_RE = /,\s*(\d+(?:\.\d+)?)(k?) fps\b/;
const TBR_RE = /,\s*(\d+(?:\.\d+)?)(k?) tbr\b/;

const TIME_BASE_RE = /config in time_base:\s*(\d+)\/(\d+)/;

/** Parses a `showinfo` frame line, or returns undefined for any other line. */
export function parseShowinfoLine(line: string, timeBase?: [number, number]): FrameMeta | undefined {
  if (!line.includes('showinfo')) return undefined;
  const m = SHOWINFO_RE.exec(line);
  if (!m) return undefined;
  // `pts_time` is printed with 6 significant digits (33.3333); pts × time_base is exact.
  const pts = Number(m[2]);
  const ptsTime = timeBase && Number.isInteger(pts) ? (pts * timeBase[0]) / timeBase[1] : Number(m[3]);
  return {
    n: Number(m[1]),
    ptsMs: Number.isFinite(ptsTime) ? ptsTime * 1000 : Number.NaN,
    width: Number(m[4]),
    height: Number(m[5]),
  };
}

/** Follows showinfo's `config in time_base` lines so frame pts can be converted exactly. */
export class ShowinfoParser {
  private timeBase: [number, number] | undefined;

  /** Returns the frame's meta for a frame line, undefined for any other line. */
  push(line: string): FrameMeta | undefined {
    if (!line.includes('showinfo')) return undefined;
    const tb = TIME_BASE_RE.exec(line);
    if (tb) {
      const num = Number(tb[1]);
      const den = Number(tb[2]);
      this.timeBase = num > 0 && den > 0 ? [num, den] : undefined;
      return undefined;
    }
    return parseShowinfoLine(line, this.timeBase);
  }
}

function rate(m: RegExpExecArray | null): number | undefined {
  if (!m) return undefined;
  const v = Number(m[1]) * (m[2] === 'k' ? 1000 : 1);
  return Number.isFinite(v) && v > 0 ? v : undefined;
}

/**
 * Accumulates the input header from `ffmpeg -i` style stderr lines (used both while decoding and by
 * `probeVideo()` when there is no ffprobe). Only input #0's first video stream counts.
 */
export class HeaderParser {
  readonly header: InputHeader = {};
  private section: 'none' | 'input' | 'output' = 'none';
  private sawVideo = false;

  /** Feeds one line. */
  push(line: string): void {
    if (line.startsWith('Input #0')) this.section = 'input';
    else if (line.startsWith('Input #') || line.startsWith('Output #') || line.startsWith('Stream mapping')) {
      this.section = 'output';
    }
    if (this.section !== 'input') return;
    const d = DURATION_RE.exec(line);
    if (d) {
      this.header.durationMs = Math.round((Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3])) * 1000);
      return;
    }
    const v = VIDEO_STREAM_RE.exec(line);
    if (v && !this.sawVideo) {
      this.sawVideo = true;
      this.header.codec = v[1];
      const s = SIZE_RE.exec(line);
      if (s) {
        this.header.width = Number(s[1]);
        this.header.height = Number(s[2]);
      }
      this.header.fps = rate(FPS_RE.exec(line)) ?? rate(TBR_RE.exec(line));
    }
  }
}

/** ffmpeg `-map 0:v:0` on an input without video: "Stream map '0:v:0' matches no streams." */
export const NO_VIDEO_STREAM_RE = /Stream map '0:v:0' matches no streams/;

/**
 * Demuxer lines saying the input ended before its container said it would (ffmpeg decodes what
 * there is and exits 0): matroska's "File ended prematurely", mov's "…: partial file".
 */
export const TRUNCATED_RE = /File ended prematurely|: partial file\b/;

/** A line that reports a problem. */
const ERROR_LIKE =
  /error|invalid|no such|not found|denied|failed|unable|could not|cannot|partial file|corrupt/i;
/** ffmpeg's closing verdicts, which say that it failed but not why. */
const GENERIC_VERDICT =
  /^(conversion failed!?|error opening output files?.*|exiting normally.*|error while filtering.*)$/i;

/** Keeps the last `max` lines that are not per-frame noise, for error messages. */
export class StderrTail {
  private readonly lines: string[] = [];
  constructor(private readonly max = 20) {}

  push(line: string): void {
    if (!line.trim() || line.includes('showinfo') || line.includes('color_range:')) return;
    this.lines.push(redactUrl(line)); // ffmpeg names the input URL, password included, in its errors
    if (this.lines.length > this.max) this.lines.shift();
  }

  toString(): string {
    return this.lines.join('\n');
  }

  /**
   * The most telling lines: ffmpeg prints the reason first and a generic verdict last
   * ("Conversion failed!", "Error opening output files"), so the verdicts are skipped and the
   * last two distinct error-looking lines before them are kept (in order, the demuxer's
   * `@ 0x…` address dropped); else the last line.
   */
  summary(): string {
    const telling: string[] = [];
    for (let i = this.lines.length - 1; i >= 0 && telling.length < 2; i--) {
      const l = this.lines[i].trim().replace(/ @ 0x[0-9a-f]+\]/i, ']');
      if (GENERIC_VERDICT.test(l) || telling.includes(l)) continue;
      if (ERROR_LIKE.test(l)) telling.unshift(l);
    }
    if (telling.length) return telling.join('; ');
    return this.lines[this.lines.length - 1]?.trim() ?? '';
  }
}
