/**
 * 2-D discrete Fourier transform of N×N maps with fft.js (the wasm backend has no FFT kernel).
 *
 * fft.js (indutny/fft.js, radix-4) only transforms power-of-two lengths, so the correlation
 * filter pads its feature maps to a power-of-two side N. The 2-D transform is separable: 1-D
 * transforms of every row, then of every column. One `FFT` instance and a few typed buffers are
 * allocated per `Fft2d` and reused on every call: nothing is allocated per frame.
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

/** A reusable N×N 2-D FFT (rows, then columns). */
export class Fft2d {
  readonly n: number;
  private readonly fft: FFT;
  private readonly lineIn: Float64Array;
  private readonly lineOut: Float64Array;
  private readonly work: Float64Array;

  constructor(n: number) {
    if (!isPowerOfTwo(n)) throw new RangeError(`Expected the FFT size to be a power of two ≥ 2, got ${n}`);
    this.n = n;
    this.fft = new FFT(n);
    this.lineIn = new Float64Array(2 * n);
    this.lineOut = new Float64Array(2 * n);
    this.work = new Float64Array(2 * n * n);
  }

  /** Forward transform of a real N×N map into `out` (complex, 2·N²). */
  forwardReal(input: ArrayLike<number>, out: Float64Array): void {
    const w = this.work;
    for (let i = 0, m = w.length / 2; i < m; i++) {
      w[2 * i] = input[i];
      w[2 * i + 1] = 0;
    }
    this.transformInPlace(w, out, false);
  }

  /**
   * Forward transforms of two real maps at the cost of one complex transform: with z = a + i·b,
   * (only the first `rows` rows of `a` and `b` are read; the others are taken as zero)
   * A[k] = (Z[k] + conj Z[−k]) / 2 and B[k] = (Z[k] − conj Z[−k]) / 2i (the two-for-one trick,
   * Press et al., Numerical Recipes §12.3).
   */
  forwardRealPair(
    a: ArrayLike<number>,
    b: ArrayLike<number>,
    outA: Float64Array,
    outB: Float64Array,
    rows = this.n,
  ): void {
    const n = this.n;
    const w = this.work;
    for (let i = 0, m = rows * n; i < m; i++) {
      w[2 * i] = a[i];
      w[2 * i + 1] = b[i];
    }
    // Z lands in outB (scratch), then split into outA / outB.
    this.transformInPlace(w, outB, false, rows);
    const z = outB;
    // Split on a copy of Z (work), since outB is overwritten while reading.
    w.set(z);
    for (let ky = 0; ky < n; ky++) {
      const my = ky === 0 ? 0 : n - ky;
      for (let kx = 0; kx < n; kx++) {
        const mx = kx === 0 ? 0 : n - kx;
        const p = 2 * (ky * n + kx);
        const q = 2 * (my * n + mx);
        const zr = w[p];
        const zi = w[p + 1];
        const cr = w[q];
        const ci = -w[q + 1];
        outA[p] = 0.5 * (zr + cr);
        outA[p + 1] = 0.5 * (zi + ci);
        // (Z − conj Z[−k]) / 2i = (dr + i·di) / 2i = (di − i·dr) / 2
        outB[p] = 0.5 * (zi - ci);
        outB[p + 1] = -0.5 * (zr - cr);
      }
    }
  }

  /** Forward transform of a complex map (`input` is left untouched). */
  forward(input: Float64Array, out: Float64Array): void {
    this.work.set(input);
    this.transformInPlace(this.work, out, false);
  }

  /** Inverse transform of a complex map, keeping the real part in `outReal` (N²). */
  inverseReal(input: Float64Array, outReal: Float64Array): void {
    const w = this.work;
    w.set(input);
    this.transformInPlace(w, w, true);
    for (let i = 0, m = outReal.length; i < m; i++) outReal[i] = w[2 * i];
  }

  /** Inverse transform of a complex map into a complex map. */
  inverse(input: Float64Array, out: Float64Array): void {
    this.work.set(input);
    this.transformInPlace(this.work, out, true);
  }

  /**
   * Rows of `src` into `dst`, then columns of `dst` in place. `src` may be `dst`. Rows from
   * `rows` on are known to be zero (zero-padded features): their transforms are skipped.
   */
  private transformInPlace(src: Float64Array, dst: Float64Array, inverse: boolean, rows = this.n): void {
    const n = this.n;
    const { fft, lineIn, lineOut } = this;
    if (rows < n) dst.fill(0, 2 * rows * n);
    for (let y = 0; y < rows; y++) {
      const base = 2 * y * n;
      for (let i = 0; i < 2 * n; i++) lineIn[i] = src[base + i];
      if (inverse) fft.inverseTransform(lineOut, lineIn);
      else fft.transform(lineOut, lineIn);
      for (let i = 0; i < 2 * n; i++) dst[base + i] = lineOut[i];
    }
    for (let x = 0; x < n; x++) {
      for (let y = 0; y < n; y++) {
        const p = 2 * (y * n + x);
        lineIn[2 * y] = dst[p];
        lineIn[2 * y + 1] = dst[p + 1];
      }
      if (inverse) fft.inverseTransform(lineOut, lineIn);
      else fft.transform(lineOut, lineIn);
      for (let y = 0; y < n; y++) {
        const p = 2 * (y * n + x);
        dst[p] = lineOut[2 * y];
        dst[p + 1] = lineOut[2 * y + 1];
      }
    }
  }
}
