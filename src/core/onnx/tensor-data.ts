import { BinaryReader } from '@bufbuild/protobuf/wire';
import { SeLensError } from '../errors.js';
import type { TensorConst } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from './byte-source.js';
import { decodeRaw } from './dtypes.js';
import { loadStoredValues } from '../formats/stored-values.js';

/**
 * A tensor's element values, reading its payload by byte range when the structure walk left it lazy.
 * Only running a model needs this; listing and counting never do.
 */
export function loadTensorValues(tensor: TensorConst, model: ByteSource, external?: ExternalDataHost): Float32Array | number[] {
  if (tensor.values) return tensor.values instanceof Float32Array ? tensor.values : Array.from(tensor.values);
  const ref = tensor.payload;
  if (!ref) return new Float32Array(0);
  if (ref.stored) return loadStoredValues(tensor, { ...ref, stored: ref.stored }, model, external);
  let bytes: Uint8Array;
  if (ref.kind === 'external') {
    if (!external || !ref.location) throw new SeLensError('refused-path', `External data "${ref.location}" cannot be read here.`);
    const file = external.open(ref.location);
    bytes = file.read(ref.offset, ref.length ?? file.size - ref.offset);
  } else {
    bytes = model.read(ref.offset, ref.length ?? 0);
  }
  switch (ref.encoding) {
    case 'raw': return decodeRaw(tensor.dtype, bytes);
    case 'float': return decodeRaw('float32', bytes);
    case 'double': return decodeRaw('float64', bytes);
    default: {
      // Packed int32/int64/uint64 fields are varints.
      const reader = new BinaryReader(bytes);
      const out: number[] = [];
      while (reader.pos < bytes.length) out.push(Number(ref.encoding === 'int32' ? reader.int32() : reader.int64()));
      return out;
    }
  }
}
