import type { AttrValue, Dim, Shape, SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { flatten, normAxis, windowOut } from '../shape-math.js';
import { intOf, intsOf, num, type LayerSpec, type ModuleObj, type PyValue } from './values.js';

/** PyTorch constructor signatures: positional order and defaults, as in `torch.nn`. */
const SIGNATURES: Record<string, readonly string[]> = {
  Linear: ['in_features', 'out_features', 'bias'],
  Conv1d: ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'],
  Conv2d: ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'],
  BatchNorm1d: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats'],
  BatchNorm2d: ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats'],
  ReLU: ['inplace'],
  ReLU6: ['inplace'],
  LeakyReLU: ['negative_slope', 'inplace'],
  PReLU: ['num_parameters', 'init'],
  SiLU: ['inplace'],
  GELU: ['approximate'],
  Hardswish: ['inplace'],
  Sigmoid: [],
  Hardsigmoid: ['inplace'],
  Tanh: [],
  Identity: [],
  Dropout: ['p', 'inplace'],
  Flatten: ['start_dim', 'end_dim'],
  Softmax: ['dim'],
  AdaptiveAvgPool2d: ['output_size'],
  AdaptiveMaxPool2d: ['output_size', 'return_indices'],
  AvgPool2d: ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'],
  MaxPool2d: ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'],
};

export function isKnownLayer(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(SIGNATURES, name);
}

/** Binds positional and keyword arguments to parameter names; extra arguments are an error. */
function bind(kind: string, args: readonly PyValue[], kwargs: ReadonlyMap<string, PyValue>): Map<string, PyValue> | string {
  const names = SIGNATURES[kind]!;
  const out = new Map<string, PyValue>();
  // Identity and Flatten-like layers accept and ignore any arguments in PyTorch (`Identity(*args)`).
  if (kind === 'Identity') return out;
  if (args.length > names.length) return `${kind} takes at most ${names.length} positional arguments`;
  args.forEach((a, i) => out.set(names[i]!, a));
  for (const [k, v] of kwargs) {
    if (!names.includes(k)) return `${kind} has no argument '${k}'`;
    out.set(k, v);
  }
  return out;
}

function need(a: Map<string, PyValue>, name: string, kind: string): number {
  const v = intOf(a.get(name));
  if (v === undefined) throw new LayerError(`${kind}: ${name} is not a known integer`);
  return v;
}

function flag(a: Map<string, PyValue>, name: string, fallback: boolean): boolean {
  const v = a.get(name);
  if (!v) return fallback;
  if (v.k === 'bool') return v.v;
  if (v.k === 'int') return v.v !== 0;
  if (v.k === 'none') return false;
  throw new LayerError(`${name} is not a known boolean`);
}

function tuple(a: Map<string, PyValue>, name: string, rank: number, fallback: number[] | undefined, kind: string): number[] {
  const v = a.get(name);
  if (!v || v.k === 'none') {
    if (fallback) return fallback;
    throw new LayerError(`${kind}: ${name} is missing`);
  }
  const ints = intsOf(v);
  if (!ints) throw new LayerError(`${kind}: ${name} is not a known integer`);
  if (ints.length === 1) return Array(rank).fill(ints[0]) as number[];
  if (ints.length !== rank) throw new LayerError(`${kind}: ${name} needs ${rank} values`);
  return ints;
}

export class LayerError extends Error {}

/** Builds what PyTorch's constructor would: parameter count and the config the counters read. */
export function constructLayer(kind: string, args: readonly PyValue[], kwargs: ReadonlyMap<string, PyValue>): LayerSpec {
  const bound = bind(kind, args, kwargs);
  if (typeof bound === 'string') throw new LayerError(bound);
  const a = bound;
  switch (kind) {
    case 'Linear': {
      const inF = need(a, 'in_features', kind);
      const outF = need(a, 'out_features', kind);
      const bias = flag(a, 'bias', true);
      return { kind, params: inF * outF + (bias ? outF : 0), config: { in_features: inF, out_features: outF, bias } };
    }
    case 'Conv1d':
    case 'Conv2d': {
      const rank = kind === 'Conv1d' ? 1 : 2;
      const inC = need(a, 'in_channels', kind);
      const outC = need(a, 'out_channels', kind);
      const kernel = tuple(a, 'kernel_size', rank, undefined, kind);
      const stride = tuple(a, 'stride', rank, Array(rank).fill(1) as number[], kind);
      const dilation = tuple(a, 'dilation', rank, Array(rank).fill(1) as number[], kind);
      const groups = intOf(a.get('groups')) ?? (a.has('groups') ? NaN : 1);
      if (!Number.isInteger(groups) || groups < 1) throw new LayerError(`${kind}: groups is not a known integer`);
      if (inC % groups !== 0 || outC % groups !== 0) throw new LayerError(`${kind}: channels are not divisible by groups=${groups}`);
      const bias = flag(a, 'bias', true);
      const padArg = a.get('padding');
      let padding: number[] | string;
      if (padArg?.k === 'str') {
        if (padArg.v !== 'same' && padArg.v !== 'valid') throw new LayerError(`${kind}: padding '${padArg.v}'`);
        padding = padArg.v;
      } else padding = tuple(a, 'padding', rank, Array(rank).fill(0) as number[], kind);
      const mode = a.get('padding_mode');
      if (mode && !(mode.k === 'str' && mode.v === 'zeros')) throw new LayerError(`${kind}: only padding_mode='zeros' is interpreted`);
      const kernelElems = kernel.reduce((x, y) => x * y, 1);
      const params = outC * (inC / groups) * kernelElems + (bias ? outC : 0);
      return {
        kind,
        params,
        config: { in_channels: inC, out_channels: outC, kernel_size: kernel, stride, padding, dilation, groups, bias },
      };
    }
    case 'BatchNorm1d':
    case 'BatchNorm2d': {
      const c = need(a, 'num_features', kind);
      const affine = flag(a, 'affine', true);
      const eps = num(a.get('eps')) ?? 1e-5;
      return { kind, params: affine ? 2 * c : 0, config: { num_features: c, affine, eps } };
    }
    case 'PReLU': {
      const n = intOf(a.get('num_parameters')) ?? (a.has('num_parameters') ? NaN : 1);
      if (!Number.isInteger(n)) throw new LayerError('PReLU: num_parameters is not a known integer');
      return { kind, params: n, config: { num_parameters: n } };
    }
    case 'LeakyReLU':
      return { kind, params: 0, config: { negative_slope: num(a.get('negative_slope')) ?? 0.01 } };
    case 'Flatten':
      return { kind, params: 0, config: { start_dim: intOf(a.get('start_dim')) ?? 1, end_dim: intOf(a.get('end_dim')) ?? -1 } };
    case 'Softmax': {
      const dim = intOf(a.get('dim'));
      if (dim === undefined) throw new LayerError('Softmax: dim is not a known integer');
      return { kind, params: 0, config: { dim } };
    }
    case 'GELU': {
      const approx = a.get('approximate');
      return { kind, params: 0, config: { approximate: approx?.k === 'str' ? approx.v : 'none' } };
    }
    case 'AdaptiveAvgPool2d':
    case 'AdaptiveMaxPool2d': {
      const out = tuple(a, 'output_size', 2, undefined, kind);
      if (flag(a, 'return_indices', false)) throw new LayerError(`${kind}: return_indices is not interpreted`);
      return { kind, params: 0, config: { output_size: out } };
    }
    case 'AvgPool2d':
    case 'MaxPool2d': {
      const kernel = tuple(a, 'kernel_size', 2, undefined, kind);
      const strideArg = a.get('stride');
      const stride = !strideArg || strideArg.k === 'none' ? kernel : tuple(a, 'stride', 2, undefined, kind);
      const padding = tuple(a, 'padding', 2, [0, 0], kind);
      const dilation = kind === 'MaxPool2d' ? tuple(a, 'dilation', 2, [1, 1], kind) : [1, 1];
      if (flag(a, 'return_indices', false)) throw new LayerError(`${kind}: return_indices is not interpreted`);
      const ceil = flag(a, 'ceil_mode', false);
      const countIncludePad = kind === 'AvgPool2d' ? flag(a, 'count_include_pad', true) : false;
      return { kind, params: 0, config: { kernel_size: kernel, stride, padding, dilation, ceil_mode: ceil, count_include_pad: countIncludePad } };
    }
    default:
      return { kind, params: 0, config: {} };
  }
}

const ints = (value: number[]): AttrValue => ({ type: 'ints', value });
const int = (value: number): AttrValue => ({ type: 'int', value });
const float = (value: number): AttrValue => ({ type: 'float', value });

/** Weight initializers of a module, created once so every call of the module uses the same tensors. */
function weightOf(b: GraphBuilder, obj: ModuleObj, name: string, shape: number[]): string {
  obj.weights ??= new Map();
  let w = obj.weights.get(name);
  if (!w) {
    w = b.weight(name, shape);
    obj.weights.set(name, w);
  }
  return w;
}

function channelsOf(shape: Shape): Dim | undefined {
  return shape && shape.length >= 2 ? shape[1] : undefined;
}

function checkChannels(b: GraphBuilder, kind: string, shape: Shape, expected: number, range: SourceRange): void {
  const c = channelsOf(shape);
  if (typeof c === 'number' && c !== expected) b.note(`${kind} expects ${expected} input channels but gets ${c}`, range);
}

/** Emits the nodes of one call of a PyTorch layer. The first node reads `x`, the last one writes the result. */
export function emitLayer(b: GraphBuilder, obj: ModuleObj, x: TensorRef, range: SourceRange): TensorRef {
  const spec = obj.layer!;
  const c = spec.config;
  const s = x.shape;
  const node = (op: string, inputs: string[], outputShape: Shape, attrs?: Record<string, AttrValue>) =>
    b.one({ op, inputs, outputShape, range, ...(attrs ? { attrs } : {}) });
  switch (spec.kind) {
    case 'Linear': {
      const inF = c.in_features as number;
      const outF = c.out_features as number;
      const last = s ? s[s.length - 1] : undefined;
      if (typeof last === 'number' && last !== inF) b.note(`Linear expects ${inF} input features but gets ${last}`, range);
      const outShape = s ? [...s.slice(0, -1), outF] : undefined;
      if (s && s.length === 2) {
        const inputs = [x.name, weightOf(b, obj, 'weight', [outF, inF])];
        if (c.bias) inputs.push(weightOf(b, obj, 'bias', [outF]));
        return node('Gemm', inputs, outShape, { transB: int(1) });
      }
      const y = node('MatMul', [x.name, weightOf(b, obj, 'weight', [inF, outF])], outShape);
      return c.bias ? node('Add', [y.name, weightOf(b, obj, 'bias', [outF])], outShape) : y;
    }
    case 'Conv1d':
    case 'Conv2d': {
      const rank = spec.kind === 'Conv1d' ? 1 : 2;
      const kernel = c.kernel_size as number[];
      const stride = c.stride as number[];
      const dilation = c.dilation as number[];
      const groups = c.groups as number;
      const inC = c.in_channels as number;
      const outC = c.out_channels as number;
      checkChannels(b, spec.kind, s, inC, range);
      let pads: number[];
      if (c.padding === 'same') {
        const total = kernel.map((k, i) => dilation[i]! * (k - 1));
        pads = [...total.map((t) => Math.floor(t / 2)), ...total.map((t) => t - Math.floor(t / 2))];
      } else if (c.padding === 'valid') pads = Array(2 * rank).fill(0) as number[];
      else pads = [...(c.padding as number[]), ...(c.padding as number[])];
      let outShape: Shape;
      if (s && s.length === rank + 2) {
        outShape = [s[0]!, outC, ...kernel.map((k, i) => windowOut(s[2 + i]!, k, stride[i]!, pads[i]!, pads[rank + i]!, dilation[i]!))];
      }
      const inputs = [x.name, weightOf(b, obj, 'weight', [outC, inC / groups, ...kernel])];
      if (c.bias) inputs.push(weightOf(b, obj, 'bias', [outC]));
      return node('Conv', inputs, outShape, {
        kernel_shape: ints(kernel),
        strides: ints(stride),
        pads: ints(pads),
        dilations: ints(dilation),
        group: int(groups),
      });
    }
    case 'BatchNorm1d':
    case 'BatchNorm2d': {
      const n = c.num_features as number;
      checkChannels(b, spec.kind, s, n, range);
      const inputs = [x.name, weightOf(b, obj, 'weight', [n]), weightOf(b, obj, 'bias', [n]), weightOf(b, obj, 'running_mean', [n]), weightOf(b, obj, 'running_var', [n])];
      return node('BatchNormalization', inputs, s, { epsilon: float(c.eps as number) });
    }
    case 'ReLU':
      return node('Relu', [x.name], s);
    case 'ReLU6':
      return node('Clip', [x.name, b.scalar(0), b.scalar(6)], s);
    case 'LeakyReLU':
      return node('LeakyRelu', [x.name], s, { alpha: float(c.negative_slope as number) });
    case 'PReLU': {
      const n = c.num_parameters as number;
      const slopeShape = n > 1 && s && s.length > 2 ? [n, ...Array(s.length - 2).fill(1)] : [n];
      return node('PRelu', [x.name, weightOf(b, obj, 'weight', slopeShape as number[])], s);
    }
    case 'SiLU': {
      const g = node('Sigmoid', [x.name], s);
      return node('Mul', [x.name, g.name], s);
    }
    case 'GELU': {
      // Opset 17 has no Gelu: the exact erf form, as torch.onnx exports it.
      const d = node('Div', [x.name, b.scalar(Math.SQRT2)], s);
      const e = node('Erf', [d.name], s);
      const p = node('Add', [e.name, b.scalar(1)], s);
      const m = node('Mul', [x.name, p.name], s);
      return node('Mul', [m.name, b.scalar(0.5)], s);
    }
    case 'Hardswish':
      return node('HardSwish', [x.name], s);
    case 'Sigmoid':
      return node('Sigmoid', [x.name], s);
    case 'Hardsigmoid':
      return node('HardSigmoid', [x.name], s, { alpha: float(1 / 6), beta: float(0.5) });
    case 'Tanh':
      return node('Tanh', [x.name], s);
    case 'Identity':
    case 'Dropout':
      return node('Identity', [x.name], s);
    case 'Softmax':
      return node('Softmax', [x.name], s, { axis: int(c.dim as number) });
    case 'Flatten': {
      const start = c.start_dim as number;
      const end = c.end_dim as number;
      const out = flatten(s, start, end);
      if (end === -1 && s && normAxis(start, s.length) !== undefined) return node('Flatten', [x.name], out, { axis: int(normAxis(start, s.length)!) });
      if (!out || out.some((d) => typeof d !== 'number')) return b.unknown(`Flatten(${start}, ${end}) of ${s ? 'a symbolic' : 'an unknown'} shape`, range, [x]);
      return node('Reshape', [x.name, b.int64('shape', out as number[])], out);
    }
    case 'AdaptiveAvgPool2d':
    case 'AdaptiveMaxPool2d': {
      const [oh, ow] = c.output_size as number[];
      const global = spec.kind === 'AdaptiveAvgPool2d' ? 'GlobalAveragePool' : 'GlobalMaxPool';
      if (oh === 1 && ow === 1) return node(global, [x.name], s && s.length === 4 ? [s[0]!, s[1]!, 1, 1] : undefined);
      const h = s?.[2];
      const w = s?.[3];
      if (typeof h === 'number' && typeof w === 'number' && h % oh! === 0 && w % ow! === 0) {
        const k = [h / oh!, w / ow!];
        return node(spec.kind === 'AdaptiveAvgPool2d' ? 'AveragePool' : 'MaxPool', [x.name], [s![0]!, s![1]!, oh!, ow!], { kernel_shape: ints(k), strides: ints(k) });
      }
      return b.unknown(`${spec.kind}(${oh}, ${ow}) on input ${s ? `[${s.join(', ')}]` : 'of unknown shape'}`, range, [x]);
    }
    case 'AvgPool2d':
    case 'MaxPool2d': {
      const k = c.kernel_size as number[];
      const st = c.stride as number[];
      const p = c.padding as number[];
      const dil = c.dilation as number[];
      const ceil = c.ceil_mode as boolean;
      const outShape: Shape = s && s.length === 4
        ? [s[0]!, s[1]!, windowOut(s[2]!, k[0]!, st[0]!, p[0]!, p[0]!, dil[0], ceil), windowOut(s[3]!, k[1]!, st[1]!, p[1]!, p[1]!, dil[1], ceil)]
        : undefined;
      const attrs: Record<string, AttrValue> = { kernel_shape: ints(k), strides: ints(st), pads: ints([...p, ...p]), ceil_mode: int(ceil ? 1 : 0) };
      if (spec.kind === 'MaxPool2d') attrs.dilations = ints(dil);
      else attrs.count_include_pad = int(c.count_include_pad ? 1 : 0);
      return node(spec.kind === 'AvgPool2d' ? 'AveragePool' : 'MaxPool', [x.name], outShape, attrs);
    }
    default:
      return b.unknown(`${spec.kind} is not interpreted`, range, [x]);
  }
}
