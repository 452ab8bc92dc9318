/**
 * The flags that pick how a model runs (`--backend`, `--engine`, `--preset`), checked by every
 * command before it opens or truncates anything: a typo must cost nothing but the error. Only the
 * name lists are loaded here, not TensorFlow.js or ONNX Runtime.
 */
import { parseBackendName } from '../backend/backend-names.js';
import { parseEngineName } from '../backend/engine.js';
import { SiamError } from '../errors.js';
import { PRESETS } from '../track/presets.js';
import { closestName } from '../util/closest-name.js';

/** The flags of a command that has them (each optional). */
export interface EngineFlags {
  backend?: string;
  engine?: string;
  preset?: string;
}

/**
 * Throws for a name that is not known: `--backend` `ERR_UNKNOWN_BACKEND`, `--engine` and
 * `--preset` `ERR_BAD_OPTION` (the codes the backend, engine and tracker throw later).
 */
export function checkEngineFlags(flags: EngineFlags): void {
  if (flags.backend !== undefined) parseBackendName(flags.backend);
  if (flags.engine !== undefined) parseEngineName(flags.engine);
  if (flags.preset !== undefined && !Object.hasOwn(PRESETS, flags.preset)) {
    const near = closestName(flags.preset, Object.keys(PRESETS));
    throw new SiamError(
      'ERR_BAD_OPTION',
      `Expected --preset to be one of ${Object.keys(PRESETS).join(', ')}, got "${flags.preset}".`,
      { hint: near ? `Did you mean --preset ${near}?` : `Use one of ${Object.keys(PRESETS).join(', ')}.` },
    );
  }
}
