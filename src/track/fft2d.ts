/**
 * 2-D discrete Fourier transform of N×N maps, rows with fft.js (the wasm backend has no FFT kernel).
 *
 * fft.js (indutny/fft.js, radix-4) only transforms power-of-two lengths, so the correlation
 * filter pads its feature maps to a power-of-two side N. The 2-D transform is separable: 1-D
 * transforms of every row, then of every column. One `FFT` instance and a few typed buffers are
 * allocated per `Fft2d` and reused on every call.
 *
 * Layout: complex maps are interleaved `[re, im, re, im, …]`, row-major, length `2·N²`;
 * real maps are row-major, length `N²`. Convention: X[k] = Σ_t x[t]·e^{−2πi k·t / N}, and the
 * inverse divides by N² (fft.js divides each 1-D inverse by N).
 */
import FFT from 'fft.js';

/** Is `n` a power of two ≥ 2 (the sizes fft.js accepts)? */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

/** The smallest power of two ≥ `n` (and ≥ 2). */
export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/**
 * A reusable N×N 2-D FFT: fft.js transforms the rows (from the caller's map into a work buffer,
 * through views made once), then one radix-2 pass over the columns transforms all of them at
 * once, each butterfly a contiguous loop over a whole row pair — ~30 % faster than gathering every
 * column into a line for fft.js (`bench/correlation-filter.ts`). Nothing is allocated per call
 * but the row views of the caller's map.
 */
export class Fft2d {
  readonly n: number;
  private readonly fft: FFT;
  /** Where every transform lands; `rows` views of it for fft.js. */
  private readonly work: Float64Array;
  private readonly rows: Float64Array[];
  private readonly line: Float64Array;
  /** e^{−2πi·j/N} for j < N/2, interleaved. */
  private readonly twiddles: Float64Array;
  /** Bit-reversed order of the N rows. */
  private readonly reversed: Int32Array;

  constructor(n: number) {
    if (!isPowerOfTwo(n)) throw new RangeError(`Expected the FFT size to be a power of two ≥ 2, got ${n}`);
    this.n = n;
    this.fft = new FFT(n);
    this.work = new Float64Array(2 * n * n);
    this.rows = Array.from({ length: n }, (_, y) => this.work.subarray(2 * y * n, 2 * (y + 1) * n));
    this.line = new Float64Array(2 * n);
    this.twiddles = new Float64Array(n);
    for (let j = 0; j < n / 2; j++) {
      this.twiddles[2 * j] = Math.cos((-2 * Math.PI * j) / n);
      this.twiddles[2 * j + 1] = Math.sin((-2 * Math.PI * j) / n);
    }
    const bits = Math.log2(n);
    this.reversed = Int32Array.from({ length: n }, (_, i) => {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      return r;
    });
  }

  /** Forward transform of a real N×N map into `out` (complex, 2·N²). */
  forwardReal(input: ArrayLike<number>, out: Float64Array): void {
    for (let i = 0, m = out.length / 2; i < m; i++) {
      out[2 * i] = input[i];
      out[2 * i + 1] = 0;
    }
    this.run(out, false, this.n);
    out.set(this.work);
  }

  /**
   * Forward transform of a complex map in place; rows from `rows` on are taken as zero (the
   * zero-padded features), their transforms skipped.
   */
  forwardInPlace(map: Float64Array, rows = this.n): void {
    this.run(map, false, rows);
    map.set(this.work);
  }

  /** Forward transform of a complex map (`input` is left untouched). */
  forward(input: Float64Array, out: Float64Array): void {
    this.run(input, false, this.n);
    out.set(this.work);
  }

  /** Inverse transform of a complex map, keeping the real part in `outReal` (N²). */
  inverseReal(input: Float64Array, outReal: Float64Array): void {
    this.run(input, true, this.n);
    const w = this.work;
    for (let i = 0, m = outReal.length; i < m; i++) outReal[i] = w[2 * i];
  }

  /** Inverse transform of a complex map into a complex map. */
  inverse(input: Float64Array, out: Float64Array): void {
    this.run(input, true, this.n);
    out.set(this.work);
  }

  /** Transforms `src` into `work`: its first `rows` rows (the others are zero), then every column. */
  private run(src: Float64Array, inverse: boolean, rows: number): void {
    const n = this.n;
    const span = 2 * n;
    for (let y = 0; y < rows; y++) {
      const row = src.subarray(y * span, (y + 1) * span);
      if (inverse) this.fft.inverseTransform(this.rows[y], row);
      else this.fft.transform(this.rows[y], row);
    }
    if (rows < n) this.work.fill(0, rows * span);
    this.columns(inverse);
  }

  /** Radix-2 decimation in time along y, all columns at once (fft.js's scaling: 1/N inverse). */
  private columns(inverse: boolean): void {
    const { n, work: x, twiddles: tw, reversed, line } = this;
    const span = 2 * n;
    for (let i = 0; i < n; i++) {
      const j = reversed[i];
      if (j <= i) continue;
      line.set(this.rows[i]);
      x.copyWithin(i * span, j * span, (j + 1) * span);
      x.set(line, j * span);
    }
    const sign = inverse ? -1 : 1;
    // The first two stages at once, as radix-4 butterflies: their twiddles are 1 and ∓i, so no
    // multiplications (a 32×32 2-D FFT 17.7 → 15.9 µs, bench/correlation-filter.ts).
    const first = n >= 4 ? 8 : 2;
    if (n >= 4) {
      for (let start = 0; start < n; start += 4) {
        const r0 = start * span;
        const r1 = r0 + span;
        const r2 = r1 + span;
        const r3 = r2 + span;
        for (let q = 0; q < span; q += 2) {
          // Stage 1: (0, 1) and (2, 3) with twiddle 1.
          const ar = x[r0 + q] + x[r1 + q];
          const ai = x[r0 + q + 1] + x[r1 + q + 1];
          const br = x[r0 + q] - x[r1 + q];
          const bi = x[r0 + q + 1] - x[r1 + q + 1];
          const cr = x[r2 + q] + x[r3 + q];
          const ci = x[r2 + q + 1] + x[r3 + q + 1];
          const dr = x[r2 + q] - x[r3 + q];
          const di = x[r2 + q + 1] - x[r3 + q + 1];
          // Stage 2: (a, c) with twiddle 1, (b, d) with e^{∓iπ/2} = ∓i: d·(∓i) = (±di, ∓dr).
          const tr = sign * di;
          const ti = -sign * dr;
          x[r0 + q] = ar + cr;
          x[r0 + q + 1] = ai + ci;
          x[r2 + q] = ar - cr;
          x[r2 + q + 1] = ai - ci;
          x[r1 + q] = br + tr;
          x[r1 + q + 1] = bi + ti;
          x[r3 + q] = br - tr;
          x[r3 + q + 1] = bi - ti;
        }
      }
    }
    for (let size = first; size <= n; size <<= 1) {
      const half = size >> 1;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let j = 0; j < half; j++) {
          const wr = tw[2 * j * step];
          const wi = sign * tw[2 * j * step + 1];
          const a0 = (start + j) * span;
          const b0 = a0 + half * span;
          for (let q = 0; q < span; q += 2) {
            const a = a0 + q;
            const b = b0 + q;
            const br = x[b];
            const bi = x[b + 1];
            const tr = wr * br - wi * bi;
            const ti = wr * bi + wi * br;
            x[b] = x[a] - tr;
            x[b + 1] = x[a + 1] - ti;
            x[a] += tr;
            x[a + 1] += ti;
          }
        }
      }
    }
    if (inverse) for (let i = 0, s = 1 / n; i < x.length; i++) x[i] *= s;
  }
}
