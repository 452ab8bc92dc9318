/**
 * The trunk on ONNX Runtime (`--engine onnx`): the same MobileNetV3 weights as the tfjs trunk
 * (embedding.ts), exported to ONNX at first use (src/backend/onnx) and cached. Same input (RGB
 * patches 0…255, NHWC) and output (NHWC feature maps) as {@link Trunk}; equal within float
 * tolerance (test/track/onnx-trunk.test.ts).
 */
import { SiamError } from '../errors.js';
import { loadOnnxRuntime, onnxProviders, type OnnxRuntime } from '../backend/engine.js';
import { readModelArtifacts } from '../backend/model-io.js';
import { cachedExport, exportKey } from '../backend/onnx/cache.js';
import { OnnxGraphBuilder } from '../backend/onnx/graph.js';
import { defaultTrunkPath, FEATURE_CHANNELS, TRUNK_NODES, type FeatureBatch } from './embedding.js';
import type { FeatureLayer } from './params.js';

type Session = Awaited<ReturnType<OnnxRuntime['InferenceSession']['create']>>;

/** Builds the ONNX trunk for `layer` (the stride-16 map resampled onto the stride-8 grid for `both`). */
export function buildOnnxTrunk(builder: OnnxGraphBuilder, layer: FeatureLayer): Uint8Array {
  const g = builder;
  if (layer !== 'both') {
    g.output(g.convert(layer === 'stride8' ? TRUNK_NODES.stride8 : TRUNK_NODES.stride16), 'features');
    return g.encode();
  }
  const s8 = g.convert(TRUNK_NODES.stride8);
  const s16 = g.convert(TRUNK_NODES.stride16);
  // sizes = [N, C16] of the stride-16 map and [H, W] of the stride-8 map (tfjs: half-pixel bilinear).
  const slice = (shape: string, from: number, to: number, base: string): string =>
    g.node(
      'Slice',
      [
        shape,
        g.initializer(`${base}/starts`, [1], [from], 'int64'),
        g.initializer(`${base}/ends`, [1], [to], 'int64'),
      ],
      base,
    );
  const nc = slice(g.node('Shape', [s16], 's16/shape'), 0, 2, 's16/nc');
  const hw = slice(g.node('Shape', [s8], 's8/shape'), 2, 4, 's8/hw');
  const sizes = g.node('Concat', [nc, hw], 'resize/sizes', { axis: 0 });
  const up = g.node('Resize', [s16, '', '', sizes], 's16/up', {
    mode: 'linear',
    coordinate_transformation_mode: 'half_pixel',
  });
  g.output(g.node('Concat', [s8, up], 'both', { axis: 1 }), 'features');
  return g.encode();
}

/** The embedding φ on ONNX Runtime. */
export class OnnxTrunk {
  /** The run in flight: `dispose()` releases the session after it, not under it. */
  private running: Promise<unknown> = Promise.resolve();
  private released = false;

  private constructor(
    private readonly ort: OnnxRuntime,
    private readonly session: Session,
    readonly layer: FeatureLayer,
  ) {}

  /** Exports (or reads from the cache) and opens the trunk; `threads` is ORT's intra-op pool size. */
  static async load(layer: FeatureLayer, modelPath = defaultTrunkPath(), threads = 1): Promise<OnnxTrunk> {
    const ort = await loadOnnxRuntime();
    const artifacts = await readModelArtifacts(modelPath);
    const key = exportKey(artifacts, `trunk ${TRUNK_NODES.input} ${layer}`);
    const model = await cachedExport(`trunk-${layer}`, key, () =>
      buildOnnxTrunk(new OnnxGraphBuilder(artifacts, TRUNK_NODES.input), layer),
    );
    const session = await ort.InferenceSession.create(model.bytes, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionProviders: onnxProviders(),
    });
    return new OnnxTrunk(ort, session, layer);
  }

  get channels(): number {
    return FEATURE_CHANNELS[this.layer];
  }

  /** Embeds `count` square patches of `size` pixels (RGB float, NHWC). */
  async embedPixels(pixels: Float32Array, count: number, size: number): Promise<FeatureBatch> {
    if (this.released) throw new SiamError('ERR_DISPOSED', 'The trunk was used after dispose().');
    const input = new this.ort.Tensor('float32', pixels.subarray(0, count * size * size * 3), [
      count,
      size,
      size,
      3,
    ]);
    const run = this.session.run({ [this.session.inputNames[0]]: input });
    this.running = run.catch(() => undefined);
    const outputs = await run;
    const features = outputs[this.session.outputNames[0]];
    const [n, side, , channels] = features.dims;
    return { data: features.data as Float32Array, count: n, side, channels };
  }

  /** Releases the session once the run in flight (if any) is done. */
  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.running;
    await this.session.release().catch(() => undefined);
  }
}
