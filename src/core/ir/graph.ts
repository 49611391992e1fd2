/**
 * The one graph IR. ONNX files, PyTorch source and TF.js source all become a `Model`;
 * shape inference, the SE detector, statistics and the ONNX writer only ever read this.
 * Op types and attribute names follow ONNX (`Conv`, `Gemm`, `MatMul`, `Relu`, `Sigmoid`, ...), so
 * a graph built from source can be written back as an ONNX model and run.
 */

/** A dimension: a known size or a symbol such as `N` (unknown sizes get a generated symbol). */
export type Dim = number | string;

/** `undefined` when even the rank is unknown. */
export type Shape = Dim[] | undefined;

export type DType =
  | 'float32' | 'float16' | 'bfloat16' | 'float64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'string' | 'complex64' | 'complex128' | 'unknown';

/** Where a tensor's bytes live, when they were not read with the graph structure. */
export interface PayloadRef {
  /** `embedded`: a byte range of the model file; `external`: a range of a file beside it. */
  readonly kind: 'embedded' | 'external';
  /** For `external`: the `location` written in the model, relative to the model's folder. */
  readonly location?: string;
  readonly offset: number;
  /** Byte length; `undefined` for an external payload whose length runs to the end of its file. */
  readonly length: number | undefined;
  /** Which TensorProto field holds the values: `raw_data` bytes or a packed repeated field. */
  readonly encoding: 'raw' | 'float' | 'double' | 'int32' | 'int64' | 'uint64';
  /** Files other than ONNX (TF.js, TFLite): how the stored bytes become this tensor's values. */
  readonly stored?: StoredLayout;
}

/**
 * A weight as another format stores it: another element type (quantised or float16), another axis
 * order (TF's HWIO kernels for ONNX's OIHW), possibly split over several files (TF.js shards).
 */
export interface StoredLayout {
  /** Element type in the file. */
  readonly dtype: DType;
  /** Dequantisation `value = q * scale + offset`, one entry per tensor or per slice along `axis` of the stored dims. */
  readonly scale?: readonly number[];
  readonly offset?: readonly number[];
  readonly axis?: number;
  /** Dims in the file and the permutation that gives the tensor's dims (`shape[i] = storedShape[perm[i]]`). */
  readonly storedShape?: readonly number[];
  readonly perm?: readonly number[];
  /** Byte ranges in order, when the bytes span several files; `location`/`offset`/`length` then hold the first. */
  readonly spans?: readonly { readonly location: string; readonly offset: number; readonly length: number }[];
}

/**
 * A constant tensor: an initializer, a `Constant` node's value, or a weight made by a front-end.
 * Small tensors carry `values`; large ones only a `payload` reference until someone asks.
 */
export interface TensorConst {
  readonly dtype: DType;
  readonly shape: number[];
  /** Element values when they are in memory (int64 as JS numbers). */
  values?: Float32Array | Float64Array | Int32Array | number[];
  payload?: PayloadRef;
}

export interface Initializer extends TensorConst {
  readonly name: string;
}

export type AttrValue =
  | { readonly type: 'float'; readonly value: number }
  | { readonly type: 'int'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'floats'; readonly value: number[] }
  | { readonly type: 'ints'; readonly value: number[] }
  | { readonly type: 'strings'; readonly value: string[] }
  | { readonly type: 'tensor'; readonly value: TensorConst }
  | { readonly type: 'graph'; readonly value: Graph }
  | { readonly type: 'graphs'; readonly value: Graph[] };

/** Lines are 0-based, end inclusive, like VS Code's `Range`. */
export interface SourceRange {
  readonly startLine: number;
  readonly startColumn: number;
  readonly endLine: number;
  readonly endColumn: number;
}

export interface Node {
  /** Unique within its graph: the ONNX node name when it has one, else generated. */
  readonly id: string;
  readonly op: string;
  /** `''` is the default ONNX domain. */
  readonly domain: string;
  readonly attrs: Readonly<Record<string, AttrValue>>;
  /** Tensor names; `''` marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Module path (`fc_layers.0`) from ONNX scope names or from the source front-end. */
  readonly scope?: string;
  readonly range?: SourceRange;
  /** Set on `Unknown` nodes that a source front-end could not interpret. */
  readonly note?: string;
}

export interface ValueInfo {
  readonly name: string;
  dtype: DType;
  shape: Shape;
}

/**
 * A module object as the author wrote it (PyTorch `nn.Module` leaf, TF.js layer), in definition order.
 * ONNX graphs have none: the stats module groups nodes by scope instead.
 */
export interface ModuleInfo {
  /** Path as `named_modules()` prints it: `fc_layers.0`. */
  readonly path: string;
  /** Class name as written by the framework: `Linear`, `Conv2d`, `AdaptiveAvgPool2d`, `dense`, ... */
  readonly kind: string;
  readonly params: number;
  /** Constructor facts the counters need: `in_features`, `kernel_size`, `groups`, `bias`, ... */
  readonly config: Readonly<Record<string, number | boolean | string | number[]>>;
  readonly range?: SourceRange;
  /** Nodes this module produced in `forward` (empty when it was never called). */
  readonly nodeIds: readonly string[];
}

export interface Graph {
  readonly name: string;
  readonly nodes: Node[];
  readonly inputs: ValueInfo[];
  readonly outputs: ValueInfo[];
  readonly initializers: Map<string, Initializer>;
  /** Every tensor's known type and shape, filled by the reader (value_info) and by shape inference. */
  readonly values: Map<string, ValueInfo>;
  /** Source front-ends only: leaf modules in definition order. */
  modules?: ModuleInfo[];
}

export interface OpsetImport {
  readonly domain: string;
  readonly version: number;
}

export interface Model {
  readonly graph: Graph;
  readonly opsets: OpsetImport[];
  readonly irVersion: number;
  readonly producer: string;
  /** Model-local functions, read so their bodies can be walked. */
  readonly functions: Graph[];
  /** Tensor layout of image inputs: ONNX and PyTorch are NCHW, TF.js is NHWC. */
  readonly layout: 'NCHW' | 'NHWC';
  /** ONNX `metadata_props`: exporters put hints there, such as an input size (`imgsz`). */
  readonly metadata?: Readonly<Record<string, string>>;
}

export function opsetVersion(model: Model, domain = ''): number {
  const found = model.opsets.find((o) => o.domain === domain || (domain === '' && o.domain === 'ai.onnx'));
  return found?.version ?? 0;
}

export function emptyGraph(name: string): Graph {
  return { name, nodes: [], inputs: [], outputs: [], initializers: new Map(), values: new Map() };
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
