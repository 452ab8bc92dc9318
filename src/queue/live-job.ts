/**
 * `runLiveJob()`: one camera session on a worker, for as long as the worker holds its job. The
 * session is the live server's (stream/session.ts: decode → track, the tracker loaded before the
 * source opens); what it says goes to Redis (live-channels.ts) instead of sockets, and what
 * dashboards ask comes from Redis. Every 200 ms the latest boxes are written to the state key.
 *
 * A worker that takes the job over (the first one died: BullMQ's stalled-job check) finds that
 * state and resumes from it: the same target ids, from their last boxes. A file source is reopened
 * at the state's frame (a looping file is the camera-like source of demos and tests), so the boxes
 * fit the frame they are given on; a camera or stream is reopened where it is now, and the
 * tracker's re-detection finds targets that moved meanwhile.
 */
import type { Redis as RedisClient } from 'ioredis';
import { isSiamError } from '../errors.js';
import { map } from 'rxjs';
import { isLiveSource } from '../decode/source.js';
import { probeVideo } from '../decode/index.js';
import { defaultFrameSource, defaultTrackerFactory } from '../stream/defaults.js';
import { JpegEncoder } from '../stream/jpeg-encoder.js';
import { DEFAULT_JPEG_PREVIEW_OPTIONS } from '../stream/jpeg.js';
import { previewMessage } from '../stream/protocol.js';
import type { InitialTarget } from '../stream/pipeline.js';
import type { MultiTracker } from '../track/multi-tracker.js';
import { startSession, type LiveSession } from '../stream/session.js';
import type { ErrorMessage, SourceInfo } from '../stream/protocol.js';
import type { LiveJob } from './jobs.js';
import {
  liveCommandSchema,
  liveKeys,
  parseLiveState,
  type LiveEvent,
  type LiveState,
} from './live-channels.js';

/** How often the state key is written and the counters published. */
const STATE_EVERY_MS = 200;
const COUNTERS_EVERY_MS = 1000;
/** The state key outlives a dead camera this long (a worker must take over before). */
const STATE_TTL_S = 24 * 3600;

/** What runs a live job. */
export interface LiveJobContext {
  /** A connected client (duplicated for publishing and for the commands subscription). */
  connection: RedisClient;
  /** The worker's name, in `info` and the state key. */
  worker: string;
  /** Aborted when the job's lock is lost: another worker runs the camera now; stop at once. */
  lockLost: AbortSignal;
  /** Aborted when the worker is closing: hand the camera back to the queue. */
  shutdown: AbortSignal;
}

/** How a live job ended. */
export interface LiveOutcome {
  camera: string;
  /**
   * `ended`: stopped, or its file ended (the job completes); `handed-back`: the worker closes;
   * `lock-lost`; `failed`: the source failed for good (the job fails and is retried: a worker
   * resumes it from its state).
   */
  outcome: 'ended' | 'handed-back' | 'lock-lost' | 'failed';
  /** Why it ended. */
  reason: string;
  /** Frames the session read on this worker. */
  frames: number;
  /** The frame it resumed at (takeover), or null when it started fresh. */
  resumedAt: number | null;
}

const parseBox = (s: string): { x: number; y: number; width: number; height: number } => {
  const [x, y, width, height] = s.split(',').map(Number) as [number, number, number, number];
  return { x, y, width, height };
};

/** Where a file source restarts and how its frame indices continue (see the module comment). */
async function resumePoint(d: LiveJob, state: LiveState | null): Promise<{ startMs: number; base: number }> {
  if (!state) return { startMs: 0, base: 0 };
  // A camera goes on from where it is now; its frame indices go on from the state's.
  if (isLiveSource(d.source)) return { startMs: 0, base: state.frameIndex + 1 };
  const info = await probeVideo(d.source);
  const fps = state.info?.fps || info.fps;
  const count = info.frameCount ?? Math.round(((info.durationMs ?? 0) * fps) / 1000);
  const at = count > 0 && d.loop ? state.frameIndex % count : state.frameIndex;
  // Half a frame early: ffmpeg's accurate seek then starts exactly on frame `at`.
  return { startMs: Math.max(0, ((at - 0.5) * 1000) / fps), base: state.frameIndex };
}

/** Runs camera `d.camera` until it ends, the worker closes, or the lock is lost. */
export async function runLiveJob(d: LiveJob, ctx: LiveJobContext): Promise<LiveOutcome> {
  const keys = liveKeys(d.camera);
  // No offline queue for what is published: while Redis is away, results are dropped (pub/sub keeps
  // nothing anyway) instead of piling up in memory and arriving late in a burst.
  const pub = ctx.connection.duplicate({ enableOfflineQueue: false, lazyConnect: true });
  const sub = ctx.connection.duplicate();
  pub.on('error', () => undefined);
  sub.on('error', () => undefined);
  const publish = (e: LiveEvent): void =>
    void pub.publish(keys.events, JSON.stringify(e)).catch(() => undefined);

  let state: LiveState | null;
  let resume: { startMs: number; base: number };
  let tracker: MultiTracker;
  try {
    await pub.connect();
    const saved = parseLiveState(await pub.get(keys.state));
    state = saved && saved.submittedAt === d.submittedAt ? saved : null;
    resume = await resumePoint(d, state);
    // The tracker loads before the source opens, so the boxes are given on the first frame.
    tracker = await defaultTrackerFactory({ preset: d.preset, backend: d.backend, engine: d.engine })();
  } catch (e) {
    pub.disconnect();
    sub.disconnect();
    throw e;
  }
  const { startMs, base } = resume;
  const initialTargets: InitialTarget[] = state
    ? state.targets.map((t) => ({ id: t.id, box: t.box }))
    : (d.boxes ?? []).map((b) => ({ box: parseBox(b) }));
  const previewFps = d.previewFps ?? 5;
  const encoder = previewFps > 0 ? new JpegEncoder({}) : null;
  /** What `hello` says of the previews (the camera servers pass it on). */
  const preview = {
    transport: 'binary' as const,
    format: 'jpeg' as const,
    maxSide: DEFAULT_JPEG_PREVIEW_OPTIONS.maxSide,
    maxFps: previewFps,
  };
  await encoder?.ready.catch(() => undefined);

  let info: SourceInfo | null = state?.info ?? null;
  let last: LiveState | null = state;
  let watchers = 0;
  let nextPreviewAt = 0;
  let finish!: (outcome: LiveOutcome['outcome'], reason: string) => void;
  const finished = new Promise<{ outcome: LiveOutcome['outcome']; reason: string }>(
    (r) => (finish = (outcome, reason) => r({ outcome, reason })),
  );

  const live = isLiveSource(d.source);
  const frames = defaultFrameSource(d.source, { live, loop: Boolean(d.loop), maxSide: d.maxSide, startMs });
  let session: LiveSession;
  try {
    session = startSession(
      {
        frames: (hooks) =>
          frames(hooks).pipe(
            map((f) =>
              base > 0
                ? { ...f, index: f.index + base, timestampMs: f.timestampMs + (state?.timestampMs ?? 0) }
                : f,
            ),
          ),
        createTracker: () => tracker,
        initialTargets,
        live,
      },
      {
        onEvent: (e) => {
          if (e.type === 'track') {
            publish({ type: 'tracks', results: e.results, decodedAt: e.decodedAt, latencyMs: e.latencyMs });
            const first = e.results[0];
            if (first)
              last = {
                submittedAt: d.submittedAt ?? 0,
                frameIndex: first.frameIndex,
                timestampMs: first.timestampMs,
                targets: e.results.map((r) => ({ id: r.id, box: r.box })),
                info,
                worker: ctx.worker,
                updatedAt: Date.now(),
              };
          } else {
            // Targets started or stopped: the state keeps the ones there are now.
            if (e.type === 'state' && last) {
              const boxes = new Map(last.targets.map((t) => [t.id, t.box]));
              last = {
                ...last,
                targets: e.targets.map((t) => ({ id: t.id, box: boxes.get(t.id) ?? t.initBox })),
              };
            }
            publish(e);
          }
        },
        onFrame: (sf) => {
          const now = performance.now();
          if (!encoder || watchers === 0 || encoder.busy || now < nextPreviewAt) return;
          nextPreviewAt = now + 1000 / previewFps;
          const { frame, decodedAt } = sf;
          encoder.encode(frame.data, frame.width, frame.height).then(
            (p) => void pub.publish(keys.frames, previewMessage(frame, decodedAt, p)).catch(() => undefined),
            () => undefined,
          );
        },
        onInfo: (i) => {
          info = i;
          publish({ type: 'info', info, worker: ctx.worker, preview });
        },
        // A source that fails while the worker closes was stopped by the closing (decode's child
        // reaper kills ffmpeg on SIGTERM): the camera is handed back, not failed.
        onEnd: (e) => {
          if (e === undefined) finish('ended', 'the source ended');
          else if (ctx.shutdown.aborted) finish('handed-back', 'the worker is closing');
          else finish('failed', isSiamError(e) ? e.toString() : String((e as Error)?.message ?? e));
        },
      },
    );
  } catch (e) {
    tracker.dispose();
    await encoder?.close();
    pub.disconnect();
    sub.disconnect();
    throw e;
  }

  // Commands from dashboards (checked: Redis is a boundary too).
  sub.on('message', (_channel: string, text: string) => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return;
    }
    const parsed = liveCommandSchema.safeParse(raw);
    if (!parsed.success) return;
    const c = parsed.data;
    if (c.type === 'end') return finish('ended', 'stopped');
    const reply = (err: ErrorMessage): void => publish(c.replyTo ? { ...err, replyTo: c.replyTo } : err);
    session.commands.next(c.type === 'init' ? { ...c, reply } : { type: 'stop', target: c.target, reply });
  });
  await sub.subscribe(keys.commands);

  const timers = [
    setInterval(() => {
      if (last) void pub.set(keys.state, JSON.stringify(last), 'EX', STATE_TTL_S).catch(() => undefined);
    }, STATE_EVERY_MS),
    setInterval(() => {
      const c = session.counters;
      publish({ type: 'info', info, worker: ctx.worker, preview });
      publish({
        type: 'counters',
        framesIn: c.framesIn,
        decoderDropped: c.decoderDropped,
        trackerSkipped: c.trackerSkipped,
        worker: ctx.worker,
      });
      pub
        .call('PUBSUB', 'NUMSUB', keys.frames)
        .then((r) => (watchers = Number((r as [string, number])[1]) || 0))
        .catch(() => undefined);
    }, COUNTERS_EVERY_MS),
  ];
  const onLockLost = (): void => finish('lock-lost', 'the lock was lost');
  const onShutdown = (): void => finish('handed-back', 'the worker is closing');
  ctx.lockLost.addEventListener('abort', onLockLost);
  ctx.shutdown.addEventListener('abort', onShutdown);
  if (ctx.lockLost.aborted) onLockLost();
  if (ctx.shutdown.aborted) onShutdown();

  const { outcome, reason } = await finished;
  for (const t of timers) clearInterval(t);
  ctx.lockLost.removeEventListener('abort', onLockLost);
  ctx.shutdown.removeEventListener('abort', onShutdown);
  session.stop();
  await Promise.race([
    Promise.all([session.childrenExited(), session.trackerReleased()]),
    new Promise((r) => setTimeout(r, 5000).unref()),
  ]);
  await encoder?.close();
  if ((outcome === 'handed-back' || outcome === 'failed') && last)
    await pub.set(keys.state, JSON.stringify(last), 'EX', STATE_TTL_S).catch(() => undefined);
  if (outcome === 'ended') {
    await pub.del(keys.state).catch(() => undefined);
    publish({ type: 'ended', reason });
  }
  await pub.quit().catch(() => undefined);
  sub.disconnect();
  return {
    camera: d.camera,
    outcome,
    reason,
    frames: session.counters.framesIn,
    resumedAt: state ? state.frameIndex : null,
  };
}
