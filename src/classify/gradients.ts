/**
 * Gradients of the kernels the temporal heads use, registered with tfjs-core.
 *
 * Why here: tfjs-core ships its gradient configs only as extension-less ES modules
 * (`dist/register_all_gradients.js` imports `./gradients/Add_grad`, which Node's ESM loader refuses),
 * and its CommonJS bundle (`tf-core.node.js`, what Node loads) has none; the `@tensorflow/tfjs`
 * union package, which normally registers them, is not a dependency. These are the same formulas
 * as tfjs-core's `src/gradients/*_grad.ts` (Apache-2.0) for the ~20 kernels on the path from a
 * head's weights to its loss. A kernel that already has a gradient (e.g. when a host app loaded
 * the union package) is left alone. Checked against finite differences and against `tf.conv3d`'s
 * gradient in test/classify/conv3d.test.ts.
 */
import * as tf from '@tensorflow/tfjs-core';

type Grads = Record<string, () => tf.Tensor> | Array<() => tf.Tensor>;
type GradFunc = (dy: tf.Tensor, saved: tf.Tensor[], attrs: Record<string, any>) => Grads; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Sums `dy` over the axes broadcasting added, back to `shape`. */
function unbroadcast(dy: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.broadcast_util.getReductionAxes(shape, dy.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

/** `dy` reshaped with the reduced axes kept as 1. */
function keepDims(dy: tf.Tensor, xShape: number[], axis: unknown): { dy: tf.Tensor; axes: number[] } {
  const axes = tf.util.parseAxisParam(axis as number | number[], xShape);
  const shape = xShape.slice();
  for (const a of axes) shape[a] = 1;
  return { dy: tf.reshape(dy, shape), axes };
}

/**
 * ∂L/∂W of a 2D convolution: with stride 1, one 'valid' conv2d (below); otherwise im2col + one
 * matrix product, `Wᵍ = patches(x)ᵀ · dy`. Used instead
 * of the Conv2DBackpropFilter kernel, which the wasm backend lacks and the cpu backend runs ~50×
 * slower than a matMul of the same size (measured: 18 s vs 0.4 s for a 256×6×8×48 → 24 3×3 conv).
 */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  attrs: Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
): tf.Tensor4D {
  const [kh, kw, cin, cout] = filterShape;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const { top, bottom, left, right } = info.padInfo;
  const { batchSize: n, outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw } = info;
  const xp =
    top + bottom + left + right > 0
      ? tf.pad(x, [
          [0, 0],
          [Math.max(0, top), Math.max(0, bottom)],
          [Math.max(0, left), Math.max(0, right)],
          [0, 0],
        ])
      : x;
  if (sh === 1 && sw === 1 && xp.shape[1] - oh + 1 === kh && xp.shape[2] - ow + 1 === kw) {
    // Stride 1: the correlation of x with dy over (batch, y, x) is itself a 'valid' conv2d with
    // the batch as channels: [C, Hp, Wp, N] ⋆ [oh, ow, N, O] → [C, kh, kw, O] (8× faster than im2col).
    const y = tf.conv2d(
      tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D,
      tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D,
      1,
      'valid',
    );
    return tf.transpose(y, [1, 2, 0, 3]);
  }
  const parts: tf.Tensor4D[] = [];
  for (let i = 0; i < kh; i++) {
    for (let j = 0; j < kw; j++) {
      parts.push(
        sh === 1 && sw === 1
          ? tf.slice(xp, [0, i, j, 0], [n, oh, ow, cin])
          : (tf.stridedSlice(
              xp,
              [0, i, j, 0],
              [n, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, cin],
              [1, sh, sw, 1],
            ) as tf.Tensor4D),
      );
    }
  }
  const patches = tf.reshape(parts.length === 1 ? parts[0] : tf.concat(parts, 3), [
    n * oh * ow,
    kh * kw * cin,
  ]);
  return tf.reshape(tf.matMul(patches, tf.reshape(dy, [n * oh * ow, cout]), true, false), filterShape);
}

/**
 * ∂L/∂x of a 2D convolution. With stride 1 (and an odd kernel for `same`) it is the forward
 * convolution of `dy` with the filter rotated 180° and its channels swapped, which runs on the fast
 * Conv2D kernel (~5× faster on wasm than Conv2DBackpropInput); otherwise the transposed convolution.
 */
export function conv2dInputGradient(
  xShape: [number, number, number, number],
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Record<string, any>, // eslint-disable-line @typescript-eslint/no-explicit-any
): tf.Tensor4D {
  const [kh, kw] = filter.shape;
  const strides = typeof attrs.strides === 'number' ? [attrs.strides, attrs.strides] : attrs.strides;
  const unit = strides[0] === 1 && strides[1] === 1;
  if (unit && (attrs.pad === 'valid' || (attrs.pad === 'same' && kh % 2 === 1 && kw % 2 === 1))) {
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    if (attrs.pad === 'same') return tf.conv2d(dy, rotated, 1, 'same');
    return tf.conv2d(
      tf.pad(dy, [
        [0, 0],
        [kh - 1, kh - 1],
        [kw - 1, kw - 1],
        [0, 0],
      ]),
      rotated,
      1,
      'valid',
    );
  }
  return tf.conv2dTranspose(dy, filter, xShape, attrs.strides, attrs.pad, attrs.dimRoundingMode);
}

const GRADIENTS: Array<{
  kernelName: string;
  inputsToSave?: string[];
  outputsToSave?: boolean[];
  saveAllInputs?: boolean;
  gradFunc: GradFunc;
}> = [
  { kernelName: 'Identity', gradFunc: (dy) => ({ x: () => dy }) },
  { kernelName: 'Cast', gradFunc: (dy) => ({ x: () => tf.clone(dy) }) },
  { kernelName: 'Neg', gradFunc: (dy) => ({ x: () => tf.neg(dy) }) },
  {
    kernelName: 'Add',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({ a: () => unbroadcast(dy, a.shape), b: () => unbroadcast(dy, b.shape) }),
  },
  {
    kernelName: 'Sub',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(dy, a.shape),
      b: () => unbroadcast(tf.neg(dy), b.shape),
    }),
  },
  {
    kernelName: 'Multiply',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.mul(dy, tf.cast(b, 'float32')), a.shape),
      b: () => unbroadcast(tf.mul(dy, tf.cast(a, 'float32')), b.shape),
    }),
  },
  {
    kernelName: 'RealDiv',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b]) => ({
      a: () => unbroadcast(tf.div(dy, b), a.shape),
      b: () => unbroadcast(tf.neg(tf.div(tf.mul(dy, a), tf.square(b))), b.shape),
    }),
  },
  {
    kernelName: 'Square',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.mul(x, 2)) }),
  },
  {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy, tf.cast(tf.greater(x, 0), 'float32')) }),
  },
  {
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => tf.mul(keepDims(dy, x.shape, attrs.axis).dy, tf.ones(x.shape)),
    }),
  },
  {
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const k = keepDims(dy, x.shape, attrs.axis);
        const size = k.axes.reduce((n, a) => n * x.shape[a], 1);
        return tf.div(tf.mul(k.dy, tf.ones(x.shape)), size);
      },
    }),
  },
  {
    kernelName: 'Max',
    inputsToSave: ['x'],
    outputsToSave: [true],
    gradFunc: (dy, [x, y], attrs) => ({
      x: () => {
        const k = keepDims(dy, x.shape, attrs.reductionIndices);
        const yKeep = tf.reshape(y, k.dy.shape);
        return tf.mul(k.dy, tf.cast(tf.equal(x, yKeep), 'float32'));
      },
    }),
  },
  {
    kernelName: 'Reshape',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy, x.shape) }),
  },
  {
    kernelName: 'Transpose',
    gradFunc: (dy, _s, attrs) => {
      const perm = attrs.perm as number[];
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return { x: () => tf.transpose(dy, inverse) };
    },
  },
  {
    kernelName: 'Slice',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size);
      const paddings = x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number]);
      return { x: () => tf.pad(dy, paddings) };
    },
  },
  {
    kernelName: 'PadV2',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => {
      const begin = (attrs.paddings as Array<[number, number]>).map((p) => p[0]);
      return { x: () => tf.slice(dy, begin, x.shape) };
    },
  },
  {
    kernelName: 'Concat',
    saveAllInputs: true,
    gradFunc: (dy, saved, attrs) => {
      const axis = tf.util.parseAxisParam(attrs.axis, saved[0].shape)[0];
      const parts = tf.split(
        dy,
        saved.map((t) => t.shape[axis]),
        axis,
      );
      return parts.map((t) => () => t);
    },
  },
  {
    kernelName: 'Conv2D',
    inputsToSave: ['x', 'filter'],
    gradFunc: (dy, [x, filter], attrs) => ({
      x: () =>
        conv2dInputGradient(
          x.shape as [number, number, number, number],
          dy as tf.Tensor4D,
          filter as tf.Tensor4D,
          attrs,
        ),
      filter: () =>
        conv2dFilterGradient(
          x as tf.Tensor4D,
          dy as tf.Tensor4D,
          filter.shape as [number, number, number, number],
          attrs,
        ),
    }),
  },
  {
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, [a, b], attrs) => {
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB)
        return { a: () => tf.matMul(dy, b, false, true), b: () => tf.matMul(a, dy, true, false) };
      if (!transposeA && transposeB)
        return { a: () => tf.matMul(dy, b, false, false), b: () => tf.matMul(dy, a, true, false) };
      if (transposeA && !transposeB)
        return { a: () => tf.matMul(b, dy, false, true), b: () => tf.matMul(a, dy, false, false) };
      return { a: () => tf.matMul(b, dy, true, true), b: () => tf.matMul(dy, a, true, true) };
    },
  },
];

let registered = false;

/** Registers the gradients above once per process (kernels that already have one are skipped). */
export function registerHeadGradients(): void {
  if (registered) return;
  registered = true;
  for (const g of GRADIENTS) {
    if (tf.getGradient(g.kernelName) === undefined) tf.registerGradient(g as unknown as tf.GradConfig);
  }
}
