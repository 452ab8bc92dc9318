/** trackLatest(): one frame at a time, newest frame wins, commands between frames, clean teardown. */
import { Subject, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  clipBox,
  trackLatest,
  type PipelineEvent,
  type StampedFrame,
  type TrackCommand,
} from '../../src/stream/pipeline.js';
import type { Box, Frame } from '../../src/types.js';
import { identityTracker } from './helpers.js';

const frame = (index: number): StampedFrame => ({
  frame: { index, timestampMs: index * 33, width: 100, height: 50, data: new Uint8Array(100 * 50 * 3) },
  decodedAt: performance.timeOrigin + performance.now(),
});
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));
const box: Box = { x: 10, y: 10, width: 20, height: 20 };

describe('trackLatest', () => {
  it('inits on the first frame and tracks every frame when the tracker keeps up', async () => {
    const frames = new Subject<StampedFrame>();
    const out = lastValueFrom(
      frames.pipe(
        trackLatest({ createTracker: () => identityTracker(), commands: new Subject(), initialBox: box }),
        toArray(),
      ),
    );
    for (let i = 0; i < 5; i++) {
      frames.next(frame(i));
      await tick(2);
    }
    frames.complete();
    const events = await out;
    expect(events[0]).toEqual({ type: 'state', tracking: true, initBox: box, frameIndex: 0 });
    const tracks = events.filter((e) => e.type === 'track');
    expect(tracks.map((t) => t.result.frameIndex)).toEqual([0, 1, 2, 3, 4]); // the init frame's result first
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
          initialBox: box,
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
    const tracks = (await out).filter((e) => e.type === 'track').filter((e) => e.result.frameIndex > 0); // after init's
    expect(tracks.map((e) => e.result.frameIndex)).toEqual([1, 10]);
    expect(skipped).toBe(8);
    // latencyMs is decoded → result: it includes the tracker's 30 ms (timers may fire ~1 ms early),
    // and frame 10, which waited for frame 1's update, at least the rest of it as well.
    expect(tracks[0].latencyMs).toBeGreaterThanOrEqual(29);
    expect(tracks[1].latencyMs).toBeGreaterThanOrEqual(29 + 20);
  });

  it('inits on the frame a client names, clips boxes, reports bad boxes to the sender, and stops', async () => {
    const frames = new Subject<StampedFrame>();
    const commands = new Subject<TrackCommand>();
    const inits: Frame[] = [];
    const base = identityTracker();
    const events: PipelineEvent[] = [];
    const sub = frames
      .pipe(
        trackLatest({
          createTracker: () => ({ ...base, init: (f: Frame, b: Box) => (inits.push(f), base.init(f, b)) }),
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
    expect(events.at(-1)).toMatchObject({ type: 'track', result: { frameIndex: 2 } }); // init's result …
    expect(events.at(-2)).toEqual({
      // … after the state
      type: 'state',
      tracking: true,
      initBox: { x: 90, y: 40, width: 10, height: 10 },
      frameIndex: 2,
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
    expect(events.at(-1)).toMatchObject({ type: 'track', result: { frameIndex: 5 } });
    commands.next({ type: 'stop' });
    await tick(5);
    expect(events.at(-1)).toEqual({ type: 'state', tracking: false, initBox: null, frameIndex: null });
    frames.next(frame(6));
    await tick(5);
    expect(events.at(-1)?.type).toBe('state');
    sub.unsubscribe();
  });

  it('disposes the tracker on unsubscribe, after the update in progress, and says when it is released', async () => {
    let disposed = 0;
    let released: Promise<void> | undefined;
    const t = identityTracker(20);
    const frames = new Subject<StampedFrame>();
    const sub = frames
      .pipe(
        trackLatest({
          createTracker: () => ({ ...t, dispose: async () => void disposed++ }),
          commands: new Subject(),
          initialBox: box,
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
