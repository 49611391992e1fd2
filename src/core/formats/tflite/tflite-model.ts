import { SeLensError } from '../../errors.js';
import type { DType } from '../../ir/graph.js';
import { CheckedByteBuffer } from './checked-byte-buffer.js';
import { BuiltinOptions } from './generated/tflite/builtin-options.js';
import { DimensionType } from './generated/tflite/dimension-type.js';
import { Int32Vector } from './generated/tflite/int32vector.js';
import { Model } from './generated/tflite/model.js';
import { SparseIndexVector } from './generated/tflite/sparse-index-vector.js';
import type { SparsityParameters } from './generated/tflite/sparsity-parameters.js';
import { TensorType } from './generated/tflite/tensor-type.js';
import { Uint16Vector } from './generated/tflite/uint16vector.js';
import { Uint8Vector } from './generated/tflite/uint8vector.js';

/**
 * A `.tflite` file (FlatBuffers, identifier `TFL3`) as SE Lens reads it: the main subgraph's tensors and
 * operators, and where each buffer lies, read through the accessors `flatc` generated from `tflite.fbs`
 * over a bounds-checked buffer.
 */
export interface TfliteTensor {
  readonly index: number;
  readonly name: string;
  readonly dtype: DType;
  readonly shape: number[];
  /** `-1` for unknown dims (`shape_signature`), when given. */
  readonly signature: number[] | undefined;
  readonly buffer: number;
  readonly quantization: { readonly scale: number[]; readonly zeroPoint: number[]; readonly axis: number } | undefined;
  /** Set on a sparse constant: its buffer holds only the kept values, in this traversal. */
  readonly sparsity: TfliteSparsity | undefined;
}

/**
 * TFLite's `SparsityParameters`: the dense tensor's dims (plus one per block dim) visited in `traversalOrder`;
 * level `k` of the visit is dense (`size` steps) or compressed (CSR: under parent position `p`, the positions
 * `segments[p] … segments[p + 1] - 1`, each standing for index `indices[i]`). `blockMap[j]` is the dense dim
 * that block dim `j` splits.
 */
export interface TfliteSparsity {
  readonly traversalOrder: number[];
  readonly blockMap: number[];
  readonly levels: { readonly dense: boolean; readonly size: number; readonly segments: number[]; readonly indices: number[] }[];
}

/** A generated options table class: read in place at a position of the buffer. */
export interface OptionsTable<T> {
  __init(at: number, bb: CheckedByteBuffer): T;
}

export interface TfliteOperator {
  readonly builtin: number;
  readonly custom: string | undefined;
  readonly inputs: number[];
  readonly outputs: number[];
  /** The union tag of the builtin options; `NONE` when the operator has none (the schema's defaults hold). */
  readonly optionsType: BuiltinOptions;
  /** The builtin options read into `table`, which the caller picks by `optionsType`. */
  readOptions<T>(table: OptionsTable<T>): T | undefined;
}

export interface TfliteModel {
  readonly version: number;
  readonly description: string | undefined;
  readonly tensors: TfliteTensor[];
  readonly inputs: number[];
  readonly outputs: number[];
  readonly operators: TfliteOperator[];
  /** Where each buffer's bytes are in the file: the `data` vector, or `offset`/`size` for files over 2 GB. */
  readonly buffers: { readonly offset: number; readonly length: number }[];
  readonly subgraphs: number;
}

const TENSOR_TYPES: Partial<Record<TensorType, DType>> = {
  [TensorType.FLOAT32]: 'float32', [TensorType.FLOAT16]: 'float16', [TensorType.INT32]: 'int32', [TensorType.UINT8]: 'uint8',
  [TensorType.INT64]: 'int64', [TensorType.STRING]: 'string', [TensorType.BOOL]: 'bool', [TensorType.INT16]: 'int16',
  [TensorType.COMPLEX64]: 'complex64', [TensorType.INT8]: 'int8', [TensorType.FLOAT64]: 'float64',
  [TensorType.COMPLEX128]: 'complex128', [TensorType.UINT64]: 'uint64', [TensorType.UINT32]: 'uint32', [TensorType.UINT16]: 'uint16',
};

const WHAT = 'TFLite model';

export function parseTflite(bytes: Uint8Array): TfliteModel {
  if (bytes.length < 8) throw new SeLensError('truncated', `The ${WHAT} is ${bytes.length} bytes, too short for a FlatBuffer.`);
  const bb = new CheckedByteBuffer(bytes, WHAT);
  if (!Model.bufferHasIdentifier(bb)) throw new SeLensError('not-onnx', `The file is not a ${WHAT} (its identifier is not "TFL3").`);
  const model = Model.getRootAsModel(bb);
  /** A vector read element by element, its length checked against the file first. */
  const list = <T>(length: number, size: number, at: (i: number) => T): T[] => Array.from({ length: bb.checkLength(length, size) }, (_, i) => at(i));
  const present = <T>(value: T | null, what: string): T => value ?? bb.corrupt(`${what} is missing`);

  /** A CSR index array: one of three element widths, by the union's tag. */
  const indexVector = (type: SparseIndexVector, read: <T>(table: T) => T | null): number[] => {
    const table = type === SparseIndexVector.Int32Vector ? new Int32Vector() : type === SparseIndexVector.Uint16Vector ? new Uint16Vector() : type === SparseIndexVector.Uint8Vector ? new Uint8Vector() : undefined;
    const v = table && read(table);
    if (!v) return [];
    const size = v instanceof Int32Vector ? 4 : v instanceof Uint16Vector ? 2 : 1;
    return list(v.valuesLength(), size, (k) => v.values(k)!);
  };
  const sparsityOf = (sp: SparsityParameters | null): TfliteSparsity | undefined => {
    if (!sp) return undefined;
    return {
      traversalOrder: list(sp.traversalOrderLength(), 4, (k) => sp.traversalOrder(k)!),
      blockMap: list(sp.blockMapLength(), 4, (k) => sp.blockMap(k)!),
      levels: list(sp.dimMetadataLength(), 4, (k) => {
        const d = present(sp.dimMetadata(k), `sparsity level ${k}`);
        const dense = d.format() === DimensionType.DENSE;
        return {
          dense,
          size: d.denseSize(),
          segments: dense ? [] : indexVector(d.arraySegmentsType(), (t) => d.arraySegments(t)),
          indices: dense ? [] : indexVector(d.arrayIndicesType(), (t) => d.arrayIndices(t)),
        };
      }),
    };
  };
  const codes = list(model.operatorCodesLength(), 4, (i) => {
    const c = present(model.operatorCodes(i), 'an operator code');
    // Builtin codes past 127 live in the newer int32 field; older files only fill the byte.
    return { builtin: Math.max(c.deprecatedBuiltinCode(), c.builtinCode()), custom: c.customCode() ?? undefined };
  });
  const subgraphs = model.subgraphsLength();
  if (!subgraphs) throw new SeLensError('corrupt', `The ${WHAT} has no subgraph.`);
  const main = present(model.subgraphs(0), 'the main subgraph');
  const tensors = list(main.tensorsLength(), 4, (index): TfliteTensor => {
    const t = present(main.tensors(index), `tensor ${index}`);
    const q = t.quantization();
    const scale = q ? list(q.scaleLength(), 4, (k) => q.scale(k)!) : [];
    const signature = list(t.shapeSignatureLength(), 4, (k) => t.shapeSignature(k)!);
    return {
      index,
      // Names reach one-line messages: a control character in one (a damaged file) is shown as "?".
      name: (t.name() ?? `tensor_${index}`).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?'),
      dtype: TENSOR_TYPES[t.type()] ?? 'unknown',
      shape: list(t.shapeLength(), 4, (k) => t.shape(k)!),
      signature: signature.length ? signature : undefined,
      buffer: t.buffer(),
      quantization: q && scale.length ? { scale, zeroPoint: list(q.zeroPointLength(), 8, (k) => Number(q.zeroPoint(k)!)), axis: q.quantizedDimension() } : undefined,
      sparsity: sparsityOf(t.sparsity()),
    };
  });
  const operators = list(main.operatorsLength(), 4, (index): TfliteOperator => {
    const op = present(main.operators(index), `operator ${index}`);
    const code = codes[op.opcodeIndex()];
    if (!code) throw new SeLensError('corrupt', `The ${WHAT} is corrupt: an operator names an operator code that does not exist.`);
    return {
      ...code,
      inputs: list(op.inputsLength(), 4, (k) => op.inputs(k)!),
      outputs: list(op.outputsLength(), 4, (k) => op.outputs(k)!),
      optionsType: op.builtinOptionsType(),
      readOptions: <T>(table: OptionsTable<T>) => (op.builtinOptions(table) as T | null) ?? undefined,
    };
  });
  const buffers = list(model.buffersLength(), 4, (i) => {
    const b = present(model.buffers(i), `buffer ${i}`);
    const length = bb.checkLength(b.dataLength(), 1);
    if (length) {
      // Reading the last byte checks the whole range before the view is made (the view would throw a RangeError).
      b.data(length - 1);
      return { offset: b.dataArray()!.byteOffset - bytes.byteOffset, length };
    }
    const offset = Number(b.offset());
    // Offsets of 0 or 1 mean "no external data" in the schema.
    return offset > 1 ? { offset, length: Number(b.size()) } : { offset: 0, length: 0 };
  });
  return {
    version: model.version(),
    description: model.description() ?? undefined,
    tensors,
    inputs: list(main.inputsLength(), 4, (k) => main.inputs(k)!),
    outputs: list(main.outputsLength(), 4, (k) => main.outputs(k)!),
    operators,
    buffers,
    subgraphs,
  };
}
