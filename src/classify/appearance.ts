/**
 * The appearance stream's frozen trunk: MobileNetV3 (Howard et al., "Searching for MobileNetV3",
 * ICCV 2019) as shipped inside @vladmandic/human's CenterNet detector, cut at its stride-16 block.
 * Pretrained features stand in for the ImageNet-pretrained spatial stream of Simonyan & Zisserman
 * (2014, §2): with a handful of clips, only a small head on top is learnt.
 */
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModelFromFile, resolvePackageFile } from '../backend/model-io.js';
import { OnnxRunner } from '../backend/onnx/runner.js';
import { TRUNK } from './config.js';

/** Frames run through the trunk per call: batching is ~3× faster per frame than one at a time on wasm. */
export const TRUNK_BATCH = 8;

/** A loaded trunk, owned by whoever created it. */
export interface AppearanceTrunk {
  /** `[N, H, W, 3]` RGB in 0..255 → `[N, ceil(H/16), ceil(W/16), 88]`. The caller owns both tensors. */
  embed(images: tf.Tensor4D): tf.Tensor4D;
  dispose(): void;
}

/** Loads the trunk from the installed package (never fetched). */
export async function createAppearanceTrunk(): Promise<AppearanceTrunk> {
  const graph = await loadGraphModelFromFile(resolvePackageFile(TRUNK.package, TRUNK.file), {
    dynamicInput: true,
  });
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

/** The same trunk on ONNX Runtime (the onnx engine): exported from the same weights and cached. */
export function openOnnxAppearance(): Promise<OnnxRunner> {
  return OnnxRunner.open({
    modelPath: resolvePackageFile(TRUNK.package, TRUNK.file),
    input: TRUNK.input,
    name: 'appearance-stride16',
    build: (g) => {
      g.output(g.convert(TRUNK.layer), 'features');
      return g.encode();
    },
  });
}

/**
 * Warms the trunk that will run up on a dummy batch of the model's size, on a timer (so while the
 * caller waits on I/O: ffprobe, ffmpeg's start): its first call is otherwise slow (graph and kernel
 * set-up, heap growth). ONNX Runtime's when it is open — the tfjs trunk is then only the fallback
 * of a flow worker that failed to start, and warms up on its first call. Never rejects: the first
 * real call reports any error. Skipped if `gone()` by then.
 */
export function warmUpAppearance(
  trunk: AppearanceTrunk | OnnxRunner,
  size: { inputWidth: number; inputHeight: number },
  gone: () => boolean,
): Promise<void> {
  const { inputWidth: w, inputHeight: h } = size;
  return new Promise((resolve) => {
    setTimeout(() => {
      if (gone()) return resolve();
      if (trunk instanceof OnnxRunner) {
        trunk.run(new Float32Array(TRUNK_BATCH * h * w * 3), TRUNK_BATCH, h, w).then(
          () => resolve(),
          () => resolve(),
        );
        return;
      }
      try {
        tf.dispose(tf.tidy(() => trunk.embed(tf.zeros([TRUNK_BATCH, h, w, 3]))));
      } catch {
        // the first real call reports it
      }
      resolve();
    }, 0);
  });
}
