import { SeLensError } from '../../errors.js';
import type { DType, TensorConst } from '../../ir/graph.js';
import type { ByteSource } from '../../onnx/byte-source.js';
import { dtypeSize } from '../../onnx/dtypes.js';

/**
 * safetensors: an 8-byte little-endian header length, a JSON header `{name: {dtype, shape, data_offsets}}`
 * (offsets relative to the end of the header), then the raw little-endian data. Small enough to read
 * by hand; every offset is checked against the file and against the tensor's size.
 */
const DTYPES: Readonly<Record<string, DType>> = {
  F32: 'float32', F16: 'float16', BF16: 'bfloat16', F64: 'float64', I64: 'int64', I32: 'int32', I16: 'int16', I8: 'int8', U8: 'uint8', BOOL: 'bool',
};
const MAX_HEADER = 100 * 1024 * 1024;

export function isSafetensors(source: ByteSource): boolean {
  if (source.size < 10) return false;
  const head = source.read(0, 9);
  const n = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true));
  return n > 1 && n <= MAX_HEADER && 8 + n <= source.size && head[8] === 0x7b;
}

export function readSafetensors(source: ByteSource): { tensors: Map<string, TensorConst>; metadata: Record<string, string> } {
  if (source.size < 8) throw new SeLensError('truncated', 'The safetensors file is shorter than its header length.');
  const head = source.read(0, 8);
  const length = Number(new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true));
  if (length > MAX_HEADER || 8 + length > source.size) throw new SeLensError('truncated', `The safetensors header claims ${length} bytes; the file has ${source.size}.`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder().decode(source.read(8, length)));
  } catch {
    throw new SeLensError('corrupt', 'The safetensors header is not valid JSON.');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SeLensError('corrupt', 'The safetensors header is not a JSON object.');
  const dataStart = 8 + length;
  const tensors = new Map<string, TensorConst>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = typeof entry === 'object' && entry !== null ? (entry as Record<string, string>) : {};
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof e.dtype === 'string' ? DTYPES[e.dtype] : undefined;
    if (!dtype) throw new SeLensError('unsupported', `Tensor ${name} of the safetensors file has dtype ${String(e.dtype)}, which SE Lens does not read.`);
    const shape = Array.isArray(e.shape) && e.shape.every((d) => Number.isSafeInteger(d) && d >= 0) ? (e.shape as number[]) : undefined;
    const offsets = Array.isArray(e.data_offsets) && e.data_offsets.length === 2 && e.data_offsets.every((d) => Number.isSafeInteger(d) && d >= 0) ? (e.data_offsets as number[]) : undefined;
    if (!shape || !offsets) throw new SeLensError('corrupt', `Tensor ${name} of the safetensors file has no valid shape or data_offsets.`);
    const [begin, end] = offsets as [number, number];
    const bytes = shape.reduce((a, b) => a * b, 1) * dtypeSize(dtype);
    if (end - begin !== bytes || dataStart + end > source.size) throw new SeLensError('corrupt', `Tensor ${name} of the safetensors file: data_offsets [${begin}, ${end}] do not hold its ${bytes} bytes inside the file.`);
    const floatLike = dtype === 'float16' || dtype === 'bfloat16' || dtype === 'float64';
    tensors.set(name, { dtype: floatLike ? 'float32' : dtype, shape: [...shape], payload: { kind: 'embedded', offset: dataStart + begin, length: bytes, encoding: 'raw', stored: { dtype } } });
  }
  return { tensors, metadata };
}
