/**
 * `classify --annotate out.mp4`: the video again with its action segments burnt in. Each frame
 * gets a caption in the bottom-left corner (the current segment's label and score, `UNKNOWN` for
 * none of the trained actions) and a timeline strip along the bottom edge: every segment in its
 * label's colour, a white playhead at the frame's time. A second decode of the file at its own
 * size and rate, after the segments are known (they need the whole video: smoothing looks ahead).
 */
import { lastValueFrom, count } from 'rxjs';
import type { ActionSegment } from '../../classify/segments.js';
import { UNKNOWN_LABEL } from '../../classify/openset.js';
import { createFrameDemand, decode } from '../../decode/index.js';
import {
  DARK,
  ID_COLOURS,
  WHITE,
  drawText,
  fillRect,
  panelScale,
  textWidth,
  type Rgb,
  type RgbImage,
} from './draw.js';
import { createVideoEncoder, type VideoEncoder } from './encoder.js';

/** The colour of `unknown` segments. */
export const UNKNOWN_COLOUR: Rgb = [140, 140, 140];

/** The colour of a label: the trained labels take the target palette in order, `unknown` grey. */
export function labelColour(labels: readonly string[], label: string): Rgb {
  const i = labels.indexOf(label);
  return label === UNKNOWN_LABEL || i < 0 ? UNKNOWN_COLOUR : ID_COLOURS[i % ID_COLOURS.length];
}

/** The segment whose [startMs, endMs) holds `tMs` (the last one past the end), or undefined. */
export function segmentAt(segments: readonly ActionSegment[], tMs: number): ActionSegment | undefined {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (tMs < segments[mid].startMs) hi = mid - 1;
    else if (tMs >= segments[mid].endMs && mid < segments.length - 1) lo = mid + 1;
    else return tMs >= segments[mid].startMs ? segments[mid] : undefined;
  }
  return undefined;
}

/**
 * Draws the caption of time `tMs` and the timeline of `segments` into `img` (in place). The
 * timeline spans 0 … the last segment's end.
 */
export function drawSegmentFrame(
  img: RgbImage,
  segments: readonly ActionSegment[],
  labels: readonly string[],
  tMs: number,
): void {
  const s = panelScale(img.height);
  const stripH = 3 * s;
  const endMs = segments.length ? segments[segments.length - 1].endMs : 0;
  const x = (ms: number): number => (endMs > 0 ? (ms / endMs) * img.width : 0);
  const top = img.height - stripH;
  for (const seg of segments)
    fillRect(img, x(seg.startMs), top, x(seg.endMs), img.height, labelColour(labels, seg.label));
  const head = Math.min(img.width - s, x(tMs));
  fillRect(img, head, top - s, head + s, img.height, WHITE);
  const seg = segmentAt(segments, tMs);
  if (!seg) return;
  const text = seg.score === null ? seg.label : `${seg.label} ${seg.score.toFixed(2)}`;
  const pad = 2 * s;
  const h = 5 * s + 2 * pad;
  const y = top - s - h;
  fillRect(img, 0, y, textWidth(text, s) + 2 * pad + 3 * s, y + h, DARK);
  fillRect(img, pad, y + pad, pad + 2 * s, y + h - pad, labelColour(labels, seg.label));
  drawText(img, pad + 3 * s, y + pad, text, WHITE, s);
}

/** Options of {@link annotateSegments}. */
export interface AnnotateSegmentsOptions {
  ffmpegPath: string;
  /** The video the segments were found in. */
  file: string;
  /** The annotated video (mp4), written under a temporary name and renamed once whole. */
  out: string;
  segments: readonly ActionSegment[];
  /** The model's labels, in order (their colours). */
  labels: readonly string[];
  /** Frame rate written in the file (the source's; 0 when unknown). */
  fps: number;
  /** Called after each frame written (a progress bar). */
  onFrame?: () => void;
}

/** Writes the annotated video; resolves with the number of frames written. */
export async function annotateSegments(o: AnnotateSegmentsOptions): Promise<number> {
  let encoder: VideoEncoder | undefined;
  const demand = createFrameDemand({ maxInFlight: 2 });
  try {
    const frames = await lastValueFrom(
      decode(o.file, { demand }).pipe(
        demand.mapAsync(async (frame) => {
          encoder ??= createVideoEncoder({
            ffmpegPath: o.ffmpegPath,
            out: o.out,
            width: frame.width,
            height: frame.height,
            fps: o.fps,
          });
          const image = { width: frame.width, height: frame.height, data: new Uint8Array(frame.data) };
          drawSegmentFrame(image, o.segments, o.labels, frame.timestampMs);
          await encoder.write(image.data);
          o.onFrame?.();
        }),
        count(),
      ),
    );
    await encoder?.finish();
    return frames;
  } catch (e) {
    encoder?.kill();
    throw e;
  }
}
