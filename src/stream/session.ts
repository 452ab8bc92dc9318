/**
 * One live session: frames from the source, stamped on arrival, shared between the tracker
 * (`trackLatest`), the optional clip classifier and the preview; plus the counters `stats` reports.
 * Knows nothing of sockets: the server passes hooks and sends what comes out.
 */
import { map, share, Subject, type Observable, type OperatorFunction, type Subscription } from 'rxjs';
import type { ClipLabel, Frame } from '../types.js';
import type { ReconnectEvent } from '../decode/index.js';
import {
  trackLatest,
  type InitialTarget,
  type PipelineEvent,
  type StampedFrame,
  type TrackCommand,
  type TrackerFactory,
} from './pipeline.js';
import { emptyCounters, type SessionCounters } from './counters.js';
import { nowMs, type SegmentMessage, type SourceInfo, type TargetState } from './protocol.js';
import { OnlineSegmenter } from '../classify/live-segments.js';
import type { SegmentOptions } from '../classify/segments.js';

/** Callbacks a frame source reports through (decode's `onInfo` / `onDropped` / `onStart`). */
export interface FrameSourceHooks {
  onInfo(info: { width: number; height: number; fps: number }): void;
  onDropped(count: number): void;
  onStart(child: { pid: number; exited?: Promise<void> }): void;
  /** A live source dropped and is being reopened. */
  onReconnect?(event: ReconnectEvent): void;
}

/** Opens the frames on subscribe and releases them (ffmpeg) in the teardown. */
export type FrameSourceFactory = (hooks: FrameSourceHooks) => Observable<Frame>;

/** What {@link startSession} runs. */
export interface SessionOptions {
  frames: FrameSourceFactory;
  createTracker: TrackerFactory;
  /** Clip classifier, if any. */
  classify?: OperatorFunction<Frame, ClipLabel>;
  /** How labels become segments (`segment` events). @default segments.ts's defaults */
  segments?: SegmentOptions;
  /** Targets started on the first frame (ids 1, 2, … in order unless given). */
  initialTargets?: readonly InitialTarget[];
  /** Targets followed at most. @default 16 */
  maxTargets?: number;
  live: boolean;
  historySize?: number;
}

/** How a session reports to the server. */
export interface SessionHooks {
  /** A tracker, classifier or state event for the clients. */
  onEvent(e: PipelineEvent | { type: 'label'; label: ClipLabel } | SegmentMessage): void;
  /** Every frame, for the preview. */
  onFrame(sf: StampedFrame): void;
  /** The source's size and rate became known (or changed). */
  onInfo(info: SourceInfo): void;
  /** The source ended (file without loop) or failed. */
  onEnd(error?: unknown): void;
  /** A live source dropped and is being reopened (it may come back). */
  onReconnect?(event: ReconnectEvent): void;
}

/** The running session. */
export interface LiveSession {
  readonly commands: Subject<TrackCommand>;
  readonly counters: SessionCounters;
  readonly info: SourceInfo | null;
  /** The targets tracked now (as in `state`). */
  readonly targets: readonly TargetState[];
  /** ffmpeg pids started so far (for tests and logs). */
  readonly childPids: number[];
  /** Resolves when every ffmpeg child started so far has exited. */
  childrenExited(): Promise<void>;
  /** Resolves when the tracker has been disposed (after stop(); a tracker thread must not be ended mid-run). */
  trackerReleased(): Promise<void>;
  /** Counts since the last call, and resets the window. */
  takeWindow(): { framesIn: number; tracksOut: number; latencies: number[] };
  stop(): void;
}

/** Starts the session now (the source is opened immediately). */
export function startSession(options: SessionOptions, hooks: SessionHooks): LiveSession {
  const commands = new Subject<TrackCommand>();
  const counters = emptyCounters();
  let window = { framesIn: 0, tracksOut: 0 };
  let info: SourceInfo | null = null;
  let targets: readonly TargetState[] = [];
  const childPids: number[] = [];
  const childExits: Array<Promise<void>> = [];
  const trackerReleases: Array<Promise<void>> = [];
  const subs: Subscription[] = [];
  let ended = false;
  const end = (e?: unknown): void => {
    if (ended) return;
    ended = true;
    hooks.onEnd(e);
  };

  const frames$ = options
    .frames({
      onInfo: (i) => {
        info = { width: i.width, height: i.height, fps: i.fps, live: options.live };
        hooks.onInfo(info);
      },
      onDropped: (n) => {
        counters.decoderDropped = n;
      },
      onStart: (c) => {
        childPids.push(c.pid);
        if (c.exited) childExits.push(c.exited);
      },
      onReconnect: (e) => hooks.onReconnect?.(e),
    })
    .pipe(
      map((frame): StampedFrame => {
        counters.framesIn++;
        if (!info || info.width !== frame.width || info.height !== frame.height) {
          info = { width: frame.width, height: frame.height, fps: info?.fps ?? 0, live: options.live };
          hooks.onInfo(info);
        }
        return { frame, decodedAt: nowMs() };
      }),
      share(),
    );

  // The tracker subscribes first; the preview encoder copies each frame to its worker.
  subs.push(
    frames$
      .pipe(
        trackLatest({
          createTracker: options.createTracker,
          commands,
          initialTargets: options.initialTargets,
          maxTargets: options.maxTargets,
          historySize: options.historySize,
          onSkipped: (n) => {
            counters.trackerSkipped = n;
          },
          onTrackerReleased: (p) => trackerReleases.push(p),
        }),
      )
      .subscribe({
        next: (e) => {
          if (e.type === 'track') {
            counters.tracksOut++;
            counters.latencies.push(e.latencyMs);
          } else if (e.type === 'state') targets = e.targets;
          hooks.onEvent(e);
        },
        error: (e: unknown) => end(e),
        complete: () => end(),
      }),
  );
  if (options.classify) {
    const segmenter = new OnlineSegmenter(options.segments);
    subs.push(
      frames$
        .pipe(
          map((sf) => sf.frame),
          options.classify,
        )
        .subscribe({
          next: (label) => {
            hooks.onEvent({ type: 'label', label });
            for (const e of segmenter.push(label)) hooks.onEvent({ type: 'segment', ...e });
          },
          error: (e: unknown) => end(e),
          complete: () => {
            for (const e of segmenter.flush()) hooks.onEvent({ type: 'segment', ...e });
          },
        }),
    );
  }
  subs.push(frames$.subscribe({ next: (sf) => hooks.onFrame(sf), error: () => undefined }));

  return {
    commands,
    counters,
    get info() {
      return info;
    },
    get targets() {
      return targets;
    },
    childPids,
    childrenExited: () => Promise.all(childExits).then(() => undefined),
    trackerReleased: () => Promise.all(trackerReleases).then(() => undefined),
    takeWindow() {
      const out = {
        framesIn: counters.framesIn - window.framesIn,
        tracksOut: counters.tracksOut - window.tracksOut,
        latencies: counters.latencies,
      };
      window = { framesIn: counters.framesIn, tracksOut: counters.tracksOut };
      counters.latencies = [];
      return out;
    },
    stop() {
      ended = true;
      for (const s of subs.splice(0)) s.unsubscribe();
      commands.complete();
    },
  };
}
