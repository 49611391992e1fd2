import { fromBinary } from '@bufbuild/protobuf';
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import {
  AttributeProto_AttributeType as AttrType,
  GraphProtoSchema,
  ModelProtoSchema,
  TensorProtoSchema,
  TensorProto_DataLocation as DataLocation,
  type AttributeProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type ValueInfoProto,
} from 'onnx-buf';
import { SeLensError } from '../errors.js';
import type { AttrValue, Dim, DType, Graph, Initializer, Model, Node, PayloadRef, TensorConst, ValueInfo } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from './byte-source.js';
import { decodeRaw, dtypeFromOnnx } from './dtypes.js';
import { checkExternalLocation } from './external-location.js';
import { scopeOfNodeName } from './scope.js';
import { WindowReader, type FieldHeader } from './window-reader.js';

export interface ReadOptions {
  /** Resolves `data_location = EXTERNAL` files; without it external tensors are refused. */
  readonly externalData?: ExternalDataHost;
  /** Tensor payloads up to this many bytes are decoded with the structure (shape constants); larger ones stay lazy. */
  readonly inlineLimit?: number;
}

const MODEL_GRAPH = 7;
const MODEL_TRAINING_INFO = 20;
const GRAPH_INITIALIZER = 5;
/** TensorProto fields that hold element data, and how their bytes are encoded. */
const PAYLOAD_FIELDS: Record<number, PayloadRef['encoding']> = { 4: 'float', 5: 'int32', 7: 'int64', 9: 'raw', 10: 'double', 11: 'uint64' };
/** Wire types ModelProto's fields must have; anything else means this is not an ONNX file. */
const MODEL_FIELD_WIRE: Record<number, WireType> = {
  1: WireType.Varint, 2: WireType.LengthDelimited, 3: WireType.LengthDelimited, 4: WireType.LengthDelimited,
  5: WireType.Varint, 6: WireType.LengthDelimited, 7: WireType.LengthDelimited, 8: WireType.LengthDelimited,
  14: WireType.LengthDelimited, 20: WireType.LengthDelimited, 25: WireType.LengthDelimited, 26: WireType.LengthDelimited,
};

/**
 * Reads an ONNX model's structure without reading large tensor payloads: the walk crosses ModelProto,
 * GraphProto and each initializer field by field, records where big payloads are, and hands every other
 * field's bytes to the generated decoder. Listing blocks of a 250 MB model touches a few MB.
 */
export function readOnnx(source: ByteSource, options: ReadOptions = {}): Model {
  if (source.size === 0) throw new SeLensError('not-onnx', 'The file is empty, not an ONNX model.');
  const reader = new WindowReader(source);
  const inlineLimit = options.inlineLimit ?? 4096;
  const rest: [number, number][] = [];
  let graphRange: [number, number] | undefined;
  let first = true;
  try {
    for (const h of reader.fields(0, source.size)) {
      if (MODEL_FIELD_WIRE[h.field] !== undefined && MODEL_FIELD_WIRE[h.field] !== h.wire) {
        throw new SeLensError(first ? 'not-onnx' : 'corrupt', first
          ? 'The file is not an ONNX model (its first bytes are not a ModelProto).'
          : `The model file is corrupt: field ${h.field} at byte ${h.start} has the wrong type.`);
      }
      first = false;
      if (h.field === MODEL_GRAPH) graphRange = [h.bodyStart, h.end];
      else if (h.field !== MODEL_TRAINING_INFO) rest.push([h.start, h.end]);
    }
  } catch (e) {
    if (first && e instanceof SeLensError) throw new SeLensError('not-onnx', 'The file is not an ONNX model (its first bytes are not a ModelProto).');
    throw e;
  }
  if (!graphRange) throw new SeLensError('not-onnx', 'The file is not an ONNX model: it has no graph.');
  const header = decode(() => fromBinary(ModelProtoSchema, gather(reader, rest)), 'model header');
  const lazy = { reader, inlineLimit, externalData: options.externalData };
  const graph = readGraph(lazy, graphRange[0], graphRange[1]);
  const opsets = header.opsetImport.map((o) => ({ domain: o.domain === 'ai.onnx' ? '' : o.domain, version: Number(o.version) }));
  return {
    graph,
    opsets,
    irVersion: Number(header.irVersion),
    producer: [header.producerName, header.producerVersion].filter(Boolean).join(' '),
    functions: header.functions.map((f) =>
      toGraph({ name: f.name, node: f.node, input: f.input.map((name) => ({ name })), output: f.output.map((name) => ({ name })), initializer: [], valueInfo: f.valueInfo } as unknown as GraphProto, [], inlineLimit),
    ),
    layout: 'NCHW',
    ...(header.metadataProps.length ? { metadata: Object.fromEntries(header.metadataProps.map((p) => [p.key, p.value])) } : {}),
  };
}

interface LazyContext {
  readonly reader: WindowReader;
  readonly inlineLimit: number;
  readonly externalData: ExternalDataHost | undefined;
}

function readGraph(ctx: LazyContext, start: number, end: number): Graph {
  const rest: [number, number][] = [];
  const initializers: Initializer[] = [];
  for (const h of ctx.reader.fields(start, end)) {
    if (h.field === GRAPH_INITIALIZER && h.wire === WireType.LengthDelimited) initializers.push(readInitializer(ctx, h.bodyStart, h.end));
    else rest.push([h.start, h.end]);
  }
  const proto = decode(() => fromBinary(GraphProtoSchema, gather(ctx.reader, rest)), 'graph');
  return toGraph(proto, initializers, ctx.inlineLimit);
}

/** One decoder for every name and string attribute: a model has hundreds. */
const UTF8 = new TextDecoder();

/** TensorProto fields a large weight's header usually has: dims, data_type, name. */
const HEADER_FIELDS = new Set([1, 2, 8]);

function readInitializer(ctx: LazyContext, start: number, end: number): Initializer {
  const rest: FieldHeader[] = [];
  let payload: { encoding: PayloadRef['encoding']; offset: number; length: number } | undefined;
  for (const h of ctx.reader.fields(start, end)) {
    const encoding = PAYLOAD_FIELDS[h.field];
    if (encoding && h.wire === WireType.LengthDelimited && h.end - h.bodyStart > ctx.inlineLimit) {
      payload = { encoding, offset: h.bodyStart, length: h.end - h.bodyStart };
    } else {
      rest.push(h);
    }
  }
  // The common case, a big weight with only dims / data_type / name beside it, is read field by field with
  // the library's reader; anything else goes through the generated decoder.
  if (payload && rest.every((h) => HEADER_FIELDS.has(h.field))) {
    const header = weightHeader(ctx.reader, rest);
    return { ...header, payload: { kind: 'embedded', ...payload } };
  }
  const proto = decode(() => fromBinary(TensorProtoSchema, gather(ctx.reader, rest.map((h) => [h.start, h.end]))), 'initializer');
  const tensor = tensorFromProto(proto, ctx.inlineLimit);
  const name = proto.name;
  if (proto.dataLocation === DataLocation.EXTERNAL) {
    return { name, ...tensor, payload: externalPayload(proto, ctx.externalData) };
  }
  if (payload) return { name, dtype: tensor.dtype, shape: tensor.shape, payload: { kind: 'embedded', ...payload } };
  return { name, ...tensor };
}

function weightHeader(reader: WindowReader, fields: FieldHeader[]): { name: string; dtype: DType; shape: number[] } {
  let name = '';
  let dtype: DType = 'unknown';
  const shape: number[] = [];
  for (const h of fields) {
    if (h.field === 8) name = UTF8.decode(reader.bytes(h.bodyStart, h.end - h.bodyStart));
    else if (h.field === 2) dtype = dtypeFromOnnx(Number(reader.varint(h.bodyStart, h.end)));
    else if (h.wire === WireType.LengthDelimited) {
      const packed = new BinaryReader(reader.bytes(h.bodyStart, h.end - h.bodyStart));
      while (packed.pos < packed.len) shape.push(checkedDim(BigInt(packed.int64()), name));
    } else shape.push(checkedDim(reader.varint(h.bodyStart, h.end), name));
  }
  return { name, dtype, shape };
}

function checkedDim(d: bigint, tensor: string): number {
  if (d < 0n) throw new SeLensError('corrupt', `Tensor "${tensor}" has a negative dimension ${d}.`);
  if (d > BigInt(Number.MAX_SAFE_INTEGER)) throw new SeLensError('too-large', `Tensor "${tensor}" has a dimension of ${d}, beyond what can be counted exactly.`);
  return Number(d);
}

function externalPayload(proto: TensorProto, host: ExternalDataHost | undefined): PayloadRef {
  const entry = (key: string) => proto.externalData.find((e) => e.key === key)?.value;
  const location = entry('location');
  if (!location) throw new SeLensError('corrupt', `Tensor "${proto.name}" is stored externally but names no location.`);
  checkExternalLocation(location);
  if (!host) throw new SeLensError('refused-path', `Tensor "${proto.name}" is stored in external file "${location}", which cannot be read here.`);
  const file = host.open(location);
  const offset = Number(entry('offset') ?? 0);
  const length = entry('length') === undefined ? undefined : Number(entry('length'));
  if (!Number.isFinite(offset) || offset < 0 || (length !== undefined && (!Number.isFinite(length) || length < 0)) || offset + (length ?? 0) > file.size) {
    throw new SeLensError('corrupt', `Tensor "${proto.name}": offset/length ${offset}/${length} lie outside external file "${location}" (${file.size} bytes).`);
  }
  return { kind: 'external', location, offset, length, encoding: 'raw' };
}

/**
 * The fields at `ranges` (in file order) as one message's bytes. Adjacent ranges are read as one: a graph's nodes lie
 * back to back, so its hundreds of node fields become one read instead of one window copy each.
 */
function gather(reader: WindowReader, ranges: [number, number][]): Uint8Array {
  const runs: [number, number][] = [];
  let total = 0;
  for (const [s, e] of ranges) {
    total += e - s;
    const last = runs[runs.length - 1];
    if (last && last[1] === s) last[1] = e;
    else runs.push([s, e]);
  }
  if (runs.length === 1) return reader.bytes(runs[0]![0], total).slice();
  const out = new Uint8Array(total);
  let at = 0;
  for (const [s, e] of runs) {
    out.set(reader.bytes(s, e - s), at);
    at += e - s;
  }
  return out;
}

function decode<T>(fn: () => T, what: string): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SeLensError) throw e;
    const reason = e instanceof RangeError && /call stack/i.test(e.message) ? 'messages nested too deeply' : (e as Error).message;
    throw new SeLensError('corrupt', `The model file is corrupt: cannot decode the ${what} (${reason}).`);
  }
}

function toGraph(proto: GraphProto, lazyInitializers: Initializer[], inlineLimit: number): Graph {
  const initializers = new Map<string, Initializer>();
  for (const init of lazyInitializers) initializers.set(init.name, init);
  for (const t of proto.initializer) initializers.set(t.name, { name: t.name, ...tensorFromProto(t, inlineLimit) });
  const values = new Map<string, ValueInfo>();
  for (const v of [...proto.input, ...proto.valueInfo, ...proto.output]) values.set(v.name, valueInfo(v));
  for (const init of initializers.values()) values.set(init.name, { name: init.name, dtype: init.dtype, shape: [...init.shape] });
  const seen = new Set<string>();
  const nodes = proto.node.map((n, i) => toNode(n, i, seen, inlineLimit));
  return {
    name: proto.name,
    nodes,
    // Older exporters list initializers among the inputs too; those are weights, not inputs.
    inputs: proto.input.filter((v) => !initializers.has(v.name)).map(valueInfo),
    outputs: proto.output.map(valueInfo),
    initializers,
    values,
  };
}

function toNode(n: NodeProto, index: number, seen: Set<string>, inlineLimit: number): Node {
  let id = n.name || `${n.opType}_${index}`;
  if (seen.has(id)) id = `${id}#${index}`;
  seen.add(id);
  const attrs: Record<string, AttrValue> = {};
  for (const a of n.attribute) {
    const v = attrValue(a, inlineLimit);
    if (v) attrs[a.name] = v;
  }
  const scope = scopeOfNodeName(n.name);
  return { id, op: n.opType, domain: n.domain === 'ai.onnx' ? '' : n.domain, attrs, inputs: n.input, outputs: n.output, ...(scope !== undefined ? { scope } : {}) };
}

function attrValue(a: AttributeProto, inlineLimit: number): AttrValue | undefined {
  switch (a.type) {
    case AttrType.FLOAT: return { type: 'float', value: a.f };
    case AttrType.INT: return { type: 'int', value: Number(a.i) };
    case AttrType.STRING: return { type: 'string', value: UTF8.decode(a.s) };
    case AttrType.FLOATS: return { type: 'floats', value: [...a.floats] };
    case AttrType.INTS: return { type: 'ints', value: a.ints.map(Number) };
    case AttrType.STRINGS: return { type: 'strings', value: a.strings.map((s) => UTF8.decode(s)) };
    case AttrType.TENSOR: return a.t ? { type: 'tensor', value: tensorFromProto(a.t, Infinity) } : undefined;
    case AttrType.GRAPH: return a.g ? { type: 'graph', value: toGraph(a.g, [], inlineLimit) } : undefined;
    case AttrType.GRAPHS: return { type: 'graphs', value: a.graphs.map((g) => toGraph(g, [], inlineLimit)) };
    default: return undefined;
  }
}

function valueInfo(v: ValueInfoProto): ValueInfo {
  const t = v.type?.value;
  if (v.type?.value.case !== 'tensorType' || !t) return { name: v.name, dtype: 'unknown', shape: undefined };
  const tensor = v.type.value.value;
  const shape: Dim[] | undefined = tensor.shape
    ? tensor.shape.dim.map((d, i) =>
        d.value.case === 'dimValue' && d.value.value >= 0n && d.value.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(d.value.value) : d.value.case === 'dimParam' && d.value.value ? d.value.value : `${v.name}:${i}`,
      )
    : undefined;
  return { name: v.name, dtype: dtypeFromOnnx(tensor.elemType), shape };
}

/** The tensor's dtype, dims and, when small enough, its values (shape constants are needed for folding). */
export function tensorFromProto(t: TensorProto, inlineLimit: number): TensorConst {
  const dtype = dtypeFromOnnx(t.dataType);
  const shape = t.dims.map((d) => checkedDim(d, t.name));
  const values = inlineValues(t, inlineLimit);
  return values ? { dtype, shape, values } : { dtype, shape };
}

function inlineValues(t: TensorProto, inlineLimit: number): TensorConst['values'] | undefined {
  const dtype = dtypeFromOnnx(t.dataType);
  if (t.rawData.length > 0) return t.rawData.length <= inlineLimit ? decodeRaw(dtype, t.rawData) : undefined;
  if (t.floatData.length) return Float32Array.from(t.floatData);
  if (t.int64Data.length) return t.int64Data.map(Number);
  if (t.int32Data.length) return [...t.int32Data];
  if (t.doubleData.length) return [...t.doubleData];
  if (t.uint64Data.length) return t.uint64Data.map(Number);
  // An empty tensor (Paddle2ONNX writes Resize's unused `roi` as a float tensor of shape [0]) has no data
  // field at all: its values are known, and there are none.
  if (t.dims.some((d) => d === 0n)) return [];
  return undefined;
}
