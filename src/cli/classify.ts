/**
 * `siamstream classify <video…> --model MODEL_DIR`: labels each file window by window and as a
 * whole. Per file, one line on stdout: JSON `{ file, label, scores, windows: [ClipLabel…] }`, or
 * CSV rows (one per window, plus a `whole` row). With `--segments`, the action segments instead
 * (src/classify/segments.ts), one JSON line (or CSV row) each, and with `--segments-out` a
 * WebVTT / SRT / CSV / JSONL file of them, and with `--annotate` a copy of the video with them
 * burnt in (annotate/segments-video.ts). Progress on stderr (a bar on a TTY). A file that fails
 * is reported on stderr and the others go on (exit code 2 at the end).
 */
import type { Command } from 'commander';
import { createClipClassifier, type ClipClassifierOptions } from '../classify/index.js';
import { classifyFile, type FileLabel } from '../classify/classify-file.js';
import { prefetchFfmpegCapabilities, probeVideo, resolveFfmpeg, type VideoInfo } from '../decode/index.js';
import { SiamError, isSiamError } from '../errors.js';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  SEGMENT_CSV_HEADER,
  segmentCsvRows,
  segmentsOf,
  toSegmentsCsv,
  toSrt,
  toWebVtt,
  type ActionSegment,
} from '../classify/segments.js';
import { csvField } from '../util/csv.js';
import { makeDir } from '../util/make-dir.js';
import { checkEngineFlags } from './engine-flags.js';
import { numberFlag, positiveIntFlag } from './flags.js';
import { checkOutputs } from './output-path.js';
import { createProgress } from './progress.js';
import { annotateSegments } from './annotate/segments-video.js';

interface ClassifyFlags {
  model: string;
  window?: string;
  stride?: string;
  format?: string;
  backend?: string;
  engine?: string;
  unknownThreshold?: string;
  segments?: boolean;
  segmentsOut?: string;
  smooth?: string;
  segmenter?: string;
  switchCost?: string;
  minSegment?: string;
  annotate?: string;
}

/** Writes the segments file named by `--segments-out`, its format by its extension. */
async function writeSegments(file: string, segments: ActionSegment[]): Promise<void> {
  const ext = path.extname(file).toLowerCase();
  const text =
    ext === '.vtt'
      ? toWebVtt(segments)
      : ext === '.srt'
        ? toSrt(segments)
        : ext === '.csv'
          ? toSegmentsCsv(segments)
          : segments.map((s) => JSON.stringify(s)).join('\n') + '\n';
  await makeDir(path.dirname(path.resolve(file))); // bounded: a recursive mkdir under /proc never ends
  await writeFile(file, text);
}

function csvLines(r: FileLabel, labels: string[]): string[] {
  const rows = r.windows.map((w, i) => [
    csvField(r.file),
    String(i),
    String(w.startMs),
    String(w.endMs),
    String(w.startFrame),
    String(w.endFrame),
    csvField(w.label),
    ...labels.map((l) => w.scores[l].toFixed(6)),
  ]);
  const first = r.windows[0];
  const last = r.windows[r.windows.length - 1];
  rows.push([
    csvField(r.file),
    'whole',
    String(first.startMs),
    String(last.endMs),
    String(first.startFrame),
    String(last.endFrame),
    csvField(r.label),
    ...labels.map((l) => r.scores[l].toFixed(6)),
  ]);
  return rows.map((row) => row.join(','));
}

/** `--annotate`: the video again with its segments burnt in, a progress bar of its own. */
async function annotate(
  file: string,
  out: string,
  segments: ActionSegment[],
  labels: string[],
  info: VideoInfo | undefined,
): Promise<void> {
  const progress = createProgress({ label: 'annotate', total: info?.frameCount, unit: 'frames' });
  try {
    await annotateSegments({
      ffmpegPath: resolveFfmpeg().path,
      file,
      out,
      segments,
      labels,
      fps: info?.fps ?? 0,
      onFrame: () => progress.tick(),
    });
  } finally {
    progress.stop();
  }
}

export function registerClassify(program: Command): void {
  program
    .command('classify')
    .description('label video files by action with a model from `siamstream train`')
    .argument('<video...>', 'video files (any container ffmpeg reads)')
    .requiredOption('--model <dir>', 'model folder written by `siamstream train --out`')
    .option('--window <frames>', 'frames per window (default: the model clip length)')
    .option(
      '--stride <frames>',
      'frames between window starts (default: window / 2; window / 4 with --segments)',
    )
    .option('--format <format>', 'json (one object per file and line) or csv', 'json')
    .option('--backend <name>', 'TensorFlow.js backend: auto, wasm, cpu')
    .option(
      '--engine <name>',
      'inference engine of the appearance trunk: auto (onnx where onnxruntime-node loads), onnx, tfjs',
    )
    .option(
      '--unknown-threshold <x>',
      'label windows less familiar than this (0–1) `unknown`; 0 never (default: calibrated at training)',
    )
    .option('--segments', 'print action segments (label, startMs, endMs, score) instead of windows')
    .option('--segments-out <file>', 'also write the segments of one video: .vtt, .srt, .csv or .jsonl')
    .option(
      '--segmenter <name>',
      'segments: viterbi (pooled posteriors, a cost per change) or mode',
      'viterbi',
    )
    .option('--switch-cost <x>', 'segments (viterbi): log-likelihood a change of label must gain', '5')
    .option('--smooth <windows>', 'segments (mode): windows on each side in the mode filter', '1')
    .option('--min-segment <ms>', 'segments: shorter ones are absorbed by a neighbour', '1000')
    .option('--annotate <file.mp4>', 'also write the video with its segments burnt in (one video)')
    .action(async (videos: string[], flags: ClassifyFlags) => {
      if (flags.format !== 'json' && flags.format !== 'csv') {
        throw new SiamError('ERR_BAD_OPTION', `Expected --format to be json or csv, got "${flags.format}".`);
      }
      const segmenting = Boolean(flags.segments || flags.segmentsOut || flags.annotate);
      for (const [flag, given] of [
        ['--segments-out', flags.segmentsOut],
        ['--annotate', flags.annotate],
      ] as const) {
        if (given && videos.length !== 1)
          throw new SiamError('ERR_BAD_OPTION', `${flag} takes the segments of one video; give one.`);
      }
      if (flags.annotate && !/\.mp4$/i.test(flags.annotate))
        throw new SiamError('ERR_BAD_OPTION', `--annotate must end in .mp4, got ${flags.annotate}.`);
      if (flags.segmentsOut && !/\.(vtt|srt|csv|jsonl)$/i.test(flags.segmentsOut))
        throw new SiamError(
          'ERR_BAD_OPTION',
          `--segments-out must end in .vtt, .srt, .csv or .jsonl, got ${flags.segmentsOut}.`,
        );
      checkEngineFlags(flags);
      if (flags.segmenter !== 'viterbi' && flags.segmenter !== 'mode')
        throw new SiamError(
          'ERR_BAD_OPTION',
          `Expected --segmenter to be viterbi or mode, got "${flags.segmenter}".`,
        );
      const switchCost = numberFlag('--switch-cost', flags.switchCost);
      if (!((switchCost ?? 0) >= 0))
        throw new SiamError(
          'ERR_BAD_OPTION',
          `Expected --switch-cost to be >= 0, got "${flags.switchCost}".`,
        );
      const segmentOptions = {
        method: flags.segmenter as 'viterbi' | 'mode',
        switchCost,
        smoothRadius: Number(flags.smooth ?? 1),
        minSegmentMs: Number(flags.minSegment ?? 1000),
      };
      if (!(Number.isInteger(segmentOptions.smoothRadius) && segmentOptions.smoothRadius >= 0))
        throw new SiamError(
          'ERR_BAD_OPTION',
          `Expected --smooth to be an integer >= 0, got "${flags.smooth}".`,
        );
      if (!(segmentOptions.minSegmentMs >= 0))
        throw new SiamError(
          'ERR_BAD_OPTION',
          `Expected --min-segment to be >= 0 ms, got "${flags.minSegment}".`,
        );
      const window = positiveIntFlag('--window', flags.window);
      const stride = positiveIntFlag('--stride', flags.stride);
      const unknownThreshold = numberFlag('--unknown-threshold', flags.unknownThreshold);
      if (unknownThreshold !== undefined && !(unknownThreshold >= 0 && unknownThreshold <= 1))
        throw new SiamError(
          'ERR_BAD_OPTION',
          `Expected --unknown-threshold to be in [0, 1], got "${flags.unknownThreshold}".`,
        );
      // Last: every flag is known good before the outputs are looked at (no output onto an input,
      // another output or /proc, by real path).
      checkOutputs(
        [
          ...(flags.annotate ? [{ flag: '--annotate', file: flags.annotate }] : []),
          ...(flags.segmentsOut ? [{ flag: '--segments-out', file: flags.segmentsOut }] : []),
        ],
        videos,
      );
      // ffmpeg's `-version` (decode asks for it synchronously) runs while the model loads, ~60 ms.
      // Each file's probe runs while the one before is classified (the first's while the model loads).
      const probe = (file: string): Promise<VideoInfo | undefined> => probeVideo(file).catch(() => undefined);
      let nextInfo = probe(videos[0] as string);
      try {
        void prefetchFfmpegCapabilities(resolveFfmpeg().path);
      } catch {
        // no ffmpeg: decode says so with its code
      }
      const classifier = await createClipClassifier({
        model: flags.model,
        backend: flags.backend,
        engine: flags.engine as ClipClassifierOptions['engine'],
        unknownThreshold,
      });
      try {
        if (flags.format === 'csv' && segmenting) {
          process.stdout.write(`file,${SEGMENT_CSV_HEADER}\n`);
        } else if (flags.format === 'csv') {
          const header = [
            'file',
            'window',
            'startMs',
            'endMs',
            'startFrame',
            'endFrame',
            'label',
            ...classifier.labels.map((l) => `score_${l}`),
          ];
          process.stdout.write(`${header.join(',')}\n`);
        }
        let failed = 0;
        for (const [i, file] of videos.entries()) {
          try {
            const info = await nextInfo;
            if (i + 1 < videos.length) nextInfo = probe(videos[i + 1] as string);
            const progress = createProgress({
              label: file.split('/').pop() ?? file,
              total: info?.durationMs ? Math.round((info.durationMs / 1000) * classifier.fps) : undefined,
              unit: 'frames',
            });
            const r = await classifyFile(classifier, file, {
              window,
              // Segments: windows twice as dense place boundaries finer (bench/classify-segments.ts:
              // frame accuracy 0.662 → 0.735 on the fold chosen on, 0.809 → 0.823 on the other).
              stride:
                stride ??
                (segmenting ? Math.max(1, Math.floor((window ?? classifier.clipLength) / 4)) : undefined),
              onFrames: (n) => progress.tick(n),
            }).finally(() => progress.stop());
            if (segmenting) {
              const segments = segmentsOf(r.windows, segmentOptions);
              if (flags.segmentsOut) await writeSegments(flags.segmentsOut, segments);
              if (flags.annotate) await annotate(file, flags.annotate, segments, classifier.labels, info);
              process.stdout.write(
                flags.format === 'csv'
                  ? segmentCsvRows(segments)
                      .map((row) => `${csvField(file)},${row}\n`)
                      .join('')
                  : segments.map((s) => `${JSON.stringify({ file, ...s })}\n`).join(''),
              );
            } else {
              process.stdout.write(
                flags.format === 'csv'
                  ? `${csvLines(r, classifier.labels).join('\n')}\n`
                  : `${JSON.stringify(r)}\n`,
              );
            }
          } catch (e) {
            failed++;
            process.stderr.write(
              `siamstream: ${file}: ${isSiamError(e) ? e.toString() : (e as Error).message}\n`,
            );
          }
        }
        if (failed > 0) process.exitCode = 2;
      } finally {
        await classifier.dispose();
      }
    });
}
