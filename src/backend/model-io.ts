/**
 * Model files on disk: nothing is fetched at run time (weights come from npm packages that
 * ship them, or from folders the user trained). tfjs's `file://` handlers live in tfjs-node,
 * which we do not require, so we read and write with our own `tf.io` handlers.
 */
import { readFile, writeFile, mkdir, access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { SiamError } from '../errors.js';

const require = createRequire(import.meta.url);

/** Absolute path of a file inside an installed npm package, or `ERR_MODEL_MISSING`. */
export function resolvePackageFile(packageName: string, file: string): string {
  try {
    // Some packages (human) do not export ./package.json: resolve each lookup folder instead.
    for (const base of require.resolve.paths(packageName) ?? []) {
      const dir = path.join(base, packageName);
      if (existsSync(path.join(dir, 'package.json'))) return path.join(dir, file);
    }
    throw new Error(`cannot find ${packageName}`);
  } catch (cause) {
    throw new SiamError('ERR_MODEL_MISSING', `Package ${packageName} is not installed.`, {
      cause,
      hint: 'Run npm ci in the siamstream folder.',
    });
  }
}

async function readOrMissing(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (cause) {
    throw new SiamError('ERR_MODEL_MISSING', `Model file not found: ${file}`, {
      cause,
      hint: 'Check the path; pretrained weights come from npm packages (run npm ci).',
    });
  }
}

/** Reads `model.json` and its weight shards into a `tf.io.ModelArtifacts`. */
export async function readModelArtifacts(jsonPath: string): Promise<tf.io.ModelArtifacts> {
  const raw = await readOrMissing(jsonPath);
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(raw.toString('utf8')) as tf.io.ModelJSON;
  } catch (cause) {
    throw new SiamError('ERR_MODEL_INVALID', `Model file is not JSON: ${jsonPath}`, { cause });
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new SiamError('ERR_MODEL_INVALID', `Not a TensorFlow.js model.json: ${jsonPath}`, {
      hint: 'Expected modelTopology and weightsManifest.',
    });
  }
  const dir = path.dirname(jsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) buffers.push(await readOrMissing(path.join(dir, p)));
  }
  const all = Buffer.concat(buffers);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    signature: json.signature,
    userDefinedMetadata: json.userDefinedMetadata,
    trainingConfig: json.trainingConfig,
    weightSpecs: specs,
    weightData,
  };
}

/** A `tf.io.IOHandler` that loads a model folder written by {@link fileSaveHandler}. */
export function fileLoadHandler(jsonPath: string): tf.io.IOHandler {
  return { load: () => readModelArtifacts(jsonPath) };
}

/** A `tf.io.IOHandler` that writes `model.json` + `weights.bin` into `dir`. */
export function fileSaveHandler(dir: string): tf.io.IOHandler {
  return tf.io.withSaveHandler(async (artifacts) => {
    await mkdir(dir, { recursive: true });
    const weights = artifacts.weightData
      ? Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData as ArrayBuffer | ArrayBuffer[]))
      : Buffer.alloc(0);
    const json: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology as tf.io.ModelJSON['modelTopology'],
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      userDefinedMetadata: artifacts.userDefinedMetadata,
      trainingConfig: artifacts.trainingConfig,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
    };
    await writeFile(path.join(dir, 'weights.bin'), weights);
    await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
    return {
      modelArtifactsInfo: {
        dateSaved: new Date(),
        modelTopologyType: 'JSON',
        weightDataBytes: weights.byteLength,
      },
    };
  });
}

/**
 * Sets the batch, height and width of every 4-D input (graph placeholders and the signature) to
 * -1, so that a fully-convolutional trunk runs on batches of any size and any image size (SiamFC
 * needs two sizes: exemplar and search; the graphs ship as `[1, H, W, 3]`).
 */
function freeInputDims(artifacts: tf.io.ModelArtifacts): void {
  type Dims = Array<{ size?: string }>;
  const free = (dims: unknown): void => {
    if (Array.isArray(dims) && dims.length === 4) for (const d of (dims as Dims).slice(0, 3)) d.size = '-1';
  };
  type GraphNode = { op?: string; attr?: { shape?: { shape?: { dim?: unknown } } } };
  const topology = artifacts.modelTopology as { node?: GraphNode[] };
  for (const node of topology.node ?? []) if (node.op === 'Placeholder') free(node.attr?.shape?.shape?.dim);
  type SignatureInput = { tensorShape?: { dim?: unknown } };
  const inputs =
    (artifacts.signature as { inputs?: Record<string, SignatureInput> } | undefined)?.inputs ?? {};
  for (const input of Object.values(inputs)) free(input?.tensorShape?.dim);
}

/**
 * Loads a graph model from disk. `dynamicInput` frees the batch, height and width of its 4-D
 * inputs (see {@link freeInputDims}).
 */
export async function loadGraphModelFromFile(
  jsonPath: string,
  options: { dynamicInput?: boolean } = {},
): Promise<GraphModel> {
  await access(jsonPath).catch((cause) => {
    throw new SiamError('ERR_MODEL_MISSING', `Model file not found: ${jsonPath}`, {
      cause,
      hint: 'Pretrained weights come from npm packages: run npm ci (or check the model path).',
    });
  });
  const artifacts = await readModelArtifacts(jsonPath);
  if (options.dynamicInput) freeInputDims(artifacts);
  try {
    // Imported here: the ONNX engine reads the artifacts alone, and the converter costs ~45 ms to load.
    const { loadGraphModel } = await import('@tensorflow/tfjs-converter');
    return await loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (cause) {
    throw new SiamError(
      'ERR_MODEL_INVALID',
      `Could not load graph model ${jsonPath}: ${(cause as Error).message}`,
      {
        cause,
      },
    );
  }
}
