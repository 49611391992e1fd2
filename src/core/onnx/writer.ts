import { create, toBinary, type MessageInitShape } from '@bufbuild/protobuf';
import {
  AttributeProto_AttributeType as AttrType,
  ModelProtoSchema,
  TensorProtoSchema,
  type AttributeProtoSchema,
  type GraphProtoSchema,
  type TensorProto,
  type ValueInfoProtoSchema,
} from 'onnx-buf';
import { SeLensError } from '../errors.js';
import type { AttrValue, Graph, Model, TensorConst, ValueInfo } from '../ir/graph.js';
import { dtypeSize, dtypeToOnnx } from './dtypes.js';

export interface WriteOptions {
  /** Values of tensors whose payload was left lazy by the reader (`loadTensorValues` over the source file). */
  readonly valuesOf?: (tensor: TensorConst, name: string) => Float32Array | number[];
  readonly producer?: string;
  /**
   * Write float16 tensors, values and casts as float32: the gates of a half-precision model are run in
   * float32 (its weights exactly, its activations unrounded), as quantised TFLite files are run dequantised;
   * onnxruntime-web has few float16 kernels and the inputs SE Lens makes are float32.
   */
  readonly widenFloat16?: boolean;
}

/** IR → ModelProto bytes, encoded by the generated schema. The inverse of `readOnnx` for what the IR holds. */
export function writeOnnx(model: Model, options: WriteOptions = {}): Uint8Array {
  const proto = create(ModelProtoSchema, {
    irVersion: BigInt(model.irVersion || 8),
    producerName: options.producer ?? 'se-lens',
    opsetImport: model.opsets.map((o) => ({ domain: o.domain, version: BigInt(o.version) })),
    graph: graphProto(model.graph, options),
  });
  return toBinary(ModelProtoSchema, proto);
}

function graphProto(graph: Graph, options: WriteOptions): MessageInitShape<typeof GraphProtoSchema> {
  const declared = new Set([...graph.inputs, ...graph.outputs].map((v) => v.name));
  return {
    name: graph.name || 'graph',
    node: graph.nodes.map((n) => ({
      name: n.id,
      opType: n.op,
      domain: n.domain,
      input: [...n.inputs],
      output: [...n.outputs],
      attribute: Object.entries(n.attrs).map(([name, value]) => attributeProto(name, options.widenFloat16 && n.op === 'Cast' && name === 'to' ? widenedCastTarget(value) : value, options)),
      ...(n.note ? { docString: n.note } : {}),
    })),
    initializer: [...graph.initializers.values()].map((t) => tensorProto(t, t.name, options)),
    input: graph.inputs.map((v) => valueInfoProto(v, options)),
    output: graph.outputs.map((v) => valueInfoProto(v, options)),
    valueInfo: [...graph.values.values()].filter((v) => !declared.has(v.name) && !graph.initializers.has(v.name) && v.shape && v.dtype !== 'unknown').map((v) => valueInfoProto(v, options)),
  };
}

/** ONNX's FLOAT16 and FLOAT element types. */
const ONNX_FLOAT16 = 10;
const ONNX_FLOAT = 1;

function widenedCastTarget(value: AttrValue): AttrValue {
  return value.type === 'int' && value.value === ONNX_FLOAT16 ? { type: 'int', value: ONNX_FLOAT } : value;
}

function valueInfoProto(value: ValueInfo, options: WriteOptions): MessageInitShape<typeof ValueInfoProtoSchema> {
  const v = options.widenFloat16 && value.dtype === 'float16' ? { ...value, dtype: 'float32' as const } : value;
  return {
    name: v.name,
    type: {
      value: {
        case: 'tensorType' as const,
        value: {
          elemType: dtypeToOnnx(v.dtype === 'unknown' ? 'float32' : v.dtype),
          ...(v.shape ? { shape: { dim: v.shape.map((d) => ({ value: typeof d === 'number' ? { case: 'dimValue' as const, value: BigInt(d) } : { case: 'dimParam' as const, value: d } })) } } : {}),
        },
      },
    },
  };
}

function attributeProto(name: string, a: AttrValue, options: WriteOptions): MessageInitShape<typeof AttributeProtoSchema> {
  switch (a.type) {
    case 'float': return { name, type: AttrType.FLOAT, f: a.value };
    case 'int': return { name, type: AttrType.INT, i: BigInt(a.value) };
    case 'string': return { name, type: AttrType.STRING, s: new TextEncoder().encode(a.value) };
    case 'floats': return { name, type: AttrType.FLOATS, floats: a.value };
    case 'ints': return { name, type: AttrType.INTS, ints: a.value.map((v) => BigInt(v)) };
    case 'strings': return { name, type: AttrType.STRINGS, strings: a.value.map((s) => new TextEncoder().encode(s)) };
    case 'tensor': return { name, type: AttrType.TENSOR, t: tensorProto(a.value, '', options) };
    case 'graph': return { name, type: AttrType.GRAPH, g: graphProto(a.value, options) };
    case 'graphs': return { name, type: AttrType.GRAPHS, graphs: a.value.map((g) => graphProto(g, options)) };
  }
}

/** Little-endian `raw_data`, the encoding torch.onnx writes and ORT reads fastest. */
function tensorProto(stored: TensorConst, name: string, options: WriteOptions): TensorProto {
  const values = stored.values ?? (stored.payload ? options.valuesOf?.(stored, name) : undefined);
  // The values are read as stored (float16); they are written as float32.
  const t = options.widenFloat16 && stored.dtype === 'float16' ? { ...stored, dtype: 'float32' as const } : stored;
  if (!values) throw new SeLensError('bad-argument', `Tensor "${name}" has no values to write; initialise the weights first.`);
  const size = dtypeSize(t.dtype);
  const raw = new Uint8Array(values.length * size);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    switch (t.dtype) {
      case 'float32': view.setFloat32(i * 4, v, true); break;
      case 'float64': view.setFloat64(i * 8, v, true); break;
      case 'int64': view.setBigInt64(i * 8, BigInt(Math.trunc(v)), true); break;
      case 'int32': view.setInt32(i * 4, v, true); break;
      case 'int8': view.setInt8(i, v); break;
      case 'uint8': case 'bool': view.setUint8(i, v); break;
      default: throw new SeLensError('unsupported', `Writing ${t.dtype} tensors is not supported (tensor "${name}").`);
    }
  }
  return create(TensorProtoSchema, { name, dims: t.shape.map((d) => BigInt(d)), dataType: dtypeToOnnx(t.dtype), rawData: raw });
}
