import { of, Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import {
  classifyClips,
  clipWindows,
  windowGeometry,
  type WindowClassifier,
} from '../../src/classify/classify-clips.js';
import type { ClipLabel, Frame } from '../../src/types.js';

/** Fake frames: index i, 100 ms apart, 1×1 pixel. */
const frame = (i: number): Frame => ({
  index: i,
  timestampMs: i * 100,
  width: 1,
  height: 1,
  data: new Uint8Array(3),
});
const FRAMES: Record<string, Frame> = Object.fromEntries('abcdefgh'.split('').map((c, i) => [c, frame(i)]));

/** A stub classifier: labels a window by its frame span, synchronously (so virtual time holds). */
const stub: WindowClassifier = {
  clipLength: 4,
  classify: (w: Frame[]) => of(label(w)),
};
function label(w: Frame[]): ClipLabel {
  const first = w[0];
  const last = w[w.length - 1];
  return {
    startMs: first.timestampMs,
    endMs: last.timestampMs + 100,
    startFrame: first.index,
    endFrame: last.index,
    label: `${first.index}-${last.index}`,
    scores: { [`${first.index}-${last.index}`]: 1 },
    timings: {},
  };
}
const span = (a: number, b: number) => label([frame(a), frame(b)]);

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('classifyClips (marble)', () => {
  it('emits one label per full window of 4 frames every 2 frames; the covered tail is dropped', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-d-e-f-|', FRAMES);
      expectObservable(source.pipe(classifyClips({ classifier: stub }))).toBe('-------x---y-|', {
        x: span(0, 3),
        y: span(2, 5),
      });
    });
  });

  it('keeps the first partial window that reaches frames no full window covered', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c-d-e-f-g-|', FRAMES);
      expectObservable(source.pipe(classifyClips({ classifier: stub }))).toBe('-------x---y---(z|)', {
        x: span(0, 3),
        y: span(2, 5),
        z: span(4, 6),
      });
    });
  });

  it('labels a stream shorter than one window once, at completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-|', FRAMES).pipe(classifyClips({ classifier: stub }))).toBe('-----(x|)', {
        x: span(0, 1),
      });
    });
  });

  it('honours windowLength and stride (non-overlapping windows of 3)', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('abcdefg|', FRAMES);
      expectObservable(source.pipe(classifyClips({ classifier: stub, windowLength: 3, stride: 3 }))).toBe(
        '--x--y-(z|)',
        {
          x: span(0, 2),
          y: span(3, 5),
          z: span(6, 6),
        },
      );
    });
  });

  it('empty in, empty out; errors pass through; unsubscribing stops the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<Frame>('|').pipe(classifyClips({ classifier: stub }))).toBe('|');
      expectObservable(cold('-a-b-#', FRAMES).pipe(classifyClips({ classifier: stub }))).toBe('-----#');
      const source = cold('-a-b-c-d-e-f-|', FRAMES);
      expectObservable(source.pipe(classifyClips({ classifier: stub })), '^--------!').toBe('-------x', {
        x: span(0, 3),
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });
});

describe('classifyClips with an async classifier', () => {
  it('keeps window order and releases `stride` demand credits per window', async () => {
    const released: number[] = [];
    const slow: WindowClassifier = { classify: async (w) => label(w) };
    const out: ClipLabel[] = [];
    const source = new Subject<Frame>();
    const done = new Promise<void>((resolve) =>
      source
        .pipe(
          classifyClips({
            classifier: slow,
            windowLength: 4,
            stride: 2,
            demand: { release: (n = 1) => released.push(n) },
          }),
        )
        .subscribe({
          next: (l) => out.push(l),
          complete: resolve,
        }),
    );
    for (let i = 0; i < 8; i++) source.next(frame(i));
    source.complete();
    await done;
    expect(out.map((l) => l.label)).toEqual(['0-3', '2-5', '4-7']);
    expect(released).toEqual([2, 2, 2]);
    expect(JSON.parse(JSON.stringify(out[0]))).toEqual(out[0]);
  });

  it('clipWindows and windowGeometry validate', () => {
    expect(() => windowGeometry({ windowLength: 4, stride: 5 })).toThrow(/`stride`/);
    expect(() => windowGeometry({ windowLength: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_BAD_OPTION', message: expect.stringContaining('windowLength') }),
    );
    expect(windowGeometry({ classifier: stub })).toEqual({ windowLength: 4, stride: 2 });
    expect(typeof clipWindows(2, 1)).toBe('function');
  });
});
