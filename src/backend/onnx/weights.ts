/**
 * Weight values of a TensorFlow.js model as plain typed arrays, for the ONNX exporter. tfjs's own
 * `tf.io.decodeWeights` makes tensors (and so needs a running backend); the exporter only needs
 * numbers, so the manifest is read here: float32 / int32 values, and the quantised forms the
 * converter writes (float16, and uint8 / uint16 with `value·scale + min`).
 */
import type * as tf from '@tensorflow/tfjs-core';
import { SiamError } from '../../errors.js';

/** One constant of the graph. */
export interface WeightValue {
  dims: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

/** IEEE 754 half → float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

const QUANTISED_BYTES: Record<string, number> = { float16: 2, uint8: 1, uint16: 2 };

/** Decodes every weight of a manifest; values are copies (no views into `data`). */
export function decodeWeightValues(
  data: ArrayBuffer,
  specs: readonly tf.io.WeightsManifestEntry[],
): Map<string, WeightValue> {
  const out = new Map<string, WeightValue>();
  const view = new DataView(data);
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') {
      throw new SiamError(
        'ERR_MODEL_INVALID',
        `Weight ${spec.name} has dtype ${spec.dtype}; the ONNX exporter reads float32 and int32.`,
      );
    }
    const q = spec.quantization;
    const values = spec.dtype === 'float32' ? new Float32Array(size) : new Int32Array(size);
    if (q) {
      const bytes = QUANTISED_BYTES[q.dtype];
      if (!bytes)
        throw new SiamError(
          'ERR_MODEL_INVALID',
          `Weight ${spec.name} is quantised as ${q.dtype}, which the exporter does not read.`,
        );
      for (let i = 0; i < size; i++) {
        const at = offset + i * bytes;
        if (q.dtype === 'float16') values[i] = halfToFloat(view.getUint16(at, true));
        else {
          const raw = q.dtype === 'uint8' ? view.getUint8(at) : view.getUint16(at, true);
          values[i] = raw * (q.scale ?? 1) + (q.min ?? 0);
        }
      }
      offset += size * bytes;
    } else {
      for (let i = 0; i < size; i++) {
        values[i] =
          spec.dtype === 'float32'
            ? view.getFloat32(offset + i * 4, true)
            : view.getInt32(offset + i * 4, true);
      }
      offset += size * 4;
    }
    out.set(spec.name, { dims: [...spec.shape], dtype: spec.dtype, values });
  }
  if (offset > data.byteLength) {
    throw new SiamError(
      'ERR_MODEL_INVALID',
      `The weight files hold ${data.byteLength} bytes, the manifest needs ${offset}.`,
    );
  }
  return out;
}
