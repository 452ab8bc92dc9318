/**
 * The help line of `--preset` (track, eval, serve, submit track): every name in the tracker's
 * PRESETS with what it is for, so that `--help` lists the values a user may give.
 */
import { PRESETS } from '../track/presets.js';

/** One clause per preset; a preset missing here is still listed, by name alone. */
const WHAT: Record<string, string> = {
  default: 'stride-8 + stride-16 features, a colour check before a lost target is taken back',
  robust: 'the same as default',
  fast: 'stride-8 features alone, a smaller crop: faster, weaker on unseen footage',
  shape: 'stride-8, a box that follows aspect changes',
};

/** `tracker preset: default (…), robust (…), …; default: <fallback>`. */
export function presetHelp(fallback = 'default'): string {
  const names = Object.keys(PRESETS).map((n) => (WHAT[n] ? `${n} (${WHAT[n]})` : n));
  return `tracker preset: ${names.join('; ')}. Default: ${fallback}`;
}
