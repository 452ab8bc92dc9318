/**
 * Generates `models/trunk/` — the trackers' and the classifier's trunk: the MobileNetV3 backbone
 * of `@vladmandic/human`'s CenterNet (`models/centernet.json`, MIT; weights from
 * github.com/610265158/mobilenetv3_centernet, COCO-trained), cut after its stride-16 block
 * (`expanded_conv_11`, the deepest node we read). The cut keeps every node the stride-8 and
 * stride-16 outputs depend on and the bytes of their weights unchanged (float16 as shipped), so
 * it computes exactly what the full graph computes there: ~1 MB instead of a 43 MB dependency.
 *
 * Run: `npx tsx models/make-trunk.ts` (needs the devDependency `@vladmandic/human`).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePackageFile } from '../src/backend/model-io.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The nodes read by src/track/embedding.ts (TRUNK_NODES) and src/classify/config.ts (TRUNK). */
export const CUT_OUTPUTS = [
  'tower_0/MobilenetV3/expanded_conv_5/add',
  'tower_0/MobilenetV3/expanded_conv_11/add',
];

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}
interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: string;
  signature?: unknown;
  modelTopology: { node: Array<{ name: string; input?: string[] }> } & Record<string, unknown>;
  weightsManifest: Array<{ paths: string[]; weights: WeightEntry[] }>;
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Bytes of one weight in the shard: its quantized dtype's size when quantized. */
export function weightBytes(w: WeightEntry): number {
  const size = BYTES[w.quantization?.dtype ?? w.dtype];
  if (!size) throw new Error(`unsupported weight dtype ${w.dtype} (${w.name})`);
  return size * w.shape.reduce((a, b) => a * b, 1);
}

/** Names of the nodes that `outputs` depend on (control inputs included). */
export function ancestors(nodes: ModelJson['modelTopology']['node'], outputs: string[]): Set<string> {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const keep = new Set<string>();
  const stack = [...outputs];
  while (stack.length) {
    const name = stack.pop()!.replace(/^\^/, '').split(':')[0];
    const node = byName.get(name);
    if (!node || keep.has(name)) continue;
    keep.add(name);
    stack.push(...(node.input ?? []));
  }
  return keep;
}

/** The cut model.json and its weights from the full model at `sourceJson`. */
export function cutTrunk(sourceJson: string): { json: ModelJson; weights: Buffer } {
  const full = JSON.parse(readFileSync(sourceJson, 'utf8')) as ModelJson;
  const dir = path.dirname(sourceJson);
  const keep = ancestors(full.modelTopology.node, CUT_OUTPUTS);
  const kept: WeightEntry[] = [];
  const parts: Buffer[] = [];
  for (const group of full.weightsManifest) {
    const shard = Buffer.concat(group.paths.map((p) => readFileSync(path.join(dir, p))));
    let offset = 0;
    for (const w of group.weights) {
      const n = weightBytes(w);
      if (keep.has(w.name)) {
        kept.push(w);
        parts.push(shard.subarray(offset, offset + n));
      }
      offset += n;
    }
    if (offset !== shard.length)
      throw new Error(`${group.paths.join(',')}: ${shard.length} bytes, manifest says ${offset}`);
  }
  const json: ModelJson = {
    format: full.format,
    generatedBy: full.generatedBy,
    convertedBy: `${full.convertedBy}; cut after expanded_conv_11 by siamstream models/make-trunk.ts`,
    modelTopology: { ...full.modelTopology, node: full.modelTopology.node.filter((n) => keep.has(n.name)) },
    weightsManifest: [{ paths: ['weights.bin'], weights: kept }],
  };
  return { json, weights: Buffer.concat(parts) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { json, weights } = cutTrunk(resolvePackageFile('@vladmandic/human', 'models/centernet.json'));
  const out = path.join(here, 'trunk');
  mkdirSync(out, { recursive: true });
  writeFileSync(path.join(out, 'model.json'), JSON.stringify(json));
  writeFileSync(path.join(out, 'weights.bin'), weights);
  console.log(`models/trunk: ${json.modelTopology.node.length} nodes, ${weights.length} bytes of weights`);
}
