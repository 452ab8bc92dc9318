/**
 * The Siamese embedding: one fully-convolutional trunk whose same weights embed the exemplar
 * and every search region (SiamFC, Bertinetto, Valmadre, Henriques, Vedaldi & Torr, "Fully-
 * Convolutional Siamese Networks for Object Tracking", ECCV 2016 workshops, §2.1, Eq. 1–2).
 *
 * The trunk is the MobileNetV3 backbone of `@vladmandic/human`'s CenterNet (COCO-trained), cut
 * at its stride-8 block (`expanded_conv_5`, 32 channels) and/or its stride-16 block
 * (`expanded_conv_11`, 88 channels). The graph is loaded with dynamic batch, height and width,
 * so the exemplar, the scales and a widened search run through the same weights at any size.
 * Executing only up to the stride-8 node prunes the rest of the graph (~2× cheaper).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { loadGraphModelFromFile, resolvePackageFile } from '../backend/model-io.js';
import type { FeatureLayer } from './params.js';
import type { ChannelBlocks } from './spectral-grid.js';

/** The trunk's input and feature nodes. */
export const TRUNK_NODES = {
  input: 'tower_0/images',
  stride8: 'tower_0/MobilenetV3/expanded_conv_5/add',
  stride16: 'tower_0/MobilenetV3/expanded_conv_11/add',
} as const;

/**
 * The filter's channel blocks per layer choice (each block is normalised on its own): `both` is
 * the stride-8 block on the fine grid and the stride-16 block on the coarse one (spectral-grid.ts).
 */
export const FEATURE_BLOCKS: Record<FeatureLayer, ChannelBlocks> = {
  stride8: { fine: 32, coarse: 0 },
  stride16: { fine: 88, coarse: 0 },
  both: { fine: 32, coarse: 88 },
};

/** Channels of the trunk's packed output per layer choice: `both` = 32 + 88/4 (spectral-grid.ts). */
export function packedChannels(layer: FeatureLayer): number {
  const { fine, coarse } = FEATURE_BLOCKS[layer];
  return fine + coarse / 4;
}

/** The stride (input pixels per feature cell) of the features handed to the filter. */
export function featureStride(layer: FeatureLayer): number {
  return layer === 'stride16' ? 16 : 8;
}

/** Feature maps of a batch of patches: count × side × side × channels, HWC per patch (packed: spectral-grid.ts). */
export interface FeatureBatch {
  data: Float32Array;
  count: number;
  side: number;
  channels: number;
}

/** The default trunk file. */
export function defaultTrunkPath(): string {
  return resolvePackageFile('@vladmandic/human', 'models/centernet.json');
}

/** Loads the trunk graph with batch, height and width of its image input left free. */
export function loadTrunkModel(modelPath = defaultTrunkPath()): Promise<GraphModel> {
  return loadGraphModelFromFile(modelPath, { dynamicInput: true });
}

/** The embedding φ of SiamFC: RGB patches (0…255) → raw feature maps (NHWC). */
export class Trunk {
  private constructor(
    private readonly model: GraphModel,
    readonly layer: FeatureLayer,
  ) {}

  static async load(layer: FeatureLayer, modelPath?: string): Promise<Trunk> {
    return new Trunk(await loadTrunkModel(modelPath), layer);
  }

  /** Embeds patches given as a tensor (not disposed: the caller owns it). */
  async embedTensor(patches: tf.Tensor4D): Promise<FeatureBatch> {
    const features = tf.tidy(() => this.features(patches));
    try {
      const data = (await features.data()) as Float32Array;
      const [count, side, , channels] = features.shape;
      return { data, count, side, channels };
    } finally {
      features.dispose();
    }
  }

  /** Embeds `count` square patches of `size` pixels (RGB float, NHWC). */
  async embedPixels(pixels: Float32Array, count: number, size: number): Promise<FeatureBatch> {
    const input = tf.tensor4d(pixels.subarray(0, count * size * size * 3), [count, size, size, 3]);
    try {
      return await this.embedTensor(input);
    } finally {
      input.dispose();
    }
  }

  private features(patches: tf.Tensor4D): tf.Tensor4D {
    if (this.layer === 'stride8') return this.model.execute(patches, TRUNK_NODES.stride8) as tf.Tensor4D;
    if (this.layer === 'stride16') return this.model.execute(patches, TRUNK_NODES.stride16) as tf.Tensor4D;
    const [s8, s16] = this.model.execute(patches, [
      TRUNK_NODES.stride8,
      TRUNK_NODES.stride16,
    ]) as tf.Tensor4D[];
    // The stride-16 map packed onto the stride-8 grid, losslessly (spectral-grid.ts unpacks it).
    return tf.concat([s8, tf.depthToSpace(s16, 2)], 3);
  }

  dispose(): void {
    this.model.dispose();
  }
}
