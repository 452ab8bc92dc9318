/**
 * The pyramidal Lucas–Kanade flow of flow.ts computed on plain Float32Arrays, one frame pair at a
 * time. Same operations in the same order as the TensorFlow.js version it replaces (separable
 * zero-padded Gaussian blurs, 2×2 average pooling with TF's `same` padding, align-corners bilinear
 * upsampling, edge-replicated central differences, clamped bilinear warps), so the features, and
 * the models trained on them, are unchanged (tested against the TF.js ops to 1e-4 px).
 *
 * Why not TF.js: at the flow's size (64×48 by default) each of the ~600 small ops of one call costs
 * more in dispatch than in arithmetic; these loops do the same work without it (bench/classify.ts:
 * docs/classifier.md has the figures).
 */
import type { FlowOptions } from './flow.js';

/** A normalised 1-D Gaussian of standard deviation `sigma`, radius max(1, ⌈2σ⌉). */
export function gaussian1d(sigma: number): Float64Array {
  const radius = Math.max(1, Math.ceil(2 * sigma));
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp((-i * i) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Separable zero-padded blurs (rows, then columns) of two `h`×`w` maps at once, into `out1` and
 * `out2` (`tmp1`, `tmp2`: scratch). Inside, the symmetric kernel's taps are taken in pairs; only
 * the border pixels test which taps fall outside.
 */
function blur2(
  x1: Float32Array,
  x2: Float32Array,
  h: number,
  w: number,
  k: Float64Array,
  tmp1: Float32Array,
  tmp2: Float32Array,
  out1: Float32Array,
  out2: Float32Array,
): void {
  const r = (k.length - 1) / 2;
  const taps = k.length;
  const kc = k[r];
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let xx = 0; xx < w; xx++) {
      const c = row + xx;
      let s1 = kc * x1[c];
      let s2 = kc * x2[c];
      if (xx >= r && xx + r < w) {
        // Inside: the kernel is symmetric, so each pair of taps costs one product.
        for (let i = 1; i <= r; i++) {
          const kv = k[r + i];
          s1 += kv * (x1[c - i] + x1[c + i]);
          s2 += kv * (x2[c - i] + x2[c + i]);
        }
      } else {
        const lo = xx < r ? r - xx : 0;
        const hi = xx + r >= w ? w - xx + r : taps;
        for (let i = lo; i < hi; i++) {
          if (i === r) continue;
          s1 += k[i] * x1[c + i - r];
          s2 += k[i] * x2[c + i - r];
        }
      }
      tmp1[c] = s1;
      tmp2[c] = s2;
    }
  }
  for (let y = 0; y < h; y++) {
    const inside = y >= r && y + r < h;
    const lo = y < r ? r - y : 0;
    const hi = y + r >= h ? h - y + r : taps;
    const row = y * w;
    for (let xx = 0; xx < w; xx++) {
      const c = row + xx;
      let s1 = kc * tmp1[c];
      let s2 = kc * tmp2[c];
      if (inside) {
        for (let i = 1, d = w; i <= r; i++, d += w) {
          const kv = k[r + i];
          s1 += kv * (tmp1[c - d] + tmp1[c + d]);
          s2 += kv * (tmp2[c - d] + tmp2[c + d]);
        }
      } else {
        for (let i = lo; i < hi; i++) {
          if (i === r) continue;
          s1 += k[i] * tmp1[c + (i - r) * w];
          s2 += k[i] * tmp2[c + (i - r) * w];
        }
      }
      out1[c] = s1;
      out2[c] = s2;
    }
  }
}

/** 2×2 average pooling, stride 2, TF `same` padding (padding excluded from the mean). */
function downsample(x: Float32Array, h: number, w: number): { data: Float32Array; h: number; w: number } {
  const oh = Math.ceil(h / 2);
  const ow = Math.ceil(w / 2);
  const out = new Float32Array(oh * ow);
  for (let y = 0; y < oh; y++) {
    for (let xx = 0; xx < ow; xx++) {
      let s = 0;
      let n = 0;
      for (let dy = 0; dy < 2; dy++) {
        const yy = 2 * y + dy;
        if (yy >= h) continue;
        for (let dx = 0; dx < 2; dx++) {
          const xs = 2 * xx + dx;
          if (xs >= w) continue;
          s += x[yy * w + xs];
          n++;
        }
      }
      out[y * ow + xx] = s / n;
    }
  }
  return { data: out, h: oh, w: ow };
}

/** Align-corners bilinear resize of an `h`×`w` map to `oh`×`ow`, times `gain`. */
function upsample(x: Float32Array, h: number, w: number, oh: number, ow: number, gain: number): Float32Array {
  const out = new Float32Array(oh * ow);
  const sy = oh > 1 ? (h - 1) / (oh - 1) : 0;
  const sx = ow > 1 ? (w - 1) / (ow - 1) : 0;
  for (let y = 0; y < oh; y++) {
    const fy = y * sy;
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let xx = 0; xx < ow; xx++) {
      const fx = xx * sx;
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      const top = x[y0 * w + x0] + (x[y0 * w + x1] - x[y0 * w + x0]) * wx;
      const bottom = x[y1 * w + x0] + (x[y1 * w + x1] - x[y1 * w + x0]) * wx;
      out[y * ow + xx] = (top + (bottom - top) * wy) * gain;
    }
  }
  return out;
}

/** Kernels by sigma (the same few are asked for on every pair). */
const kernels = new Map<number, Float64Array>();
function kernel(sigma: number): Float64Array {
  let k = kernels.get(sigma);
  if (!k) kernels.set(sigma, (k = gaussian1d(sigma)));
  return k;
}

/** Dense flow of one pair (see flow.ts's `opticalFlow`): `[h, w, 2]` (u, v interleaved). */
export function flowPair(
  prev: Float32Array,
  next: Float32Array,
  h: number,
  w: number,
  o: Required<FlowOptions>,
): Float32Array {
  const win = kernel(o.windowSigma);
  const pre = kernel(0.8);
  const tmp = new Float32Array(h * w);
  const tmp2 = new Float32Array(h * w);
  const p0 = new Float32Array(h * w);
  const q0 = new Float32Array(h * w);
  blur2(prev, next, h, w, pre, tmp, tmp2, p0, q0);
  const prevPyr: { data: Float32Array; h: number; w: number }[] = [{ data: p0, h, w }];
  const nextPyr: { data: Float32Array; h: number; w: number }[] = [{ data: q0, h, w }];
  for (let l = 1; l < o.levels; l++) {
    const p = prevPyr[l - 1];
    prevPyr.push(downsample(p.data, p.h, p.w));
    const q = nextPyr[l - 1];
    nextPyr.push(downsample(q.data, q.h, q.w));
  }
  const top = prevPyr[o.levels - 1];
  let u: Float32Array = new Float32Array(top.h * top.w);
  let v: Float32Array = new Float32Array(top.h * top.w);
  let uh = top.h;
  let uw = top.w;
  for (let l = o.levels - 1; l >= 0; l--) {
    const { data: I, h: lh, w: lw } = prevPyr[l];
    const J = nextPyr[l].data;
    const n = lh * lw;
    if (uh !== lh || uw !== lw) {
      // Bouguet eq. (6): the coarser flow, upsampled and scaled, is the guess.
      u = upsample(u, uh, uw, lh, lw, lw / uw);
      v = upsample(v, uh, uw, lh, lw, lh / uh);
      uh = lh;
      uw = lw;
    }
    // Central differences, edges replicated.
    const ix = new Float32Array(n);
    const iy = new Float32Array(n);
    for (let y = 0; y < lh; y++) {
      const ym = Math.max(0, y - 1) * lw;
      const yp = Math.min(lh - 1, y + 1) * lw;
      const row = y * lw;
      for (let x = 0; x < lw; x++) {
        ix[row + x] = (I[row + Math.min(lw - 1, x + 1)] - I[row + Math.max(0, x - 1)]) * 0.5;
        iy[row + x] = (I[yp + x] - I[ym + x]) * 0.5;
      }
    }
    // Structure tensor G = Σ_window [Ix² IxIy; IxIy Iy²] (Bouguet eq. (24)), fixed per level.
    const a = new Float32Array(n);
    const b = new Float32Array(n);
    const c = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      a[i] = ix[i] * ix[i];
      b[i] = ix[i] * iy[i];
      c[i] = iy[i] * iy[i];
    }
    const gxx = new Float32Array(n);
    const gxy = new Float32Array(n);
    blur2(a, b, lh, lw, win, tmp, tmp2, gxx, gxy);
    const gyy = new Float32Array(n);
    const det = new Float32Array(n);
    blur2(c, c, lh, lw, win, tmp, tmp2, gyy, det); // the same map twice: det is scratch until below
    for (let i = 0; i < n; i++) {
      gxx[i] += o.regularization;
      gyy[i] += o.regularization;
      det[i] = gxx[i] * gyy[i] - gxy[i] * gxy[i];
    }
    const bx = new Float32Array(n);
    const by = new Float32Array(n);
    for (let k = 0; k < o.iterations; k++) {
      // Image mismatch b = Σ_window [Ix·It; Iy·It], It = J(x + flow) − I(x) (eq. (30)), J sampled
      // bilinearly with clamped coordinates.
      for (let y = 0; y < lh; y++) {
        for (let x = 0; x < lw; x++) {
          const i = y * lw + x;
          const sx = Math.min(Math.max(x + u[i], 0), lw - 1);
          const sy = Math.min(Math.max(y + v[i], 0), lh - 1);
          const x0 = Math.floor(sx);
          const y0 = Math.floor(sy);
          const wx = sx - x0;
          const wy = sy - y0;
          const x1 = Math.min(x0 + 1, lw - 1);
          const y1 = Math.min(y0 + 1, lh - 1);
          const t = J[y0 * lw + x0] * (1 - wx) + J[y0 * lw + x1] * wx;
          const bt = J[y1 * lw + x0] * (1 - wx) + J[y1 * lw + x1] * wx;
          const it = t * (1 - wy) + bt * wy - I[i];
          a[i] = ix[i] * it;
          b[i] = iy[i] * it;
        }
      }
      blur2(a, b, lh, lw, win, tmp, tmp2, bx, by);
      // η = −G⁻¹ b (eq. (28)), then the field smoothed with the same window: the per-pixel
      // solutions are coupled through the warp, and averaging them removes the noise that
      // otherwise stalls the iteration.
      for (let i = 0; i < n; i++) {
        a[i] = u[i] + (gxy[i] * by[i] - gyy[i] * bx[i]) / det[i];
        b[i] = v[i] + (gxy[i] * bx[i] - gxx[i] * by[i]) / det[i];
      }
      u = new Float32Array(n);
      v = new Float32Array(n);
      blur2(a, b, lh, lw, win, tmp, tmp2, u, v);
    }
  }
  const out = new Float32Array(h * w * 2);
  for (let i = 0; i < h * w; i++) {
    out[2 * i] = u[i];
    out[2 * i + 1] = v[i];
  }
  return out;
}
