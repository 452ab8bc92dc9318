/**
 * Quoting text read from a file or given on the command line before it goes into a message that
 * reaches a terminal: raw control bytes (NUL, `ESC]0;…BEL` that retitles the window, cursor moves)
 * must not be written as they are.
 */

/**
 * `text` (cut to `max` characters, `…` marking the cut) as a JSON string literal, with every
 * control character escaped: C0 by JSON itself, DEL and C1 (`\u007f`–`\u009f`) here.
 */
export function quoteForTerminal(text: string, max = 60): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text).replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
