/**
 * The op converters of the ONNX exporter (graph.ts): exactly the ops of the MobileNetV3 trunk
 * the tracker uses (`_FusedConv2D`, `FusedDepthwiseConv2dNative`, `Add`/`AddV2`, `Mul`, `Relu6`,
 * `Mean`), plus their unfused forms and `Relu`/`Identity`; the hard-swish and hard-sigmoid those
 * ops spell out become ONNX's `HardSwish` and `HardSigmoid`. Every converter takes NCHW inputs and
 * returns the ONNX name of an NCHW output; each is tested against tfjs on random inputs
 * (test/backend/onnx-export.test.ts).
 */
import { SiamError } from '../../errors.js';
import type { OnnxGraphBuilder, TfAttrValue, TfNode } from './graph.js';
import type { WeightValue } from './weights.js';

/** An ONNX attribute value: an int, a list of ints or a string. */
export type OnnxAttr = number | number[] | string;

type Converter = (node: TfNode, inputs: string[], g: OnnxGraphBuilder) => string;

function text(attr: TfAttrValue | undefined): string {
  return attr?.s ? Buffer.from(attr.s, 'base64').toString('utf8') : '';
}

function ints(attr: TfAttrValue | undefined, fallback: number[]): number[] {
  const list = attr?.list?.i;
  return list && list.length ? list.map(Number) : fallback;
}

function unsupported(node: TfNode, what: string): SiamError {
  return new SiamError(
    'ERR_UNSUPPORTED_OP',
    `The ONNX exporter does not convert ${node.op} with ${what} (node ${node.name}).`,
    {
      hint: 'Use the tfjs engine (--engine tfjs) for this model.',
      details: { op: node.op, node: node.name },
    },
  );
}

function needConstant(
  node: TfNode,
  g: OnnxGraphBuilder,
  name: string | undefined,
  role: string,
): WeightValue {
  const value = name === undefined ? undefined : g.constant(name);
  if (!value) throw unsupported(node, `a ${role} that is not a constant`);
  return value;
}

/** Convolution attributes from an NHWC TF node. */
function convAttrs(node: TfNode, kh: number, kw: number): Record<string, OnnxAttr> {
  if ((text(node.attr?.data_format) || 'NHWC') !== 'NHWC')
    throw unsupported(node, `data_format ${text(node.attr?.data_format)}`);
  const strides = ints(node.attr?.strides, [1, 1, 1, 1]);
  const dilations = ints(node.attr?.dilations, [1, 1, 1, 1]);
  const attrs: Record<string, OnnxAttr> = {
    kernel_shape: [kh, kw],
    strides: [strides[1], strides[2]],
    dilations: [dilations[1], dilations[2]],
  };
  const padding = text(node.attr?.padding);
  // TF's SAME puts the odd pixel of padding at the end, as ONNX's SAME_UPPER does.
  if (padding === 'SAME') attrs.auto_pad = 'SAME_UPPER';
  else if (padding === 'VALID') attrs.auto_pad = 'VALID';
  else if (padding === 'EXPLICIT') {
    const p = ints(node.attr?.explicit_paddings, [0, 0, 0, 0, 0, 0, 0, 0]); // NHWC (before, after) pairs
    attrs.pads = [p[2], p[4], p[3], p[5]];
  } else throw unsupported(node, `padding ${padding}`);
  return attrs;
}

/** BiasAdd then the activation of a fused TF conv. */
function fusedTail(
  node: TfNode,
  inputs: string[],
  g: OnnxGraphBuilder,
): { bias?: string; activation?: string } {
  const fused = (node.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
  let bias: string | undefined;
  let activation: string | undefined;
  for (const op of fused) {
    if (op === 'BiasAdd') {
      const b = needConstant(node, g, inputs[2], 'bias');
      bias = g.initializer(`${node.name}/bias`, [b.values.length], b.values);
    } else if ((op === 'Relu' || op === 'Relu6') && !activation) activation = op;
    else throw unsupported(node, `fused op ${op}`);
  }
  return { bias, activation };
}

function activate(g: OnnxGraphBuilder, value: string, activation: string | undefined, base: string): string {
  if (activation === 'Relu') return g.node('Relu', [value], base);
  if (activation === 'Relu6') return relu6(g, value, base);
  return value;
}

function relu6(g: OnnxGraphBuilder, value: string, base: string): string {
  const lo = g.initializer(`${base}/min`, [], [0]);
  const hi = g.initializer(`${base}/max`, [], [6]);
  return g.node('Clip', [value, lo, hi], base);
}

/** A TF filter `[kh, kw, I, O]` (HWIO) laid out as ONNX's `[O, I, kh, kw]` (OIHW). */
function hwioToOihw(values: ArrayLike<number>, kh: number, kw: number, ci: number, co: number): Float32Array {
  const w = new Float32Array(values.length);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < ci; c++)
        for (let o = 0; o < co; o++)
          w[((o * ci + c) * kh + i) * kw + j] = values[((i * kw + j) * ci + c) * co + o];
  return w;
}

/**
 * Conv2D and depthwise conv as one ONNX Conv. A depthwise filter `[kh, kw, C, m]` is, in memory, an
 * HWIO filter with one input channel and C·m outputs, convolved with one group per input channel.
 */
function conv(depthwise: boolean): Converter {
  return (node, inputs, g) => {
    const f = needConstant(node, g, inputs[1], 'filter');
    const [kh, kw, c, m] = f.dims;
    const [ci, co] = depthwise ? [1, c * m] : [c, m];
    // A scaled input (a hard activation's factor) is folded into the weights: conv(W, s·x) = conv(s·W, x).
    const { value: x, scale } = g.convertScaled(inputs[0]);
    const w = hwioToOihw(f.values, kh, kw, ci, co);
    if (scale !== 1) for (let i = 0; i < w.length; i++) w[i] *= scale;
    const weights = g.initializer(`${node.name}/weights`, [co, ci, kh, kw], w);
    const fused = node.op.startsWith('_Fused') || node.op.startsWith('Fused');
    const { bias, activation } = fused ? fusedTail(node, inputs, g) : {};
    const attrs = depthwise ? { ...convAttrs(node, kh, kw), group: c } : convAttrs(node, kh, kw);
    const y = g.node(
      'Conv',
      bias ? [x, weights, bias] : [x, weights],
      activation ? `${node.name}/conv` : node.name,
      attrs,
    );
    return activate(g, y, activation, node.name);
  };
}

/** A constant operand of an elementwise op, laid out for NCHW broadcasting. */
function layoutConstant(node: TfNode, g: OnnxGraphBuilder, c: WeightValue, base: string): string {
  if (c.dims.length === 0) return g.initializer(base, [], c.values);
  if (c.dims.length === 1) return g.initializer(base, [c.dims[0], 1, 1], c.values);
  if (c.dims.length === 4) {
    const [n, h, w, ch] = c.dims;
    const out = new Float32Array(c.values.length);
    for (let a = 0; a < n; a++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++)
          for (let k = 0; k < ch; k++)
            out[((a * ch + k) * h + y) * w + x] = c.values[((a * h + y) * w + x) * ch + k];
    return g.initializer(base, [n, ch, h, w], out);
  }
  throw unsupported(node, `a rank-${c.dims.length} constant operand`);
}

function binary(onnxOp: 'Add' | 'Mul'): Converter {
  return (node, inputs, g) => {
    if (inputs.length !== 2) throw unsupported(node, `${inputs.length} inputs`);
    let scale = 1;
    const operands = inputs.map((name, k) => {
      const c = g.constant(name);
      if (c) return layoutConstant(node, g, c, `${node.name}/operand${k}`);
      if (onnxOp === 'Add') return g.convert(name);
      const scaled = g.convertScaled(name); // (s·a)·(t·b) = s·t·(a·b)
      scale *= scaled.scale;
      return scaled.value;
    });
    return g.scaled(g.node(onnxOp, operands, node.name), scale);
  };
}

/** The scalar value of constant `name`, if it is one. */
function scalar(g: OnnxGraphBuilder, name: string): number | undefined {
  const c = g.constant(name);
  return c && c.values.length === 1 ? c.values[0] : undefined;
}

/** `y` when `name` is `Relu6(Add(y, 3))` (either operand order), else undefined. */
function relu6Plus3(g: OnnxGraphBuilder, name: string): string | undefined {
  const r = g.tfNode(name);
  if (r?.op !== 'Relu6') return undefined;
  const add = g.tfNode(r.input?.[0] ?? '');
  if (!add || (add.op !== 'Add' && add.op !== 'AddV2') || add.input?.length !== 2) return undefined;
  const [a, b] = add.input;
  if (scalar(g, b) === 3 && !g.constant(a)) return a;
  if (scalar(g, a) === 3 && !g.constant(b)) return b;
  return undefined;
}

/**
 * MobileNetV3's hard activations, written in its TF graph as `x · (c · relu6(x + 3))` (hard-swish)
 * and `c · relu6(y + 3)` (hard-sigmoid) with c ≈ 1/6, become one ONNX op each instead of four and
 * three, which ONNX Runtime fuses into the convolution before them (a 192² trunk crop 2.9 → 2.4 ms).
 * `c · relu6(y + 3)` is exactly `6c · HardSigmoid(y)` (α = 1/6, β = ½) for any c; the factor 6c
 * (0.99976 in this model, not 1) is folded into the next convolution's weights (graph.ts).
 * Undefined when `node` is not such a Mul.
 */
function hardActivation(node: TfNode, inputs: string[], g: OnnxGraphBuilder): string | undefined {
  if (inputs.length !== 2) return undefined;
  for (const [k, other] of [
    [0, 1],
    [1, 0],
  ] as const) {
    const y = relu6Plus3(g, inputs[k]);
    if (y === undefined) continue;
    const c = scalar(g, inputs[other]);
    if (c !== undefined) {
      const out = g.node('HardSigmoid', [g.convert(y)], node.name, { alpha: 1 / 6, beta: 0.5 });
      return g.scaled(out, 6 * c);
    }
    const scaledX = g.tfNode(inputs[other]);
    if (scaledX?.op !== 'Mul' || scaledX.input?.length !== 2) continue;
    const [a, b] = scaledX.input;
    const [x, cx] = g.constant(a) ? [b, scalar(g, a)] : [a, scalar(g, b)];
    if (cx !== undefined && g.tfNode(x)?.name === g.tfNode(y)?.name)
      return g.scaled(g.node('HardSwish', [g.convert(x)], node.name), 6 * cx);
  }
  return undefined;
}

/** NHWC axis → NCHW axis. */
const NCHW_AXIS = [0, 2, 3, 1];

const mean: Converter = (node, inputs, g) => {
  const axes = needConstant(node, g, inputs[1], 'reduction axes');
  if (!node.attr?.keep_dims?.b) throw unsupported(node, 'keep_dims false (the layout would change)');
  const mapped = Array.from(axes.values, (a) => NCHW_AXIS[a < 0 ? a + 4 : a]).sort();
  const { value, scale } = g.convertScaled(inputs[0]); // mean(s·x) = s·mean(x)
  return g.scaled(g.node('ReduceMean', [value], node.name, { axes: mapped, keepdims: 1 }), scale);
};

/** TF op name → converter. */
export const CONVERTERS: Readonly<Record<string, Converter>> = {
  Conv2D: conv(false),
  _FusedConv2D: conv(false),
  DepthwiseConv2dNative: conv(true),
  FusedDepthwiseConv2dNative: conv(true),
  Add: binary('Add'),
  AddV2: binary('Add'),
  Mul: (node, inputs, g) => hardActivation(node, inputs, g) ?? binary('Mul')(node, inputs, g),
  Relu: (node, inputs, g) => g.node('Relu', [g.convert(inputs[0])], node.name),
  Relu6: (node, inputs, g) => relu6(g, g.convert(inputs[0]), node.name),
  Mean: mean,
  Identity: (node, inputs, g) => g.convertScaled(inputs[0]).value, // its scale stays on the value
};
