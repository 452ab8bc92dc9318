/**
 * Picks and initialises the TensorFlow.js backend.
 *
 * Order for `auto`: `tensorflow` through `@tensorflow/tfjs-node-gpu` (when the user installed it)
 * → `tensorflow` through `@tensorflow/tfjs-node` → `wasm` (the embedded default,
 * `@tensorflow/tfjs-backend-wasm`, SIMD) → `cpu`. The option, else `SIAMSTREAM_BACKEND`, overrides
 * it. tfjs-node(-gpu) are optional peers: they are never required for our own install, and are
 * loaded only through a dynamic import that may fail.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SiamError } from '../errors.js';
import { BACKEND_NAMES, parseBackendName, type BackendName } from './backend-names.js';

export { BACKEND_NAMES, parseBackendName, type BackendName };

/** What was picked, for `--version` / `doctor` output. */
export interface BackendInfo {
  /** The name asked for (after the environment variable). */
  requested: BackendName;
  /** The name we settled on. */
  name: Exclude<BackendName, 'auto'>;
  /** tfjs's own backend name (`tensorflow`, `wasm`, `cpu`). */
  tfBackend: string;
  /** The package that provides it. */
  packageName: string;
}

const PACKAGES: Record<Exclude<BackendName, 'auto'>, string> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
};

type ListenerSnapshot = Record<'uncaughtException' | 'unhandledRejection', Set<Function>>; // eslint-disable-line @typescript-eslint/no-unsafe-function-type

function listenerSnapshot(): ListenerSnapshot {
  return {
    uncaughtException: new Set(process.listeners('uncaughtException')),
    unhandledRejection: new Set(process.listeners('unhandledRejection')),
  };
}

/**
 * The wasm backend's emscripten glue adds `uncaughtException` / `unhandledRejection` listeners
 * that rethrow, so any later crash prints the whole minified glue file. Node's default handling
 * is what we want: remove what the import added.
 */
function restoreListeners(before: ListenerSnapshot): void {
  for (const listener of process.listeners('uncaughtException')) {
    if (!before.uncaughtException.has(listener)) process.removeListener('uncaughtException', listener);
  }
  for (const listener of process.listeners('unhandledRejection')) {
    if (!before.unhandledRejection.has(listener)) process.removeListener('unhandledRejection', listener);
  }
}

let current: Promise<BackendInfo> | undefined;
let currentRequest: BackendName | undefined;

async function tryStart(name: Exclude<BackendName, 'auto'>): Promise<BackendInfo> {
  const packageName = PACKAGES[name];
  const before = listenerSnapshot();
  try {
    try {
      // Importing the package registers its backend with tfjs-core.
      await import(packageName);
    } catch (cause) {
      throw new SiamError('ERR_BACKEND_UNAVAILABLE', `Backend "${name}" is not installed (${packageName}).`, {
        cause,
        hint: name.startsWith('node')
          ? `npm install ${packageName} (needs libtensorflow), or use --backend wasm.`
          : `Reinstall dependencies (npm ci).`,
      });
    }
    const tfBackend = name === 'node' || name === 'node-gpu' ? 'tensorflow' : name;
    const ok = await tf.setBackend(tfBackend).catch(() => false);
    if (!ok) {
      throw new SiamError('ERR_BACKEND_UNAVAILABLE', `Backend "${name}" failed to initialise.`, {
        hint: 'Try --backend cpu, or check the installation.',
      });
    }
    await tf.ready();
    return { requested: name, name, tfBackend, packageName };
  } finally {
    // Also when the backend failed to start: its glue may have added listeners all the same.
    restoreListeners(before);
  }
}

/**
 * Initialises the backend once per process (per worker thread). A later call with a different
 * explicit name switches backends; `auto` keeps whatever is running.
 */
export function initBackend(requested?: string): Promise<BackendInfo> {
  const name = parseBackendName(requested ?? process.env.SIAMSTREAM_BACKEND);
  if (current && (name === 'auto' || name === currentRequest)) return current;
  currentRequest = name;
  current = (async () => {
    if (name !== 'auto') return tryStart(name);
    const tried: string[] = [];
    for (const candidate of ['node-gpu', 'node', 'wasm', 'cpu'] as const) {
      try {
        const info = await tryStart(candidate);
        return { ...info, requested: 'auto' as const };
      } catch (e) {
        tried.push(`${candidate}: ${(e as Error).message}`);
      }
    }
    throw new SiamError(
      'ERR_BACKEND_UNAVAILABLE',
      `No TensorFlow.js backend could start (${tried.join('; ')}).`,
      {
        hint: 'Reinstall dependencies (npm ci).',
      },
    );
  })();
  current.catch(() => {
    current = undefined;
    currentRequest = undefined;
  });
  return current;
}

export { tf };
