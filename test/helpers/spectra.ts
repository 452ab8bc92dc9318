/** Reference maths for the correlation-filter tests: random maps and a naive 2-D DFT. */
import { mulberry32 } from '../../src/util/prng.js';

/** Deterministic pseudo-random numbers in [-0.5, 0.5). */
export function rng(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() - 0.5;
}

/** Naive 2-D DFT of a complex N×N map. */
export function naiveDft(re: number[], im: number[], n: number): [number[], number[]] {
  const outRe: number[] = [];
  const outIm: number[] = [];
  for (let ky = 0; ky < n; ky++) {
    for (let kx = 0; kx < n; kx++) {
      let sr = 0;
      let si = 0;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const a = (-2 * Math.PI * (ky * y + kx * x)) / n;
          const c = Math.cos(a);
          const s = Math.sin(a);
          sr += re[y * n + x] * c - im[y * n + x] * s;
          si += re[y * n + x] * s + im[y * n + x] * c;
        }
      }
      outRe.push(sr);
      outIm.push(si);
    }
  }
  return [outRe, outIm];
}

/** Features f×f×C (HWC) filled with random numbers. */
export function randomFeatures(f: number, c: number, seed: number): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: f * f * c }, () => r());
}
