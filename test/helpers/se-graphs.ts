/**
 * IR builders for every SE-family variant as torch.onnx (1.13, TorchScript exporter) writes it, at opsets
 * 11/13/17/18, with static or dynamic batch, and for the near misses a detector must not report.
 * Op sequences follow ../shared/notes/onnx-se-patterns.md. Each case carries what the detector must
 * report and a plain-TypeScript computation of every gate from the weights, to compare with ORT.
 */
import type { FcKind, GateKind, Pooling, SEVariant } from '../../src/core/detect/block.js';
import type { AttrValue, Dim, Graph, Initializer, Model, Node, TensorConst } from '../../src/core/ir/graph.js';
import { SeededRandom } from '../../src/core/inputs/rng.js';

export type Opset = 11 | 13 | 17 | 18;
export const OPSETS: readonly Opset[] = [11, 13, 17, 18];

export const POSITIVE_KINDS = [
  'seed_avg', 'seed_max', 'seed_expand_as', 'linear_bias', 'timm_conv_bias', 'timm_conv_nobias', 'torchvision_hardsigmoid',
  'torchvision_sigmoid', 'relu6_gate', 'efficientnet_silu', 'eca', 'eca_view', 'cbam_conv', 'cbam_gemm', 'effective_se', 'identity_init',
] as const;
export type PositiveKind = (typeof POSITIVE_KINDS)[number];

export const NEGATIVE_KINDS = ['classifier_head', 'hardswish', 'silu', 'cbam_spatial', 'maxpool_stem', 'gate_on_other_tensor', 'local_avgpool_gate'] as const;
export type NegativeKind = (typeof NEGATIVE_KINDS)[number];

/** What the detector must report for one block. */
export interface ExpectedBlock {
  readonly id: string;
  readonly variant: SEVariant;
  readonly channels: number;
  readonly squeezeChannels: number | null;
  readonly reductionRatio: number | null;
  readonly pooling: Pooling;
  readonly fcKind: FcKind;
  readonly fcBias: boolean;
  readonly innerActivation: string | null;
  readonly gate: GateKind;
  readonly params: number;
  readonly tensors: { readonly input: string; readonly gate: string; readonly output: string };
  readonly kernelSize?: number;
  /** The gate values (N×C, channel-major per sample) for an input X of batch `n`. */
  readonly gateOf: (x: Float32Array, n: number) => Float64Array;
}

export interface GeneratedCase {
  readonly name: string;
  readonly model: Model;
  readonly blocks: readonly ExpectedBlock[];
  readonly input: string;
  /** NCHW of the graph input; `N` for a dynamic batch. */
  readonly inputShape: readonly Dim[];
  /** Batch to run with: the static batch, or any for a dynamic one. */
  readonly runBatch: number;
}

export interface CaseOptions {
  readonly opset: Opset;
  readonly dynamic: boolean;
  readonly channels?: number;
  readonly ratio?: number;
  readonly height?: number;
  readonly width?: number;
  /** Module path of the block (`layer1.0.se`); torch-1.13 style scoped node names. Ignored when `unscoped`. */
  readonly module?: string;
  /** Names as older exporters wrote them (`Conv_3`), without module scopes. */
  readonly unscoped?: boolean;
  readonly seed?: number;
}

// ---------------------------------------------------------------------------------------------------------
// Attribute and tensor helpers

export const ints = (value: number[]): AttrValue => ({ type: 'ints', value });
export const int = (value: number): AttrValue => ({ type: 'int', value });
export const float = (value: number): AttrValue => ({ type: 'float', value });
export const tensorAttr = (value: TensorConst): AttrValue => ({ type: 'tensor', value });

const HARD_SIGMOID_ALPHA = Math.fround(1 / 6);
/** Module argument for a node torch names without a scope (`Constant_7`). */
export const BARE = '\u0000bare';

/** torch 1.13 scope segments for a module path: `features.1.0.block` → `features/features.1/features.1.0/block`. */
export function scopeSegments(path: string): string[] {
  if (!path) return [];
  const segs: string[] = [];
  for (const part of path.split('.')) {
    const last = segs[segs.length - 1];
    segs.push(/^\d+$/.test(part) && last !== undefined ? `${last}.${part}` : part);
  }
  return segs;
}

/**
 * Builds one IR graph the way torch.onnx names things: nodes `/<scope>/<Op>[_k]`, outputs
 * `<node>_output_0`; or, unscoped, `<Op>_<k>` with numbered tensors.
 */
export class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers = new Map<string, Initializer>();
  /** Identity nodes of de-duplicated initializers: torch puts them at the very top. */
  private readonly top: Node[] = [];
  private readonly used = new Map<string, number>();
  private counter = 0;

  constructor(readonly opset: Opset, readonly unscoped = false) {}

  private nodeName(op: string, module: string): string {
    if (this.unscoped || module === BARE) return `${op}_${this.counter++}`;
    const base = ['', ...scopeSegments(module), op].join('/');
    const k = this.used.get(base) ?? 0;
    this.used.set(base, k + 1);
    return k === 0 ? base : `${base}_${k}`;
  }

  /** Adds a node in `module` (a module path; `''` is the root) and returns its outputs. */
  add(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, module = '', outputs = 1): string[] {
    const id = this.nodeName(op, module);
    const outs = Array.from({ length: outputs }, (_, i) => (this.unscoped ? `t${this.counter++}` : `${id}_output_${i}`));
    const scoped = !this.unscoped && module !== BARE;
    this.nodes.push({ id, op, domain: '', attrs, inputs, outputs: outs, ...(scoped ? { scope: module } : {}) });
    return outs;
  }

  one(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, module = ''): string {
    return this.add(op, inputs, attrs, module)[0]!;
  }

  /** A `Constant` node holding an int64 (or float) tensor, as torch writes shape and axis constants. */
  constant(values: number[], module = '', dtype: 'int64' | 'float32' = 'int64', shape: number[] = [values.length]): string {
    const value: TensorConst = { dtype, shape, values: dtype === 'float32' ? Float32Array.from(values) : [...values] };
    return this.one('Constant', [], { value: tensorAttr(value) }, module);
  }

  /** A float initializer with values. */
  weight(name: string, shape: number[], values: Float32Array): string {
    this.initializers.set(name, { name, dtype: 'float32', shape, values });
    return name;
  }

  /** An `Identity_N` node at the top of the graph whose output carries the parameter name (initializer de-dup). */
  identityOf(initializer: string, alias: string): string {
    this.top.push({ id: `Identity_${this.top.length}`, op: 'Identity', domain: '', attrs: {}, inputs: [initializer], outputs: [alias] });
    return alias;
  }

  unsqueeze(x: string, axes: number[], module = '', axesModule = module): string {
    if (this.opset < 13) return this.one('Unsqueeze', [x], { axes: ints(axes) }, module);
    return this.one('Unsqueeze', [x, this.constant(axes, axesModule)], {}, module);
  }

  squeeze(x: string, axes: number[], module = ''): string {
    if (this.opset < 13) return this.one('Squeeze', [x], { axes: ints(axes) }, module);
    return this.one('Squeeze', [x, this.constant(axes, module)], {}, module);
  }

  reduce(op: 'ReduceMean' | 'ReduceMax', x: string, axes: number[], keepdims: 0 | 1, module = ''): string {
    if (this.opset < 18) return this.one(op, [x], { axes: ints(axes), keepdims: int(keepdims) }, module);
    return this.one(op, [x, this.constant(axes, module)], { keepdims: int(keepdims) }, module);
  }

  reshape(x: string, shape: string, module = ''): string {
    return this.one('Reshape', [x, shape], this.opset >= 14 ? { allowzero: int(0) } : {}, module);
  }

  graph(name: string, inputs: Graph['inputs'], outputs: Graph['outputs']): Graph {
    const g: Graph = { name, nodes: [...this.top, ...this.nodes], inputs, outputs, initializers: this.initializers, values: new Map() };
    for (const v of [...inputs, ...outputs]) g.values.set(v.name, { name: v.name, dtype: v.dtype, shape: v.shape ? [...v.shape] : undefined });
    return g;
  }

  model(name: string, inputs: Graph['inputs'], outputs: Graph['outputs']): Model {
    return {
      graph: this.graph(name, inputs, outputs),
      opsets: [{ domain: '', version: this.opset }],
      irVersion: this.opset >= 18 ? 8 : this.opset >= 13 ? 7 : 6,
      producer: 'pytorch 1.13.1',
      functions: [],
      layout: 'NCHW',
    };
  }
}

/** `b, c = x.size()`: static numbers, or the dynamic-batch exporter's two Shape → Constant → Gather reads. */
type Sizes = { readonly batch: number; readonly channels: number } | { readonly batch: string; readonly channels: string };

/**
 * `view(b, c, ...)` shape tensor: a Constant with static shapes; with a dynamic batch the exporter's
 * Unsqueeze(Gather) ×2 (+ Constant [1] ...) → Concat chain, Unsqueeze axes as unscoped constants.
 */
function viewShape(b: GraphBuilder, sizes: Sizes, rest: number[], module: string): string {
  if (typeof sizes.batch === 'number') return b.constant([sizes.batch, sizes.channels as number, ...rest], module);
  const parts = [b.unsqueeze(sizes.batch, [0], module, BARE), b.unsqueeze(sizes.channels as string, [0], module, BARE), ...rest.map((r) => b.constant([r], module))];
  return b.one('Concat', parts, { axis: int(0) }, module);
}

function sizesOf(b: GraphBuilder, x: string, module: string): Sizes {
  const dim = (i: number) => b.one('Gather', [b.one('Shape', [x], {}, module), b.constant([i], module, 'int64', [])], { axis: int(0) }, module);
  return { batch: dim(0), channels: dim(1) };
}

// ---------------------------------------------------------------------------------------------------------
// Plain-TypeScript reference math (float64), channel-major per sample

export type Vec = Float64Array;

export function globalPool(x: Float32Array, n: number, c: number, hw: number, mode: 'avg' | 'max'): Vec {
  const out = new Float64Array(n * c);
  for (let i = 0; i < n * c; i++) {
    let acc = mode === 'avg' ? 0 : -Infinity;
    for (let j = 0; j < hw; j++) {
      const v = x[i * hw + j]!;
      acc = mode === 'avg' ? acc + v : Math.max(acc, v);
    }
    out[i] = mode === 'avg' ? acc / hw : acc;
  }
  return out;
}

/** y = W v + b with W stored [out, in] row-major. */
export function linear(v: Vec, n: number, w: Float32Array, b: Float32Array | undefined, inF: number, outF: number): Vec {
  const out = new Float64Array(n * outF);
  for (let s = 0; s < n; s++) {
    for (let o = 0; o < outF; o++) {
      let acc = b ? b[o]! : 0;
      for (let i = 0; i < inF; i++) acc += w[o * inF + i]! * v[s * inF + i]!;
      out[s * outF + o] = acc;
    }
  }
  return out;
}

/** Conv1d over the channel axis, one in and one out channel, zero padding (k-1)/2 each side. */
export function conv1dChannels(v: Vec, n: number, c: number, w: Float32Array): Vec {
  const k = w.length;
  const pad = (k - 1) / 2;
  const out = new Float64Array(n * c);
  for (let s = 0; s < n; s++) {
    for (let i = 0; i < c; i++) {
      let acc = 0;
      for (let j = 0; j < k; j++) {
        const src = i + j - pad;
        if (src >= 0 && src < c) acc += w[j]! * v[s * c + src]!;
      }
      out[s * c + i] = acc;
    }
  }
  return out;
}

export const map = (v: Vec, f: (x: number) => number): Vec => v.map(f);
export const add = (a: Vec, b: Vec): Vec => a.map((x, i) => x + b[i]!);
export const relu = (x: number): number => Math.max(0, x);
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
export const silu = (x: number): number => x * sigmoid(x);
export const hardSigmoid = (x: number): number => Math.max(0, Math.min(1, HARD_SIGMOID_ALPHA * x + 0.5));
export const relu6Div6 = (x: number): number => Math.min(Math.max(x + 3, 0), 6) / 6;

/** Transposes a row-major [rows, cols] matrix (torch stores Linear as [out, in]; MatMul wants [in, out]). */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const t = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c]!;
  return t;
}

function uniform(random: SeededRandom, size: number, fanIn: number): Float32Array {
  const limit = 1 / Math.sqrt(fanIn);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = random.uniform(-limit, limit);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Positive cases

interface Ctx {
  readonly b: GraphBuilder;
  readonly o: Required<Omit<CaseOptions, 'seed' | 'unscoped'>> & { unscoped: boolean };
  readonly random: SeededRandom;
  /** Module path prefix: `m('fc1')` = `layer1.0.se.fc1`. */
  readonly m: (sub?: string) => string;
  /** `x.size()`: static numbers or, dynamic, the Gather outputs holding them (made on first use). */
  readonly sizes: () => Sizes;
  readonly c: number;
  readonly s: number;
  readonly hw: number;
}

/** Builds the block body on input X; returns the block output, gate tensor and expectations. */
type Body = (ctx: Ctx, x: string) => { output: string; blocks: Omit<ExpectedBlock, 'id' | 'channels' | 'tensors'>; gate: string };

const BODIES: Record<PositiveKind, Body> = {
  seed_avg: (ctx, x) => seedBody(ctx, x, 'avg', false),
  seed_max: (ctx, x) => seedBody(ctx, x, 'max', false),
  seed_expand_as: (ctx, x) => seedBody(ctx, x, 'avg', true),
  linear_bias: (ctx, x) => {
    const { b, m, c, s, random } = ctx;
    const w1 = uniform(random, s * c, c), b1 = uniform(random, s, c), w2 = uniform(random, c * s, s), b2 = uniform(random, c, s);
    const pooled = b.one('GlobalAveragePool', [x], {}, m('avg_pool'));
    const flat = b.one('Flatten', [pooled], { axis: int(1) }, m());
    const gemm = (v: string, w: string, bias: string, sub: string) => b.one('Gemm', [v, w, bias], { alpha: float(1), beta: float(1), transB: int(1) }, m(sub));
    const h = b.one('Relu', [gemm(flat, b.weight(`${pfx(ctx)}fc1.weight`, [s, c], w1), b.weight(`${pfx(ctx)}fc1.bias`, [s], b1), 'fc1')], {}, m('act'));
    const gate = b.one('Sigmoid', [gemm(h, b.weight(`${pfx(ctx)}fc2.weight`, [c, s], w2), b.weight(`${pfx(ctx)}fc2.bias`, [c], b2), 'fc2')], {}, m('gate'));
    const g4 = b.unsqueeze(b.unsqueeze(gate, [-1], m()), [-1], m());
    const output = b.one('Mul', [x, g4], {}, m());
    return {
      output, gate,
      blocks: {
        variant: 'se', squeezeChannels: s, reductionRatio: c / s, pooling: 'avg', fcKind: 'linear', fcBias: true, innerActivation: 'relu', gate: 'sigmoid',
        params: 2 * c * s + s + c,
        gateOf: (xv, n) => map(linear(map(linear(globalPool(xv, n, c, ctx.hw, 'avg'), n, w1, b1, c, s), relu), n, w2, b2, s, c), sigmoid),
      },
    };
  },
  timm_conv_bias: (ctx, x) => convSe(ctx, x, { pool: 'reducemean', bias: true, gate: 'sigmoid', xFirst: true }),
  timm_conv_nobias: (ctx, x) => convSe(ctx, x, { pool: 'reducemean', bias: false, gate: 'sigmoid', xFirst: true }),
  torchvision_hardsigmoid: (ctx, x) => convSe(ctx, x, { pool: 'gap', bias: true, gate: 'hardsigmoid', xFirst: false }),
  torchvision_sigmoid: (ctx, x) => convSe(ctx, x, { pool: 'gap', bias: true, gate: 'sigmoid', xFirst: false }),
  relu6_gate: (ctx, x) => convSe(ctx, x, { pool: 'reducemean', bias: true, gate: 'hardsigmoid_relu6_div6', xFirst: true }),
  efficientnet_silu: (ctx, x) => convSe(ctx, x, { pool: 'gap', bias: true, gate: 'sigmoid', xFirst: false, silu: true }),
  identity_init: (ctx, x) => convSe(ctx, x, { pool: 'gap', bias: true, gate: 'hardsigmoid', xFirst: false, identity: true }),
  eca: (ctx, x) => {
    const { b, m, random } = ctx;
    const k = 3;
    const w = uniform(random, k, k);
    const pooled = b.one('GlobalAveragePool', [x], {}, m('avg_pool'));
    const sq = b.squeeze(pooled, [3], m());
    const t = b.one('Transpose', [sq], { perm: ints([0, 2, 1]) }, m());
    const conv = b.one('Conv', [t, b.weight(`${pfx(ctx)}conv.weight`, [1, 1, k], w)], { dilations: ints([1]), group: int(1), kernel_shape: ints([k]), pads: ints([1, 1]), strides: ints([1]) }, m('conv'));
    const t2 = b.one('Transpose', [conv], { perm: ints([0, 2, 1]) }, m());
    const gate = b.one('Sigmoid', [b.unsqueeze(t2, [-1], m())], {}, m('sigmoid'));
    const output = expandAsMul(ctx, x, gate);
    return {
      output, gate,
      blocks: ecaExpectation(ctx, k, w),
    };
  },
  eca_view: (ctx, x) => {
    // timm EcaModule: x.mean((2, 3)).view(B, 1, -1) → Conv1d → sigmoid → .view(B, -1, 1, 1) → x * y.expand_as(x).
    const { b, m, random } = ctx;
    const k = 3;
    const w = uniform(random, k, k);
    const batch = ctx.o.dynamic ? b.one('Gather', [b.one('Shape', [x], {}, m()), b.constant([0], m(), 'int64', [])], { axis: int(0) }, m()) : 2;
    const view = (rest: number[]) => (typeof batch === 'number'
      ? b.constant([batch, ...rest], m())
      : b.one('Concat', [b.unsqueeze(batch, [0], m(), BARE), ...rest.map((r) => b.constant([r], m()))], { axis: int(0) }, m()));
    const pooled = b.reduce('ReduceMean', x, [2, 3], 0, m());
    const y = b.reshape(pooled, view([1, -1]), m());
    const conv = b.one('Conv', [y, b.weight(`${pfx(ctx)}conv.weight`, [1, 1, k], w)], { dilations: ints([1]), group: int(1), kernel_shape: ints([k]), pads: ints([1, 1]), strides: ints([1]) }, m('conv'));
    const gate = b.one('Sigmoid', [conv], {}, m('gate'));
    const output = expandAsMul(ctx, x, b.reshape(gate, view([-1, 1, 1]), m()));
    return {
      output, gate,
      blocks: ecaExpectation(ctx, k, w),
    };
  },
  cbam_conv: (ctx, x) => {
    const { b, m, c, s, random } = ctx;
    const w1 = uniform(random, s * c, c), w2 = uniform(random, c * s, s);
    const fc1 = b.weight(`${pfx(ctx)}fc1.weight`, [s, c, 1, 1], w1);
    const fc2 = b.weight(`${pfx(ctx)}fc2.weight`, [c, s, 1, 1], w2);
    const mlp = (v: string, suffix: string) => {
      const h = b.one('Relu', [b.one('Conv', [v, fc1], conv1x1Attrs(), m(`fc1${suffix}`))], {}, m(`act${suffix}`));
      return b.one('Conv', [h, fc2], conv1x1Attrs(), m(`fc2${suffix}`));
    };
    const avg = mlp(b.reduce('ReduceMean', x, [2, 3], 1, m()), '');
    const max = mlp(b.reduce('ReduceMax', x, [2, 3], 1, m()), '_1');
    const gate = b.one('Sigmoid', [b.one('Add', [avg, max], {}, m())], {}, m('gate'));
    const output = b.one('Mul', [x, gate], {}, m());
    const branch = (xv: Float32Array, n: number, mode: 'avg' | 'max') => linear(map(linear(globalPool(xv, n, c, ctx.hw, mode), n, w1, undefined, c, s), relu), n, w2, undefined, s, c);
    return {
      output, gate,
      blocks: {
        variant: 'cbam_channel', squeezeChannels: s, reductionRatio: c / s, pooling: 'both', fcKind: 'conv1x1', fcBias: false, innerActivation: 'relu', gate: 'sigmoid',
        params: 2 * c * s,
        gateOf: (xv, n) => map(add(branch(xv, n, 'avg'), branch(xv, n, 'max')), sigmoid),
      },
    };
  },
  cbam_gemm: (ctx, x) => {
    const { b, m, c, s, random } = ctx;
    const w1 = uniform(random, s * c, c), b1 = uniform(random, s, c), w2 = uniform(random, c * s, s), b2 = uniform(random, c, s);
    const names = [b.weight(`${pfx(ctx)}mlp.1.weight`, [s, c], w1), b.weight(`${pfx(ctx)}mlp.1.bias`, [s], b1), b.weight(`${pfx(ctx)}mlp.3.weight`, [c, s], w2), b.weight(`${pfx(ctx)}mlp.3.bias`, [c], b2)];
    const gemmAttrs = { alpha: float(1), beta: float(1), transB: int(1) };
    const mlp = (pooled: string, call: string) => {
      const flat = b.one('Flatten', [pooled], { axis: int(1) }, m(`mlp.mlp.0${call}`));
      const h = b.one('Relu', [b.one('Gemm', [flat, names[0]!, names[1]!], gemmAttrs, m(`mlp.mlp.1${call}`))], {}, m(`mlp.mlp.2${call}`));
      return b.one('Gemm', [h, names[2]!, names[3]!], gemmAttrs, m(`mlp.mlp.3${call}`));
    };
    const avg = mlp(b.one('GlobalAveragePool', [x], {}, m('avg_pool')), '');
    const maxPool = b.one('MaxPool', [x], { kernel_shape: ints([ctx.o.height, ctx.o.width]), pads: ints([0, 0, 0, 0]), strides: ints([ctx.o.height, ctx.o.width]) }, m('max_pool'));
    const max = mlp(maxPool, '_1');
    const gate = b.one('Sigmoid', [b.one('Add', [avg, max], {}, m())], {}, m('gate'));
    const g4 = b.unsqueeze(b.unsqueeze(gate, [2], m()), [3], m());
    const output = expandAsMul(ctx, x, g4);
    const branch = (xv: Float32Array, n: number, mode: 'avg' | 'max') => linear(map(linear(globalPool(xv, n, c, ctx.hw, mode), n, w1, b1, c, s), relu), n, w2, b2, s, c);
    return {
      output, gate,
      blocks: {
        variant: 'cbam_channel', squeezeChannels: s, reductionRatio: c / s, pooling: 'both', fcKind: 'linear', fcBias: true, innerActivation: 'relu', gate: 'sigmoid',
        params: 2 * c * s + s + c,
        gateOf: (xv, n) => map(add(branch(xv, n, 'avg'), branch(xv, n, 'max')), sigmoid),
      },
    };
  },
  effective_se: (ctx, x) => {
    const { b, m, c, random } = ctx;
    const w = uniform(random, c * c, c), bias = uniform(random, c, c);
    const pooled = b.reduce('ReduceMean', x, [2, 3], 1, m());
    const fc = b.one('Conv', [pooled, b.weight(`${pfx(ctx)}fc.weight`, [c, c, 1, 1], w), b.weight(`${pfx(ctx)}fc.bias`, [c], bias)], conv1x1Attrs(), m('fc'));
    const gate = b.one('HardSigmoid', [fc], { alpha: float(HARD_SIGMOID_ALPHA) }, m('gate'));
    const output = b.one('Mul', [x, gate], {}, m());
    return {
      output, gate,
      blocks: {
        variant: 'effective_se', squeezeChannels: c, reductionRatio: 1, pooling: 'avg', fcKind: 'conv1x1', fcBias: true, innerActivation: null, gate: 'hardsigmoid',
        params: c * c + c,
        gateOf: (xv, n) => map(linear(globalPool(xv, n, c, ctx.hw, 'avg'), n, w, bias, c, c), hardSigmoid),
      },
    };
  },
};

/** Parameter-name prefix of the block's module (`layer1.0.se.`). */
function pfx(ctx: Ctx): string {
  return ctx.o.module ? `${ctx.o.module}.` : '';
}

function conv1x1Attrs(): Record<string, AttrValue> {
  return { dilations: ints([1, 1]), group: int(1), kernel_shape: ints([1, 1]), pads: ints([0, 0, 0, 0]), strides: ints([1, 1]) };
}

/** `x * gate.expand_as(x)`: Shape(X) → Expand → Mul(X, ·). */
function expandAsMul(ctx: Ctx, x: string, gate: string): string {
  const { b, m } = ctx;
  const shape = b.one('Shape', [x], {}, m());
  const expanded = b.one('Expand', [gate, shape], {}, m());
  return b.one('Mul', [x, expanded], {}, m());
}

/** The seed block: pool → view(b, c) → MatMul → Relu → MatMul → view(b, c, 1, 1) → Sigmoid → Mul(X, gate). */
function seedBody(ctx: Ctx, x: string, mode: 'avg' | 'max', expandAs: boolean): ReturnType<Body> {
  const { b, m, c, s, random } = ctx;
  const w1 = uniform(random, s * c, c), w2 = uniform(random, c * s, s); // torch layout [out, in]
  const sizes = ctx.sizes();
  const pooled = mode === 'avg'
    ? b.one('GlobalAveragePool', [x], {}, m('avg_pooling'))
    : b.one('MaxPool', [x], { kernel_shape: ints([ctx.o.height, ctx.o.width]), pads: ints([0, 0, 0, 0]), strides: ints([ctx.o.height, ctx.o.width]) }, m('max_pooling'));
  const flat = b.reshape(pooled, viewShape(b, sizes, [], m()), m());
  const mm1 = b.one('MatMul', [flat, b.weight(`onnx::MatMul_${b.initializers.size + 100}`, [c, s], transpose(w1, s, c))], {}, m('fc_layers.0'));
  const h = b.one('Relu', [mm1], {}, m('fc_layers.1'));
  const mm2 = b.one('MatMul', [h, b.weight(`onnx::MatMul_${b.initializers.size + 100}`, [s, c], transpose(w2, c, s))], {}, m('fc_layers.2'));
  let gate: string;
  let output: string;
  if (expandAs) {
    // senet style: the Sigmoid is inside `fc`, then `.view(b, c, 1, 1)` and `x * y.expand_as(x)`.
    gate = b.one('Sigmoid', [mm2], {}, m('fc_layers.3'));
    output = expandAsMul(ctx, x, b.reshape(gate, viewShape(b, sizes, [1, 1], m()), m()));
  } else {
    gate = b.one('Sigmoid', [b.reshape(mm2, viewShape(b, sizes, [1, 1], m()), m())], {}, m('sigmoid'));
    output = b.one('Mul', [x, gate], {}, m());
  }
  return {
    output, gate,
    blocks: {
      variant: 'se', squeezeChannels: s, reductionRatio: c / s, pooling: mode, fcKind: 'linear', fcBias: false, innerActivation: 'relu', gate: 'sigmoid',
      params: 2 * c * s,
      gateOf: (xv, n) => map(linear(map(linear(globalPool(xv, n, c, ctx.hw, mode), n, w1, undefined, c, s), relu), n, w2, undefined, s, c), sigmoid),
    },
  };
}

interface ConvSeOptions {
  readonly pool: 'gap' | 'reducemean';
  readonly bias: boolean;
  readonly gate: GateKind;
  /** `Mul(X, gate)` (timm) or `Mul(gate, X)` (torchvision `scale * input`). */
  readonly xFirst: boolean;
  /** SiLU (Sigmoid + Mul) as the inner activation, as EfficientNet exports it. */
  readonly silu?: boolean;
  /** Biases and the first weight behind `Identity` nodes (initializer de-duplication). */
  readonly identity?: boolean;
}

/** 1×1-conv SE: timm SEModule, torchvision SqueezeExcitation, relu6 gate, EfficientNet SiLU, Identity-wrapped. */
function convSe(ctx: Ctx, x: string, opt: ConvSeOptions): ReturnType<Body> {
  const { b, m, c, s, random } = ctx;
  const w1 = uniform(random, s * c, c), w2 = uniform(random, c * s, s);
  const b1 = opt.bias ? uniform(random, s, c) : undefined;
  const b2 = opt.bias ? uniform(random, c, s) : undefined;
  const p = pfx(ctx);
  const param = (name: string, shape: number[], values: Float32Array) => {
    if (!opt.identity) return b.weight(name, shape, values);
    const stored = b.weight(`onnx::Conv_${b.initializers.size + 500}`, shape, values);
    return b.identityOf(stored, name);
  };
  const pooled = opt.pool === 'gap' ? b.one('GlobalAveragePool', [x], {}, m('avgpool')) : b.reduce('ReduceMean', x, [2, 3], 1, m());
  const convInputs = (v: string, w: string, bias: string | undefined) => (bias ? [v, w, bias] : [v, w]);
  const fc1 = b.one('Conv', convInputs(pooled, param(`${p}fc1.weight`, [s, c, 1, 1], w1), b1 && param(`${p}fc1.bias`, [s], b1)), conv1x1Attrs(), m('fc1'));
  let h: string;
  if (opt.silu) {
    const sg = b.one('Sigmoid', [fc1], {}, m('activation'));
    h = b.one('Mul', [fc1, sg], {}, m('activation'));
  } else {
    h = b.one('Relu', [fc1], {}, m('activation'));
  }
  const fc2 = b.one('Conv', convInputs(h, b.weight(`${p}fc2.weight`, [c, s, 1, 1], w2), b2 && param(`${p}fc2.bias`, [c], b2)), conv1x1Attrs(), m('fc2'));
  let gate: string;
  let gateFn: (v: number) => number;
  if (opt.gate === 'sigmoid') {
    gate = b.one('Sigmoid', [fc2], {}, m('scale_activation'));
    gateFn = sigmoid;
  } else if (opt.gate === 'hardsigmoid') {
    gate = b.one('HardSigmoid', [fc2], { alpha: float(HARD_SIGMOID_ALPHA) }, m('scale_activation'));
    gateFn = hardSigmoid;
  } else {
    // F.relu6(y + 3.) / 6.: Add(Constant 3) → Relu → Clip(Constant 0, Constant 6) → Div(Constant 6).
    const g = m('gate');
    const added = b.one('Add', [fc2, b.constant([3], g, 'float32', [])], {}, g);
    const r = b.one('Relu', [added], {}, g);
    const clipped = b.one('Clip', [r, b.constant([0], g, 'float32', []), b.constant([6], g, 'float32', [])], {}, g);
    gate = b.one('Div', [clipped, b.constant([6], g, 'float32', [])], {}, g);
    gateFn = relu6Div6;
  }
  const output = b.one('Mul', opt.xFirst ? [x, gate] : [gate, x], {}, m());
  const torchvision = !opt.xFirst && opt.bias && !opt.silu;
  const variant: SEVariant = opt.silu ? 'efficientnet_se' : torchvision ? 'torchvision_se' : opt.gate !== 'sigmoid' ? 'mobilenetv3_se' : 'se_conv1x1';
  return {
    output, gate,
    blocks: {
      variant, squeezeChannels: s, reductionRatio: c / s, pooling: 'avg', fcKind: 'conv1x1', fcBias: opt.bias, innerActivation: opt.silu ? 'silu' : 'relu', gate: opt.gate,
      params: 2 * c * s + (opt.bias ? s + c : 0),
      gateOf: (xv, n) => map(linear(map(linear(globalPool(xv, n, c, ctx.hw, 'avg'), n, w1, b1, c, s), opt.silu ? silu : relu), n, w2, b2, s, c), gateFn),
    },
  };
}

function context(b: GraphBuilder, o: CaseOptions, x: string): Ctx {
  const opts = {
    opset: o.opset, dynamic: o.dynamic, channels: o.channels ?? 16, ratio: o.ratio ?? 4, height: o.height ?? 8, width: o.width ?? 8,
    module: o.unscoped ? '' : o.module ?? '', unscoped: Boolean(o.unscoped),
  };
  let sizes: Sizes | undefined;
  const module = opts.module;
  return {
    b, o: opts, random: new SeededRandom(o.seed ?? 1),
    m: (sub) => [module, sub].filter(Boolean).join('.'),
    sizes: () => (sizes ??= o.dynamic ? sizesOf(b, x, module) : { batch: 2, channels: opts.channels }),
    c: opts.channels, s: Math.floor(opts.channels / opts.ratio), hw: opts.height * opts.width,
  };
}

function inputShapeOf(o: CaseOptions, channels: number): Dim[] {
  return [o.dynamic ? 'N' : 2, channels, o.height ?? 8, o.width ?? 8];
}

/** One SE block as the whole model: X is the graph input `input`, the block output the graph output `output`. */
export function positiveCase(kind: PositiveKind, o: CaseOptions): GeneratedCase {
  const b = new GraphBuilder(o.opset, o.unscoped);
  const ctx = context(b, o, 'input');
  const body = BODIES[kind](ctx, 'input');
  const shape = inputShapeOf(o, ctx.c);
  // Rename the block output to the graph output `output`, as a standalone export names it.
  const last = b.nodes[b.nodes.length - 1]!;
  b.nodes[b.nodes.length - 1] = { ...last, outputs: ['output'] };
  const model = b.model(`se_${kind}`, [{ name: 'input', dtype: 'float32', shape }], [{ name: 'output', dtype: 'float32', shape }]);
  if (body.output !== last.outputs[0]) throw new Error(`${kind}: the block output is not the last node`);
  const id = o.unscoped ? '' : ctx.o.module;
  return {
    name: caseName(kind, o),
    model,
    input: 'input',
    inputShape: shape,
    runBatch: o.dynamic ? 3 : 2,
    blocks: [{ ...body.blocks, id, channels: ctx.c, tensors: { input: 'input', gate: body.gate, output: 'output' } }],
  };
}

export function caseName(kind: string, o: CaseOptions): string {
  return `${kind} opset${o.opset} ${o.dynamic ? 'dynamic' : 'static'}${o.unscoped ? ' unscoped' : ''}`;
}

/** Every positive variant × opset × batch mode. Opset 11 uses unscoped names, dynamic cases sit in a module scope. */
export function allPositiveCases(): GeneratedCase[] {
  const out: GeneratedCase[] = [];
  for (const kind of POSITIVE_KINDS) {
    for (const opset of OPSETS) {
      for (const dynamic of [false, true]) {
        out.push(positiveCase(kind, { opset, dynamic, unscoped: opset === 11, module: dynamic ? 'layer1.0.se' : '', seed: out.length + 1 }));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Negative cases: things that look like SE and are not

export function negativeCase(kind: NegativeKind, o: CaseOptions): GeneratedCase {
  const b = new GraphBuilder(o.opset, o.unscoped);
  const c = o.channels ?? 16;
  const random = new SeededRandom(o.seed ?? 7);
  const shape = inputShapeOf(o, c);
  const x = 'input';
  let outShape: Dim[] = shape;
  switch (kind) {
    case 'classifier_head': {
      // GAP → Flatten → Gemm (torchvision heads): the pooled tensor never returns to X.
      const classes = 10;
      const pooled = b.one('GlobalAveragePool', [x], {}, 'avgpool');
      const flat = b.one('Flatten', [pooled], { axis: int(1) });
      const logits = b.one('Gemm', [flat, b.weight('fc.weight', [classes, c], uniform(random, classes * c, c)), b.weight('fc.bias', [classes], uniform(random, classes, c))], { alpha: float(1), beta: float(1), transB: int(1) }, 'fc');
      b.one('Sigmoid', [logits], {}, 'head_act');
      outShape = [shape[0]!, classes];
      break;
    }
    case 'hardswish': {
      const hs = b.one('HardSigmoid', [x], { alpha: float(HARD_SIGMOID_ALPHA) }, 'act');
      b.one('Mul', [x, hs], {}, 'act');
      break;
    }
    case 'silu': {
      const sg = b.one('Sigmoid', [x], {}, 'act');
      b.one('Mul', [x, sg], {}, 'act');
      break;
    }
    case 'cbam_spatial': {
      // Pooling over channels, gate [N,1,H,W] broadcast over channels.
      const avg = b.reduce('ReduceMean', x, [1], 1, 'spatial');
      const max = b.reduce('ReduceMax', x, [1], 1, 'spatial');
      const cat = b.one('Concat', [avg, max], { axis: int(1) }, 'spatial');
      const conv = b.one('Conv', [cat, b.weight('spatial.conv.weight', [1, 2, 7, 7], uniform(random, 98, 98))], { kernel_shape: ints([7, 7]), pads: ints([3, 3, 3, 3]), strides: ints([1, 1]) }, 'spatial.conv');
      const gate = b.one('Sigmoid', [conv], {}, 'spatial.gate');
      b.one('Mul', [x, gate], {}, 'spatial');
      break;
    }
    case 'maxpool_stem': {
      // Conv → Relu → MaxPool 3×3 stride 2, then a Sigmoid-gated Mul of a *local* pool: not global.
      const conv = b.one('Conv', [x, b.weight('conv1.weight', [c, c, 3, 3], uniform(random, c * c * 9, c * 9))], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]) }, 'conv1');
      const r = b.one('Relu', [conv], {}, 'relu');
      const pool = b.one('MaxPool', [r], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]) }, 'maxpool');
      const gate = b.one('Sigmoid', [pool], {}, 'gate');
      b.one('Mul', [r, gate], {});
      break;
    }
    case 'gate_on_other_tensor': {
      // A full excitation of pool(X), but the gate scales Relu(X), not the pooled tensor X.
      const y = b.one('Relu', [x], {}, 'pre');
      const pooled = b.one('GlobalAveragePool', [x], {}, 'se.avgpool');
      const s = Math.max(1, Math.floor(c / 4));
      const h = b.one('Relu', [b.one('Conv', [pooled, b.weight('se.fc1.weight', [s, c, 1, 1], uniform(random, s * c, c))], conv1x1Attrs(), 'se.fc1')], {}, 'se.act');
      const gate = b.one('Sigmoid', [b.one('Conv', [h, b.weight('se.fc2.weight', [c, s, 1, 1], uniform(random, c * s, s))], conv1x1Attrs(), 'se.fc2')], {}, 'se.gate');
      b.one('Mul', [y, gate], {}, 'se');
      break;
    }
    case 'local_avgpool_gate': {
      // A 3×3 average pool (not global) through 1×1 convs to a sigmoid gate on X: a local attention map.
      const pooled = b.one('AveragePool', [x], { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), strides: ints([1, 1]) }, 'att.pool');
      const s = Math.max(1, Math.floor(c / 4));
      const h = b.one('Relu', [b.one('Conv', [pooled, b.weight('att.fc1.weight', [s, c, 1, 1], uniform(random, s * c, c))], conv1x1Attrs(), 'att.fc1')], {}, 'att.act');
      const gate = b.one('Sigmoid', [b.one('Conv', [h, b.weight('att.fc2.weight', [c, s, 1, 1], uniform(random, c * s, s))], conv1x1Attrs(), 'att.fc2')], {}, 'att.gate');
      b.one('Mul', [x, gate], {}, 'att');
      break;
    }
  }
  const last = b.nodes[b.nodes.length - 1]!;
  b.nodes[b.nodes.length - 1] = { ...last, outputs: ['output'] };
  return {
    name: caseName(kind, o),
    model: b.model(`neg_${kind}`, [{ name: x, dtype: 'float32', shape }], [{ name: 'output', dtype: 'float32', shape: outShape }]),
    input: x,
    inputShape: shape,
    runBatch: o.dynamic ? 3 : 2,
    blocks: [],
  };
}

export function allNegativeCases(): GeneratedCase[] {
  const out: GeneratedCase[] = [];
  for (const kind of NEGATIVE_KINDS) for (const opset of OPSETS) for (const dynamic of [false, true]) out.push(negativeCase(kind, { opset, dynamic, unscoped: opset === 11 }));
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Whole networks

export interface NetworkOptions {
  readonly opset?: Opset;
  /** Channels of each MBConv block's input; each block gets an SE. */
  readonly stages: readonly { readonly channels: number; readonly repeats: number; readonly expand: number; readonly stride: number }[];
  readonly stemChannels: number;
  readonly inputSize: number;
  readonly dynamic?: boolean;
  /**
   * Weight values: `'random'` draws them (small models you run); `'pattern'` fills a cheap deterministic
   * pattern (the benchmark's 250 MB model, which is never run).
   */
  readonly weights?: 'random' | 'pattern';
  readonly seed?: number;
  /** Route each SE bias through an `Identity` node at the top of the graph, as torch's initializer de-dup does. */
  readonly identityBiases?: boolean;
}

/**
 * An EfficientNet-like network as torchvision exports it: stem Conv+SiLU, then MBConv blocks
 * (expand 1×1 Conv → SiLU → depthwise 3×3 Conv → SiLU → SE(GAP, Conv, SiLU, Conv, Sigmoid, Mul(gate, X)) →
 * project 1×1 Conv [→ Add residual]), head 1×1 Conv → SiLU → GAP → Flatten → Gemm. BN folded into the
 * convs' biases. One SE per MBConv block.
 */
export function efficientNetLike(opts: NetworkOptions): GeneratedCase {
  const opset = opts.opset ?? 13;
  const b = new GraphBuilder(opset);
  const random = new SeededRandom(opts.seed ?? 3);
  const fill = (size: number, fanIn: number): Float32Array => {
    if (opts.weights !== 'pattern') return uniform(random, size, fanIn);
    const out = new Float32Array(size);
    const scale = 1 / Math.sqrt(fanIn);
    for (let i = 0; i < size; i++) out[i] = (((i * 2654435761) >>> 0) / 4294967296 - 0.5) * scale;
    return out;
  };
  const convAttrs = (k: number, stride: number, group: number) => ({
    dilations: ints([1, 1]), group: int(group), kernel_shape: ints([k, k]), pads: ints([(k - 1) / 2, (k - 1) / 2, (k - 1) / 2, (k - 1) / 2]), strides: ints([stride, stride]),
  });
  const conv = (v: string, inC: number, outC: number, k: number, stride: number, group: number, module: string, identityBias = false) => {
    const bias = b.weight(identityBias ? `onnx::Conv_${b.initializers.size}` : `${module}.bias`, [outC], fill(outC, inC));
    const weight = b.weight(`${module}.weight`, [outC, inC / group, k, k], fill((outC * inC * k * k) / group, (inC / group) * k * k));
    return b.one('Conv', [v, weight, identityBias ? b.identityOf(bias, `${module}.bias`) : bias], convAttrs(k, stride, group), module);
  };
  const siluAt = (v: string, module: string) => b.one('Mul', [v, b.one('Sigmoid', [v], {}, module)], {}, module);

  const size0 = opts.inputSize;
  const shape: Dim[] = [opts.dynamic ? 'N' : 1, 3, size0, size0];
  let t = siluAt(conv('input', 3, opts.stemChannels, 3, 2, 1, 'features.0.0'), 'features.0.2');
  let ch = opts.stemChannels;
  let hw = Math.ceil(size0 / 2);
  const blocks: ExpectedBlock[] = [];
  let index = 1;
  for (const stage of opts.stages) {
    for (let r = 0; r < stage.repeats; r++) {
      const prefix = `features.${index}.0.block`;
      const stride = r === 0 ? stage.stride : 1;
      const inC = ch;
      const mid = inC * stage.expand;
      const outC = stage.channels;
      const sq = Math.max(1, Math.floor(inC / 4));
      let h = t;
      if (stage.expand !== 1) h = siluAt(conv(h, inC, mid, 1, 1, 1, `${prefix}.0.0`), `${prefix}.0.2`);
      h = siluAt(conv(h, mid, mid, 3, stride, mid, `${prefix}.1.0`), `${prefix}.1.2`);
      hw = Math.ceil(hw / stride);
      // SE
      const se = `${prefix}.2`;
      const pooled = b.one('GlobalAveragePool', [h], {}, `${se}.avgpool`);
      const f1 = conv(pooled, mid, sq, 1, 1, 1, `${se}.fc1`, opts.identityBiases);
      const a = siluAt(f1, `${se}.activation`);
      const f2 = conv(a, sq, mid, 1, 1, 1, `${se}.fc2`, opts.identityBiases);
      const gate = b.one('Sigmoid', [f2], {}, `${se}.scale_activation`);
      const scaled = b.one('Mul', [gate, h], {}, se);
      blocks.push({
        id: se, variant: 'efficientnet_se', channels: mid, squeezeChannels: sq, reductionRatio: mid / sq, pooling: 'avg', fcKind: 'conv1x1', fcBias: true,
        innerActivation: 'silu', gate: 'sigmoid', params: 2 * mid * sq + sq + mid, tensors: { input: h, gate, output: scaled },
        gateOf: () => { throw new Error('network gates are compared through ORT only'); },
      });
      let out = conv(scaled, mid, outC, 1, 1, 1, `${prefix}.3.0`);
      if (stride === 1 && inC === outC) out = b.one('Add', [out, t], {}, `features.${index}.0`);
      t = out;
      ch = outC;
      index++;
    }
  }
  const head = siluAt(conv(t, ch, ch * 4, 1, 1, 1, `features.${index}.0`), `features.${index}.2`);
  const pooled = b.one('GlobalAveragePool', [head], {}, 'avgpool');
  const flat = b.one('Flatten', [pooled], { axis: int(1) });
  const logits = b.one('Gemm', [flat, b.weight('classifier.1.weight', [1000, ch * 4], fill(1000 * ch * 4, ch * 4)), b.weight('classifier.1.bias', [1000], fill(1000, ch * 4))], { alpha: float(1), beta: float(1), transB: int(1) }, 'classifier.1');
  const last = b.nodes[b.nodes.length - 1]!;
  b.nodes[b.nodes.length - 1] = { ...last, outputs: ['output'] };
  void logits;
  return {
    name: `efficientnet_like_${blocks.length}`,
    model: b.model('efficientnet_like', [{ name: 'input', dtype: 'float32', shape }], [{ name: 'output', dtype: 'float32', shape: [shape[0]!, 1000] }]),
    input: 'input',
    inputShape: shape,
    runBatch: opts.dynamic ? 2 : 1,
    blocks,
  };
}

/** EfficientNet-B7's stage plan (widths, repeats, expansion, stride): 55 MBConv blocks, ~66 M parameters. */
export const B7_STAGES = [
  { channels: 32, repeats: 4, expand: 1, stride: 1 },
  { channels: 48, repeats: 7, expand: 6, stride: 2 },
  { channels: 80, repeats: 7, expand: 6, stride: 2 },
  { channels: 160, repeats: 10, expand: 6, stride: 2 },
  { channels: 224, repeats: 10, expand: 6, stride: 1 },
  { channels: 384, repeats: 13, expand: 6, stride: 2 },
  { channels: 640, repeats: 4, expand: 6, stride: 1 },
] as const;

/** What ECA (one channel Conv1d of kernel `k`, weights `w`, sigmoid gate) must be reported as, in both export forms. */
function ecaExpectation(ctx: Ctx, k: number, w: Float32Array): Omit<ExpectedBlock, 'id' | 'channels' | 'tensors'> {
  const c = ctx.c;
  return {
    variant: 'eca', squeezeChannels: null, reductionRatio: null, pooling: 'avg', fcKind: 'conv1d', fcBias: false, innerActivation: null, gate: 'sigmoid',
    params: k, kernelSize: k,
    gateOf: (xv, n) => map(conv1dChannels(globalPool(xv, n, c, ctx.hw, 'avg'), n, c, w), sigmoid),
  };
}
