/**
 * The ONNX exporter (src/backend/onnx): every op it converts gives what tfjs gives on random
 * inputs (tiny one-op graphs, run by tfjs's own graph executor on the cpu backend and by ONNX
 * Runtime), an op it does not convert is named in a coded error, and the cache is keyed by what
 * made the export.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import onnxProto from 'onnx-proto';
import { initBackend, tf } from '../../src/backend/backend.js';
import { OnnxGraphBuilder, type TfNode } from '../../src/backend/onnx/graph.js';
import { cachedExport, exportKey } from '../../src/backend/onnx/cache.js';

const { onnx } = onnxProto;
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });

/** A one-input graph: `nodes` between the placeholder `x` and the output `y`, constants given by value. */
function graph(
  inputShape: number[],
  nodes: TfNode[],
  constants: Record<string, { shape: number[]; values: number[]; dtype?: 'float32' | 'int32' }>,
): tf.io.ModelArtifacts {
  const all: TfNode[] = [
    {
      name: 'x',
      op: 'Placeholder',
      attr: { dtype: { type: 'DT_FLOAT' } as never, shape: { shape: dims(inputShape) } as never },
    },
  ];
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Buffer[] = [];
  for (const [name, c] of Object.entries(constants)) {
    const dtype = c.dtype ?? 'float32';
    all.push({
      name,
      op: 'Const',
      attr: {
        dtype: { type: dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32' } as never,
        value: {
          tensor: { dtype: dtype === 'float32' ? 'DT_FLOAT' : 'DT_INT32', tensorShape: dims(c.shape) },
        } as never,
      },
    });
    specs.push({ name, shape: c.shape, dtype });
    const data = dtype === 'float32' ? Float32Array.from(c.values) : Int32Array.from(c.values);
    buffers.push(Buffer.from(data.buffer));
  }
  all.push(...nodes);
  const bytes = Buffer.concat(buffers);
  return {
    modelTopology: { node: all, library: {}, versions: { producer: 1 } },
    format: 'graph-model',
    weightSpecs: specs,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
  };
}

const random = (n: number, scale = 1): number[] =>
  Array.from({ length: n }, () => (Math.random() * 2 - 1) * scale);
const ints = (...v: number[]) => ({ list: { i: v.map(String) } });
const text = (s: string) => ({ s: b64(s) });
const fused = (...ops: string[]) => ({ list: { s: ops.map(b64) } });

function conv(op: string, stride: number, padding: string, fusedOps: string[]): TfNode {
  return {
    name: 'y',
    op,
    input: op.startsWith('Fused') || op === '_FusedConv2D' ? ['x', 'w', 'b'] : ['x', 'w'],
    attr: {
      strides: ints(1, stride, stride, 1),
      dilations: ints(1, 1, 1, 1),
      padding: text(padding),
      data_format: text('NHWC'),
      ...(fusedOps.length ? { fused_ops: fused(...fusedOps), num_args: { i: '1' } } : {}),
    },
  };
}

const CASES: Array<{
  name: string;
  input: number[];
  nodes: TfNode[];
  constants: Parameters<typeof graph>[2];
}> = [
  ...(['SAME', 'VALID'] as const).flatMap((padding) =>
    [1, 2].flatMap((stride) =>
      [['BiasAdd'], ['BiasAdd', 'Relu'], ['BiasAdd', 'Relu6']].map((ops) => ({
        name: `_FusedConv2D ${ops.join('+')} stride ${stride} ${padding}`,
        input: [2, 9, 11, 3],
        nodes: [conv('_FusedConv2D', stride, padding, ops)],
        constants: { w: { shape: [3, 3, 3, 5], values: random(135) }, b: { shape: [5], values: random(5) } },
      })),
    ),
  ),
  {
    name: 'Conv2D (unfused) 1×1',
    input: [1, 6, 6, 4],
    nodes: [conv('Conv2D', 1, 'SAME', [])],
    constants: { w: { shape: [1, 1, 4, 7], values: random(28) } },
  },
  ...[1, 2].flatMap((stride) =>
    [['BiasAdd'], ['BiasAdd', 'Relu']].map((ops) => ({
      name: `FusedDepthwiseConv2dNative ${ops.join('+')} stride ${stride}`,
      input: [2, 10, 9, 4],
      nodes: [conv('FusedDepthwiseConv2dNative', stride, 'SAME', ops)],
      constants: { w: { shape: [5, 5, 4, 1], values: random(100) }, b: { shape: [4], values: random(4) } },
    })),
  ),
  {
    name: 'DepthwiseConv2dNative (unfused) channel multiplier 2',
    input: [1, 7, 7, 3],
    nodes: [conv('DepthwiseConv2dNative', 1, 'SAME', [])],
    constants: { w: { shape: [3, 3, 3, 2], values: random(54) } },
  },
  {
    name: 'Add with a scalar, Mul with a per-channel vector',
    input: [2, 4, 5, 3],
    nodes: [
      { name: 'a', op: 'Add', input: ['x', 'k'] },
      { name: 'y', op: 'Mul', input: ['c', 'a'] },
    ],
    constants: { k: { shape: [], values: [3] }, c: { shape: [3], values: [0.5, -2, 1.5] } },
  },
  {
    name: 'AddV2 of two tensors, Relu, Relu6, Identity',
    input: [1, 5, 5, 2],
    nodes: [
      { name: 'r', op: 'Relu', input: ['x'] },
      { name: 'r6', op: 'Relu6', input: ['m'] },
      { name: 'm', op: 'Mul', input: ['x', 's'] },
      { name: 'i', op: 'Identity', input: ['r6'] },
      { name: 'y', op: 'AddV2', input: ['r', 'i'] },
    ],
    constants: { s: { shape: [], values: [10] } },
  },
  {
    name: 'Mean over H and W (keep_dims) times the input (squeeze-excite)',
    input: [2, 6, 4, 3],
    nodes: [
      { name: 'mean', op: 'Mean', input: ['x', 'axes'], attr: { keep_dims: { b: true } } },
      { name: 'y', op: 'Mul', input: ['mean', 'x'] },
    ],
    constants: { axes: { shape: [2], values: [1, 2], dtype: 'int32' } },
  },
];

/** MobileNetV3's hard activations as its TF graph writes them (c: the model's 1/6, rounded). */
const SIXTH = 0.1666259765625;
const hardSwish = (x: string, out: string): TfNode[] => [
  { name: `${out}/mul`, op: 'Mul', input: ['sixth', x] },
  { name: `${out}/add`, op: 'Add', input: [x, 'three'] },
  { name: `${out}/relu6`, op: 'Relu6', input: [`${out}/add`] },
  { name: out, op: 'Mul', input: [`${out}/mul`, `${out}/relu6`] },
];
const hardSigmoid = (y: string, out: string, c = 'sixth'): TfNode[] => [
  { name: `${out}/add`, op: 'AddV2', input: [y, 'three'] },
  { name: `${out}/relu6`, op: 'Relu6', input: [`${out}/add`] },
  { name: out, op: 'Mul', input: [c, `${out}/relu6`] },
];
const convOf = (name: string, input: string, w: string, b?: string): TfNode => ({
  ...conv(b ? '_FusedConv2D' : 'Conv2D', 1, 'SAME', b ? ['BiasAdd'] : []),
  name,
  input: b ? [input, w, b] : [input, w],
});

/** Graphs whose hard activations become single ONNX ops (`ops`: what the export must contain). */
const HARD_CASES: Array<(typeof CASES)[number] & { ops: string[] }> = [
  {
    name: 'hard-swish into a convolution (its factor folded) and a residual Add (applied)',
    input: [2, 7, 6, 3],
    nodes: [
      ...hardSwish('x', 'hs'),
      convOf('cv', 'hs', 'w', 'b'),
      { name: 'y', op: 'AddV2', input: ['cv', 'hs'] },
    ],
    constants: {
      sixth: { shape: [], values: [SIXTH] },
      three: { shape: [], values: [3] },
      w: { shape: [3, 3, 3, 3], values: random(81) },
      b: { shape: [3], values: random(3) },
    },
    ops: ['HardSwish'],
  },
  {
    name: 'squeeze-excite: hard-sigmoid gate (c = 0.25) times the input, then a 1×1 conv',
    input: [1, 6, 5, 4],
    nodes: [
      { name: 'mean', op: 'Mean', input: ['x', 'axes'], attr: { keep_dims: { b: true } } },
      convOf('se', 'mean', 'w1', 'b1'),
      ...hardSigmoid('se', 'gate', 'quarter'),
      { name: 'excite', op: 'Mul', input: ['gate', 'x'] },
      convOf('y', 'excite', 'w2'),
    ],
    constants: {
      axes: { shape: [2], values: [1, 2], dtype: 'int32' },
      quarter: { shape: [], values: [0.25] },
      three: { shape: [], values: [3] },
      w1: { shape: [1, 1, 4, 4], values: random(16) },
      b1: { shape: [4], values: random(4, 3) },
      w2: { shape: [1, 1, 4, 2], values: random(8) },
    },
    ops: ['HardSigmoid'],
  },
  {
    name: 'hard-swish of a hard-swish, mean of it, as the output (the factor applied once)',
    input: [1, 5, 5, 2],
    nodes: [
      ...hardSwish('x', 'h1'),
      ...hardSwish('h1', 'h2'),
      { name: 'y', op: 'Mean', input: ['h2', 'axes'], attr: { keep_dims: { b: true } } },
    ],
    constants: {
      sixth: { shape: [], values: [SIXTH] },
      three: { shape: [], values: [3] },
      axes: { shape: [1], values: [3], dtype: 'int32' },
    },
    ops: ['HardSwish', 'HardSwish'],
  },
];

async function runOnnx(
  artifacts: tf.io.ModelArtifacts,
  input: Float32Array,
  shape: number[],
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const g = new OnnxGraphBuilder(artifacts, 'x');
  g.output(g.convert('y'), 'out');
  const session = await ort.InferenceSession.create(g.encode());
  try {
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, shape) });
    return { data: out.out.data as Float32Array, dims: out.out.dims };
  } finally {
    await session.release();
  }
}

beforeAll(async () => {
  await initBackend('cpu');
});

describe('ONNX exporter, op by op against tfjs', () => {
  for (const c of [...CASES, ...HARD_CASES]) {
    it(c.name, async () => {
      const artifacts = graph(c.input, c.nodes, c.constants);
      const model = await loadGraphModel(tf.io.fromMemory(artifacts));
      const input = Float32Array.from(
        random(
          c.input.reduce((a, b) => a * b, 1),
          4,
        ),
      );
      const x = tf.tensor4d(input, c.input as [number, number, number, number]);
      const expected = model.execute(x, 'y') as tf.Tensor;
      const want = expected.dataSync();
      const wantShape = expected.shape;
      tf.dispose([x, expected]);
      model.dispose();
      const got = await runOnnx(artifacts, input, c.input);
      expect([...got.dims]).toEqual(wantShape);
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got.data[i] - want[i]));
      expect(worst).toBeLessThan(1e-4);
      expect(Math.max(...Array.from(want, Math.abs))).toBeGreaterThan(0.1); // not a vacuous all-zero comparison
    });
  }

  it('exports hard-swish and hard-sigmoid as one op each (no Clip left)', () => {
    for (const c of HARD_CASES) {
      const g = new OnnxGraphBuilder(graph(c.input, c.nodes, c.constants), 'x');
      g.output(g.convert('y'), 'out');
      const types = onnx.ModelProto.decode(g.encode()).graph?.node?.map((n) => n.opType) ?? [];
      expect(types.filter((t) => t?.startsWith('Hard'))).toEqual(c.ops);
      expect(types).not.toContain('Clip');
    }
  });

  it('names an op it does not convert (ERR_UNSUPPORTED_OP)', () => {
    const artifacts = graph([1, 4, 4, 2], [{ name: 'y', op: 'Sigmoid', input: ['x'] }], {});
    const g = new OnnxGraphBuilder(artifacts, 'x');
    expect(() => g.convert('y')).toThrow(
      expect.objectContaining({ code: 'ERR_UNSUPPORTED_OP', message: expect.stringContaining('Sigmoid') }),
    );
  });

  it('names a fused activation it does not convert', () => {
    const artifacts = graph([1, 4, 4, 3], [conv('_FusedConv2D', 1, 'SAME', ['BiasAdd', 'LeakyRelu'])], {
      w: { shape: [1, 1, 3, 2], values: random(6) },
      b: { shape: [2], values: random(2) },
    });
    const g = new OnnxGraphBuilder(artifacts, 'x');
    expect(() => g.convert('y')).toThrow(
      expect.objectContaining({ code: 'ERR_UNSUPPORTED_OP', message: expect.stringContaining('LeakyRelu') }),
    );
  });
});

describe('ONNX export cache', () => {
  let dir: string;
  const saved = process.env.SIAMSTREAM_CACHE_DIR;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'siam-onnx-cache-'));
    process.env.SIAMSTREAM_CACHE_DIR = dir;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.SIAMSTREAM_CACHE_DIR;
    else process.env.SIAMSTREAM_CACHE_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  });

  it('exports once, reads the file after, and exports again when the weights change', async () => {
    const constants = { k: { shape: [], values: [2] } };
    const a = graph([1, 2, 2, 1], [{ name: 'y', op: 'Mul', input: ['x', 'k'] }], constants);
    let builds = 0;
    const build = (artifacts: tf.io.ModelArtifacts) => () => {
      builds++;
      const g = new OnnxGraphBuilder(artifacts, 'x');
      g.output(g.convert('y'), 'out');
      return g.encode();
    };
    const first = await cachedExport('test', exportKey(a, 'y'), build(a));
    const second = await cachedExport('test', exportKey(a, 'y'), build(a));
    expect([first.exported, second.exported, builds]).toEqual([true, false, 1]);
    expect(Buffer.from(second.bytes).equals(Buffer.from(first.bytes))).toBe(true);

    const changed = graph([1, 2, 2, 1], [{ name: 'y', op: 'Mul', input: ['x', 'k'] }], {
      k: { shape: [], values: [3] },
    });
    expect(exportKey(changed, 'y')).not.toBe(exportKey(a, 'y'));
    expect(exportKey(a, 'another output')).not.toBe(exportKey(a, 'y'));
    const third = await cachedExport('test', exportKey(changed, 'y'), build(changed));
    expect([third.exported, builds]).toEqual([true, 2]);
    const out = await runOnnxBytes(third.bytes);
    expect(Array.from(out)).toEqual([3, 6, 9, 12]);
    const files = (await readdir(path.join(dir, 'onnx'))).filter((f) => f.endsWith('.onnx'));
    expect(files).toHaveLength(2); // no partial files left behind
  });
});

async function runOnnxBytes(bytes: Uint8Array): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const out = await session.run({
      [session.inputNames[0]]: new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [1, 2, 2, 1]),
    });
    return out.out.data as Float32Array;
  } finally {
    await session.release();
  }
}
