/**
 * The trunk on ONNX Runtime (`--engine onnx`): the same MobileNetV3 weights as the tfjs trunk
 * (embedding.ts), exported to ONNX at first use and cached (src/backend/onnx). Same input (RGB
 * patches 0…255, NHWC) and output (NHWC feature maps) as {@link Trunk}; equal within float
 * tolerance (test/track/onnx-trunk.test.ts).
 */
import type { OnnxGraphBuilder } from '../backend/onnx/graph.js';
import { OnnxRunner } from '../backend/onnx/runner.js';
import { defaultTrunkPath, FEATURE_CHANNELS, TRUNK_NODES, type FeatureBatch } from './embedding.js';
import type { FeatureLayer } from './params.js';

/** Builds the ONNX trunk for `layer` (the stride-16 map resampled onto the stride-8 grid for `both`). */
export function buildOnnxTrunk(g: OnnxGraphBuilder, layer: FeatureLayer): Uint8Array {
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
  private constructor(
    private readonly runner: OnnxRunner,
    readonly layer: FeatureLayer,
  ) {}

  /** Exports (or reads from the cache) and opens the trunk; `threads` is ORT's intra-op pool size. */
  static async load(layer: FeatureLayer, modelPath = defaultTrunkPath(), threads = 1): Promise<OnnxTrunk> {
    const recipe = {
      modelPath,
      input: TRUNK_NODES.input,
      name: `trunk-${layer}`,
      build: (g: OnnxGraphBuilder) => buildOnnxTrunk(g, layer),
    };
    return new OnnxTrunk(await OnnxRunner.open(recipe, threads), layer);
  }

  get channels(): number {
    return FEATURE_CHANNELS[this.layer];
  }

  /** Embeds `count` square patches of `size` pixels (RGB float, NHWC). */
  async embedPixels(pixels: Float32Array, count: number, size: number): Promise<FeatureBatch> {
    const { data, dims } = await this.runner.run(pixels, count, size, size);
    return { data, count: dims[0], side: dims[1], channels: dims[3] };
  }

  /** Releases the session once the run in flight (if any) is done. */
  dispose(): Promise<void> {
    return this.runner.dispose();
  }
}
