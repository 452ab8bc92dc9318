import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TRACKER_OPTIONS,
  PRESETS,
  resolveTrackerOptions,
  type TrackerOptions,
} from '../../src/track/params.js';
import { validateBox, validateFrame } from '../../src/track/box.js';
import { dampedScale, interpolatedScale, pickScale, scaleFactors } from '../../src/track/scale.js';
import { SiamError } from '../../src/errors.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SiamError);
    return (e as SiamError).code;
  }
  return undefined;
}

describe('tracker options', () => {
  it('applies the default preset, then the named preset, then explicit overrides', () => {
    expect(resolveTrackerOptions()).toMatchObject({
      ...PRESETS.default,
      workers: 0,
      backend: 'auto',
      preset: 'default',
    });
    expect(resolveTrackerOptions({ preset: 'fast' }).inputSize).toBe(PRESETS.fast.inputSize);
    expect(resolveTrackerOptions({ preset: 'fast', inputSize: 256 }).inputSize).toBe(256);
    expect(resolveTrackerOptions({ lambda: undefined }).lambda).toBe(DEFAULT_TRACKER_OPTIONS.lambda);
  });

  it('every preset passes validation and sets every hyper-parameter', () => {
    const keys = Object.keys(PRESETS.default).sort();
    for (const name of Object.keys(PRESETS)) {
      expect(Object.keys(PRESETS[name]).sort()).toEqual(keys);
      expect(() => resolveTrackerOptions({ preset: name })).not.toThrow();
    }
  });

  it('rejects bad values with ERR_BAD_OPTION and a message naming the option', () => {
    expect(() => resolveTrackerOptions({ scaleStep: 0.9 })).toThrowError(
      'Expected `scaleStep` to be > 1, got 0.9',
    );
    expect(codeOf(() => resolveTrackerOptions({ scaleStep: 0.9 }))).toBe('ERR_BAD_OPTION');
    expect(codeOf(() => resolveTrackerOptions({ preset: 'turbo' }))).toBe('ERR_BAD_OPTION');
    expect(codeOf(() => resolveTrackerOptions({ inputSize: 100 }))).toBe('ERR_BAD_OPTION');
    expect(codeOf(() => resolveTrackerOptions({ scaleCount: 2 }))).toBe('ERR_BAD_OPTION');
    expect(codeOf(() => resolveTrackerOptions({ workers: -1 }))).toBe('ERR_BAD_OPTION');
    expect(codeOf(() => resolveTrackerOptions({ lambda: Number.NaN }))).toBe('ERR_BAD_OPTION');
    expect(codeOf(() => resolveTrackerOptions({ psrLost: 5, psrFound: 4 }))).toBe('ERR_BAD_OPTION');
    expect(codeOf(() => resolveTrackerOptions({ recentreBeyond: -0.1 }))).toBe('ERR_BAD_OPTION');
    expect(codeOf(() => resolveTrackerOptions({ frameTaper: -1 }))).toBe('ERR_BAD_OPTION');
    expect(() => resolveTrackerOptions({ windowFlat: 1 })).toThrowError(
      'Expected `windowFlat` to be in [0, 1), got 1',
    );
  });

  it('rejects unknown options (a typo) with ERR_BAD_OPTION and the nearest name as a hint', () => {
    const typo = { inputSise: 128 } as unknown as TrackerOptions;
    expect(() => resolveTrackerOptions(typo)).toThrowError('Unknown tracker option `inputSise`');
    expect(codeOf(() => resolveTrackerOptions(typo))).toBe('ERR_BAD_OPTION');
    try {
      resolveTrackerOptions(typo);
    } catch (e) {
      expect((e as { hint?: string }).hint).toBe('Did you mean `inputSize`?');
    }
    expect(() => resolveTrackerOptions({ modelPath: '/m.json', backend: 'cpu' })).not.toThrow();
  });
});

describe('boxes and frames', () => {
  const frame = { index: 0, timestampMs: 0, width: 64, height: 48, data: new Uint8Array(64 * 48 * 3) };

  it('accepts a box that overlaps the frame', () => {
    expect(() => validateBox({ x: 10, y: 10, width: 20, height: 20 }, frame)).not.toThrow();
    expect(() => validateBox({ x: -5, y: -5, width: 20, height: 20 }, frame)).not.toThrow();
  });

  it('rejects boxes outside the frame, of zero or NaN size with ERR_BAD_BOX', () => {
    expect(codeOf(() => validateBox({ x: 100, y: 10, width: 20, height: 20 }, frame))).toBe('ERR_BAD_BOX');
    expect(codeOf(() => validateBox({ x: -30, y: 10, width: 20, height: 20 }, frame))).toBe('ERR_BAD_BOX');
    expect(codeOf(() => validateBox({ x: 10, y: 10, width: 0, height: 20 }, frame))).toBe('ERR_BAD_BOX');
    expect(codeOf(() => validateBox({ x: 10, y: 10, width: Number.NaN, height: 20 }, frame))).toBe(
      'ERR_BAD_BOX',
    );
    expect(() => validateBox({ x: 100, y: 10, width: 20, height: 20 }, frame)).toThrowError(
      /overlap the 64x48 frame/,
    );
  });

  it('rejects frames whose data does not match their size with ERR_BAD_FRAME', () => {
    expect(codeOf(() => validateFrame({ ...frame, data: new Uint8Array(10) }))).toBe('ERR_BAD_FRAME');
    expect(() => validateFrame(frame)).not.toThrow();
  });
});

describe('scale search', () => {
  it('spreads odd counts of scales symmetrically in log scale', () => {
    const f = scaleFactors(3, 1.05);
    expect(f[0]).toBeCloseTo(1 / 1.05, 12);
    expect(f[1]).toBe(1);
    expect(f[2]).toBeCloseTo(1.05, 12);
  });

  it('penalises scale changes and damps the size update', () => {
    expect(pickScale([0.5, 0.5, 0.505], [0.95, 1, 1.05], 0.98)).toBe(1);
    expect(pickScale([0.5, 0.5, 0.6], [0.95, 1, 1.05], 0.98)).toBe(2);
    expect(dampedScale(1.1, 0.5)).toBeCloseTo(1.05, 12);
  });

  it('finds the vertex of the peak between scales', () => {
    const factors = scaleFactors(3, 1.1);
    // peaks of a parabola in log scale with its top at log(1.03)
    const top = Math.log(1.03);
    const peaks = factors.map((f) => 1 - (Math.log(f) - top) ** 2);
    expect(interpolatedScale(peaks, factors, 1)).toBeCloseTo(1.03, 10);
    expect(interpolatedScale([1, 2, 3], factors, 2)).toBe(factors[2]);
  });
});
