/**
 * The trained model and its folder: `model.json` + `weights.bin` written through our own
 * `tf.io` file handlers (src/backend/model-io.ts; tfjs's `file://` handlers need tfjs-node), plus
 * `classifier.json`, a small summary a person can read (labels, clip length, input size, training
 * facts). Float32 weights are written as they are, so a loaded model scores bit-identically.
 */
import { readFile, writeFile, access } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { fileLoadHandler, fileSaveHandler } from '../backend/model-io.js';
import { SiamError } from '../errors.js';
import { MODEL_FORMAT, MODEL_FORMAT_VERSION, STREAMS, type ClipModelConfig } from './config.js';
import { headWeightShapes, type NamedTensors } from './head.js';

/** A model in memory: its config and its weights (tensors on the backend that loaded them). */
export interface ClipModel {
  config: ClipModelConfig;
  weights: NamedTensors;
}

/** Weights as plain arrays: how they cross between the wasm and cpu backends. */
export type WeightArrays = Record<string, { data: Float32Array; shape: number[] }>;

/** Copies weights out of tensors (any backend). */
export function weightsToArrays(weights: NamedTensors): WeightArrays {
  const out: WeightArrays = {};
  for (const [name, t] of Object.entries(weights))
    out[name] = { data: (t.dataSync() as Float32Array).slice(), shape: t.shape.slice() };
  return out;
}

/** Creates tensors on the active backend from plain arrays. */
export function arraysToWeights(arrays: WeightArrays): NamedTensors {
  const out: NamedTensors = {};
  for (const [name, a] of Object.entries(arrays)) out[name] = tf.tensor(a.data, a.shape, 'float32');
  return out;
}

/** Disposes a model's weights. */
export function disposeClipModel(model: ClipModel): void {
  tf.dispose(Object.values(model.weights));
}

/** The readable summary written beside model.json. */
export function modelSummary(config: ClipModelConfig): Record<string, unknown> {
  return {
    format: config.format,
    formatVersion: config.formatVersion,
    labels: config.labels,
    clipLength: config.clipLength,
    fps: config.fps,
    inputSize: { width: config.inputWidth, height: config.inputHeight },
    streams: config.streams,
    fusionWeights: config.fusionWeights,
    ...(config.openSet ? { openSet: config.openSet } : {}),
    training: config.training,
  };
}

/** Writes `dir/model.json`, `dir/weights.bin` and `dir/classifier.json`. */
export async function saveClipModel(model: ClipModel, dir: string): Promise<void> {
  const names = Object.keys(model.weights).sort();
  const { data, specs } = await tf.io.encodeWeights(
    names.map((name) => ({ name, tensor: model.weights[name] })),
  );
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: {
      format: MODEL_FORMAT,
      formatVersion: MODEL_FORMAT_VERSION,
      config: model.config,
    } as unknown as tf.io.ModelArtifacts['modelTopology'],
    format: MODEL_FORMAT,
    generatedBy: `siamstream clip classifier v${MODEL_FORMAT_VERSION}`,
    weightSpecs: specs,
    weightData: data,
  };
  await fileSaveHandler(dir).save!(artifacts);
  await writeFile(
    path.join(dir, 'classifier.json'),
    `${JSON.stringify(modelSummary(model.config), null, 2)}\n`,
  );
}

function invalid(dir: string, why: string): SiamError {
  return new SiamError('ERR_MODEL_INVALID', `${dir} is not a clip model of this version: ${why}.`, {
    hint: `Retrain it with this version: siamstream train --data DIR --out ${dir}`,
  });
}

/** Reads a folder written by {@link saveClipModel}; weights land on the active backend. */
export async function loadClipModel(dir: string): Promise<ClipModel> {
  const jsonPath = path.join(dir, 'model.json');
  const summaryPath = path.join(dir, 'classifier.json');
  for (const p of [jsonPath, summaryPath]) {
    await access(p).catch((cause) => {
      throw new SiamError('ERR_MODEL_MISSING', `Model file not found: ${p}`, {
        cause,
        hint: 'Pass the folder written by `siamstream train --out`.',
      });
    });
  }
  let summary: { format?: unknown; formatVersion?: unknown };
  try {
    summary = JSON.parse(await readFile(summaryPath, 'utf8'));
  } catch (cause) {
    throw new SiamError('ERR_MODEL_INVALID', `${summaryPath} is not JSON.`, { cause });
  }
  if (summary.format !== MODEL_FORMAT)
    throw invalid(dir, `format is ${JSON.stringify(summary.format)}, expected "${MODEL_FORMAT}"`);
  if (summary.formatVersion !== MODEL_FORMAT_VERSION) {
    throw invalid(
      dir,
      `format version ${JSON.stringify(summary.formatVersion)}, this siamstream reads ${MODEL_FORMAT_VERSION}`,
    );
  }
  const artifacts = await fileLoadHandler(jsonPath).load!();
  const topology = artifacts.modelTopology as
    { format?: string; formatVersion?: number; config?: ClipModelConfig } | undefined;
  if (
    topology?.format !== MODEL_FORMAT ||
    topology.formatVersion !== MODEL_FORMAT_VERSION ||
    !topology.config
  ) {
    throw invalid(dir, 'model.json does not describe a clip classifier of this version');
  }
  const config = topology.config;
  if (
    !Array.isArray(config.labels) ||
    config.labels.length < 2 ||
    !config.streams?.every((s) => STREAMS.includes(s))
  ) {
    throw invalid(dir, 'labels or streams are malformed');
  }
  const weightData = tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]);
  const weights = tf.io.decodeWeights(weightData, artifacts.weightSpecs ?? []);
  for (const stream of config.streams) {
    for (const { name, shape } of headWeightShapes(stream, config.heads[stream], config.labels.length)) {
      const t = weights[name];
      if (!t || t.shape.join(',') !== shape.join(',')) {
        tf.dispose(Object.values(weights));
        throw invalid(dir, `weight ${name} is ${t ? `[${t.shape}]` : 'missing'}, expected [${shape}]`);
      }
    }
  }
  return { config, weights };
}
