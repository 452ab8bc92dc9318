/**
 * One video file labelled window by window and as a whole: what `siamstream classify` prints per
 * file and what a queued classify job returns (src/queue).
 */
import { lastValueFrom, tap, toArray } from 'rxjs';
import { createFrameDemand, decode } from '../decode/index.js';
import { SiamError } from '../errors.js';
import type { ClipLabel } from '../types.js';
import type { ClipClassifier } from './classifier.js';
import { classifyClips } from './classify-clips.js';
import { UNKNOWN_LABEL } from './openset.js';

/** One file's labels. */
export interface FileLabel {
  file: string;
  /**
   * The whole file's label: the class with the highest mean window probability, or `unknown` when
   * most windows are unknown (unlike the training data, openset.ts).
   */
  label: string;
  scores: Record<string, number>;
  windows: ClipLabel[];
}

/** Options of {@link classifyFile}. */
export interface ClassifyFileOptions {
  /** Frames per window. @default the model's clip length */
  window?: number;
  /** Frames between window starts. @default window / 2 */
  stride?: number;
  /** Called with the number of frames newly covered by each window (for a progress bar). */
  onFrames?: (n: number) => void;
}

/** Labels one file (the classifier is reset first: frame indices restart per file). */
export async function classifyFile(
  classifier: ClipClassifier,
  file: string,
  options: ClassifyFileOptions = {},
): Promise<FileLabel> {
  classifier.reset();
  const windowLength = options.window ?? classifier.clipLength;
  const step = options.stride ?? Math.max(1, Math.floor(windowLength / 2));
  const demand = createFrameDemand({ maxInFlight: windowLength + step });
  let framesDone = 0;
  const windows = await lastValueFrom(
    decode(file, {
      width: classifier.inputWidth,
      height: classifier.inputHeight,
      fps: classifier.fps,
      demand,
    }).pipe(
      classifyClips({ classifier, windowLength, stride: step, demand }),
      tap((w) => {
        options.onFrames?.(Math.max(0, w.endFrame + 1 - framesDone));
        framesDone = Math.max(framesDone, w.endFrame + 1);
      }),
      toArray(),
    ),
  );
  if (windows.length === 0) throw new SiamError('ERR_CLIP_UNREADABLE', `${file} gave no frames.`);
  const scores: Record<string, number> = {};
  for (const label of classifier.labels)
    scores[label] = windows.reduce((a, w) => a + w.scores[label], 0) / windows.length;
  const best = classifier.labels.reduce((a, l) => (scores[l] > scores[a] ? l : a), classifier.labels[0]);
  const unknown = windows.filter((w) => w.label === UNKNOWN_LABEL).length;
  const label = unknown * 2 > windows.length ? UNKNOWN_LABEL : best;
  return { file, label, scores, windows };
}
