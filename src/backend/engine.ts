/**
 * The inference engine that runs the trunk: TensorFlow.js (portable; any tfjs backend, the GPU
 * through tfjs-node-gpu) or ONNX Runtime (`onnxruntime-node`, native CPU kernels, ~4× the wasm
 * backend's speed on the trunk here; docs/speed.md). `onnxruntime-node` is an optional dependency:
 * `auto` takes it when it loads and otherwise says so in one line and runs tfjs.
 *
 * The option, else `SIAMSTREAM_ENGINE`, chooses; `SIAMSTREAM_ORT_PROVIDERS` (comma-separated,
 * e.g. `cuda,cpu`) sets ONNX Runtime's execution providers for users who installed its CUDA
 * add-on (README).
 */
import { SiamError } from '../errors.js';

/** Engine names a user may ask for. */
export const ENGINE_NAMES = ['auto', 'tfjs', 'onnx'] as const;
/** An engine name as the option and `SIAMSTREAM_ENGINE` take it. */
export type EngineName = (typeof ENGINE_NAMES)[number];
/** The engine that runs. */
export type ResolvedEngine = Exclude<EngineName, 'auto'>;

/** An ONNX Runtime tensor, as far as we read one. */
export interface OnnxTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}

/** An open ONNX Runtime session, as far as we use one. */
export interface OnnxSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OnnxTensor>): Promise<Record<string, OnnxTensor>>;
  release(): Promise<void>;
}

/**
 * The parts of `onnxruntime-node` we use, declared here rather than imported: the package is
 * optional, and a published `.d.ts` naming it fails a consumer who lacks it (TS2307). The module
 * is checked against this shape where it is loaded ({@link loadOnnxRuntime}).
 */
export interface OnnxRuntime {
  InferenceSession: {
    create(
      model: Uint8Array,
      options: {
        intraOpNumThreads: number;
        interOpNumThreads: number;
        graphOptimizationLevel: 'all';
        executionProviders: string[];
      },
    ): Promise<OnnxSession>;
  };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OnnxTensor;
  env: { versions: { common?: string; node?: string } };
}

let runtime: Promise<OnnxRuntime> | undefined;
let fallbackSaid = false;

/** Parses an engine name; `ERR_BAD_OPTION` for anything else. */
export function parseEngineName(name: string | undefined): EngineName {
  const value = (name ?? 'auto').trim().toLowerCase();
  if ((ENGINE_NAMES as readonly string[]).includes(value)) return value as EngineName;
  throw new SiamError(
    'ERR_BAD_OPTION',
    `Expected \`engine\` to be one of ${ENGINE_NAMES.join(', ')}, got ${name}`,
  );
}

/** Loads `onnxruntime-node` once per isolate; `ERR_ENGINE_UNAVAILABLE` when it cannot load. */
export function loadOnnxRuntime(): Promise<OnnxRuntime> {
  runtime ??= import('onnxruntime-node').then(
    (m) => {
      // Type-checks the real module against our declared shape (kept out of the .d.ts).
      const ort: OnnxRuntime = m.default ?? m;
      return ort;
    },
    (cause: unknown) => {
      runtime = undefined;
      throw new SiamError(
        'ERR_ENGINE_UNAVAILABLE',
        `onnxruntime-node could not be loaded: ${(cause as Error).message}`,
        {
          cause,
          hint: 'npm install onnxruntime-node (its CPU build ships in the package), or use --engine tfjs.',
        },
      );
    },
  );
  return runtime;
}

/**
 * Resolves `auto` (after `SIAMSTREAM_ENGINE`): `onnx` where onnxruntime-node loads, else `tfjs`
 * with one line on stderr per isolate (a worker thread says it once too). An explicit `onnx` that
 * cannot load throws.
 */
export async function resolveEngine(requested?: string): Promise<ResolvedEngine> {
  const name = parseEngineName(
    requested === 'auto' || requested === undefined
      ? (process.env.SIAMSTREAM_ENGINE ?? requested)
      : requested,
  );
  if (name === 'tfjs') return 'tfjs';
  try {
    await loadOnnxRuntime();
    return 'onnx';
  } catch (e) {
    if (name === 'onnx') throw e;
    if (!fallbackSaid) {
      fallbackSaid = true;
      process.stderr.write(
        `siamstream: onnxruntime-node is not available (${(e as Error).message.split('\n')[0]}); using the tfjs engine.\n`,
      );
    }
    return 'tfjs';
  }
}

/** ONNX Runtime execution providers: `SIAMSTREAM_ORT_PROVIDERS`, else the CPU. */
export function onnxProviders(): string[] {
  const list = (process.env.SIAMSTREAM_ORT_PROVIDERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : ['cpu'];
}
