/**
 * Types shared by every stage. Data flows one way: decode → track / classify → stream or cli,
 * and the only things that cross a stage boundary are the plain, JSON-serialisable objects
 * defined here (STYLE.md §7, §11).
 */

/** One decoded video frame: RGB24, row-major, `width * height * 3` bytes. */
export interface Frame {
  /** 0-based index of the frame in the decoded stream (after any fps resampling). */
  index: number;
  /** Presentation time in milliseconds, from the stream's pts (relative to the first frame). */
  timestampMs: number;
  width: number;
  height: number;
  /** RGB bytes, row-major, length `width * height * 3`. */
  data: Uint8Array;
}

/** An axis-aligned box in pixels, top-left origin. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** What the tracker says about one frame. Plain JSON (survives `JSON.parse(JSON.stringify(r))`). */
export interface TrackResult {
  frameIndex: number;
  timestampMs: number;
  /** The estimated target box (pixels, top-left origin). While `lost`, the last confident box. */
  box: Box;
  /** Confidence in [0, 1]-ish: higher is surer. See docs/tracker.md for what it means. */
  score: number;
  /** Peak-to-sidelobe ratio of the correlation response. */
  psr: number;
  /** True while the tracker believes the target is not visible / not found. */
  lost: boolean;
  /** Per-stage timings: `cropMs`, `trunkMs`, `filterMs`, `totalMs`. */
  timings: Timings;
}

/** Per-stage timings of a result, in milliseconds: one shape for every stage, each key `<stage>Ms`. */
export type Timings = Record<`${string}Ms`, number>;

/** What the clip classifier says about one window of frames. Plain JSON. */
export interface ClipLabel {
  startMs: number;
  endMs: number;
  /** First and last frame index of the window. */
  startFrame: number;
  endFrame: number;
  label: string;
  /** Probability per class, keyed by label; sums to 1. */
  scores: Record<string, number>;
  /**
   * How alike the window is to the training data: cosine similarity of its appearance to the
   * nearest training window (models trained with the open-set calibration only). Below the
   * model's threshold the label is `unknown` (the scores still say which class it resembles most).
   */
  familiarity?: number;
  /** Per-stage timings: `trunkMs`, `flowMs`, `flowWaitMs`, `headMs`, `totalMs`. */
  timings: Timings;
}
