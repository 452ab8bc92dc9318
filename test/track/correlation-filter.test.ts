import { describe, expect, it } from 'vitest';
import { Fft2d, nextPowerOfTwo } from '../../src/track/fft2d.js';
import { CorrelationFilter } from '../../src/track/correlation-filter.js';
import { gaussianLabel } from '../../src/track/grid-maps.js';
import { coarsePeak, PeakRefiner, peakToSidelobe } from '../../src/track/response.js';
import { naiveDft, randomFeatures, rng } from '../helpers/spectra.js';

/** Solves A·x = b by Gaussian elimination with partial pivoting (A is m×m, row-major). */
function solve(a: number[][], b: number[]): number[] {
  const m = b.length;
  const M = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < m; c++) {
    let p = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < m; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= m; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => row[m] / row[i]);
}

describe('Fft2d', () => {
  it.each([2, 4, 8, 32])('matches a naive 2-D DFT (complex input) and inverts exactly, N = %i', (n) => {
    const r = rng(1);
    const re = Array.from({ length: n * n }, r);
    const im = Array.from({ length: n * n }, r);
    const input = new Float64Array(2 * n * n);
    re.forEach((v, i) => (input[2 * i] = v));
    im.forEach((v, i) => (input[2 * i + 1] = v));
    const fft = new Fft2d(n);
    const out = new Float64Array(2 * n * n);
    fft.forward(input, out);
    const [er, ei] = naiveDft(re, im, n);
    for (let k = 0; k < n * n; k++) {
      expect(out[2 * k]).toBeCloseTo(er[k], 9);
      expect(out[2 * k + 1]).toBeCloseTo(ei[k], 9);
    }
    const back = new Float64Array(2 * n * n);
    fft.inverse(out, back);
    for (let i = 0; i < back.length; i++) expect(back[i]).toBeCloseTo(input[i], 12);
  });

  it('skips the zero rows of a zero-padded map without changing the transform', () => {
    const n = 16;
    const rows = 11;
    const r = rng(2);
    const map = Float64Array.from({ length: 2 * n * n }, (_, i) => (i < 2 * rows * n ? r() : 0));
    const fft = new Fft2d(n);
    const full = new Float64Array(2 * n * n);
    fft.forward(map, full);
    const skipped = Float64Array.from(map, (v, i) => (i < 2 * rows * n ? v : 99)); // rows ≥ `rows` ignored
    fft.forwardInPlace(skipped, rows);
    for (let i = 0; i < full.length; i++) expect(skipped[i]).toBeCloseTo(full[i], 10);
  });

  it('rejects sizes fft.js cannot do', () => {
    expect(() => new Fft2d(24)).toThrowError(/power of two/);
    expect(nextPowerOfTwo(24)).toBe(32);
    expect(nextPowerOfTwo(16)).toBe(16);
  });
});

describe('CorrelationFilter (CFNet closed form)', () => {
  /**
   * The direct solution: ridge regression over every circular shift u of x,
   * min_w 1/(2n) Σ_u (Σ_l Σ_t w_l[t]·x_l[t+u] − y[u])² + λ/2 ‖w‖², solved as a dense system.
   */
  function directFilter(x: Float32Array, n: number, c: number, y: Float64Array, lambda: number): number[] {
    const cells = n * n;
    const rows: number[][] = [];
    for (let uy = 0; uy < n; uy++) {
      for (let ux = 0; ux < n; ux++) {
        const row: number[] = [];
        for (let l = 0; l < c; l++) {
          for (let ty = 0; ty < n; ty++) {
            for (let tx = 0; tx < n; tx++) {
              row.push(x[(((ty + uy) % n) * n + ((tx + ux) % n)) * c + l]);
            }
          }
        }
        rows.push(row);
      }
    }
    const d = cells * c;
    const ata = Array.from({ length: d }, (_, i) =>
      Array.from({ length: d }, (_, j) => {
        let s = 0;
        for (const row of rows) s += row[i] * row[j];
        return s / cells + (i === j ? lambda : 0);
      }),
    );
    const aty = Array.from({ length: d }, (_, i) => rows.reduce((s, row, u) => s + row[i] * y[u], 0) / cells);
    return solve(ata, aty);
  }

  for (const mode of ['filter', 'ratio'] as const) {
    it(`equals the spatial ridge-regression solution over all circular shifts (${mode})`, () => {
      const n = 4;
      const c = 3;
      const lambda = 0.05;
      const x = randomFeatures(n, c, 7);
      const y = new Float64Array(n * n);
      gaussianLabel(n, 0.8, 0.3, -0.6, y);
      const cf = new CorrelationFilter(n, c, lambda, mode);
      const xf = cf.allocSpectra();
      cf.grid.spectra(x, n, null, 1, xf);
      const yf = new Float64Array(2 * n * n);
      cf.fft.forwardReal(y, yf);
      cf.train(xf, yf, 1);
      const direct = directFilter(x, n, c, y, lambda);
      const w = new Float64Array(n * n);
      for (let l = 0; l < c; l++) {
        cf.spatialFilter(l, w);
        for (let t = 0; t < n * n; t++) expect(w[t]).toBeCloseTo(direct[l * n * n + t], 9);
      }
      // The response on the exemplar itself is the regression's fit X·w.
      const rf = new Float64Array(2 * n * n);
      cf.responseSpectrum(xf, rf);
      const r = new Float64Array(n * n);
      cf.fft.inverseReal(rf, r);
      for (let uy = 0; uy < n; uy++) {
        for (let ux = 0; ux < n; ux++) {
          let s = 0;
          for (let l = 0; l < c; l++) {
            for (let ty = 0; ty < n; ty++) {
              for (let tx = 0; tx < n; tx++) {
                s += direct[l * n * n + ty * n + tx] * x[(((ty + uy) % n) * n + ((tx + ux) % n)) * c + l];
              }
            }
          }
          expect(r[uy * n + ux]).toBeCloseTo(s, 9);
        }
      }
    });
  }

  it('blends the template with the update rate (filter mode is linear in ŵ)', () => {
    const n = 8;
    const c = 2;
    const y = new Float64Array(n * n);
    gaussianLabel(n, 1, 0, 0, y);
    const make = (): CorrelationFilter => new CorrelationFilter(n, c, 0.01, 'filter');
    const [a, b, both] = [make(), make(), make()];
    const xa = a.allocSpectra();
    const xb = a.allocSpectra();
    a.grid.spectra(randomFeatures(n, c, 3), n, null, 1, xa);
    a.grid.spectra(randomFeatures(n, c, 4), n, null, 1, xb);
    const yf = new Float64Array(2 * n * n);
    a.fft.forwardReal(y, yf);
    a.train(xa, yf, 1);
    b.train(xb, yf, 1);
    both.train(xa, yf, 1);
    both.train(xb, yf, 0.25);
    const [wa, wb, wm] = [0, 0, 0].map(() => new Float64Array(n * n));
    for (let l = 0; l < c; l++) {
      a.spatialFilter(l, wa);
      b.spatialFilter(l, wb);
      both.spatialFilter(l, wm);
      for (let t = 0; t < n * n; t++) expect(wm[t]).toBeCloseTo(0.75 * wa[t] + 0.25 * wb[t], 10);
    }
  });

  it('puts the response peak on the circular shift between exemplar and search', () => {
    const f = 24;
    const n = nextPowerOfTwo(f);
    const c = 8;
    const x = randomFeatures(f, c, 11);
    const cf = new CorrelationFilter(n, c, 1e-3);
    const xf = cf.allocSpectra();
    cf.grid.spectra(x, f, null, 1, xf);
    const y = new Float64Array(n * n);
    gaussianLabel(n, 1, 0, 0, y);
    const yf = new Float64Array(2 * n * n);
    cf.fft.forwardReal(y, yf);
    cf.train(xf, yf, 1);
    for (const [dy, dx] of [
      [0, 0],
      [3, -5],
      [-7, 2],
    ]) {
      // z = x shifted by (dy, dx) on the zero-padded N grid (content moves, wrapping).
      const z = new Float32Array(n * n * c);
      for (let yy = 0; yy < f; yy++) {
        for (let xx = 0; xx < f; xx++) {
          const ty = (((yy + dy) % n) + n) % n;
          const tx = (((xx + dx) % n) + n) % n;
          for (let l = 0; l < c; l++) z[(ty * n + tx) * c + l] = x[(yy * f + xx) * c + l];
        }
      }
      const zf = cf.allocSpectra();
      cf.grid.spectra(z, n, null, 1, zf);
      const rf = new Float64Array(2 * n * n);
      cf.responseSpectrum(zf, rf);
      const r = new Float64Array(n * n);
      cf.fft.inverseReal(rf, r);
      let best = 0;
      for (let i = 1; i < r.length; i++) if (r[i] > r[best]) best = i;
      expect([Math.floor(best / n), best % n]).toEqual([(dy + n) % n, (dx + n) % n]);
      expect(r[best]).toBeGreaterThan(0.9);
    }
  });
});

describe('reading the response', () => {
  it('locates a fractional peak by trigonometric interpolation of the spectrum', () => {
    const n = 32;
    const fft = new Fft2d(n);
    const r = new Float64Array(n * n);
    gaussianLabel(n, 1.5, 1.3, -2.6, r);
    const spectrum = new Float64Array(2 * n * n);
    fft.forwardReal(r, spectrum);
    const coarse = coarsePeak(r, n, 0);
    expect([coarse.dy, coarse.dx]).toEqual([1, -3]);
    const fine = new PeakRefiner(n, 10).refine(spectrum, coarse);
    expect(fine.dy).toBeCloseTo(1.3, 1);
    expect(fine.dx).toBeCloseTo(-2.6, 1);
    expect(fine.value).toBeCloseTo(1, 2);
  });

  it('the displacement penalty prefers the nearer of two equal peaks', () => {
    const n = 16;
    const r = new Float64Array(n * n);
    r[2 * n + 2] = 1;
    r[7 * n + 7] = 1;
    expect(coarsePeak(r, n, 0.2)).toMatchObject({ dy: 2, dx: 2, value: 1 });
  });

  it('gives a high PSR to a sharp peak and a low one to noise', () => {
    const n = 32;
    const noise = rng(5);
    const flat = Float64Array.from({ length: n * n }, () => noise());
    const sharp = Float64Array.from(flat, (v) => v * 0.05);
    sharp[3 * n + 4] = 1;
    expect(peakToSidelobe(sharp, n, coarsePeak(sharp, n, 0), 2)).toBeGreaterThan(20);
    expect(peakToSidelobe(flat, n, coarsePeak(flat, n, 0), 2)).toBeLessThan(5);
  });
});
