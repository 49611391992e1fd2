import type { DType } from '../ir/graph.js';

/** ONNX `TensorProto.DataType` numbers, in the order onnx.proto defines them. */
const BY_CODE: Record<number, DType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128',
  16: 'bfloat16',
};

const CODE_OF = new Map<DType, number>(Object.entries(BY_CODE).map(([code, dtype]) => [dtype, Number(code)]));

export function dtypeFromOnnx(code: number): DType {
  return BY_CODE[code] ?? 'unknown';
}

export function dtypeToOnnx(dtype: DType): number {
  return CODE_OF.get(dtype) ?? 0;
}

/** Bytes per element, 0 when elements have no fixed size. */
export function dtypeSize(dtype: DType): number {
  switch (dtype) {
    case 'float64': case 'int64': case 'uint64': case 'complex64': return 8;
    case 'complex128': return 16;
    case 'float32': case 'int32': case 'uint32': return 4;
    case 'float16': case 'bfloat16': case 'int16': case 'uint16': return 2;
    case 'int8': case 'uint8': case 'bool': return 1;
    default: return 0;
  }
}

/**
 * Element values of little-endian `raw_data`, as JS numbers (int64 beyond 2^53 loses precision, which
 * shape math never needs). Float32 stays a Float32Array so weights are not widened.
 */
export function decodeRaw(dtype: DType, raw: Uint8Array): Float32Array | number[] {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const size = dtypeSize(dtype);
  const count = size ? Math.floor(raw.byteLength / size) : 0;
  if (dtype === 'float32') {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  const out = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const at = i * size;
    switch (dtype) {
      case 'float64': out[i] = view.getFloat64(at, true); break;
      case 'int64': out[i] = Number(view.getBigInt64(at, true)); break;
      case 'uint64': out[i] = Number(view.getBigUint64(at, true)); break;
      case 'int32': out[i] = view.getInt32(at, true); break;
      case 'uint32': out[i] = view.getUint32(at, true); break;
      case 'int16': out[i] = view.getInt16(at, true); break;
      case 'uint16': out[i] = view.getUint16(at, true); break;
      case 'int8': out[i] = view.getInt8(at); break;
      case 'uint8': case 'bool': out[i] = view.getUint8(at); break;
      case 'float16': out[i] = halfToFloat(view.getUint16(at, true)); break;
      case 'bfloat16': out[i] = new Float32Array(new Uint32Array([view.getUint16(at, true) << 16]).buffer)[0]!; break;
      default: out[i] = NaN;
    }
  }
  return out;
}

/** IEEE 754 binary16 bits to a number (ONNX float16 tensors, NumPy `<f2` arrays). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}
