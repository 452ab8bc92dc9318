/** Nearest-rank percentile of `xs` (sorted in place), or null when empty (stats messages, benches). */
export function percentile(xs: number[], p: number): number | null {
  if (xs.length === 0) return null;
  xs.sort((a, b) => a - b);
  return xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))] as number;
}
