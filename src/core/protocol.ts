/**
 * The one message contract between the extension host and the inspector webview. Both sides validate
 * what they receive with `parseHostMessage` / `parseWebviewMessage`: a malformed message is dropped
 * with the reason (the receiver logs it), never half-handled. Binary payloads travel as `Uint8Array`,
 * which VS Code's `postMessage` transfers without JSON or base64.
 */
import type { GateKind, Pooling, SEBlock, SEVariant, FcKind } from './detect/block.js';
import type { Dim, DType, SourceRange } from './ir/graph.js';
import type { SeOverhead } from './stats/se-overhead.js';
import type { Convention, StatsTable } from './stats/table.js';
import { CONVENTIONS } from './stats/table.js';

export type BackendPreference = 'auto' | 'webgpu' | 'wasm';
export type ExecutionProvider = 'webgpu' | 'wasm';
export type ExportFormat = 'png' | 'csv' | 'md';
export type PickKind = 'image' | 'imageFolder' | 'npy';

/** A graph input the webview has to feed. Symbolic dims are resolved by the webview (batch) or the host. */
export interface ModelInput {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: Dim[];
}

/** Where the value of a dynamic input dim came from, strongest first. */
export type SizeSource = 'panel' | 'image' | 'metadata' | 'setting';

/** One dynamic dim of the model's inputs (`H`) and the value shapes, counts and the run use. */
export interface InputSizeChoice {
  readonly symbol: string;
  readonly input: string;
  readonly axis: number;
  readonly role: 'batch' | 'height' | 'width' | 'other';
  readonly value: number;
  readonly source: SizeSource;
}

/** An image decoded by the host (pngjs / jpeg-js): RGBA, row-major, 8 bits per channel. */
export interface DecodedImage {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8Array;
}

/** What the samples are. `batch` is the number of samples (rows of the heatmap), 1..MAX_BATCH. */
export type InputSpec =
  | { readonly kind: 'normal'; readonly seed: number; readonly batch: number }
  | { readonly kind: 'uniform'; readonly seed: number; readonly batch: number; readonly low: number; readonly high: number }
  | { readonly kind: 'constant'; readonly value: number; readonly batch: number }
  | { readonly kind: 'images'; readonly images: DecodedImage[] }
  | { readonly kind: 'npy'; readonly name: string; readonly bytes: Uint8Array };

export const MAX_BATCH = 64;
/** Largest value a dynamic input dim may be given: a typo must not allocate gigabytes. */
export const MAX_DIM = 4096;

/** Everything the inspector shows for one model (or one source block built as a model). */
export interface LoadMessage {
  readonly type: 'load';
  /** Identifies the model: the webview keeps one ORT session per key and reuses it. */
  readonly modelKey: string;
  readonly title: string;
  readonly origin: 'onnx' | 'source';
  /** The model to run: every block's gate tensor is a graph output, nodes past the last gate dropped. */
  readonly modelBytes: Uint8Array;
  readonly inputs: ModelInput[];
  readonly layout: 'NCHW' | 'NHWC';
  readonly blocks: SEBlock[];
  /** Whole-model table and one per block, in the convention the user picked. */
  readonly stats: StatsTable | null;
  readonly blockStats: { readonly blockId: string; readonly table: StatsTable }[];
  readonly convention: Convention;
  readonly backend: BackendPreference;
  readonly input: InputSpec;
  /** Source blocks: trained weights from a file, or framework defaults and the seed they were drawn from (shown, so a run can be repeated). */
  readonly weights?: WeightsOrigin;
  /** Block to show first (the one the user clicked), else the first. */
  readonly focusBlockId?: string;
  /** The model's dynamic input dims and the sizes chosen for them (empty when every size is fixed). */
  readonly sizes?: InputSizeChoice[];
  /** Images given their own size (the dynamic H and W came from the first image): resized without a crop. */
  readonly imageFit?: 'crop' | 'stretch';
  /** What the SE blocks cost against the whole model (SENet Table 2), shown under the block list. */
  readonly seOverhead?: SeOverhead;
  /**
   * The host is running this load's gates and will send them (`hostGates`; with no matrices when its run failed):
   * the webview paints them first and starts its own runtime after them.
   */
  readonly hostGatesComing?: boolean;
}

/**
 * Gates the extension host computed for a `load` (same gate model, same samples, onnxruntime-web WASM in the
 * host), sent while the webview's own runtime starts: the webview paints them first, then compares them with
 * its own run. Each matrix is samples × channels, float32 little-endian in `values` (bytes, as binary
 * payloads travel).
 */
export interface HostGatesMessage {
  readonly type: 'hostGates';
  /** The `load` these gates belong to; the webview drops them for any other model or input. */
  readonly modelKey: string;
  /** Empty when the host's run failed: the webview then runs its own at once. */
  readonly gates: readonly HostGateMatrix[];
  readonly createMs: number;
  readonly runMs: number;
}

export interface HostGateMatrix {
  /** The gate tensor's name in the gate model (`SEBlock.tensors.gate`). */
  readonly tensor: string;
  readonly rows: number;
  readonly cols: number;
  readonly values: Uint8Array;
}

/** Where a source unit's weights came from; `label` is the panel's line for it, in the user's language (the host translates). */
export type WeightsOrigin =
  | { readonly kind: 'trained'; readonly file: string; readonly label: string; readonly notes: string[] }
  | { readonly kind: 'default'; readonly seed: number; readonly label: string };

export type HostMessage =
  | LoadMessage
  | HostGatesMessage
  | { readonly type: 'setInput'; readonly input: InputSpec }
  | { readonly type: 'setBackend'; readonly backend: BackendPreference }
  | {
      readonly type: 'stats';
      readonly convention: Convention;
      readonly stats: StatsTable | null;
      readonly blockStats: { readonly blockId: string; readonly table: StatsTable }[];
    }
  | { readonly type: 'error'; readonly message: string };

export interface RunReport {
  readonly type: 'ran';
  readonly modelKey: string;
  readonly ep: ExecutionProvider;
  /** 0 when an existing session was reused. */
  readonly createMs: number;
  readonly runMs: number;
  readonly samples: number;
}

export type WebviewMessage =
  | { readonly type: 'ready' }
  | RunReport
  /** A heatmap is on screen: rows = samples, cols = channels (the VS Code test waits for this). */
  | {
      readonly type: 'rendered';
      readonly blockId: string;
      readonly rows: number;
      readonly cols: number;
      /** Whose gates: the extension host's (a fresh panel's first heatmap) or the webview's own run. */
      readonly source?: 'host' | 'webview';
    }
  | { readonly type: 'export'; readonly format: ExportFormat; readonly fileName: string; readonly data: Uint8Array | string }
  | { readonly type: 'pickInput'; readonly kind: PickKind }
  | { readonly type: 'setConvention'; readonly convention: Convention }
  /**
   * The webview's own gates against the host's for the same load: largest |difference| over every matrix both
   * have (`Number.MAX_VALUE` when shapes differ or only one side is NaN).
   */
  | { readonly type: 'gatesCompared'; readonly modelKey: string; readonly maxAbsDiff: number; readonly matrices: number; readonly agree: boolean }
  /** The user's sizes for dynamic input dims, by symbol; `{}` forgets them (the next source decides). */
  | { readonly type: 'setSizes'; readonly sizes: Readonly<Record<string, number>> }
  | { readonly type: 'error'; readonly message: string };

/** `ok: false` carries why the message was refused, for the receiver's log. */
export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

// ---- validation -------------------------------------------------------------------------------

class Invalid extends Error {}

type Rec = Record<string, unknown>;

function fail(path: string, what: string): never {
  throw new Invalid(`${path}: ${what}`);
}
function obj(v: unknown, path: string): Rec {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
  return v as Rec;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string') fail(path, 'expected a string');
  return v;
}
function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'expected a finite number');
  return v;
}
function int(v: unknown, path: string, min: number, max: number): number {
  const n = num(v, path);
  if (!Number.isInteger(n) || n < min || n > max) fail(path, `expected an integer in ${min}..${max}`);
  return n;
}
function oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) fail(path, `expected one of ${allowed.join(', ')}`);
  return v as T;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'expected an array');
  return v;
}
function bytes(v: unknown, path: string): Uint8Array {
  if (!(v instanceof Uint8Array)) fail(path, 'expected a Uint8Array');
  return v;
}
function nullable<T>(v: unknown, path: string, check: (v: unknown, path: string) => T): T | null {
  return v === null ? null : check(v, path);
}
function dims(v: unknown, path: string): Dim[] {
  return arr(v, path).map((d, i) => (typeof d === 'string' ? d : int(d, `${path}[${i}]`, 0, Number.MAX_SAFE_INTEGER)));
}

const DTYPES: readonly DType[] = [
  'float32', 'float16', 'bfloat16', 'float64', 'int8', 'int16', 'int32', 'int64',
  'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string', 'complex64', 'complex128', 'unknown',
];
const POOLINGS: readonly Pooling[] = ['avg', 'max', 'both'];
const FC_KINDS: readonly FcKind[] = ['linear', 'conv1x1', 'conv1d'];
const GATES: readonly GateKind[] = ['sigmoid', 'hardsigmoid', 'hardsigmoid_relu6_div6', 'hardsigmoid_div6_relu6'];
const BACKENDS: readonly BackendPreference[] = ['auto', 'webgpu', 'wasm'];

function block(v: unknown, path: string): SEBlock {
  const o = obj(v, path);
  const t = obj(o.tensors, `${path}.tensors`);
  return {
    id: str(o.id, `${path}.id`),
    // Shown, never branched on: new detector variants pass without a protocol change.
    variant: str(o.variant, `${path}.variant`) as SEVariant,
    channels: int(o.channels, `${path}.channels`, 1, 1 << 20),
    squeezeChannels: nullable(o.squeezeChannels, `${path}.squeezeChannels`, (x, p) => int(x, p, 1, 1 << 20)),
    reductionRatio: nullable(o.reductionRatio, `${path}.reductionRatio`, num),
    pooling: oneOf(o.pooling, `${path}.pooling`, POOLINGS),
    fcKind: oneOf(o.fcKind, `${path}.fcKind`, FC_KINDS),
    fcBias: o.fcBias === true,
    innerActivation: nullable(o.innerActivation, `${path}.innerActivation`, str),
    gate: oneOf(o.gate, `${path}.gate`, GATES),
    params: int(o.params, `${path}.params`, 0, Number.MAX_SAFE_INTEGER),
    inputShape: o.inputShape === undefined ? undefined : dims(o.inputShape, `${path}.inputShape`),
    tensors: { input: str(t.input, `${path}.tensors.input`), gate: str(t.gate, `${path}.tensors.gate`), output: str(t.output, `${path}.tensors.output`) },
    nodes: arr(o.nodes, `${path}.nodes`).map((n, i) => str(n, `${path}.nodes[${i}]`)),
    ...(o.kernelSize !== undefined ? { kernelSize: int(o.kernelSize, `${path}.kernelSize`, 1, 1 << 16) } : {}),
    ...(o.range !== undefined ? { range: sourceRange(o.range, `${path}.range`) } : {}),
  };
}

function sizeChoice(v: unknown, path: string): InputSizeChoice {
  const o = obj(v, path);
  return {
    symbol: str(o.symbol, `${path}.symbol`),
    input: str(o.input, `${path}.input`),
    axis: int(o.axis, `${path}.axis`, 0, 64),
    role: oneOf(o.role, `${path}.role`, ['batch', 'height', 'width', 'other'] as const),
    value: int(o.value, `${path}.value`, 1, MAX_DIM),
    source: oneOf(o.source, `${path}.source`, ['panel', 'image', 'metadata', 'setting'] as const),
  };
}

function sourceRange(v: unknown, path: string): SourceRange {
  const o = obj(v, path);
  const line = (k: string): number => int(o[k], `${path}.${k}`, 0, Number.MAX_SAFE_INTEGER);
  return { startLine: line('startLine'), startColumn: line('startColumn'), endLine: line('endLine'), endColumn: line('endColumn') };
}

/** Tables are rendered, not computed on: check the parts the views read, keep the rest as sent. */
function statsTable(v: unknown, path: string): StatsTable {
  const o = obj(v, path);
  oneOf(o.convention, `${path}.convention`, CONVENTIONS);
  arr(o.columns, `${path}.columns`).forEach((c, i) => {
    const col = obj(c, `${path}.columns[${i}]`);
    str(col.key, `${path}.columns[${i}].key`);
    str(col.label, `${path}.columns[${i}].label`);
  });
  arr(o.rows, `${path}.rows`).forEach((r, i) => {
    const row = obj(r, `${path}.rows[${i}]`);
    str(row.name, `${path}.rows[${i}].name`);
    str(row.kind, `${path}.rows[${i}].kind`);
    dims(row.inputShape, `${path}.rows[${i}].inputShape`);
    dims(row.outputShape, `${path}.rows[${i}].outputShape`);
    num(row.params, `${path}.rows[${i}].params`);
    num(row.memoryMB, `${path}.rows[${i}].memoryMB`);
    obj(row.counts, `${path}.rows[${i}].counts`);
  });
  const totals = obj(o.totals, `${path}.totals`);
  num(totals.params, `${path}.totals.params`);
  arr(o.summary, `${path}.summary`).forEach((s, i) => str(s, `${path}.summary[${i}]`));
  arr(o.footnotes, `${path}.footnotes`).forEach((s, i) => str(s, `${path}.footnotes[${i}]`));
  return o as unknown as StatsTable;
}

function overhead(v: unknown, path: string): SeOverhead {
  const o = obj(v, path);
  const count = (k: string): number => int(o[k], `${path}.${k}`, 0, Number.MAX_SAFE_INTEGER);
  return {
    blocks: count('blocks'), seParams: count('seParams'), totalParams: count('totalParams'), seMacs: count('seMacs'), totalMacs: count('totalMacs'),
    notes: arr(o.notes, `${path}.notes`).map((n, i) => str(n, `${path}.notes[${i}]`)),
  };
}

function weightsOrigin(v: unknown, path: string): WeightsOrigin {
  const o = obj(v, path);
  const label = str(o.label, `${path}.label`);
  if (o.kind === 'default') return { kind: 'default', seed: int(o.seed, `${path}.seed`, 0, 0xffffffff), label };
  if (o.kind !== 'trained') fail(`${path}.kind`, 'expected trained or default');
  return { kind: 'trained', file: str(o.file, `${path}.file`), label, notes: arr(o.notes, `${path}.notes`).map((n, i) => str(n, `${path}.notes[${i}]`)) };
}

function blockStats(v: unknown, path: string): { blockId: string; table: StatsTable }[] {
  return arr(v, path).map((e, i) => {
    const o = obj(e, `${path}[${i}]`);
    return { blockId: str(o.blockId, `${path}[${i}].blockId`), table: statsTable(o.table, `${path}[${i}].table`) };
  });
}

function hostGateMatrix(v: unknown, path: string): HostGateMatrix {
  const o = obj(v, path);
  const rows = int(o.rows, `${path}.rows`, 1, 1 << 20);
  const cols = int(o.cols, `${path}.cols`, 1, 1 << 20);
  const values = bytes(o.values, `${path}.values`);
  if (values.length !== rows * cols * 4) fail(`${path}.values`, `expected ${rows * cols * 4} bytes (${rows} × ${cols} float32), got ${values.length}`);
  return { tensor: str(o.tensor, `${path}.tensor`), rows, cols, values };
}

function decodedImage(v: unknown, path: string): DecodedImage {
  const o = obj(v, path);
  const width = int(o.width, `${path}.width`, 1, 1 << 15);
  const height = int(o.height, `${path}.height`, 1, 1 << 15);
  const rgba = bytes(o.rgba, `${path}.rgba`);
  if (rgba.length !== width * height * 4) fail(`${path}.rgba`, `expected ${width * height * 4} bytes (RGBA), got ${rgba.length}`);
  return { name: str(o.name, `${path}.name`), width, height, rgba };
}

export function inputSpec(v: unknown, path = 'input'): InputSpec {
  const o = obj(v, path);
  const batch = (): number => int(o.batch, `${path}.batch`, 1, MAX_BATCH);
  switch (o.kind) {
    case 'normal':
      return { kind: 'normal', seed: int(o.seed, `${path}.seed`, 0, 0xffffffff), batch: batch() };
    case 'uniform': {
      const low = num(o.low, `${path}.low`);
      const high = num(o.high, `${path}.high`);
      if (!(high > low)) fail(path, 'expected high > low');
      return { kind: 'uniform', seed: int(o.seed, `${path}.seed`, 0, 0xffffffff), batch: batch(), low, high };
    }
    case 'constant':
      return { kind: 'constant', value: num(o.value, `${path}.value`), batch: batch() };
    case 'images': {
      const images = arr(o.images, `${path}.images`).map((im, i) => decodedImage(im, `${path}.images[${i}]`));
      if (images.length < 1 || images.length > MAX_BATCH) fail(`${path}.images`, `expected 1..${MAX_BATCH} images`);
      return { kind: 'images', images };
    }
    case 'npy':
      return { kind: 'npy', name: str(o.name, `${path}.name`), bytes: bytes(o.bytes, `${path}.bytes`) };
    default:
      fail(`${path}.kind`, 'expected normal, uniform, constant, images or npy');
  }
}

function guard<T>(parse: () => T): Parsed<T> {
  try {
    return { ok: true, value: parse() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, reason: e.message };
    throw e;
  }
}

export function parseHostMessage(v: unknown): Parsed<HostMessage> {
  return guard((): HostMessage => {
    const o = obj(v, 'message');
    switch (o.type) {
      case 'load': {
        const inputs = arr(o.inputs, 'inputs').map((x, i) => {
          const input = obj(x, `inputs[${i}]`);
          return { name: str(input.name, `inputs[${i}].name`), dtype: oneOf(input.dtype, `inputs[${i}].dtype`, DTYPES), shape: dims(input.shape, `inputs[${i}].shape`) };
        });
        if (inputs.length === 0) fail('inputs', 'the model has no inputs to feed');
        return {
          type: 'load',
          modelKey: str(o.modelKey, 'modelKey'),
          title: str(o.title, 'title'),
          origin: oneOf(o.origin, 'origin', ['onnx', 'source'] as const),
          modelBytes: bytes(o.modelBytes, 'modelBytes'),
          inputs,
          layout: oneOf(o.layout, 'layout', ['NCHW', 'NHWC'] as const),
          blocks: arr(o.blocks, 'blocks').map((b, i) => block(b, `blocks[${i}]`)),
          stats: nullable(o.stats, 'stats', statsTable),
          blockStats: blockStats(o.blockStats, 'blockStats'),
          convention: oneOf(o.convention, 'convention', CONVENTIONS),
          backend: oneOf(o.backend, 'backend', BACKENDS),
          input: inputSpec(o.input),
          ...(o.weights !== undefined ? { weights: weightsOrigin(o.weights, 'weights') } : {}),
          ...(o.focusBlockId !== undefined ? { focusBlockId: str(o.focusBlockId, 'focusBlockId') } : {}),
          ...(o.sizes !== undefined ? { sizes: arr(o.sizes, 'sizes').map((c, i) => sizeChoice(c, `sizes[${i}]`)) } : {}),
          ...(o.imageFit !== undefined ? { imageFit: oneOf(o.imageFit, 'imageFit', ['crop', 'stretch'] as const) } : {}),
          ...(o.seOverhead !== undefined ? { seOverhead: overhead(o.seOverhead, 'seOverhead') } : {}),
          ...(o.hostGatesComing === true ? { hostGatesComing: true } : {}),
        };
      }
      case 'hostGates':
        return {
          type: 'hostGates',
          modelKey: str(o.modelKey, 'modelKey'),
          gates: arr(o.gates, 'gates').map((g, i) => hostGateMatrix(g, `gates[${i}]`)),
          createMs: num(o.createMs, 'createMs'),
          runMs: num(o.runMs, 'runMs'),
        };
      case 'setInput':
        return { type: 'setInput', input: inputSpec(o.input) };
      case 'setBackend':
        return { type: 'setBackend', backend: oneOf(o.backend, 'backend', BACKENDS) };
      case 'stats':
        return {
          type: 'stats',
          convention: oneOf(o.convention, 'convention', CONVENTIONS),
          stats: nullable(o.stats, 'stats', statsTable),
          blockStats: blockStats(o.blockStats, 'blockStats'),
        };
      case 'error':
        return { type: 'error', message: str(o.message, 'message') };
      default:
        fail('message.type', `unknown host message type ${JSON.stringify(o.type)}`);
    }
  });
}

export function parseWebviewMessage(v: unknown): Parsed<WebviewMessage> {
  return guard((): WebviewMessage => {
    const o = obj(v, 'message');
    switch (o.type) {
      case 'ready':
        return { type: 'ready' };
      case 'ran':
        return {
          type: 'ran',
          modelKey: str(o.modelKey, 'modelKey'),
          ep: oneOf(o.ep, 'ep', ['webgpu', 'wasm'] as const),
          createMs: num(o.createMs, 'createMs'),
          runMs: num(o.runMs, 'runMs'),
          samples: int(o.samples, 'samples', 1, Number.MAX_SAFE_INTEGER),
        };
      case 'rendered':
        return {
          type: 'rendered',
          blockId: str(o.blockId, 'blockId'),
          rows: int(o.rows, 'rows', 1, Number.MAX_SAFE_INTEGER),
          cols: int(o.cols, 'cols', 1, Number.MAX_SAFE_INTEGER),
          ...(o.source !== undefined ? { source: oneOf(o.source, 'source', ['host', 'webview'] as const) } : {}),
        };
      case 'export': {
        const format = oneOf(o.format, 'format', ['png', 'csv', 'md'] as const);
        const fileName = str(o.fileName, 'fileName');
        // The host writes this name into a save dialog: a bare file name, nothing that walks folders.
        if (!/^[\w.() -]{1,200}$/.test(fileName) || fileName.startsWith('.')) fail('fileName', 'expected a plain file name');
        const data = typeof o.data === 'string' ? o.data : bytes(o.data, 'data');
        if (format === 'png' && typeof data === 'string') fail('data', 'a PNG export must be bytes');
        return { type: 'export', format, fileName, data };
      }
      case 'pickInput':
        return { type: 'pickInput', kind: oneOf(o.kind, 'kind', ['image', 'imageFolder', 'npy'] as const) };
      case 'setConvention':
        return { type: 'setConvention', convention: oneOf(o.convention, 'convention', CONVENTIONS) };
      case 'gatesCompared': {
        return { type: 'gatesCompared', modelKey: str(o.modelKey, 'modelKey'), maxAbsDiff: num(o.maxAbsDiff, 'maxAbsDiff'), matrices: int(o.matrices, 'matrices', 0, 1 << 20), agree: o.agree === true };
      }
      case 'setSizes': {
        const sizes = obj(o.sizes, 'sizes');
        const keys = Object.keys(sizes);
        if (keys.length > 32) fail('sizes', 'expected at most 32 dims');
        for (const k of keys) if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)) fail('sizes', `expected dim names, got ${JSON.stringify(k.slice(0, 40))}`);
        return { type: 'setSizes', sizes: Object.fromEntries(keys.map((k) => [k, int(sizes[k], `sizes.${k}`, 1, MAX_DIM)])) };
      }
      case 'error':
        return { type: 'error', message: str(o.message, 'message') };
      default:
        fail('message.type', `unknown webview message type ${JSON.stringify(o.type)}`);
    }
  });
}
