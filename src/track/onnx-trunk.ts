/**
 * The trunk on ONNX Runtime (`--engine onnx`): the same MobileNetV3 weights as the tfjs trunk
 * (embedding.ts), exported to ONNX at first use and cached (src/backend/onnx). Same input (RGB
 * patches 0…255, NHWC) and output (NHWC feature maps) as {@link Trunk}; equal within float
 * tolerance (test/track/onnx-trunk.test.ts).
 */
import type { OnnxGraphBuilder } from '../backend/onnx/graph.js';
import { OnnxRunner } from '../backend/onnx/runner.js';
import { defaultTrunkPath, TRUNK_NODES, type FeatureBatch } from './embedding.js';
import type { FeatureLayer } from './params.js';

/** Builds the ONNX trunk for `layer` (for `both`, the stride-16 map packed beside the stride-8 one: spectral-grid.ts). */
export function buildOnnxTrunk(g: OnnxGraphBuilder, layer: FeatureLayer): Uint8Array {
  if (layer !== 'both') {
    g.output(g.convert(layer === 'stride8' ? TRUNK_NODES.stride8 : TRUNK_NODES.stride16), 'features');
    return g.encode();
  }
  const s8 = g.convert(TRUNK_NODES.stride8);
  const s16 = g.convert(TRUNK_NODES.stride16);
  // The stride-16 map packed onto the stride-8 grid, as the tfjs trunk does (DCR = tf.depthToSpace).
  const packed = g.node('DepthToSpace', [s16], 's16/packed', { blocksize: 2, mode: 'DCR' });
  g.output(g.node('Concat', [s8, packed], 'both', { axis: 1 }), 'features');
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
      name: layer === 'both' ? 'trunk-both-packed' : `trunk-${layer}`,
      build: (g: OnnxGraphBuilder) => buildOnnxTrunk(g, layer),
    };
    return new OnnxTrunk(await OnnxRunner.open(recipe, threads), layer);
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
