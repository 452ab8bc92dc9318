/** Segments as pure functions: the mode filter, the Viterbi decoder, runs, short runs absorbed, timing, subtitles parsed back. */
import { describe, expect, it } from 'vitest';
import { segmentsOf, smoothLabels, toSegmentsCsv, toSrt, toWebVtt } from '../../src/classify/segments.js';
import type { ClipLabel } from '../../src/types.js';
import { pooledScores, viterbiPath } from '../../src/classify/viterbi.js';

/** Windows of 800 ms every 400 ms with these labels (scores: 0.8 for the label). */
function windows(labels: string[], familiarity?: number[]): ClipLabel[] {
  return labels.map((label, i) => ({
    startMs: i * 400,
    endMs: i * 400 + 800,
    startFrame: i * 4,
    endFrame: i * 4 + 7,
    label,
    scores: { a: label === 'a' ? 0.8 : 0.1, b: label === 'b' ? 0.8 : 0.1 },
    timings: {},
    ...(familiarity ? { familiarity: familiarity[i] } : {}),
  }));
}

/** Parses WebVTT or SRT cues back: [start ms, end ms, text]. */
function parseCues(text: string): Array<[number, number, string]> {
  const ms = (t: string) => {
    const [h, m, s] = t.replace(',', '.').split(':');
    return Math.round((Number(h) * 3600 + Number(m) * 60 + Number(s)) * 1000);
  };
  return [...text.matchAll(/(\d\d:\d\d:\d\d[.,]\d{3}) --> (\d\d:\d\d:\d\d[.,]\d{3})\n(.+)/g)].map((m) => [
    ms(m[1]),
    ms(m[2]),
    m[3],
  ]);
}

describe('segments', () => {
  it.each([
    { labels: ['a', 'a', 'b', 'a', 'a'], radius: 1, want: ['a', 'a', 'a', 'a', 'a'] }, // a lone window yields
    { labels: ['a', 'b', 'b', 'a'], radius: 1, want: ['a', 'b', 'b', 'a'] }, // ties keep their own label
    { labels: ['a', 'b', 'a', 'b'], radius: 0, want: ['a', 'b', 'a', 'b'] }, // no filter
    { labels: ['a', 'a', 'b', 'b', 'b', 'a'], radius: 2, want: ['a', 'a', 'b', 'b', 'b', 'b'] },
  ])('mode filter $labels (radius $radius)', ({ labels, radius, want }) => {
    expect(smoothLabels(labels, radius)).toEqual(want);
  });

  it('merges runs, times each from the midpoints between window centres, and absorbs short runs', () => {
    const w = windows(
      ['a', 'a', 'a', 'unknown', 'unknown', 'unknown', 'b', 'b', 'b'],
      [0.9, 0.9, 0.9, 0.2, 0.3, 0.4, 0.9, 0.9, 0.9],
    );
    const s = segmentsOf(w, { method: 'mode', smoothRadius: 1, minSegmentMs: 500 });
    expect(s.map((x) => [x.label, x.startMs, x.endMs, x.windows])).toEqual([
      ['a', 0, 1400, 3], // the first starts at its start; ends halfway between centres 1200 and 1600
      ['unknown', 1400, 2600, 3],
      ['b', 2600, 4000, 3], // the last ends at its end
    ]);
    expect(s[0].score).toBeCloseTo(0.8, 9);
    expect(s[1].score).toBeNull();
    expect(s[1].familiarity).toBeCloseTo(0.3, 9);
    // With a 1.3 s minimum the 1.2 s unknown run joins a neighbour: both are 1.4 s, the earlier wins.
    const long = segmentsOf(w, { method: 'mode', smoothRadius: 0, minSegmentMs: 1300 });
    expect(long.map((x) => [x.label, x.startMs, x.endMs])).toEqual([
      ['a', 0, 2600],
      ['b', 2600, 4000],
    ]);
    // … and a longer neighbour wins over an earlier one.
    const w2 = windows(['a', 'a', 'a', 'unknown', 'unknown', 'unknown', 'b', 'b', 'b', 'b', 'b']);
    expect(
      segmentsOf(w2, { method: 'mode', smoothRadius: 0, minSegmentMs: 1300 }).map((x) => [
        x.label,
        x.startMs,
        x.endMs,
      ]),
    ).toEqual([
      ['a', 0, 1400],
      ['b', 1400, 4800],
    ]);
    expect(segmentsOf([], {})).toEqual([]);
  });

  it('viterbi: pools overlapping windows on a 100 ms grid, each step the mean of the windows covering it', () => {
    const w = windows(['a', 'b']); // a: 0–800 ms, b: 400–1200 ms
    const { startMs, scores } = pooledScores(w, ['a', 'b'], 100, 0.05);
    expect(startMs).toBe(0);
    expect(scores).toHaveLength(12);
    // 0–400 ms: only a (0.95 × 0.8 for a, 0.05 for unknown); 400–800: both; 800–1200: only b.
    expect(scores[1][0]).toBeCloseTo(0.95 * 0.8);
    expect(scores[1][2]).toBeCloseTo(0.05);
    expect(scores[5][0]).toBeCloseTo((0.95 * 0.8 + 0.95 * 0.1) / 2);
    expect(scores[10][1]).toBeCloseTo(0.95 * 0.8);
    const u = pooledScores(windows(['unknown']), ['a', 'b'], 100, 0.05).scores[0];
    expect(u[2]).toBeCloseTo(0.95);
  });

  it.each([
    // [per-step likelihoods of 2 states, switch cost, path]
    { steps: ['a', 'a', 'b', 'a', 'a'], cost: 5, want: [0, 0, 0, 0, 0] }, // one step does not pay a change
    { steps: ['a', 'a', 'b', 'a', 'a'], cost: 0, want: [0, 0, 1, 0, 0] }, // free changes follow each step
    { steps: ['a', 'a', 'a', 'b', 'b', 'b', 'b', 'b'], cost: 5, want: [0, 0, 0, 1, 1, 1, 1, 1] }, // a real change, in place
  ])('viterbi path $steps (cost $cost)', ({ steps, cost, want }) => {
    const scores = steps.map((x) => Float64Array.from(x === 'a' ? [0.9, 0.1] : [0.1, 0.9]));
    expect(viterbiPath(scores, cost)).toEqual(want);
  });

  it('viterbi segments: a flicker is ignored, unknown is a state, boundaries where the evidence turns', () => {
    const w = windows([
      'a',
      'a',
      'a',
      'a',
      'b',
      'a',
      'a',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'unknown',
      'b',
      'b',
      'b',
      'b',
      'b',
    ]);
    const s = segmentsOf(w, { minSegmentMs: 0 });
    expect(s.map((x) => x.label)).toEqual(['a', 'unknown', 'b']);
    // Windows of 800 ms every 400 ms: the a → unknown change comes where the covering windows
    // turn (the first unknown window starts at 2800 ms, the last a window ends at 3200).
    expect(s[1].startMs).toBeGreaterThanOrEqual(2800);
    expect(s[1].startMs).toBeLessThanOrEqual(3200);
    expect(s[0].startMs).toBe(0);
    expect(s[2].endMs).toBe(16 * 400 + 800);
    expect(s[1].score).toBeNull();
    expect(s[0].score).toBeGreaterThan(0.6);
    expect(s.reduce((n, x) => n + x.windows, 0)).toBe(w.length); // every window in one segment
  });

  it('writes WebVTT, SRT and CSV that parse back to the same segments', () => {
    const s = segmentsOf(windows(['a', 'a', 'a', 'b', 'b', 'b', 'b']), {
      method: 'mode',
      smoothRadius: 0,
      minSegmentMs: 0,
    });
    const want = s.map((x) => [Math.round(x.startMs), Math.round(x.endMs), `${x.label} (80 %)`]);
    const vtt = toWebVtt(s);
    expect(vtt.startsWith('WEBVTT\n\n')).toBe(true);
    expect(parseCues(vtt)).toEqual(want);
    const srt = toSrt(s);
    expect(srt.split('\n')[0]).toBe('1');
    expect(srt).toMatch(/^2\n00:00:01,400 --> /m);
    expect(parseCues(srt)).toEqual(want);
    const csv = toSegmentsCsv(s).trim().split('\n');
    expect(csv[0]).toBe('label,startMs,endMs,score,familiarity,windows');
    expect(csv.slice(1).map((r) => r.split(',').slice(0, 3))).toEqual(
      s.map((x) => [x.label, x.startMs.toFixed(0), x.endMs.toFixed(0)]),
    );
  });
});
