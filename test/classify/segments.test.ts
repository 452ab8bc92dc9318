/** Segments as pure functions: the mode filter, runs, short runs absorbed, timing, subtitles parsed back. */
import { describe, expect, it } from 'vitest';
import { segmentsOf, smoothLabels, toSegmentsCsv, toSrt, toWebVtt } from '../../src/classify/segments.js';
import type { ClipLabel } from '../../src/types.js';

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
    const s = segmentsOf(w, { smoothRadius: 1, minSegmentMs: 500 });
    expect(s.map((x) => [x.label, x.startMs, x.endMs, x.windows])).toEqual([
      ['a', 0, 1400, 3], // the first starts at its start; ends halfway between centres 1200 and 1600
      ['unknown', 1400, 2600, 3],
      ['b', 2600, 4000, 3], // the last ends at its end
    ]);
    expect(s[0].score).toBeCloseTo(0.8, 9);
    expect(s[1].score).toBeNull();
    expect(s[1].familiarity).toBeCloseTo(0.3, 9);
    // With a 1.3 s minimum the 1.2 s unknown run joins a neighbour: both are 1.4 s, the earlier wins.
    const long = segmentsOf(w, { smoothRadius: 0, minSegmentMs: 1300 });
    expect(long.map((x) => [x.label, x.startMs, x.endMs])).toEqual([
      ['a', 0, 2600],
      ['b', 2600, 4000],
    ]);
    // … and a longer neighbour wins over an earlier one.
    const w2 = windows(['a', 'a', 'a', 'unknown', 'unknown', 'unknown', 'b', 'b', 'b', 'b', 'b']);
    expect(
      segmentsOf(w2, { smoothRadius: 0, minSegmentMs: 1300 }).map((x) => [x.label, x.startMs, x.endMs]),
    ).toEqual([
      ['a', 0, 1400],
      ['b', 1400, 4800],
    ]);
    expect(segmentsOf([], {})).toEqual([]);
  });

  it('writes WebVTT, SRT and CSV that parse back to the same segments', () => {
    const s = segmentsOf(windows(['a', 'a', 'a', 'b', 'b', 'b', 'b']), { smoothRadius: 0, minSegmentMs: 0 });
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
