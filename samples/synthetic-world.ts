/**
 * What the generated samples and the synthetic test sequences are drawn from: one palette (muted
 * greens, browns, greys), a float RGB image with bilinear sampling, value noise, and a world of
 * two-octave noise between palette colours with clutter rectangles for a camera to pan over.
 * Everything is driven by the caller's seeded PRNG, so the same seed gives the same pixels.
 */

export type RGB = [number, number, number];

/** The palette both backgrounds and targets draw from. */
export const PALETTE: readonly RGB[] = [
  [96, 112, 80],
  [140, 128, 96],
  [72, 84, 92],
  [168, 160, 140],
  [110, 90, 70],
  [60, 70, 56],
  [150, 150, 160],
  [120, 136, 110],
];

/** A float RGB image, row-major. */
export class Image3 {
  readonly data: Float32Array;
  constructor(
    readonly w: number,
    readonly h: number,
  ) {
    this.data = new Float32Array(w * h * 3);
  }

  set(x: number, y: number, c: RGB): void {
    const i = (y * this.w + x) * 3;
    this.data[i] = c[0];
    this.data[i + 1] = c[1];
    this.data[i + 2] = c[2];
  }

  /** Bilinear sample at (x, y), clamped at the borders. */
  sample(x: number, y: number, out: Float32Array): void {
    const xc = Math.min(Math.max(x, 0), this.w - 1.001);
    const yc = Math.min(Math.max(y, 0), this.h - 1.001);
    const x0 = Math.floor(xc);
    const y0 = Math.floor(yc);
    const fx = xc - x0;
    const fy = yc - y0;
    const i00 = (y0 * this.w + x0) * 3;
    const i10 = i00 + 3;
    const i01 = i00 + this.w * 3;
    const i11 = i01 + 3;
    for (let k = 0; k < 3; k++) {
      const top = this.data[i00 + k] * (1 - fx) + this.data[i10 + k] * fx;
      const bot = this.data[i01 + k] * (1 - fx) + this.data[i11 + k] * fx;
      out[k] = top * (1 - fy) + bot * fy;
    }
  }

  /**
   * Writes the `w × h` view whose top-left is at (x, y) into `out`, bilinearly interpolated:
   * one pan offset per frame, so the weights are the same for every pixel.
   */
  view(x: number, y: number, w: number, h: number, out: Float32Array): void {
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const w00 = (1 - fx) * (1 - fy);
    const w10 = fx * (1 - fy);
    const w01 = (1 - fx) * fy;
    const w11 = fx * fy;
    const d = this.data;
    const row = this.w * 3;
    for (let j = 0; j < h; j++) {
      let i = ((y0 + j) * this.w + x0) * 3;
      let o = j * w * 3;
      for (let k = 0; k < w * 3; k++, i++, o++) {
        out[o] = d[i] * w00 + d[i + 3] * w10 + d[i + row] * w01 + d[i + row + 3] * w11;
      }
    }
  }
}

/** Smooth value noise: a random lattice every `cell` px, cosine-interpolated, values in [0, 1). */
export function valueNoise(w: number, h: number, cell: number, rnd: () => number): Float32Array {
  const gw = Math.ceil(w / cell) + 2;
  const gh = Math.ceil(h / cell) + 2;
  const grid = Float32Array.from({ length: gw * gh }, () => rnd());
  const out = new Float32Array(w * h);
  const s = (t: number): number => (1 - Math.cos(Math.PI * t)) / 2;
  for (let y = 0; y < h; y++) {
    const y0 = Math.floor(y / cell);
    const fy = s(y / cell - y0);
    for (let x = 0; x < w; x++) {
      const x0 = Math.floor(x / cell);
      const fx = s(x / cell - x0);
      const a = grid[y0 * gw + x0] * (1 - fx) + grid[y0 * gw + x0 + 1] * fx;
      const b = grid[(y0 + 1) * gw + x0] * (1 - fx) + grid[(y0 + 1) * gw + x0 + 1] * fx;
      out[y * w + x] = a * (1 - fy) + b * fy;
    }
  }
  return out;
}

export function mix(a: RGB, b: RGB, t: number): RGB {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** A palette colour at random. */
export function pickColour(rnd: () => number): RGB {
  return PALETTE[Math.floor(rnd() * PALETTE.length)];
}

/**
 * The world a camera pans over: two octaves of noise between palette colours, plus `clutter`
 * rectangles and bars of palette colours, some striped, like man-made objects.
 */
export function makeWorld(w: number, h: number, clutter: number, rnd: () => number): Image3 {
  const img = new Image3(w, h);
  const n1 = valueNoise(w, h, 48, rnd);
  const n2 = valueNoise(w, h, 9, rnd);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      img.set(x, y, mix(PALETTE[0], PALETTE[3], 0.75 * n1[y * w + x] + 0.25 * n2[y * w + x]));
    }
  }
  for (let k = 0; k < clutter; k++) {
    const rw = 6 + Math.floor(rnd() * 40);
    const rh = 6 + Math.floor(rnd() * 40);
    const rx = Math.floor(rnd() * (w - rw));
    const ry = Math.floor(rnd() * (h - rh));
    const col = pickColour(rnd);
    const striped = rnd() < 0.3;
    for (let y = ry; y < ry + rh; y++) {
      for (let x = rx; x < rx + rw; x++) {
        if (!striped || ((x + y) >> 2) % 2 !== 0) img.set(x, y, col);
      }
    }
  }
  return img;
}
