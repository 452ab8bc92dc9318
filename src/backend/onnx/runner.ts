/**
 * A TF.js graph model run on ONNX Runtime: exported once (graph.ts) and cached (cache.ts), opened
 * as an `InferenceSession`, fed NHWC float images, answering NHWC feature maps. Used by the
 * tracker's trunk and the classifier's appearance trunk (the same weights, other cut points).
 */
import { SiamError } from '../../errors.js';
import { loadOnnxRuntime, onnxProviders, type OnnxRuntime, type OnnxSession } from '../engine.js';
import { readModelArtifacts } from '../model-io.js';
import { cachedExport, exportKey } from './cache.js';
import type { OnnxGraphBuilder } from './graph.js';

/** What to export: the model file, its image input, and how the outputs are built from it. */
export interface OnnxRecipe {
  modelPath: string;
  input: string;
  /** Names the cache file and enters its hash: must change whenever `build` does. */
  name: string;
  /** Declares the outputs (`g.output(g.convert(node), 'features')`, …) and returns the model. */
  build(g: OnnxGraphBuilder): Uint8Array;
}

/** One ONNX Runtime session over an exported graph. */
export class OnnxRunner {
  /** The run in flight: `dispose()` releases the session after it, not under it. */
  private running: Promise<unknown> = Promise.resolve();
  private released = false;

  private constructor(
    private readonly ort: OnnxRuntime,
    private readonly session: OnnxSession,
  ) {}

  /** Exports (or reads from the cache) and opens `recipe`; `threads` is ORT's intra-op pool size. */
  static async open(recipe: OnnxRecipe, threads = 1): Promise<OnnxRunner> {
    const ort = await loadOnnxRuntime();
    const artifacts = await readModelArtifacts(recipe.modelPath);
    const key = exportKey(artifacts, `${recipe.name} ${recipe.input}`);
    // The exporter (and onnx-proto, ~50 ms to load) only on a cache miss.
    const model = await cachedExport(recipe.name, key, async () => {
      const { OnnxGraphBuilder } = await import('./graph.js');
      return recipe.build(new OnnxGraphBuilder(artifacts, recipe.input));
    });
    const session = await ort.InferenceSession.create(model.bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: onnxProviders(),
    });
    return new OnnxRunner(ort, session);
  }

  /** Runs `count` images of `height`×`width` px (RGB float, NHWC): the first output and its dims. */
  async run(
    pixels: Float32Array,
    count: number,
    height: number,
    width: number,
  ): Promise<{ data: Float32Array; dims: readonly number[] }> {
    if (this.released) throw new SiamError('ERR_DISPOSED', 'The model was used after dispose().');
    const shape = [count, height, width, 3];
    const input = new this.ort.Tensor('float32', pixels.subarray(0, count * height * width * 3), shape);
    const run = this.session.run({ [this.session.inputNames[0]]: input });
    this.running = run.catch(() => undefined);
    const out = (await run)[this.session.outputNames[0]];
    return { data: out.data as Float32Array, dims: out.dims };
  }

  /** Releases the session once the run in flight (if any) is done. */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.running;
    await this.session.release().catch(() => undefined);
  }
}
