/**
 * The TensorFlow.js backend names a user may ask for, apart from backend.ts so that a command can
 * check its `--backend` before anything is written without loading TensorFlow.js.
 */
import { SiamError } from '../errors.js';

/** Backend names a user may ask for. `node-gpu` and `node` both register tfjs's `tensorflow` backend. */
export const BACKEND_NAMES = ['auto', 'node-gpu', 'node', 'wasm', 'cpu'] as const;
/** A backend name as the option and `SIAMSTREAM_BACKEND` take it. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** Parses a user-given backend name; throws `ERR_UNKNOWN_BACKEND` for anything else. */
export function parseBackendName(name: string | undefined): BackendName {
  const value = (name ?? 'auto').trim().toLowerCase();
  if ((BACKEND_NAMES as readonly string[]).includes(value)) return value as BackendName;
  throw new SiamError('ERR_UNKNOWN_BACKEND', `Unknown backend "${name}".`, {
    hint: `Use one of: ${BACKEND_NAMES.join(', ')}.`,
  });
}
