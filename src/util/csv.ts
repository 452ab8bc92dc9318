/** One CSV field (RFC 4180): quoted, with its quotes doubled, when it holds a comma, a quote or a newline. */
export function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
