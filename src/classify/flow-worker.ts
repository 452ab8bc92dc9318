/**
 * Worker-thread entry that computes the motion stream's input (see flow-client.ts): its own
 * TensorFlow.js backend (wasm is single-threaded per isolate), so the flow runs on one core while
 * the main thread runs the appearance trunk on the other. The frame bytes arrive transferred, the
 * pooled flow goes back transferred; the same functions as in process (features.ts), so the
 * features are the same. One request at a time, answered in order, each with its id.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../backend/backend.js';
import type { StreamConfig } from './config.js';
import { grayImages, modelImages, motionFromGray } from './features.js';
import type { FlowOptions } from './flow.js';
import { errorReply, type RpcErrorReply } from '../util/worker-rpc.js';

/** Set once, at spawn (before the model, hence its config, is loaded). */
export interface FlowWorkerData {
  backend: string;
  flow?: FlowOptions;
}

/** A run of consecutive frames: RGB24 bytes `[N, H, W, 3]`, and the grey image before the first. */
export type FlowRequest =
  | { id: number; type: 'config'; config: StreamConfig }
  | {
      id: number;
      type: 'flow';
      bytes: Uint8Array;
      shape: [number, number, number];
      previousGray?: Float32Array;
    }
  | { id: number; type: 'memory' };

/** `motion`: `[N, mh, mw, 2]` flat; `lastGray`: the last frame's grey image at flow size. */
export type FlowReply =
  | { id: 0; type: 'ready'; backend: string }
  | { id: number; type: 'motion'; motion: Float32Array; lastGray: Float32Array; ms: number }
  | { id: number; type: 'memory'; numTensors: number }
  | { id: number; type: 'configured' }
  | RpcErrorReply;

const port = parentPort;
if (port) {
  const { backend, flow } = workerData as FlowWorkerData;
  let config: StreamConfig | undefined;
  const handle = (m: FlowRequest): { reply: FlowReply; transfer?: ArrayBuffer[] } => {
    if (m.type === 'memory')
      return { reply: { id: m.id, type: 'memory', numTensors: tf.memory().numTensors } };
    if (m.type === 'config') {
      config = m.config;
      // Warm-up (first kernel calls, heap growth) on a dummy run of the model's size, while the
      // main thread still loads the trunk; requests posted meanwhile wait in the port's queue.
      const h = config.inputHeight;
      const w = config.inputWidth;
      const fSize = Math.ceil(h / config.flowDownsample) * Math.ceil(w / config.flowDownsample);
      handle({
        id: -1,
        type: 'flow',
        bytes: new Uint8Array(8 * h * w * 3),
        shape: [8, h, w],
        previousGray: new Float32Array(fSize),
      });
      return { reply: { id: m.id, type: 'configured' } };
    }
    if (!config) throw new Error('flow worker used before config');
    const t0 = performance.now();
    const images = modelImages(m.bytes, m.shape, config);
    const gray = grayImages(images, config);
    images.dispose();
    const motionT = motionFromGray(gray, config, m.previousGray, flow);
    const motion = (motionT.dataSync() as Float32Array).slice(); // own buffer (the cpu backend hands out its storage)
    const grayData = gray.dataSync() as Float32Array;
    const size = gray.shape[1] * gray.shape[2];
    const lastGray = grayData.slice(grayData.length - size);
    tf.dispose([gray, motionT]);
    return {
      reply: { id: m.id, type: 'motion', motion, lastGray, ms: performance.now() - t0 },
      transfer: [motion.buffer as ArrayBuffer, lastGray.buffer as ArrayBuffer],
    };
  };
  initBackend(backend).then(
    (info) => {
      port.on('message', (m: FlowRequest) => {
        try {
          const { reply, transfer } = handle(m);
          port.postMessage(reply, transfer ?? []);
        } catch (e) {
          port.postMessage(errorReply(m.id, e) satisfies FlowReply);
        }
      });
      port.postMessage({ id: 0, type: 'ready', backend: info.tfBackend } satisfies FlowReply);
    },
    (e: unknown) => port.postMessage(errorReply(0, e) satisfies FlowReply),
  );
}
