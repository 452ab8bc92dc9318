/**
 * The classify stage as an RxJS operator (STYLE.md §2): frames in, one {@link ClipLabel} per
 * sliding window out. Windows come from `bufferCount(length, stride)`; at the end of the stream
 * the trailing partial windows are dropped except the first one that still covers frames no
 * full window covered (so a stream shorter than a window still gets one label).
 */
import { SiamError } from '../errors.js';
import {
  bufferCount,
  concatMap,
  defer,
  filter,
  tap,
  type ObservableInput,
  type OperatorFunction,
} from 'rxjs';
import type { ClipLabel, Frame } from '../types.js';

/** Anything that labels a window: the real {@link ClipClassifier}, or a stub in tests. */
export interface WindowClassifier {
  /** Frames per window the model was trained on (the default window length). */
  readonly clipLength?: number;
  classify(frames: Frame[]): ObservableInput<ClipLabel>;
}

/** Options of {@link classifyClips}. */
export interface ClassifyClipsOptions {
  classifier: WindowClassifier;
  /** Frames per window. @default classifier.clipLength, else 16 */
  windowLength?: number;
  /** Frames between window starts (≤ windowLength). @default windowLength / 2 (rounded down) */
  stride?: number;
  /**
   * Backpressure with `decode({ demand })`: `stride` credits are handed back after each window is
   * labelled. Create it with `maxInFlight: windowLength + stride`.
   */
  demand?: { release(n?: number): void };
}

/** Validated window geometry. */
export function windowGeometry(
  options: Pick<ClassifyClipsOptions, 'windowLength' | 'stride'> & { classifier?: WindowClassifier },
): {
  windowLength: number;
  stride: number;
} {
  const windowLength = options.windowLength ?? options.classifier?.clipLength ?? 16;
  if (!Number.isInteger(windowLength) || windowLength < 1)
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Expected \`windowLength\` to be an integer >= 1, got ${windowLength}`,
    );
  const stride = options.stride ?? Math.max(1, Math.floor(windowLength / 2));
  if (!Number.isInteger(stride) || stride < 1 || stride > windowLength) {
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Expected \`stride\` to be an integer in [1, windowLength=${windowLength}], got ${stride}`,
    );
  }
  return { windowLength, stride };
}

/** Sliding windows of `length` frames every `stride` frames (see the file comment for the tail). */
export function clipWindows(length: number, stride: number): OperatorFunction<Frame, Frame[]> {
  return (source) =>
    defer(() => {
      let lastCovered: Frame | undefined;
      return source.pipe(
        bufferCount(length, stride),
        filter((w) => {
          if (w.length === 0) return false;
          const last = w[w.length - 1];
          if (w.length < length && last === lastCovered) return false;
          lastCovered = last;
          return true;
        }),
      );
    });
}

/** Labels a stream of frames window by window, in order (one window at a time). */
export function classifyClips(options: ClassifyClipsOptions): OperatorFunction<Frame, ClipLabel> {
  const { windowLength, stride } = windowGeometry(options);
  const { classifier, demand } = options;
  return (source) =>
    source.pipe(
      clipWindows(windowLength, stride),
      concatMap((w) => classifier.classify(w)),
      tap(() => demand?.release(stride)),
    );
}
