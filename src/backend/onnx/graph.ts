/**
 * Converts a TensorFlow.js graph model (the subgraph that feeds the nodes asked for) into an
 * ONNX model, so that `onnxruntime-node` can run the same weights natively (issue #10).
 *
 * TensorFlow graphs are NHWC; ONNX convolutions are NCHW. The input is transposed once, every
 * converted op works on NCHW tensors (constants are laid out to match: filters HWIO → OIHW,
 * per-channel vectors → C×1×1, reduction axes remapped), and each output is transposed back to
 * NHWC. Only the ops in `ops.ts` are converted; anything else fails with `ERR_UNSUPPORTED_OP`
 * naming it. The ONNX protobuf messages come from `onnx-proto` (the ONNX schema compiled with
 * protobufjs).
 */
import onnxProto, { type onnx as OnnxTypes } from 'onnx-proto';
import type * as tf from '@tensorflow/tfjs-core';
import { SiamError } from '../../errors.js';
import { CONVERTERS, type OnnxAttr } from './ops.js';
import { decodeWeightValues, type WeightValue } from './weights.js';

const { onnx } = onnxProto;

/** ONNX opset the converters target (Clip with min/max inputs, ReduceMean with an axes attribute, HardSwish). */
export const ONNX_OPSET = 14;

/** A node of a TensorFlow GraphDef as TensorFlow.js's model.json stores it. */
export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
}

/** A GraphDef attribute (the fields the converters read). */
export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  list?: { i?: Array<string | number>; s?: string[] };
}

/** An ONNX tensor's element type. */
export type OnnxDataType = 'float32' | 'int64';

/** Builds one ONNX graph from a TensorFlow.js graph model. */
export class OnnxGraphBuilder {
  private readonly nodes = new Map<string, TfNode>();
  private readonly weights: Map<string, WeightValue>;
  private readonly converted = new Map<string, string>();
  /** ONNX values holding their TF value divided by a scalar, folded into the next linear op. */
  private readonly scales = new Map<string, number>();
  private readonly materialised = new Map<string, string>();
  private readonly onnxNodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private inputDeclared: OnnxTypes.IValueInfoProto | undefined;

  /** `input` is the name of the image placeholder (NHWC float). */
  constructor(
    artifacts: tf.io.ModelArtifacts,
    private readonly input: string,
  ) {
    const topology = artifacts.modelTopology as { node?: TfNode[] } | undefined;
    for (const node of topology?.node ?? []) this.nodes.set(node.name, node);
    if (!this.nodes.has(input)) {
      throw new SiamError('ERR_MODEL_INVALID', `The graph has no input node ${input}.`);
    }
    const data = artifacts.weightData;
    this.weights = decodeWeightValues(
      data instanceof ArrayBuffer ? data : new ArrayBuffer(0),
      artifacts.weightSpecs ?? [],
    );
  }

  /** The value of a constant node, or undefined when `name` is not a constant. */
  constant(name: string): WeightValue | undefined {
    const node = this.nodes.get(stripPort(name));
    return node?.op === 'Const' ? this.weights.get(node.name) : undefined;
  }

  /** The TF node `name` (port and control marker stripped), if the graph has it. */
  tfNode(name: string): TfNode | undefined {
    return this.nodes.get(stripPort(name));
  }

  /** A name not used yet in the ONNX graph, derived from `base`. */
  fresh(base: string): string {
    let name = base;
    for (let k = 1; this.used.has(name); k++) name = `${base}_${k}`;
    this.used.add(name);
    return name;
  }

  /** Adds a constant tensor and returns its name. */
  initializer(
    base: string,
    dims: number[],
    values: ArrayLike<number>,
    type: OnnxDataType = 'float32',
  ): string {
    const name = this.fresh(base);
    const raw =
      type === 'float32'
        ? new Uint8Array(Float32Array.from(values).buffer)
        : new Uint8Array(BigInt64Array.from(Array.from(values, (v) => BigInt(v))).buffer);
    this.initializers.push({
      name,
      dims,
      dataType: type === 'float32' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64,
      rawData: raw,
    });
    return name;
  }

  /** Adds an ONNX node with one output named after `base`; returns the output's name. */
  node(op: string, inputs: string[], base: string, attrs: Record<string, OnnxAttr> = {}): string {
    const output = this.fresh(base);
    this.onnxNodes.push({
      opType: op,
      name: output,
      input: inputs,
      output: [output],
      attribute: Object.entries(attrs).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  /** Converts the TF node `name` (and what feeds it); returns the ONNX name of its NCHW value. */
  convert(name: string): string {
    const { value, scale } = this.convertScaled(name);
    if (scale === 1) return value;
    let out = this.materialised.get(value);
    if (!out) {
      out = this.node('Mul', [value, this.initializer(`${value}/scale`, [], [scale])], `${value}/scaled`);
      this.materialised.set(value, out);
    }
    return out;
  }

  /**
   * Converts `name` for a consumer that is linear in it (a convolution folds `scale` into its
   * weights, a mean or a product passes it on): the TF value is `scale` times the ONNX `value`.
   */
  convertScaled(name: string): { value: string; scale: number } {
    const value = this.convertNode(name);
    return { value, scale: this.scales.get(value) ?? 1 };
  }

  /** Records that the TF value is `scale` times the ONNX `value`; returns `value`. */
  scaled(value: string, scale: number): string {
    if (scale !== 1) this.scales.set(value, scale);
    return value;
  }

  private convertNode(name: string): string {
    const base = stripPort(name);
    if (name.includes(':') && !name.endsWith(':0')) {
      throw new SiamError(
        'ERR_UNSUPPORTED_OP',
        `The exporter reads only the first output of a node (${name}).`,
      );
    }
    const done = this.converted.get(base);
    if (done) return done;
    const node = this.nodes.get(base);
    if (!node) throw new SiamError('ERR_MODEL_INVALID', `The graph has no node ${base}.`);
    let result: string;
    if (base === this.input) {
      const input = this.fresh('images');
      const channels = Number(
        (node.attr?.shape as { shape?: { dim?: Array<{ size?: string }> } } | undefined)?.shape?.dim?.[3]
          ?.size,
      );
      this.inputDeclared = valueInfo(input, [
        'batch',
        'height',
        'width',
        channels > 0 ? channels : 'channels',
      ]);
      result = this.node('Transpose', [input], `${base}/nchw`, { perm: [0, 3, 1, 2] });
    } else {
      const convert = CONVERTERS[node.op];
      if (!convert) {
        throw new SiamError(
          'ERR_UNSUPPORTED_OP',
          `The ONNX exporter does not convert the op ${node.op} (node ${node.name}).`,
          {
            hint: 'Use the tfjs engine (--engine tfjs) for this model.',
            details: { op: node.op, node: node.name },
          },
        );
      }
      result = convert(node, dataInputs(node), this);
    }
    this.converted.set(base, result);
    return result;
  }

  /** Declares `value` (an NCHW name) as the graph output `name`, transposed back to NHWC. */
  output(value: string, name: string): void {
    if (this.used.has(name))
      throw new SiamError('ERR_MODEL_INVALID', `The ONNX output name ${name} is taken by a graph node.`);
    this.outputs.push(
      valueInfo(this.node('Transpose', [value], name, { perm: [0, 2, 3, 1] }), [
        'batch',
        'rows',
        'cols',
        'channels',
      ]),
    );
  }

  /** The serialised ONNX model. */
  encode(producer = 'siamstream'): Uint8Array {
    if (!this.inputDeclared)
      throw new SiamError('ERR_MODEL_INVALID', 'The outputs do not depend on the input.');
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: producer,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      graph: {
        name: 'trunk',
        node: this.onnxNodes,
        initializer: this.initializers,
        input: [this.inputDeclared],
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function stripPort(name: string): string {
  return name.replace(/^\^/, '').split(':')[0];
}

/** Data inputs (control inputs `^x` dropped). */
function dataInputs(node: TfNode): string[] {
  return (node.input ?? []).filter((i) => !i.startsWith('^'));
}

function valueInfo(name: string, dims: Array<string | number>): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: OnnxAttr): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (Number.isInteger(value)) return { name, type: T.INT, i: value };
  return { name, type: T.FLOAT, f: value };
}
