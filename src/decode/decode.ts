/**
 * `decode(source, options)`: a video file, a V4L2 camera, a network stream or stdin as an
 * `Observable<Frame>` of RGB24 frames, decoded by ffmpeg (one child per subscription).
 */
import { concatWith, defer, EMPTY, identity, Observable, throwError } from 'rxjs';
import { SiamError } from '../errors.js';
import type { Frame } from '../types.js';
import { buildFfmpegArgs, buildFirstFrameArgs, type FfmpegArgs } from './args.js';
import { ffmpegFrames, type CreditBridge } from './ffmpeg-frames.js';
import { ffmpegCapabilities, resolveFfmpeg } from './ffmpeg-path.js';
import type { RawFrame } from './frame-assembler.js';
import {
  DEFAULT_DECODE_OPTIONS,
  validateDecodeOptions,
  type DecodeOptions,
  type ReconnectEvent,
  type VideoInfo,
} from './options.js';
import { reconnectWithBackoff } from './reconnect.js';
import { redactUrl, resolveSource } from './source.js';

export { redactUrl };

/**
 * Decodes `source` into RGB24 frames.
 *
 * - `source`: a file path (any container/codec ffmpeg reads), `/dev/videoN` (V4L2), an
 *   `http(s)`, `rtsp(s)`, `rtmp(s)`, `rtp`, `srt`, `udp` or `tcp` URL, or `-` for stdin. Other
 *   protocols (`file:`, `concat:` …) error with `ERR_UNSUPPORTED_SOURCE`.
 * - Each subscription spawns one ffmpeg; unsubscribing stops it (SIGTERM, then SIGKILL). A file
 *   that `fps` leaves without a frame (shorter than half a tick) gets a second run for its first.
 * - `index` counts frames of the decoded stream (after `fps` resampling), so in `latest` mode
 *   the dropped frames show as gaps; `timestampMs` is the frame's pts relative to the first frame.
 *   After a live source reconnects, indices continue and timestamps continue on the wall clock.
 * - Backpressure: pass a {@link FrameDemand} as `options.demand` when the consumer works
 *   asynchronously on each frame (see demand.ts); without one, each frame is assumed handled
 *   when `next()` returns.
 *
 * Errors (SiamError): `ERR_SOURCE_NOT_FOUND`, `ERR_UNSUPPORTED_SOURCE`, `ERR_FFMPEG_NOT_FOUND`,
 * `ERR_FFMPEG_EXIT` (details: exitCode, signal, stderrTail), `ERR_SOURCE_LOST` (live sources,
 * after the reconnect attempts), `ERR_SOURCE_STALLED` (a finite network stream that went quiet), `ERR_BAD_OPTION` (thrown by this call for invalid options).
 */
export function decode(source: string, options: DecodeOptions = {}): Observable<Frame> {
  validateDecodeOptions(options);
  return new Observable<Frame>((subscriber) => {
    let prepared;
    try {
      const resolved = resolveSource(source);
      if (options.loop && resolved.kind !== 'file') {
        throw new SiamError('ERR_BAD_OPTION', `\`loop\` needs a file source, got a ${resolved.kind} source`);
      }
      if (options.live !== undefined && resolved.kind !== 'network') {
        throw new SiamError(
          'ERR_BAD_OPTION',
          `\`live\` applies to network sources, got a ${resolved.kind} source`,
          { hint: 'cameras are always live, files and stdin never: leave `live` out' },
        );
      }
      if (options.startMs && resolved.live) {
        throw new SiamError(
          'ERR_BAD_OPTION',
          `\`startMs\` needs a file source, got a ${resolved.kind} source`,
        );
      }
      const ffmpegPath = resolveFfmpeg().path;
      const caps = ffmpegCapabilities(ffmpegPath);
      const args = buildFfmpegArgs(resolved, options, caps);
      // Only a source that can be read twice (not a live one, not stdin) gets the second run.
      const rereadable = options.fps !== undefined && !resolved.live && resolved.kind !== 'stdin';
      const firstFrameArgs = rereadable ? buildFirstFrameArgs(resolved, options, caps) : undefined;
      prepared = { resolved, ffmpegPath, args, firstFrameArgs };
    } catch (e) {
      subscriber.error(e);
      return undefined;
    }
    const { resolved, ffmpegPath, args, firstFrameArgs } = prepared;
    // Live-ness comes from the stream, not from the scheme: cameras are live, files and stdin are
    // not, and a network stream is live unless its own header announces a duration (a file served
    // over http(s), an HLS or RTSP recording): such a stream ends at its end, every frame decoded.
    // Undefined until the first frame's header has said (`options.live` says it at once).
    let live: boolean | undefined = options.live ?? (resolved.kind === 'network' ? undefined : resolved.live);
    const mode =
      options.backpressure ??
      (live === undefined ? () => (live ? 'latest' : 'all') : live ? 'latest' : 'all');
    const bridge: CreditBridge = {};
    const gate = options.demand?.attach(() => bridge.onCredit?.());

    // Index and time bases, carried across the runs of a reconnecting live source.
    let nextIndex = 0;
    let lastTimestampMs = 0;
    let runIndexBase = 0;
    let runFirstPtsMs = 0;
    let runTimeBaseMs = 0;
    let firstFrameWallMs: number | undefined;
    let infoSent = false;
    let fps = options.fps ?? 0;
    let dropped = 0;

    const onFirstFrame = (
      header: { fps?: number; durationMs?: number; codec?: string },
      first: RawFrame['meta'],
    ): void => {
      runIndexBase = nextIndex;
      runFirstPtsMs = Number.isFinite(first.ptsMs) ? first.ptsMs : 0;
      const now = performance.now();
      if (firstFrameWallMs === undefined) firstFrameWallMs = now;
      else runTimeBaseMs = Math.max(lastTimestampMs + 1, now - firstFrameWallMs);
      if (!fps) fps = header.fps ?? 0;
      live ??= header.durationMs === undefined;
      if (!infoSent) {
        infoSent = true;
        let durationMs = header.durationMs;
        if (durationMs !== undefined && options.startMs)
          durationMs = Math.max(0, durationMs - options.startMs);
        if (options.durationMs !== undefined)
          durationMs = Math.min(durationMs ?? Infinity, options.durationMs);
        if (options.loop) durationMs = undefined;
        const info: VideoInfo = { width: first.width, height: first.height, fps };
        if (durationMs !== undefined && Number.isFinite(durationMs)) info.durationMs = durationMs;
        if (header.codec) info.codec = header.codec;
        options.onInfo?.(info);
      }
    };

    const toFrame = (raw: RawFrame): Frame => {
      const index = runIndexBase + raw.meta.n;
      let timestampMs = runTimeBaseMs + raw.meta.ptsMs - runFirstPtsMs;
      if (!Number.isFinite(timestampMs)) timestampMs = lastTimestampMs + (fps > 0 ? 1000 / fps : 0);
      nextIndex = index + 1;
      lastTimestampMs = timestampMs;
      return { index, timestampMs, width: raw.meta.width, height: raw.meta.height, data: raw.data };
    };

    const stallMs = options.stallTimeoutMs ?? DEFAULT_DECODE_OPTIONS.stallTimeoutMs;
    const runWith = (a: FfmpegArgs): Observable<RawFrame> =>
      ffmpegFrames({
        ffmpegPath,
        input: resolved.ffmpegInput,
        inputOptions: a.inputOptions,
        outputOptions: a.outputOptions,
        stdin: resolved.kind === 'stdin' ? (options.stdin ?? process.stdin) : undefined,
        mode,
        gate,
        bridge,
        killGraceMs: options.killGraceMs ?? DEFAULT_DECODE_OPTIONS.killGraceMs,
        // Network streams and cameras are watched, finite ones too (a server that hangs mid-file).
        stallTimeoutMs: resolved.live ? stallMs : 0,
        onFirstFrame,
        onDrop: () => {
          dropped += 1;
          options.onDropped?.(dropped);
        },
        onStart: options.onStart,
        onTruncated: options.onTruncated,
      });
    // A file too short for one tick of the `fps` filter still gives its first frame (args.ts);
    // `nextIndex` is still 0 only when the first run emitted nothing.
    const run = defer(() => runWith(args)).pipe(
      firstFrameArgs
        ? concatWith(defer(() => (nextIndex === 0 ? runWith(firstFrameArgs) : EMPTY)))
        : identity,
    );

    const logReconnects = options.logReconnects ?? DEFAULT_DECODE_OPTIONS.logReconnects;
    const onReconnect = (e: ReconnectEvent): void => {
      if (logReconnects) {
        process.stderr.write(
          `siamstream: decode: ${redactUrl(source)} dropped (${e.reason.split('\n')[0]}); ` +
            `reconnecting in ${e.delayMs} ms (attempt ${e.attempt}/${e.attempts})\n`,
        );
      }
      options.onReconnect?.(e);
    };

    // A live stream that ends, fails or goes quiet (ffmpegFrames' stall watch) has dropped and is
    // retried; a finite one ends, or fails, once: a retry would replay it from the start.
    const frames$ =
      resolved.live && live !== false
        ? run.pipe(
            concatWith(
              defer(() =>
                live === false
                  ? EMPTY
                  : throwError(() => new SiamError('ERR_FFMPEG_EXIT', 'the live stream ended')),
              ),
            ),
            reconnectWithBackoff<RawFrame>(options.reconnect, onReconnect, undefined, () => live !== false),
          )
        : run;

    const sub = frames$.subscribe({
      next: (raw) => subscriber.next(toFrame(raw)),
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
    return () => {
      sub.unsubscribe();
      gate?.detach();
    };
  });
}
