/**
 * The appearance stream's frozen trunk: MobileNetV3 (Howard et al., "Searching for MobileNetV3",
 * ICCV 2019) as shipped inside @vladmandic/human's CenterNet detector, cut at its stride-16 block.
 * Pretrained features stand in for the ImageNet-pretrained spatial stream of Simonyan & Zisserman
 * (2014, §2): with a handful of clips, only a small head on top is learnt.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { readModelArtifacts, resolvePackageFile } from '../backend/model-io.js';
import { SiamError } from '../errors.js';
import { TRUNK } from './config.js';

/** Frames run through the trunk per call: batching is ~3× faster per frame than one at a time on wasm. */
export const TRUNK_BATCH = 8;

/** A loaded trunk, owned by whoever created it. */
export interface AppearanceTrunk {
  /** `[N, H, W, 3]` RGB in 0..255 → `[N, ceil(H/16), ceil(W/16), 88]`. The caller owns both tensors. */
  embed(images: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/** Sets every 4-D placeholder's batch, height and width to -1 (the graph ships as `[1,-1,-1,3]`). */
function makeInputDynamic(artifacts: tf.io.ModelArtifacts): void {
  const topology = artifacts.modelTopology as { node?: Array<{ op?: string; attr?: any }> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const node of topology.node ?? []) {
    const dims = node.op === 'Placeholder' ? node.attr?.shape?.shape?.dim : undefined;
    if (Array.isArray(dims) && dims.length === 4) for (const i of [0, 1, 2]) dims[i].size = '-1';
  }
  const inputs = (artifacts.signature as { inputs?: Record<string, any> } | undefined)?.inputs ?? {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  for (const input of Object.values(inputs)) {
    const dims = input?.tensorShape?.dim;
    if (Array.isArray(dims) && dims.length === 4) for (const i of [0, 1, 2]) dims[i].size = '-1';
  }
}

/** Loads the trunk from the installed package (never fetched). */
export async function createAppearanceTrunk(): Promise<AppearanceTrunk> {
  const artifacts = await readModelArtifacts(resolvePackageFile(TRUNK.package, TRUNK.file));
  makeInputDynamic(artifacts);
  let model: GraphModel | undefined;
  try {
    model = await loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (cause) {
    throw new SiamError('ERR_MODEL_INVALID', `Could not load the appearance trunk: ${(cause as Error).message}`, { cause });
  }
  const graph = model;
  return {
    embed(images) {
      const n = images.shape[0];
      if (n <= TRUNK_BATCH) return graph.execute({ [TRUNK.input]: images }, TRUNK.layer) as tf.Tensor4D;
      return tf.tidy(() => {
        const parts: tf.Tensor4D[] = [];
        for (let i = 0; i < n; i += TRUNK_BATCH) {
          const batch = tf.slice(images, [i, 0, 0, 0], [Math.min(TRUNK_BATCH, n - i), -1, -1, -1]);
          parts.push(graph.execute({ [TRUNK.input]: batch }, TRUNK.layer) as tf.Tensor4D);
        }
        return tf.concat(parts, 0);
      });
    },
    dispose() {
      graph.dispose();
    },
  };
}
