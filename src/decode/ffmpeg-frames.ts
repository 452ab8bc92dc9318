/**
 * One ffmpeg run as an Observable of raw frames (STYLE.md §3): ffmpeg is spawned on subscribe
 * (`child_process.spawn` with the argument list of args.ts: fluent-ffmpeg, archived in 2025, only
 * ever built that list for us, and its private child and its own 20 ms SIGKILL were in the way),
 * its stdout is cut into frames, and the teardown stops it — SIGTERM, then SIGKILL after a grace
 * period — and it is SIGKILLed anyway if this process exits first, or is killed (util/child-process.ts).
 *
 * Flow control, per mode:
 * - `all`: decoded frames wait in a queue until the consumer has a credit (see demand.ts); while
 *   any wait, our end of the stdout pipe is paused, so ffmpeg blocks on write() and stops decoding.
 *   Memory: the waiting frames (at most those cut from one 64 KiB chunk) + one partial frame.
 * - `latest`: stdout is never paused; a frame that arrives while the consumer has no credit
 *   replaces the waiting one, which is dropped and counted. Memory: one waiting frame.
 */
import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { Observable } from 'rxjs';
import { SiamError } from '../errors.js';
import { spawnChild } from '../util/child-process.js';
import { reapOnExit, terminate } from './child-reaper.js';
import { redactUrl } from './source.js';
import type { DemandGate } from './demand.js';
import type { FfmpegChild } from './options.js';
import { FrameAssembler, type RawFrame } from './frame-assembler.js';
import {
  HeaderParser,
  NO_VIDEO_STREAM_RE,
  ShowinfoParser,
  TRUNCATED_RE,
  StderrTail,
  type FrameMeta,
  type InputHeader,
} from './stderr-parser.js';

/** Lets a `release()` on the demand reach whichever run is current. */
export interface CreditBridge {
  onCredit?: () => void;
}

/** How frames reach a consumer that is behind (see the module comment). */
export type FrameMode = 'all' | 'latest';

/** Everything one run needs. */
export interface FfmpegRunParams {
  ffmpegPath: string;
  input: string;
  inputOptions: string[];
  outputOptions: string[];
  /** Stream piped to ffmpeg's stdin when `input` is `pipe:0`. */
  stdin?: Readable;
  /** Or decided on the first frame, from the input's header (after `onFirstFrame`). */
  mode: FrameMode | ((header: InputHeader) => FrameMode);
  gate?: DemandGate;
  bridge: CreditBridge;
  killGraceMs: number;
  /**
   * A run whose ffmpeg produces no frame for this long (twice as long for the first) errors with
   * `ERR_SOURCE_STALLED` and is stopped. Only production counts: while frames wait for a slow
   * consumer (stdout paused), the watch is off. 0 or absent: no watch.
   */
  stallTimeoutMs?: number;
  /** Called once per run, before its first frame is emitted. */
  onFirstFrame?: (header: InputHeader, first: FrameMeta) => void;
  /** `latest` mode: one stale frame was dropped. */
  onDrop?: () => void;
  onStart?: (child: FfmpegChild) => void;
  /** Once, with ffmpeg's line, when it says the input ended before its container said it would. */
  onTruncated?: (note: string) => void;
}

/** Past this many buffered bytes without a showinfo line to cut them, stdout is paused anyway. */
const MAX_UNCUT_BYTES = 64 * 1024 * 1024;

function spawnError(err: Error & { code?: string }, ffmpegPath: string): SiamError {
  if (err.code === 'ENOENT' || err.code === 'EACCES' || /spawn/i.test(err.message)) {
    return new SiamError('ERR_FFMPEG_NOT_FOUND', `could not start ${ffmpegPath}: ${err.message}`, {
      hint: 'install ffmpeg or set FFMPEG_PATH to a working binary',
      cause: err,
    });
  }
  return new SiamError('ERR_FFMPEG_EXIT', `ffmpeg failed: ${err.message}`, { cause: err });
}

/** Calls `onLine` with each line of `stream` (ffmpeg ends lines with \n, and progress with \r). */
function forEachLine(stream: Readable, onLine: (line: string) => void): void {
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    const lines = (rest + text).split(/\r\n|\r|\n/);
    rest = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream.on('end', () => {
    if (rest) onLine(rest);
    rest = '';
  });
}

/** Runs ffmpeg once; emits every frame it writes (subject to the mode), then completes or errors. */
export function ffmpegFrames(p: FfmpegRunParams): Observable<RawFrame> {
  return new Observable<RawFrame>((subscriber) => {
    let closed = false;
    let child: ChildProcess | undefined;
    let processDone = false;
    let stdoutEnded = false;
    let endError: SiamError | undefined;
    let sawFirst = false;
    let paused = false;
    const assembler = new FrameAssembler();
    const header = new HeaderParser();
    const tail = new StderrTail();
    const showinfo = new ShowinfoParser();
    const queue: RawFrame[] = [];
    let slot: RawFrame | undefined;
    let noVideo = false;
    let truncated = false;
    let mode: FrameMode | undefined = typeof p.mode === 'string' ? p.mode : undefined;
    let stallTimer: ReturnType<typeof setTimeout> | undefined;
    /** (Re)starts the stall watch for `ms`; 0 stops it. */
    const watch = (ms: number): void => {
      clearTimeout(stallTimer);
      stallTimer = undefined;
      if (!p.stallTimeoutMs || closed || processDone || ms === 0) return;
      stallTimer = setTimeout(() => {
        if (closed) return;
        // The teardown (run by error) stops ffmpeg.
        subscriber.error(
          new SiamError('ERR_SOURCE_STALLED', `no frame for ${p.stallTimeoutMs} ms`, {
            hint: 'the sender stopped or the server hangs; raise stallTimeoutMs for slow sources',
          }),
        );
      }, ms);
    };
    const args = [...p.inputOptions, '-i', p.input, ...p.outputOptions, 'pipe:1'];

    const finishIfDone = (): void => {
      if (closed || !processDone || !stdoutEnded || queue.length > 0 || slot) return;
      closed = true;
      if (endError) subscriber.error(endError);
      else subscriber.complete();
    };

    let draining = false;
    let again = false;
    const drain = (): void => {
      if (closed) return;
      if (draining) {
        again = true;
        return;
      }
      draining = true;
      do {
        again = false;
        if (mode === 'all') {
          while (!closed && queue.length > 0 && (!p.gate || p.gate.tryTake()))
            subscriber.next(queue.shift() as RawFrame);
        } else if (!closed && slot && (!p.gate || p.gate.tryTake())) {
          const f = slot;
          slot = undefined;
          subscriber.next(f);
        }
      } while (again && !closed);
      draining = false;
      if (closed) return;
      const shouldPause = (mode === 'all' && queue.length > 0) || assembler.bufferedBytes > MAX_UNCUT_BYTES;
      if (shouldPause && !paused) {
        paused = true;
        child?.stdout?.pause();
        watch(0); // the consumer is behind, not ffmpeg
      } else if (!shouldPause && paused) {
        paused = false;
        child?.stdout?.resume();
        watch(p.stallTimeoutMs ?? 0);
      }
      finishIfDone();
    };

    const pump = (): void => {
      if (closed) return;
      for (let f = assembler.take(); f && !closed; f = assembler.take()) {
        if (!sawFirst) {
          sawFirst = true;
          p.onFirstFrame?.(header.header, f.meta);
          if (typeof p.mode === 'function') mode = p.mode(header.header);
        }
        if (!paused) watch(p.stallTimeoutMs ?? 0);
        if (mode === 'all') queue.push(f);
        else {
          if (slot) p.onDrop?.();
          slot = f;
          drain(); // emit now if there is a credit: only a frame nobody was ready for is dropped
        }
      }
      drain();
    };

    const onLine = (line: string): void => {
      const meta = showinfo.push(line);
      if (meta) {
        assembler.pushMeta(meta);
        if (!closed) pump();
        return;
      }
      header.push(line);
      tail.push(line);
      if (NO_VIDEO_STREAM_RE.test(line)) noVideo = true;
      if (!truncated && TRUNCATED_RE.test(line)) {
        truncated = true;
        p.onTruncated?.(redactUrl(line.trim().replace(/ @ 0x[0-9a-f]+\]/i, ']')));
      }
    };

    const onEnd = (err: (Error & { code?: string }) | null): void => {
      if (processDone) return;
      processDone = true;
      watch(0);
      if (!child) stdoutEnded = true; // never spawned: nothing will come on stdout
      // 'close' comes once the child exited and its stdio closed; the exit status is the child's.
      const exit = child ? { code: child.exitCode, signal: child.signalCode } : undefined;
      if (!closed) {
        if (!child && err) endError = spawnError(err, p.ffmpegPath);
        else if (exit && exit.code !== 0 && noVideo) {
          endError = new SiamError(
            'ERR_NO_VIDEO_STREAM',
            `${redactUrl(p.input.replace(/^file:/, ''))} has no video stream`,
            {
              hint: 'give a video file or stream (ffprobe <file> lists its streams)',
              details: { exitCode: exit.code, stderrTail: tail.toString() },
            },
          );
        } else if (exit && (exit.code !== 0 || exit.signal)) {
          const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
          endError = new SiamError('ERR_FFMPEG_EXIT', `ffmpeg ${how}: ${tail.summary() || '(no stderr)'}`, {
            hint: "SIAMSTREAM_DEBUG=1 prints ffmpeg's stderr tail (also in error.details.stderrTail)",
            details: {
              exitCode: exit.code,
              signal: exit.signal,
              stderrTail: tail.toString(),
              args: args.map(redactUrl),
            },
          });
        } else if (err && !exit) endError = spawnError(err, p.ffmpegPath);
      }
      pump();
      finishIfDone();
    };

    const piped = Boolean(p.stdin) && p.input === 'pipe:0';
    const proc = spawnChild(p.ffmpegPath, args, { stdio: [piped ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    proc.on('error', (err: Error) => onEnd(err)); // could not start (ENOENT, EACCES)
    proc.on('close', () => onEnd(null));
    const stdout = proc.stdout as Readable; // piped (stdio above)
    stdout.on('data', (chunk: Buffer) => {
      assembler.pushBytes(chunk);
      pump();
    });
    stdout.on('end', () => {
      stdoutEnded = true;
      pump();
      finishIfDone();
    });
    forEachLine(proc.stderr as Readable, onLine);
    if (piped && p.stdin && proc.stdin) {
      proc.stdin.on('error', () => undefined); // EPIPE once ffmpeg has stopped reading
      p.stdin.pipe(proc.stdin);
    }
    p.bridge.onCredit = drain;
    if (proc.pid !== undefined) {
      child = proc;
      reapOnExit(proc);
      watch(2 * (p.stallTimeoutMs ?? 0)); // the first frame waits for the connection too
      const exited = new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) resolve();
        else proc.once('exit', () => resolve());
      });
      p.onStart?.({ pid: proc.pid, args, exited });
    }

    return () => {
      const wasClosed = closed;
      closed = true;
      clearTimeout(stallTimer);
      if (p.bridge.onCredit === drain) p.bridge.onCredit = undefined;
      queue.length = 0;
      slot = undefined;
      // Discard whatever ffmpeg still writes, so one blocked on a full pipe sees the SIGTERM.
      child?.stdout?.removeAllListeners('data');
      child?.stdout?.resume();
      if (p.stdin && child?.stdin) {
        p.stdin.unpipe(child.stdin);
        p.stdin.pause();
      }
      if (!wasClosed && child) terminate(child, p.killGraceMs);
    };
  });
}
