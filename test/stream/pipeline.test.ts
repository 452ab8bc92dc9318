/**
 * trackLatest(): one frame at a time, newest frame wins, commands between frames (several targets
 * beside each other, version 1's target-less init and stop), clean teardown.
 *
 * Time is vitest's fake clock (timers and `performance`): the fake trackers' delays and the
 * latencies are exact, so a busy machine cannot reorder a burst against a tracker's update.
 */
import { Subject, lastValueFrom, of, toArray } from 'rxjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  clipBox,
  trackLatest,
  type PipelineEvent,
  type StampedFrame,
  type TrackCommand,
} from '../../src/stream/pipeline.js';
import type { Box, Frame } from '../../src/types.js';
import { fakeMultiTracker } from '../helpers/fake-tracker.js';
import { identityTracker } from './helpers.js';

const frame = (index: number): StampedFrame => ({
  frame: { index, timestampMs: index * 33, width: 100, height: 50, data: new Uint8Array(100 * 50 * 3) },
  decodedAt: performance.timeOrigin + performance.now(),
});
/** Moves the fake clock on by `ms`, running the timers and promise callbacks due meanwhile. */
const tick = (ms = 0): Promise<unknown> => vi.advanceTimersByTimeAsync(ms);
const box: Box = { x: 10, y: 10, width: 20, height: 20 };

describe('trackLatest', () => {
  beforeEach(() => {
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'performance'],
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('inits on the first frame and tracks every frame when the tracker keeps up', async () => {
    const frames = new Subject<StampedFrame>();
    const out = lastValueFrom(
      frames.pipe(
        trackLatest({
          createTracker: () => identityTracker(),
          commands: new Subject(),
          initialTargets: [{ box }],
        }),
        toArray(),
      ),
    );
    for (let i = 0; i < 5; i++) {
      frames.next(frame(i));
      await tick(2);
    }
    frames.complete();
    const events = await out;
    expect(events[0]).toEqual({
      type: 'state',
      tracking: true,
      target: 1,
      initBox: box,
      frameIndex: 0,
      targets: [{ id: 1, initBox: box, frameIndex: 0 }],
    });
    const tracks = events.filter((e) => e.type === 'track');
    expect(tracks.map((t) => t.results.map((r) => [r.id, r.frameIndex]))).toEqual(
      [0, 1, 2, 3, 4].map((i) => [[1, i]]), // the init frame's result first
    );
    for (const t of tracks) expect(t.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('skips stale frames while the tracker is busy, keeping the newest', async () => {
    const frames = new Subject<StampedFrame>();
    let skipped = 0;
    const out = lastValueFrom(
      frames.pipe(
        trackLatest({
          createTracker: () => identityTracker(30),
          commands: new Subject(),
          initialTargets: [{ box }],
          onSkipped: (n) => (skipped = n),
        }),
        toArray(),
      ),
    );
    frames.next(frame(0));
    await tick(5);
    frames.next(frame(1));
    await tick(5); // frame 1 is in the tracker (30 ms)
    for (let i = 2; i <= 10; i++) frames.next(frame(i)); // a burst meanwhile: only 10 survives
    frames.complete();
    await tick(100); // frame 1's update ends at 35 ms, frame 10's at 65 ms
    const tracks = (await out).filter((e) => e.type === 'track').filter((e) => e.results[0].frameIndex > 0); // after init's
    expect(tracks.map((e) => e.results[0].frameIndex)).toEqual([1, 10]);
    expect(skipped).toBe(8);
    // latencyMs is decoded → result: frame 1 (decoded at 5 ms) the tracker's 30 ms; frame 10
    // (decoded at 10 ms) waited 25 ms for frame 1's update, then took its own 30 ms.
    expect(tracks[0].latencyMs).toBeCloseTo(30, 6);
    expect(tracks[1].latencyMs).toBeCloseTo(25 + 30, 6);
  });

  it('inits on the frame a client names, clips boxes, reports bad boxes to the sender, and stops', async () => {
    const frames = new Subject<StampedFrame>();
    const commands = new Subject<TrackCommand>();
    const inits: Frame[] = [];
    const events: PipelineEvent[] = [];
    const sub = frames
      .pipe(
        trackLatest({
          createTracker: () => fakeMultiTracker({ onAdd: (f) => inits.push(f) }),
          commands,
        }),
      )
      .subscribe((e) => events.push(e));
    for (let i = 0; i < 5; i++) frames.next(frame(i));
    await tick(5);
    expect(events).toEqual([]); // nothing to track yet
    const replies: unknown[] = [];
    commands.next({ type: 'init', box: { x: 90, y: 40, width: 50, height: 50 }, frameIndex: 2 });
    await tick(5);
    expect(inits.map((f) => f.index)).toEqual([2]);
    expect(events.at(-1)).toMatchObject({ type: 'track', results: [{ id: 1, frameIndex: 2 }] }); // init's result …
    const clipped = { x: 90, y: 40, width: 10, height: 10 };
    expect(events.at(-2)).toEqual({
      // … after the state
      type: 'state',
      tracking: true,
      target: 1,
      initBox: clipped,
      frameIndex: 2,
      targets: [{ id: 1, initBox: clipped, frameIndex: 2 }],
    });
    commands.next({
      type: 'init',
      box: { x: 500, y: 500, width: 5, height: 5 },
      reply: (e) => replies.push(e),
    });
    await tick(5);
    expect(replies).toMatchObject([{ type: 'error', code: 'ERR_BAD_BOX' }]);
    frames.next(frame(5));
    await tick(5);
    expect(events.at(-1)).toMatchObject({ type: 'track', results: [{ frameIndex: 5 }] });
    commands.next({ type: 'stop' });
    await tick(5);
    expect(events.at(-1)).toEqual({
      type: 'state',
      tracking: false,
      target: null,
      initBox: null,
      frameIndex: null,
      targets: [],
    });
    frames.next(frame(6));
    await tick(5);
    expect(events.at(-1)?.type).toBe('state');
    sub.unsubscribe();
  });

  it('follows several targets: each added, restarted and stopped by its id, one result each per frame', async () => {
    const frames = new Subject<StampedFrame>();
    const commands = new Subject<TrackCommand>();
    const replies: unknown[] = [];
    const reply = (e: unknown): number => replies.push(e);
    const events: PipelineEvent[] = [];
    const b2 = { x: 50, y: 5, width: 10, height: 10 };
    const sub = frames
      .pipe(
        trackLatest({
          createTracker: () => identityTracker(),
          commands,
          initialTargets: [{ box }],
          maxTargets: 3,
        }),
      )
      .subscribe((e) => events.push(e));
    const ids = (): number[][] =>
      events.filter((e) => e.type === 'track').map((e) => e.results.map((r) => r.id));
    const lastState = () => events.filter((e) => e.type === 'state').at(-1);
    frames.next(frame(0));
    await tick(2);
    commands.next({ type: 'init', box: b2, target: 5 });
    await tick(2);
    expect(lastState()).toMatchObject({ target: 5, targets: [{ id: 1 }, { id: 5, initBox: b2 }] });
    frames.next(frame(1));
    await tick(2);
    expect(ids().at(-1)).toEqual([1, 5]);
    // Restarting 5 keeps 1 and the order; a fourth target beyond maxTargets is refused.
    commands.next({ type: 'init', box, target: 5 });
    commands.next({ type: 'init', box: b2, target: 2 });
    commands.next({ type: 'init', box: b2, target: 3, reply });
    await tick(2);
    expect(lastState()?.targets.map((t) => t.id)).toEqual([1, 5, 2]);
    expect(replies).toMatchObject([{ type: 'error', code: 'ERR_TOO_MANY_TARGETS' }]);
    commands.next({ type: 'stop', target: 1 });
    commands.next({ type: 'stop', target: 9, reply });
    frames.next(frame(2));
    await tick(2);
    expect(lastState()).toMatchObject({
      tracking: true,
      target: 1,
      initBox: null,
      targets: [{ id: 5 }, { id: 2 }],
    });
    expect(replies.at(-1)).toMatchObject({
      code: 'ERR_NOT_INITIALISED',
      message: expect.stringContaining('9'),
    });
    expect(ids().at(-1)).toEqual([5, 2]);
    // Version 1's init (no target) replaces them all by target 1.
    commands.next({ type: 'init', box: b2 });
    frames.next(frame(3));
    await tick(2);
    expect(lastState()).toMatchObject({ target: 1, targets: [{ id: 1, initBox: b2 }] });
    expect(ids().at(-1)).toEqual([1]);
    sub.unsubscribe();
  });

  it('an initial box outside the frame or beyond maxTargets ends the session with its code', async () => {
    const run = (initialTargets: { box: Box }[], maxTargets?: number) =>
      lastValueFrom(
        of(frame(0)).pipe(
          trackLatest({
            createTracker: () => identityTracker(),
            commands: new Subject(),
            initialTargets,
            maxTargets,
          }),
        ),
      );
    await expect(run([{ box: { x: 500, y: 0, width: 5, height: 5 } }])).rejects.toMatchObject({
      code: 'ERR_BAD_BOX',
    });
    await expect(run([{ box }, { box }], 1)).rejects.toMatchObject({ code: 'ERR_TOO_MANY_TARGETS' });
  });

  it('disposes the tracker on unsubscribe, after the update in progress, and says when it is released', async () => {
    let disposed = 0;
    let released: Promise<void> | undefined;
    const frames = new Subject<StampedFrame>();
    const sub = frames
      .pipe(
        trackLatest({
          createTracker: () => fakeMultiTracker({ delayMs: 20, dispose: async () => void disposed++ }),
          commands: new Subject(),
          initialTargets: [{ box }],
          onTrackerReleased: (p) => (released = p),
        }),
      )
      .subscribe();
    frames.next(frame(0));
    await tick(2);
    frames.next(frame(1));
    await tick(2);
    sub.unsubscribe();
    expect(disposed).toBe(0); // update of frame 1 still running
    expect(released).toBeDefined();
    await tick(20); // the rest of frame 1's update
    await released;
    expect(disposed).toBe(1);
  });

  it('clips boxes to the frame', () => {
    expect(clipBox({ x: -5, y: -5, width: 20, height: 20 }, 100, 50)).toEqual({
      x: 0,
      y: 0,
      width: 15,
      height: 15,
    });
    expect(clipBox({ x: 99, y: 0, width: 20, height: 20 }, 100, 50)).toBeNull();
  });
});
