import { SeLensError } from '../errors.js';
import { numel, type PayloadRef, type StoredLayout, type TensorConst } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from '../onnx/byte-source.js';
import { decodeRaw, dtypeSize } from '../onnx/dtypes.js';

/**
 * Values of a weight that a TF.js or TFLite reader left lazy: its bytes gathered (over several shard files
 * when it spans them), decoded from the stored element type, dequantised and permuted to the tensor's dims.
 */
export function loadStoredValues(tensor: TensorConst, ref: PayloadRef & { stored: StoredLayout }, model: ByteSource, external?: ExternalDataHost): Float32Array {
  const stored = ref.stored;
  const spans = stored.spans ?? [{ location: ref.location ?? '', offset: ref.offset, length: ref.length ?? 0 }];
  const parts = spans.map((s) => readSpan(ref.kind, s, model, external));
  const bytes = concat(parts);
  const count = numel(tensor.shape);
  if (bytes.length < count * dtypeSize(stored.dtype)) {
    throw new SeLensError('truncated', `Weight data for a tensor of ${count} elements is cut short (${bytes.length} bytes).`);
  }
  const raw = decodeRaw(stored.dtype, bytes);
  const flat = new Float32Array(count);
  const storedShape = stored.storedShape ?? tensor.shape;
  const sliceSize = stored.axis === undefined ? 0 : numel(storedShape.slice(stored.axis + 1));
  const axisLen = stored.axis === undefined ? 1 : storedShape[stored.axis] ?? 1;
  for (let i = 0; i < count; i++) {
    const q = raw[i] ?? 0;
    if (!stored.scale) {
      flat[i] = q;
      continue;
    }
    const c = stored.axis === undefined ? 0 : Math.floor(i / sliceSize) % axisLen;
    const scale = stored.scale[stored.scale.length === 1 ? 0 : c] ?? 1;
    const offset = stored.offset ? stored.offset[stored.offset.length === 1 ? 0 : c] ?? 0 : 0;
    flat[i] = q * scale + offset;
  }
  return stored.perm ? permute(flat, storedShape, stored.perm) : flat;
}

function readSpan(kind: PayloadRef['kind'], span: { location: string; offset: number; length: number }, model: ByteSource, external?: ExternalDataHost): Uint8Array {
  if (kind === 'embedded') return model.read(span.offset, span.length);
  if (!external) throw new SeLensError('refused-path', `Weight file "${span.location}" cannot be read here.`);
  const file = external.open(span.location);
  if (span.offset + span.length > file.size) throw new SeLensError('truncated', `Weight file "${span.location}" is shorter (${file.size} bytes) than its manifest says.`);
  return file.read(span.offset, span.length);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Row-major transpose: `out` has dims `shape[perm[i]]`. */
export function permute(values: Float32Array, shape: readonly number[], perm: readonly number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const inStrides = stridesOf(shape);
  const out = new Float32Array(values.length);
  const idx = new Array<number>(rank).fill(0);
  for (let o = 0; o < values.length; o++) {
    let src = 0;
    for (let d = 0; d < rank; d++) src += idx[d]! * inStrides[perm[d]!]!;
    out[o] = values[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1]! * shape[i + 1]!;
  return s;
}
