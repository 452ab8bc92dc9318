/** The known name nearest to `name` (edit distance ≤ 2, case-insensitive), if any: typo hints. */
export function closestName(name: string, names: Iterable<string>): string | undefined {
  const a = name.toLowerCase();
  let best: string | undefined;
  let bestD = 3;
  for (const candidate of names) {
    const b = candidate.toLowerCase();
    // Levenshtein distance, one row at a time.
    let row = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const next = [i];
      for (let j = 1; j <= b.length; j++)
        next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      row = next;
    }
    if (row[b.length] < bestD) {
      bestD = row[b.length];
      best = candidate;
    }
  }
  return best;
}
