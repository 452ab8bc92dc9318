/** The summary's aggregation per attribute tag and over the lost-vs-absent figures, and its table. */
import { describe, expect, it } from 'vitest';
import type { SequenceAttribute } from '../../src/eval/attributes.js';
import type { LostVsAbsent } from '../../src/eval/lost-vs-absent.js';
import { summarise, summaryJson, type SequenceSummary } from '../../src/eval/summary.js';
import { formatSummaryTable } from '../../src/eval/summary-table.js';

function seq(
  auc: number,
  p20: number,
  attributes: SequenceAttribute[],
  lostVsAbsent: LostVsAbsent | null = null,
): SequenceSummary {
  return {
    auc,
    p20,
    fps: 50,
    frames: 100,
    e2eFps: 40,
    op50: 0.5,
    meanIou: 0.5,
    scoredFrames: 100 - (lostVsAbsent?.absentFrames ?? 0),
    lostFrames: lostVsAbsent?.lostFrames ?? 0,
    missingFrames: 0,
    width: 320,
    height: 240,
    trackerSeconds: 2,
    wallSeconds: 2.5,
    successCurve: [],
    attributes,
    lostVsAbsent,
  };
}

const gapsLost: LostVsAbsent = {
  absentFrames: 10,
  lostFrames: 13,
  lostOnAbsent: 8,
  precision: 8 / 13,
  recall: 0.8,
};
const blinkLost: LostVsAbsent = {
  absentFrames: 1,
  lostFrames: 0,
  lostOnAbsent: 0,
  precision: Number.NaN,
  recall: 0,
};

const sequences = {
  one: seq(0.6, 0.9, ['small', 'absent', 'OCC'], gapsLost),
  two: seq(0.2, 0.3, ['small', 'fast-motion', 'IV', 'OCC'], blinkLost),
  three: seq(0.5, 0.7, ['fast-motion']),
  four: seq(0.4, 0.5, []),
};

describe('summarise', () => {
  const s = summarise(sequences);

  it('gives, per tag, the number of sequences and their mean AUC / P@20, in the documented order', () => {
    expect(Object.keys(s.byAttribute)).toEqual(['small', 'fast-motion', 'absent', 'IV', 'OCC']);
    expect(s.byAttribute.small.sequences).toBe(2);
    expect(s.byAttribute.small.auc).toBeCloseTo(0.4, 12);
    expect(s.byAttribute.small.p20).toBeCloseTo(0.6, 12);
    expect(s.byAttribute['fast-motion']).toEqual({
      sequences: 2,
      auc: expect.any(Number),
      p20: expect.any(Number),
    });
    expect(s.byAttribute['fast-motion'].auc).toBeCloseTo(0.35, 12);
    expect(s.byAttribute.absent).toEqual({ sequences: 1, auc: 0.6, p20: 0.9 });
    expect(s.byAttribute.IV).toEqual({ sequences: 1, auc: 0.2, p20: 0.3 });
    expect(s.byAttribute.OCC.sequences).toBe(2);
    // The headline mean is over every sequence, tagged or not.
    expect(s.mean.auc).toBeCloseTo(0.425, 12);
  });

  it('pools lost-vs-absent over the sequences that have absent frames', () => {
    expect(s.lostVsAbsent).toEqual({
      sequences: 2,
      absentFrames: 11,
      lostFrames: 13,
      lostOnAbsent: 8,
      precision: 8 / 13,
      recall: 8 / 11,
    });
  });

  it('writes NaN precision as null in summary.json and keeps the per-sequence tags', () => {
    const json = JSON.parse(summaryJson(s));
    expect(json.sequences.two.lostVsAbsent.precision).toBeNull();
    expect(json.sequences.two.attributes).toEqual(['small', 'fast-motion', 'IV', 'OCC']);
    expect(json.sequences.three.lostVsAbsent).toBeNull();
    expect(json.byAttribute.OCC).toEqual({ sequences: 2, auc: 0.4, p20: 0.6 });
  });

  it('has no tag and null lost-vs-absent when nothing carries them', () => {
    const plain = summarise({ a: seq(0.5, 0.5, []) });
    expect(plain.byAttribute).toEqual({});
    expect(plain.lostVsAbsent).toBeNull();
  });
});

describe('formatSummaryTable', () => {
  it('adds a tags column, one row per tag, and the lost-vs-absent rows', () => {
    const table = formatSummaryTable(summarise(sequences));
    expect(table).toContain('| one | 100 | 320x240 | 0.600 | 0.900 | 50.0 | 40.0 | 13 | small absent OCC |');
    expect(table).toContain('| small | 2 | 0.400 | 0.600 |');
    expect(table).toContain('| IV | 1 | 0.200 | 0.300 |');
    expect(table).toContain('| one | 10 | 13 | 8 | 0.615 | 0.800 |');
    expect(table).toContain('| two | 1 | 0 | 0 | n/a | 0.000 |');
    expect(table).toContain('| **pooled** (2) | 11 | 13 | 8 | 0.615 | 0.727 |');
    expect(table).not.toMatch(/\| three \| \d+ \| \d+ \|/); // no absent frames: no lost row
  });

  it('prints only the sequence table when there is no tag and no absent frame', () => {
    const table = formatSummaryTable(summarise({ a: seq(0.5, 0.5, []) }));
    expect(table.trim().split('\n')).toHaveLength(4); // header, rule, a, mean
  });
});
