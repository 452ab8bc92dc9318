import { describe, expect, it } from 'vitest';
import { CorrelationFilter, type TemplateUpdate } from '../../src/track/correlation-filter.js';
import { gaussianLabel } from '../../src/track/grid-maps.js';
import { SpectralGrid } from '../../src/track/spectral-grid.js';
import { naiveDft, randomFeatures } from '../helpers/spectra.js';

/**
 * A coarse map (fc×fc, zero-padded on the N/2 grid) upsampled ×2 onto the N grid by trigonometric
 * interpolation, coarse cell i centred on fine position 2i + ½, written naively: its DFT, the
 * coarse grid's Nyquist terms dropped, placed at the same signed frequencies of the N grid, times
 * 4·e^{−πi(ky + kx)/N} (a shift of ½ fine cell), inverse DFT.
 */
function upsampleCoarse(map: number[], fc: number, n: number): number[] {
  const h = n / 2;
  const padded = Array.from({ length: h * h }, (_, i) => {
    const y = Math.floor(i / h);
    const x = i % h;
    return y < fc && x < fc ? map[y * fc + x] : 0;
  });
  const [cr, ci] = naiveDft(padded, new Array<number>(h * h).fill(0), h);
  const fr = new Array<number>(n * n).fill(0);
  const fi = new Array<number>(n * n).fill(0);
  const signed = (k: number): number => (k < h / 2 ? k : k - h);
  for (let ky = 0; ky < h; ky++) {
    for (let kx = 0; kx < h; kx++) {
      if (ky === h / 2 || kx === h / 2) continue;
      const sy = signed(ky);
      const sx = signed(kx);
      const a = (-Math.PI * (sy + sx)) / n;
      const [re, im] = [cr[ky * h + kx], ci[ky * h + kx]];
      const at = ((sy + n) % n) * n + ((sx + n) % n);
      fr[at] = 4 * (re * Math.cos(a) - im * Math.sin(a));
      fi[at] = 4 * (re * Math.sin(a) + im * Math.cos(a));
    }
  }
  // Inverse DFT = conj(DFT(conj(F))) / N²; the result is real.
  const [br] = naiveDft(
    fr,
    fi.map((v) => -v),
    n,
  );
  return br.map((v) => v / (n * n));
}

/** Fine (f×f×cf) and coarse (f/2×f/2×cc) maps packed as the trunk emits them (depth-to-space ×2). */
function pack(fine: Float32Array, cf: number, coarse: Float32Array, cc: number, f: number): Float32Array {
  const q = cc / 4;
  const packed = cf + q;
  const out = new Float32Array(f * f * packed);
  for (let y = 0; y < f; y++) {
    for (let x = 0; x < f; x++) {
      for (let l = 0; l < cf; l++) out[(y * f + x) * packed + l] = fine[(y * f + x) * cf + l];
      const coarseCell = ((y >> 1) * (f / 2) + (x >> 1)) * cc;
      const quarter = 2 * (y & 1) + (x & 1);
      for (let k = 0; k < q; k++) out[(y * f + x) * packed + cf + k] = coarse[coarseCell + quarter * q + k];
    }
  }
  return out;
}

/** The fine block and the upsampled coarse block as one fine-grid map (N×N×(cf + cc)). */
function upsampledFeatures(
  fine: Float32Array,
  cf: number,
  coarse: Float32Array,
  cc: number,
  f: number,
  n: number,
) {
  const c = cf + cc;
  const out = new Float32Array(n * n * c);
  for (let y = 0; y < f; y++)
    for (let x = 0; x < f; x++)
      for (let l = 0; l < cf; l++) out[(y * n + x) * c + l] = fine[(y * f + x) * cf + l];
  const fc = f / 2;
  for (let l = 0; l < cc; l++) {
    const map = Array.from({ length: fc * fc }, (_, i) => coarse[i * cc + l]);
    upsampleCoarse(map, fc, n).forEach((v, i) => (out[i * c + cf + l] = v));
  }
  return out;
}

describe('SpectralGrid (a coarse block at half resolution)', () => {
  it('puts a coarse cell between the four fine cells it covers', () => {
    const n = 8;
    const fc = 3;
    const impulse = new Array<number>(fc * fc).fill(0);
    impulse[1 * fc + 1] = 1;
    const up = upsampleCoarse(impulse, fc, n);
    const at = (y: number, x: number): number => up[y * n + x];
    for (const v of [at(2, 3), at(3, 2), at(3, 3)]) expect(v).toBeCloseTo(at(2, 2), 12);
    expect(Math.max(...up)).toBeCloseTo(at(2, 2), 12);
  });

  for (const mode of ['filter', 'ratio'] as TemplateUpdate[]) {
    it(`equals the one-grid filter on the coarse block upsampled by trigonometric interpolation (${mode})`, () => {
      const n = 8;
      const f = 6;
      const [cf, cc] = [3, 8];
      const lambda = 0.05;
      const two = new CorrelationFilter(n, { fine: cf, coarse: cc }, lambda, mode);
      const one = new CorrelationFilter(n, cf + cc, lambda, mode);
      const maps = (seed: number) => {
        const fine = randomFeatures(f, cf, seed);
        const coarse = randomFeatures(f / 2, cc, seed + 100);
        return { packed: pack(fine, cf, coarse, cc, f), up: upsampledFeatures(fine, cf, coarse, cc, f, n) };
      };
      const y = new Float64Array(n * n);
      gaussianLabel(n, 0.9, 0.4, -0.7, y);
      const yf = new Float64Array(2 * n * n);
      one.fft.forwardReal(y, yf);
      const gains = Float64Array.from({ length: cf + cc }, (_, l) => 1 + l / 10);
      for (const [seed, rate] of [
        [1, 1],
        [2, 0.3],
      ]) {
        const x = maps(seed);
        const [xt, xo] = [two.allocSpectra(), one.allocSpectra()];
        two.grid.spectra(x.packed, f, null, gains, xt);
        one.grid.spectra(x.up, n, null, gains, xo);
        two.train(xt, yf, rate);
        one.train(xo, yf, rate);
      }
      const z = maps(3);
      const [zt, zo] = [two.allocSpectra(), one.allocSpectra()];
      two.grid.spectra(z.packed, f, null, gains, zt);
      one.grid.spectra(z.up, n, null, gains, zo);
      const [rt, ro] = [new Float64Array(2 * n * n), new Float64Array(2 * n * n)];
      two.responseSpectrum(zt, rt);
      one.responseSpectrum(zo, ro);
      // Equal to the float32 rounding of the upsampled maps (a wrong lift or index is off by ~1).
      for (let k = 0; k < rt.length; k++) expect(rt[k]).toBeCloseTo(ro[k], 6);
      const [wt, wo] = [new Float64Array(n * n), new Float64Array(n * n)];
      for (let l = 0; l < cf + cc; l++) {
        two.spatialFilter(l, wt);
        one.spatialFilter(l, wo);
        for (let t = 0; t < n * n; t++) expect(wt[t]).toBeCloseTo(wo[t], 6);
      }
    });
  }

  it('moves a filter onto a larger grid of the same blocks as the one-grid filter does', () => {
    const [n, m, f] = [8, 16, 6];
    const [cf, cc] = [2, 4];
    const two = new CorrelationFilter(n, { fine: cf, coarse: cc }, 0.01);
    const one = new CorrelationFilter(n, cf + cc, 0.01);
    const fine = randomFeatures(f, cf, 5);
    const coarse = randomFeatures(f / 2, cc, 6);
    const y = new Float64Array(n * n);
    gaussianLabel(n, 1, 0, 0, y);
    const yf = new Float64Array(2 * n * n);
    one.fft.forwardReal(y, yf);
    const [xt, xo] = [two.allocSpectra(), one.allocSpectra()];
    two.grid.spectra(pack(fine, cf, coarse, cc, f), f, null, 1, xt);
    one.grid.spectra(upsampledFeatures(fine, cf, coarse, cc, f, n), n, null, 1, xo);
    two.train(xt, yf, 1);
    one.train(xo, yf, 1);
    // A search twice the size: the coarse block on the larger grid, against the upsampled one.
    const bigTwo = new SpectralGrid(m, { fine: cf, coarse: cc });
    const bigOne = new SpectralGrid(m, { fine: cf + cc, coarse: 0 });
    const [wt, wo] = [bigTwo.alloc(), bigOne.alloc()];
    two.spectraOnGrid(bigTwo, -2, wt);
    one.spectraOnGrid(bigOne, -2, wo);
    const F = 12;
    const zf = randomFeatures(F, cf, 7);
    const zc = randomFeatures(F / 2, cc, 8);
    const [zt, zo] = [bigTwo.alloc(), bigOne.alloc()];
    bigTwo.spectra(pack(zf, cf, zc, cc, F), F, null, 1, zt);
    bigOne.spectra(upsampledFeatures(zf, cf, zc, cc, F, m), m, null, 1, zo);
    const [rt, ro] = [new Float64Array(2 * m * m), new Float64Array(2 * m * m)];
    bigTwo.cross(wt, zt, rt);
    bigOne.cross(wo, zo, ro);
    const [at, ao] = [new Float64Array(m * m), new Float64Array(m * m)];
    bigTwo.fft.inverseReal(rt, at);
    bigOne.fft.inverseReal(ro, ao);
    // Equal up to what the cropped filter loses outside the coarse grid's band (small).
    const peak = Math.max(...ao.map(Math.abs));
    for (let t = 0; t < m * m; t++) expect(Math.abs(at[t] - ao[t])).toBeLessThan(0.05 * peak);
  });

  it('rejects a coarse block that cannot be packed in fours', () => {
    expect(() => new SpectralGrid(8, { fine: 2, coarse: 6 })).toThrowError(/fours/);
  });
});
