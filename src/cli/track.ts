/**
 * `siamstream track <source> --box x,y,w,h [--box …] | --boxes targets.csv | --box-from groundtruth.txt
 * [--out results.csv|.jsonl|.txt|.mot.txt] [--format …] [--annotate out.mp4] [--backend …] [--preset …]`:
 * follows one or more objects through a file, a camera (`/dev/videoN`) or a network stream
 * (a live one decoded in `latest` mode: stale frames are dropped), all targets' crops through the trunk in
 * one call a frame (src/track/multi-tracker.ts).
 *
 * Each frame's results are written as soon as they are known, one row per target with its id
 * (JSONL on stdout without `--out`). Ctrl-C (SIGINT), SIGTERM or SIGHUP stops decoding (the
 * decoder's teardown kills its ffmpeg), finishes the annotated video so it stays playable, closes
 * the results file and exits with 130 (143, 129).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { tap, type Subscription } from 'rxjs';
import { createFrameDemand, decode, probeVideo, resolveFfmpeg, type VideoInfo } from '../decode/index.js';
import { isLiveSource } from '../decode/source.js';
import { SiamError } from '../errors.js';
import type { MultiTracker, MultiTrackResult, TrackerOptions } from '../track/index.js';
import { trackMany } from '../track/operator.js';
import type { Frame } from '../types.js';
import { drawTargets } from './annotate/draw.js';
import { checkEngineFlags } from './engine-flags.js';
import { checkOutputs } from './output-path.js';
import { createVideoEncoder, type VideoEncoder } from './annotate/encoder.js';
import { formatFromPath, openResultSink, type ResultSink } from './outputs.js';
import { presetHelp } from './preset-help.js';
import { createProgress } from './progress.js';
import { exitCodeFor, onStopSignals } from './stop-signals.js';
import { checkBoxInFrame, targetStarts } from './track-box.js';

interface TrackCliOptions {
  box?: string[];
  boxes?: string;
  boxFrom?: string;
  format?: string;
  strict?: boolean;
  out?: string;
  annotate?: string;
  backend?: string;
  engine?: string;
  preset?: string;
}

/** Adds the `track` command. */
export function registerTrack(program: Command): void {
  program
    .command('track')
    .description('track one or more objects through a video file, camera (/dev/videoN) or network stream')
    .argument('<source>', 'video file, /dev/videoN, or an rtsp/http(s)/udp URL')
    .option(
      '--box <x,y,w,h>',
      'a target on the first frame, in pixels (top-left corner, 0-based); repeat for more (ids 1, 2, …)',
      (value: string, previous: string[] = []) => [...previous, value],
    )
    .option(
      '--boxes <file.csv>',
      'targets from a file of frame,id,x,y,w,h lines (0-based frames: targets may start later)',
    )
    .option('--box-from <file>', 'take the initial box from the first valid line of a groundtruth.txt')
    .option(
      '--out <file>',
      'results file: .csv, .jsonl, .txt (OTB x,y,w,h; one target) or .mot.txt (MOT Challenge); missing folders are created; default: JSONL on stdout',
    )
    .option('--format <name>', 'results format regardless of the file name: csv, jsonl, txt, mot')
    .option(
      '--annotate <file.mp4>',
      'write a video with the boxes, ids, scores and lost states drawn (missing folders are created)',
    )
    .option('--backend <name>', 'TensorFlow.js backend: auto, node-gpu, node, wasm, cpu')
    .option(
      '--engine <name>',
      'inference engine of the trunk: auto (onnx where onnxruntime-node loads, else tfjs), onnx, tfjs',
    )
    .option('--preset <name>', presetHelp())
    .option(
      '--strict',
      'fail (ERR_TRUNCATED_INPUT) instead of warning when a file gives fewer frames than it announces',
    )
    .action(async (source: string, opts: TrackCliOptions) => {
      await runTrack(source, opts);
    });
}

/** Fewer frames than this fraction of the announced count (less one) counts as truncated. */
const TRUNCATION_TOLERANCE = 0.98;

/** Runs the `track` command; resolves when the source ends or a signal stopped it. */
export async function runTrack(source: string, opts: TrackCliOptions): Promise<void> {
  const live = isLiveSource(source);
  // Every flag is checked before anything is read or created: a typo costs nothing.
  checkEngineFlags(opts);
  const format = opts.out
    ? formatFromPath(opts.out, opts.format)
    : opts.format && formatFromPath('', opts.format);
  // No output onto an input, another output or /proc.
  checkOutputs(
    [
      ...(opts.out ? [{ flag: '--out', file: opts.out }] : []),
      ...(opts.annotate ? [{ flag: '--annotate', file: opts.annotate }] : []),
    ],
    [
      ...(live || source === '-' ? [] : [source]),
      ...(opts.boxFrom ? [opts.boxFrom] : []),
      ...(opts.boxes ? [opts.boxes] : []),
    ],
  );
  const starts = await targetStarts(opts);
  if (format === 'txt' && starts.length > 1) {
    throw new SiamError('ERR_BAD_OPTION', `OTB .txt results hold one target; ${starts.length} were given.`, {
      hint: 'Write .csv, .jsonl or .mot.txt (each row carries the target id), or track one target.',
    });
  }
  const checkStarts = (width: number, height: number): void => {
    for (const s of starts) checkBoxInFrame(s.box, width, height);
  };
  // Files are probed first: a missing or unreadable file fails (ERR_SOURCE_NOT_FOUND,
  // ERR_PROBE_FAILED) before a results file is created or a model loaded.
  let info: VideoInfo | undefined = live || source === '-' ? undefined : await probeVideo(source);
  if (info) checkStarts(info.width, info.height); // again on the first frame, for live sources
  const demand = createFrameDemand({ maxInFlight: 2 });
  const ffmpegPath = opts.annotate ? resolveFfmpeg().path : undefined;
  // Last of what may throw before the try below: a progress bar started earlier would be left
  // drawn, with the terminal's cursor hidden.
  const sink: ResultSink = openResultSink(opts.out, process.stdout, opts.format);
  const progress = createProgress({ label: 'track', total: info?.frameCount, unit: 'frames' });
  // decode picks the backpressure: `latest` for a live stream, every frame of a file (one served
  // over http(s) too: it ends at its end).
  let truncatedNote: string | undefined;
  const frames$ = decode(source, {
    demand,
    onTruncated: (note) => (truncatedNote = note),
    onInfo: (i) => {
      info = { ...info, ...i };
      if (i.frameCount) progress.setTotal(i.frameCount);
    },
  });
  let encoder: VideoEncoder | undefined;
  let tracker: MultiTracker | undefined;
  let subscription: Subscription | undefined;
  let pending: Promise<unknown> = Promise.resolve();
  let stoppedBy: NodeJS.Signals | undefined;
  let failure: unknown;
  let initialised = false;
  /** The results file was removed unfinished, not given its name. */
  let discarded = false;
  /** Frames whose results were written. */
  let framesDone = 0;
  /** Frames handed to the tracker whose results have not come out yet (for --annotate), oldest first. */
  const awaiting: Frame[] = [];

  const writeResult = async (result: MultiTrackResult): Promise<void> => {
    const frame = awaiting.shift();
    if (stoppedBy) return;
    for (const r of result.targets) sink.write(r);
    framesDone++;
    if (opts.annotate && frame) {
      encoder ??= createVideoEncoder({
        ffmpegPath: ffmpegPath!,
        out: opts.annotate,
        width: frame.width,
        height: frame.height,
        fps: info?.fps ?? 0, // unknown: the encoder's default
      });
      const image = { width: frame.width, height: frame.height, data: new Uint8Array(frame.data) };
      drawTargets(image, result.targets);
      await encoder.write(image.data);
    }
    progress.tick();
  };

  const onEpipe = (e: NodeJS.ErrnoException): void => {
    if (e.code === 'EPIPE') stop('SIGPIPE');
  };
  let finish: () => void = () => {};
  let stopped: () => void = () => {};
  const onStop = new Promise<undefined>((resolve) => (stopped = () => resolve(undefined)));
  /** True while a tracker start-up left behind by a signal has not settled (it may never). */
  let startupLeft = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stoppedBy) return;
    stoppedBy = signal;
    subscription?.unsubscribe();
    finish();
    stopped();
  };
  // `on`, not `once`: the decoder's child reaper re-raises the signal when it is the last
  // listener. A second signal while stopping does that on purpose: it kills at once.
  let offSignals = (): void => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (!stoppedBy) return stop(signal);
    offSignals();
    process.kill(process.pid, signal);
  };
  offSignals = onStopSignals(onSignal);
  if (!opts.out) process.stdout.on('error', onEpipe);

  try {
    // Loaded on demand, so that other commands start without TensorFlow.js.
    const { createMultiTracker } = await import('../track/index.js');
    const starting = createMultiTracker({
      backend: opts.backend,
      engine: opts.engine as TrackerOptions['engine'],
      preset: opts.preset,
    });
    // A signal during start-up ends the run without waiting for it: a start-up stuck on I/O (the
    // model cache under /proc spun for ever) used to hold the first SIGTERM behind it.
    tracker = await Promise.race([starting, onStop]);
    if (!tracker) {
      startupLeft = true;
      void starting.then(
        (late) => late.dispose().finally(() => (startupLeft = false)),
        () => (startupLeft = false),
      );
    }
    if (!stoppedBy) {
      await new Promise<void>((resolve) => {
        finish = resolve;
        subscription = frames$
          .pipe(
            tap((frame: Frame) => {
              if (!initialised) {
                checkStarts(frame.width, frame.height); // live sources: known only now
                initialised = true;
              }
              if (opts.annotate) awaiting.push(frame);
            }),
            trackMany(starts, { tracker: tracker! }),
            demand.mapAsync((result: MultiTrackResult) => {
              pending = writeResult(result);
              return pending;
            }),
          )
          .subscribe({
            complete: resolve,
            error: (e: unknown) => {
              failure = e;
              resolve();
            },
          });
      });
    }
    // A result being written when a signal came is finished before the outputs are closed.
    await pending.catch(() => undefined);
  } catch (e) {
    failure ??= e;
  } finally {
    offSignals();
    process.stdout.removeListener('error', onEpipe);
    progress.stop();
    // Nothing tracked (a model that failed to load, a signal before the first frame): earlier
    // results under the same name are left as they were rather than replaced by a header.
    discarded = (failure !== undefined || stoppedBy !== undefined) && framesDone === 0;
    if (discarded) sink.discard();
    else sink.close();
    try {
      await encoder?.finish();
    } catch (e) {
      failure ??= e;
    }
    await tracker?.dispose(); // after an update cut short by a signal has finished with the model
  }
  report(sink, framesDone, encoder, opts.annotate, discarded, stoppedBy);
  // Outputs are closed and reported; a start-up still running could keep the process alive for
  // ever: die of the signal, as without a handler.
  if (startupLeft && stoppedBy && stoppedBy !== 'SIGPIPE') process.kill(process.pid, stoppedBy);
  if (failure) throw failure;
  if (!stoppedBy) checkComplete(framesDone, info, Boolean(opts.strict), truncatedNote);
  if (stoppedBy && stoppedBy !== 'SIGPIPE') process.exitCode = exitCodeFor(stoppedBy);
}

/**
 * A file that yields clearly fewer frames than its container announces, or that ffmpeg says ended
 * before its container said it would (`note`: a matroska file announces no frame count), is
 * truncated or damaged (ffmpeg decodes what it can and exits 0): a warning on stderr, or with
 * `strict` the coded error — the results of the frames read are written either way.
 */
function checkComplete(
  read: number,
  info: VideoInfo | undefined,
  strict: boolean,
  note: string | undefined,
): void {
  const announced = info?.containerFrames;
  const short = announced !== undefined && read < announced * TRUNCATION_TOLERANCE - 1;
  if (!short && note === undefined) return;
  const message = short
    ? `read ${read} of the ${announced} frames the file announces: it is truncated or damaged`
    : `read ${read} frames, then the file ended before its container said (ffmpeg: ${note}): it is truncated or damaged`;
  if (strict) {
    throw new SiamError('ERR_TRUNCATED_INPUT', message, {
      hint: 'The results of the frames read were written; re-encode or re-download the file.',
      details: { read, announced, ffmpeg: note },
    });
  }
  process.stderr.write(`siamstream track: warning: ${message} (--strict makes this an error)\n`);
}

/** Says on stderr where the results and the annotated video went. */
function report(
  sink: ResultSink,
  frames: number,
  encoder: VideoEncoder | undefined,
  annotate: string | undefined,
  discarded: boolean,
  stoppedBy?: string,
): void {
  const lines: string[] = [];
  if (stoppedBy && stoppedBy !== 'SIGPIPE')
    lines.push(`siamstream track: stopped by ${stoppedBy} after ${frames} frames`);
  lines.push(
    discarded && sink.path
      ? `siamstream track: no frame was tracked; ${sink.path} left as it was`
      : `siamstream track: ${sink.rows} results (${sink.format}, ${frames} frames) → ${sink.path ?? 'stdout'}`,
  );
  if (annotate) {
    lines.push(
      encoder
        ? `siamstream track: annotated video (${encoder.frames} frames) → ${path.resolve(annotate)}`
        : 'siamstream track: no annotated video (no frame was tracked)',
    );
  }
  process.stderr.write(`${lines.join('\n')}\n`);
}
