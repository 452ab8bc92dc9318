/**
 * Numeric command-line flags: commander hands over strings; these turn them into numbers or fail
 * with ERR_BAD_OPTION naming the flag and what was given. One place for every command.
 */
import { SiamError } from '../errors.js';

/** `v` as a finite number (undefined when the flag was not given). `flag` is as typed, e.g. `--port`. */
export function numberFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new SiamError('ERR_BAD_OPTION', `Expected ${flag} to be a number, got "${v}".`);
  return n;
}

/** `v` as an integer ≥ 1 (undefined when the flag was not given). */
export function positiveIntFlag(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new SiamError('ERR_BAD_OPTION', `Expected ${flag} to be an integer >= 1, got "${v}".`);
  return n;
}
