import { describe, expect, it } from 'vitest';
import { OnlineSegmenter, type SegmentEvent } from '../../src/classify/live-segments.js';
import { segmentsOf } from '../../src/classify/segments.js';
import type { ClipLabel } from '../../src/types.js';

/** Windows of 1600 ms every 400 ms, one per letter of `labels` (u = unknown). */
function windows(labels: string): ClipLabel[] {
  return [...labels].map((ch, i) => {
    const label = ch === 'u' ? 'unknown' : ch;
    return {
      startMs: i * 400,
      endMs: i * 400 + 1600,
      startFrame: i * 4,
      endFrame: i * 4 + 15,
      label,
      scores: { a: label === 'a' ? 0.8 : 0.1, b: label === 'b' ? 0.8 : 0.1, c: label === 'c' ? 0.8 : 0.1 },
      timings: {},
    };
  });
}

/** Feeds the windows one by one, then flushes; every event with the window count it came after. */
function run(ws: ClipLabel[], options = {}): Array<SegmentEvent & { after: number }> {
  const s = new OnlineSegmenter(options);
  const out: Array<SegmentEvent & { after: number }> = [];
  ws.forEach((w, i) => out.push(...s.push(w).map((e) => ({ ...e, after: i + 1 }))));
  out.push(...s.flush().map((e) => ({ ...e, after: Infinity })));
  return out;
}

const ended = (events: SegmentEvent[]) => events.filter((e) => e.event === 'end').map((e) => e.segment);

describe('OnlineSegmenter', () => {
  it('starts a segment once its label has lasted the minimum, dated back to its first window', () => {
    const events = run(windows('aaaaaaaa'));
    // Window i speaks from halfway between its centre and the previous one's to halfway to the
    // next one's: the first for 0 … 1000 ms, enough. It is smoothed once window 1 is in (radius 1)
    // and placed once window 1 is smoothed, i.e. when window 2 arrives.
    expect(events[0]).toMatchObject({ event: 'start', after: 3, segment: { label: 'a', startMs: 0 } });
    expect(events.slice(1)).toEqual([
      expect.objectContaining({
        event: 'end',
        after: Infinity,
        segment: expect.objectContaining({ label: 'a', startMs: 0, endMs: 4400, windows: 8 }),
      }),
    ]);
    expect(ended(events)[0].score).toBeCloseTo(0.8);
  });

  it('smooths a one-window blip away and absorbs a run shorter than the minimum (table)', () => {
    const cases: Array<[string, Record<string, number>, string[]]> = [
      ['aaaabaaaa', {}, ['a']], // the mode filter removes b
      ['aaaabbaaaa', { smoothRadius: 0 }, ['a']], // 2 windows of b: 800 ms < 1000 ms
      ['aaaabbaaaa', { smoothRadius: 0, minSegmentMs: 500 }, ['a', 'b', 'a']],
      ['aaaaaaaauuuuuuuubbbbbbbb', {}, ['a', 'unknown', 'b']],
    ];
    for (const [labels, options, expected] of cases)
      expect(
        ended(run(windows(labels), options)).map((s) => s.label),
        labels,
      ).toEqual(expected);
  });

  it('ends a segment where the next one starts, and unknown segments have no score', () => {
    const events = run(windows('aaaaaaaauuuuuuuubbbbbbbb'));
    expect(events.map((e) => `${e.event} ${e.segment.label}`)).toEqual([
      'start a',
      'end a',
      'start unknown',
      'end unknown',
      'start b',
      'end b',
    ]);
    const [a, u, b] = ended(events);
    expect(a.endMs).toBe(u.startMs);
    expect(u.endMs).toBe(b.startMs);
    expect(u.score).toBeNull();
    // Each start came before the stream ended, with the start the end later confirms.
    const starts = events.filter((e) => e.event === 'start');
    expect(starts.every((e) => Number.isFinite(e.after))).toBe(true);
    expect(starts.map((e) => e.segment.startMs)).toEqual([a.startMs, u.startMs, b.startMs]);
  });

  it('gives the offline segments on clean label sequences', () => {
    for (const labels of ['aaaaaaaauuuuuuuubbbbbbbb', 'aaaabaaaaccccccccc', 'bbbbbbbbbbaaaaaaaaaa']) {
      const ws = windows(labels);
      const online = ended(run(ws));
      const offline = segmentsOf(ws, { method: 'mode' });
      expect(
        online.map((s) => [s.label, s.startMs, s.endMs, s.windows]),
        labels,
      ).toEqual(offline.map((s) => [s.label, s.startMs, s.endMs, s.windows]));
      online.forEach((s, i) => expect(s.score ?? -1).toBeCloseTo(offline[i].score ?? -1));
    }
  });

  it('ends a stream shorter than the minimum with its one segment', () => {
    expect(run(windows('bb')).map((e) => `${e.event} ${e.segment.label}`)).toEqual(['start b', 'end b']);
    expect(run([])).toEqual([]);
  });
});
