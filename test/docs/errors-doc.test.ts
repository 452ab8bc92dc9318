/**
 * docs/errors.md documents every code in ERROR_CODES (STYLE.md §8): one `### \`ERR_…\`` section
 * each, with a hint. Fails when someone adds a code without documenting it, or leaves a section
 * for a code that is gone.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/errors.js';
import { REPO_ROOT } from '../helpers/shared-data.js';

const doc = readFileSync(path.join(REPO_ROOT, 'docs/errors.md'), 'utf8');

/** Section bodies keyed by the code in their `### \`CODE\`` heading. */
function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = markdown.split(/^### /m).slice(1);
  for (const part of parts) {
    const m = /^`(ERR_[A-Z0-9_]+)`\s*\n([\s\S]*)$/.exec(part);
    if (m) out.set(m[1], m[2].split(/^## /m)[0]);
  }
  return out;
}

describe('docs/errors.md', () => {
  const documented = sections(doc);

  it('has a section for every code in ERROR_CODES', () => {
    const missing = Object.keys(ERROR_CODES).filter((c) => !documented.has(c));
    expect(missing, `add a "### \`CODE\`" section to docs/errors.md for: ${missing.join(', ')}`).toEqual([]);
  });

  it('documents no code that ERROR_CODES does not have', () => {
    const stale = [...documented.keys()].filter((c) => !(c in ERROR_CODES));
    expect(stale, `remove or rename these sections of docs/errors.md: ${stale.join(', ')}`).toEqual([]);
  });

  it('gives each code a meaning and a hint', () => {
    for (const [code, body] of documented) {
      const text = body.trim();
      expect(text.length, `${code} has an empty section`).toBeGreaterThan(20);
      expect(text, `${code} has no **Hint:** line`).toMatch(/\*\*Hint:\*\*/);
    }
  });
});
