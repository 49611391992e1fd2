import { SeLensError } from '../../errors.js';
import type { DType } from '../../ir/graph.js';
import { CheckedTable } from './checked-table.js';

/**
 * The parts of TFLite's `schema.fbs` (namespace `tflite`, file identifier `TFL3`) that SE Lens reads,
 * written by hand against the schema's field order; field ids below are the schema's declaration order.
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
}

export interface TfliteOperator {
  readonly builtin: number;
  readonly custom: string | undefined;
  readonly inputs: number[];
  readonly outputs: number[];
  readonly options: CheckedTable | undefined;
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

/** `TensorType` enum values. */
const TENSOR_TYPES: Record<number, DType> = {
  0: 'float32', 1: 'float16', 2: 'int32', 3: 'uint8', 4: 'int64', 5: 'string', 6: 'bool', 7: 'int16', 8: 'complex64', 9: 'int8',
  10: 'float64', 11: 'complex128', 12: 'uint64', 15: 'uint32', 16: 'uint16',
};

const MODEL = { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4 };
const OPERATOR_CODE = { deprecatedBuiltinCode: 0, customCode: 1, builtinCode: 3 };
const SUBGRAPH = { tensors: 0, inputs: 1, outputs: 2, operators: 3 };
const TENSOR = { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, shapeSignature: 7 };
const QUANTIZATION = { scale: 2, zeroPoint: 3, quantizedDimension: 6 };
const OPERATOR = { opcodeIndex: 0, inputs: 1, outputs: 2, builtinOptions: 4 };
const BUFFER = { data: 0, offset: 1, size: 2 };

export function parseTflite(bytes: Uint8Array): TfliteModel {
  const model = CheckedTable.root(bytes, 'TFL3', 'TFLite model');
  const codes = model.tables(MODEL.operatorCodes).map((c) => ({
    // Builtin codes past 127 live in the newer int32 field; older files only fill the byte.
    builtin: Math.max(c.int8(OPERATOR_CODE.deprecatedBuiltinCode), c.int32(OPERATOR_CODE.builtinCode)),
    custom: c.string(OPERATOR_CODE.customCode),
  }));
  const subgraphs = model.tables(MODEL.subgraphs);
  const main = subgraphs[0];
  if (!main) throw new SeLensError('corrupt', 'The TFLite model has no subgraph.');
  const tensors = main.tables(SUBGRAPH.tensors).map((t, index): TfliteTensor => {
    const q = t.table(TENSOR.quantization);
    const scale = q?.float32s(QUANTIZATION.scale) ?? [];
    const signature = t.int32s(TENSOR.shapeSignature);
    return {
      index,
      name: t.string(TENSOR.name) ?? `tensor_${index}`,
      dtype: TENSOR_TYPES[t.int8(TENSOR.type)] ?? 'unknown',
      shape: t.int32s(TENSOR.shape),
      signature: signature.length ? signature : undefined,
      buffer: t.uint32(TENSOR.buffer),
      quantization: scale.length ? { scale, zeroPoint: q!.int64s(QUANTIZATION.zeroPoint), axis: q!.int32(QUANTIZATION.quantizedDimension) } : undefined,
    };
  });
  const operators = main.tables(SUBGRAPH.operators).map((op): TfliteOperator => {
    const code = codes[op.uint32(OPERATOR.opcodeIndex)];
    if (!code) throw new SeLensError('corrupt', 'The TFLite model is corrupt: an operator names an operator code that does not exist.');
    return { builtin: code.builtin, custom: code.custom, inputs: op.int32s(OPERATOR.inputs), outputs: op.int32s(OPERATOR.outputs), options: op.table(OPERATOR.builtinOptions) };
  });
  const buffers = model.tables(MODEL.buffers).map((b) => {
    const data = b.vector(BUFFER.data, 1);
    if (data) return { offset: data.start, length: data.length };
    const offset = b.uint64(BUFFER.offset);
    const size = b.uint64(BUFFER.size);
    // Offsets of 0 or 1 mean "no external data" in the schema.
    return offset > 1 ? { offset, length: size } : { offset: 0, length: 0 };
  });
  return {
    version: model.uint32(MODEL.version),
    description: model.string(MODEL.description),
    tensors,
    inputs: main.int32s(SUBGRAPH.inputs),
    outputs: main.int32s(SUBGRAPH.outputs),
    operators,
    buffers,
    subgraphs: subgraphs.length,
  };
}

/** `BuiltinOperator` enum values the reader maps. */
export const BUILTIN = {
  ADD: 0, AVERAGE_POOL_2D: 1, CONCATENATION: 2, CONV_2D: 3, DEPTHWISE_CONV_2D: 4, DEQUANTIZE: 6, FULLY_CONNECTED: 9,
  LOGISTIC: 14, MAX_POOL_2D: 17, MUL: 18, RELU: 19, RELU_N1_TO_1: 20, RELU6: 21, RESHAPE: 22, RESIZE_BILINEAR: 23,
  SOFTMAX: 25, TANH: 28, CUSTOM: 32, PAD: 34, TRANSPOSE: 39, MEAN: 40, SUB: 41, DIV: 42, SQUEEZE: 43, EXP: 47,
  PRELU: 54, MAXIMUM: 55, MINIMUM: 57, NEG: 59, PADV2: 60, TRANSPOSE_CONV: 67, EXPAND_DIMS: 70, SUM: 74, SQRT: 75,
  REDUCE_MAX: 82, RESIZE_NEAREST_NEIGHBOR: 97, LEAKY_RELU: 98, MIRROR_PAD: 100, ABS: 101, ADD_N: 106, ELU: 111,
  QUANTIZE: 114, HARD_SWISH: 117, GELU: 150,
} as const;

/** Option field ids, per options table. */
export const OPTIONS = {
  conv: { padding: 0, strideW: 1, strideH: 2, activation: 3, dilationW: 4, dilationH: 5 },
  depthwise: { padding: 0, strideW: 1, strideH: 2, multiplier: 3, activation: 4, dilationW: 5, dilationH: 6 },
  pool: { padding: 0, strideW: 1, strideH: 2, filterW: 3, filterH: 4, activation: 5 },
  fullyConnected: { activation: 0, keepNumDims: 2 },
  concatenation: { axis: 0, activation: 1 },
  /** Add, Sub, Mul, Div: the fused activation is field 0. */
  arithmetic: { activation: 0 },
  reshape: { newShape: 0 },
  reducer: { keepDims: 0 },
  squeeze: { dims: 0 },
  resizeBilinear: { alignCorners: 2, halfPixel: 3 },
  resizeNearest: { alignCorners: 0, halfPixel: 1 },
  transposeConv: { padding: 0, strideW: 1, strideH: 2, activation: 3 },
  leakyRelu: { alpha: 0 },
  mirrorPad: { mode: 0 },
} as const;

/** `ActivationFunctionType` values. */
export const ACTIVATION = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3, TANH: 4 } as const;
