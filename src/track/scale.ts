/**
 * Scale search the SiamFC / CFNet way (Bertinetto et al. 2016, §2.4; Valmadre et al. 2017, §5):
 * the search region is cropped at a few scales step^k from the real image (zooming a feature map
 * would never change the target's apparent size), every scale other than the current one is
 * handicapped by a penalty, and the size update is damped.
 */

/** The scale factors step^k for k = −(count−1)/2 … (count−1)/2 (count odd). */
export function scaleFactors(count: number, step: number): number[] {
  const half = (count - 1) / 2;
  return Array.from({ length: count }, (_, i) => step ** (i - half));
}

/** Index of the best scale: the highest peak after the penalty on every non-unit scale. */
export function pickScale(peaks: readonly number[], factors: readonly number[], penalty: number): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let i = 0; i < peaks.length; i++) {
    const v = factors[i] === 1 ? peaks[i] : peaks[i] * penalty;
    if (v > bestValue) {
      bestValue = v;
      best = i;
    }
  }
  return best;
}

/** Damped size change: size·((1 − rate) + rate·factor) (SiamFC's `scaleLR`). */
export function dampedScale(factor: number, rate: number): number {
  return 1 - rate + rate * factor;
}

/**
 * A continuous scale between the searched ones: the vertex of the parabola through the peaks of
 * the best scale and its two neighbours, on a log-scale axis (the peak varies smoothly with
 * scale; the same idea as the sub-cell peak). Returns the factor; the best one itself when it has
 * no two neighbours or the three peaks are not concave.
 */
export function interpolatedScale(
  peaks: readonly number[],
  factors: readonly number[],
  best: number,
): number {
  if (best <= 0 || best >= peaks.length - 1) return factors[best];
  const [a, b, c] = [peaks[best - 1], peaks[best], peaks[best + 1]];
  const curvature = a - 2 * b + c;
  if (!(curvature < 0)) return factors[best];
  const offset = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / curvature));
  const logStep = Math.log(factors[best + 1] / factors[best]);
  return factors[best] * Math.exp(offset * logStep);
}
