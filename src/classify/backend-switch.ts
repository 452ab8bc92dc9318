/**
 * Running a piece of work on another TensorFlow.js backend. The wasm backend has no backprop
 * kernels (no Conv2DBackpropFilter), so the heads train on the `cpu` backend while the trunk and
 * the flow run on wasm. `tf.setBackend` moves no tensor: anything that crosses goes through plain
 * arrays (`dataSync()` on one side, `tf.tensor()` on the other), and nothing created inside `fn`
 * may outlive it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SiamError } from '../errors.js';

const PACKAGES: Record<string, string> = {
  cpu: '@tensorflow/tfjs-backend-cpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
};

/** Runs `fn` with `name` as the active backend, then restores the previous one (even on error). */
export async function withBackend<T>(name: 'cpu' | 'wasm', fn: () => Promise<T> | T): Promise<T> {
  const previous = tf.getBackend();
  if (previous === name) return fn();
  if (!tf.findBackend(name)) {
    await import(PACKAGES[name]).catch((cause) => {
      throw new SiamError(
        'ERR_BACKEND_UNAVAILABLE',
        `Backend "${name}" is not installed (${PACKAGES[name]}).`,
        { cause },
      );
    });
  }
  if (!(await tf.setBackend(name))) {
    throw new SiamError('ERR_BACKEND_UNAVAILABLE', `Backend "${name}" failed to initialise.`);
  }
  // The cpu backend prints a "install tfjs-node" banner on first use: we chose it on purpose.
  const backend = tf.backend() as { firstUse?: boolean };
  if ('firstUse' in backend) backend.firstUse = false;
  try {
    return await fn();
  } finally {
    await tf.setBackend(previous);
  }
}
