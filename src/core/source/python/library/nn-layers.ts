import type { AttrValue, Dim, Shape, SourceRange } from '../../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../../graph-builder.js';
import { flatten, normAxis, windowOut } from '../../shape-math.js';
import { intOf, intsOf, num, type LayerSpec, type ModuleObj, type PyValue } from '../values.js';

/** PyTorch constructor signatures: positional order and defaults, as in `torch.nn`. */
const CONV = ['in_channels', 'out_channels', 'kernel_size', 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode'];
const BATCH_NORM = ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats'];
const INSTANCE_NORM = ['num_features', 'eps', 'momentum', 'affine', 'track_running_stats'];
const AVG_POOL = ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override'];
const MAX_POOL = ['kernel_size', 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode'];

/** PyTorch constructor signatures: positional order, as in `torch.nn`. */
const SIGNATURES: Record<string, readonly string[]> = {
  Linear: ['in_features', 'out_features', 'bias'],
  Conv1d: CONV,
  Conv2d: CONV,
  Conv3d: CONV,
  BatchNorm1d: BATCH_NORM,
  BatchNorm2d: BATCH_NORM,
  BatchNorm3d: BATCH_NORM,
  InstanceNorm1d: INSTANCE_NORM,
  InstanceNorm2d: INSTANCE_NORM,
  InstanceNorm3d: INSTANCE_NORM,
  GroupNorm: ['num_groups', 'num_channels', 'eps', 'affine'],
  LayerNorm: ['normalized_shape', 'eps', 'elementwise_affine', 'bias'],
  ReLU: ['inplace'],
  ReLU6: ['inplace'],
  LeakyReLU: ['negative_slope', 'inplace'],
  PReLU: ['num_parameters', 'init'],
  ELU: ['alpha', 'inplace'],
  SELU: ['inplace'],
  CELU: ['alpha', 'inplace'],
  SiLU: ['inplace'],
  Mish: ['inplace'],
  GELU: ['approximate'],
  Hardswish: ['inplace'],
  Sigmoid: [],
  Hardsigmoid: ['inplace'],
  Hardtanh: ['min_val', 'max_val', 'inplace'],
  Softplus: ['beta', 'threshold'],
  Tanh: [],
  Identity: [],
  Dropout: ['p', 'inplace'],
  Dropout1d: ['p', 'inplace'],
  Dropout2d: ['p', 'inplace'],
  Dropout3d: ['p', 'inplace'],
  AlphaDropout: ['p', 'inplace'],
  Flatten: ['start_dim', 'end_dim'],
  Softmax: ['dim'],
  AdaptiveAvgPool1d: ['output_size'],
  AdaptiveAvgPool2d: ['output_size'],
  AdaptiveAvgPool3d: ['output_size'],
  AdaptiveMaxPool1d: ['output_size', 'return_indices'],
  AdaptiveMaxPool2d: ['output_size', 'return_indices'],
  AdaptiveMaxPool3d: ['output_size', 'return_indices'],
  AvgPool1d: AVG_POOL,
  AvgPool2d: AVG_POOL,
  AvgPool3d: AVG_POOL,
  MaxPool1d: MAX_POOL,
  MaxPool2d: MAX_POOL,
  MaxPool3d: MAX_POOL,
  ZeroPad1d: ['padding'],
  ZeroPad2d: ['padding'],
  ZeroPad3d: ['padding'],
  ConstantPad1d: ['padding', 'value'],
  ConstantPad2d: ['padding', 'value'],
  ConstantPad3d: ['padding', 'value'],
  ReflectionPad1d: ['padding'],
  ReflectionPad2d: ['padding'],
  ReflectionPad3d: ['padding'],
  ReplicationPad1d: ['padding'],
  ReplicationPad2d: ['padding'],
  ReplicationPad3d: ['padding'],
};

/** Layers whose constructors take the factory keywords `device` and `dtype` (the ones that own tensors). */
const FACTORY_KWARGS = new Set([
  'Linear', 'Conv1d', 'Conv2d', 'Conv3d', 'BatchNorm1d', 'BatchNorm2d', 'BatchNorm3d', 'InstanceNorm1d', 'InstanceNorm2d',
  'InstanceNorm3d', 'GroupNorm', 'LayerNorm', 'PReLU',
]);

/** The twelve padding layers (Zero/Constant/Reflection/Replication × 1d/2d/3d) share one rule, read from the name. */
const PADDING = '(padding layer)';
const PADDING_LAYER = /^(Zero|Constant|Reflection|Replication)Pad[123]d$/;

/** The case a layer takes in the rules below: its own name, or the family whose members share a rule. */
function familyOf(kind: string): string {
  return PADDING_LAYER.test(kind) ? PADDING : kind;
}

/** Spatial rank of a layer family member: `Conv3d` → 3, `BatchNorm1d` → 1 (0 when the name has none). */
export function rankOf(kind: string): number {
  const m = /([123])d$/.exec(kind);
  return m ? Number(m[1]) : 0;
}

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
    // `**dd` with device and dtype: where the tensors live, not what they count.
    if ((k === 'device' || k === 'dtype') && FACTORY_KWARGS.has(kind)) continue;
    if (!names.includes(k)) return `${kind} has no argument '${k}'`;
    out.set(k, v);
  }
  return out;
}

function need(a: Map<string, PyValue>, name: string, kind: string): number {
  const value = a.get(name);
  const v = intOf(value);
  if (v === undefined) throw new LayerError(`${kind}: ${name} is not a known integer${value?.k === 'unknown' ? ` (${value.why})` : ''}`);
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
  switch (familyOf(kind)) {
    case 'Linear': {
      const inF = need(a, 'in_features', kind);
      const outF = need(a, 'out_features', kind);
      const bias = flag(a, 'bias', true);
      return { kind, params: inF * outF + (bias ? outF : 0), config: { in_features: inF, out_features: outF, bias } };
    }
    case 'Conv1d':
    case 'Conv2d':
    case 'Conv3d': {
      const rank = rankOf(kind);
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
      if (mode && mode.k !== 'str') throw new LayerError(`${kind}: padding_mode is not known`);
      const paddingMode = mode?.k === 'str' ? mode.v : 'zeros';
      if (!['zeros', 'circular', 'reflect', 'replicate'].includes(paddingMode)) throw new LayerError(`${kind}: padding_mode '${paddingMode}'`);
      const kernelElems = kernel.reduce((x, y) => x * y, 1);
      const params = outC * (inC / groups) * kernelElems + (bias ? outC : 0);
      return {
        kind,
        params,
        config: { in_channels: inC, out_channels: outC, kernel_size: kernel, stride, padding, dilation, groups, bias, padding_mode: paddingMode },
      };
    }
    case 'BatchNorm1d':
    case 'BatchNorm2d':
    case 'BatchNorm3d':
    case 'InstanceNorm1d':
    case 'InstanceNorm2d':
    case 'InstanceNorm3d': {
      const c = need(a, 'num_features', kind);
      const affine = flag(a, 'affine', kind.startsWith('BatchNorm'));
      const eps = num(a.get('eps')) ?? 1e-5;
      return { kind, params: affine ? 2 * c : 0, config: { num_features: c, affine, eps } };
    }
    case 'GroupNorm': {
      const groups = need(a, 'num_groups', kind);
      const c = need(a, 'num_channels', kind);
      if (groups < 1 || c % groups !== 0) throw new LayerError('GroupNorm: num_channels is not divisible by num_groups');
      const affine = flag(a, 'affine', true);
      return { kind, params: affine ? 2 * c : 0, config: { num_groups: groups, num_channels: c, affine, eps: num(a.get('eps')) ?? 1e-5 } };
    }
    case 'LayerNorm': {
      const shape = intsOf(a.get('normalized_shape'));
      if (!shape) throw new LayerError('LayerNorm: normalized_shape is not known');
      const affine = flag(a, 'elementwise_affine', true);
      const bias = affine && flag(a, 'bias', true);
      const n = shape.reduce((x, y) => x * y, 1);
      return { kind, params: (affine ? n : 0) + (bias ? n : 0), config: { normalized_shape: shape, affine, bias, eps: num(a.get('eps')) ?? 1e-5 } };
    }
    case 'ELU':
    case 'CELU':
      return { kind, params: 0, config: { alpha: num(a.get('alpha')) ?? 1 } };
    case PADDING: {
      const rank = rankOf(kind);
      const pads = intsOf(a.get('padding'));
      if (!pads || (pads.length !== 1 && pads.length !== 2 * rank)) throw new LayerError(`${kind}: padding is not known`);
      const padding = pads.length === 1 ? (Array(2 * rank).fill(pads[0]) as number[]) : pads;
      const mode = kind.startsWith('Reflection') ? 'reflect' : kind.startsWith('Replication') ? 'edge' : 'constant';
      return { kind, params: 0, config: { padding, mode } };
    }
    case 'Hardtanh':
      return { kind, params: 0, config: { min_val: num(a.get('min_val')) ?? -1, max_val: num(a.get('max_val')) ?? 1 } };
    case 'Softplus':
      return { kind, params: 0, config: { beta: num(a.get('beta')) ?? 1, threshold: num(a.get('threshold')) ?? 20 } };
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
    case 'AdaptiveAvgPool1d':
    case 'AdaptiveAvgPool2d':
    case 'AdaptiveAvgPool3d':
    case 'AdaptiveMaxPool1d':
    case 'AdaptiveMaxPool2d':
    case 'AdaptiveMaxPool3d': {
      const out = tuple(a, 'output_size', rankOf(kind), undefined, kind);
      if (flag(a, 'return_indices', false)) throw new LayerError(`${kind}: return_indices is not interpreted`);
      return { kind, params: 0, config: { output_size: out } };
    }
    case 'AvgPool1d':
    case 'AvgPool2d':
    case 'AvgPool3d':
    case 'MaxPool1d':
    case 'MaxPool2d':
    case 'MaxPool3d': {
      const rank = rankOf(kind);
      const ones = Array(rank).fill(1) as number[];
      const kernel = tuple(a, 'kernel_size', rank, undefined, kind);
      const strideArg = a.get('stride');
      const stride = !strideArg || strideArg.k === 'none' ? kernel : tuple(a, 'stride', rank, undefined, kind);
      const padding = tuple(a, 'padding', rank, Array(rank).fill(0) as number[], kind);
      const dilation = kind.startsWith('MaxPool') ? tuple(a, 'dilation', rank, ones, kind) : ones;
      if (flag(a, 'return_indices', false)) throw new LayerError(`${kind}: return_indices is not interpreted`);
      const ceil = flag(a, 'ceil_mode', false);
      const countIncludePad = kind.startsWith('AvgPool') ? flag(a, 'count_include_pad', true) : false;
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

function padShape(shape: Shape, pads: readonly number[], rank: number): Shape {
  if (!shape || shape.length !== rank + 2) return undefined;
  return [shape[0]!, shape[1]!, ...shape.slice(2).map((d, i) => (typeof d === 'number' ? d + pads[i]! + pads[rank + i]! : d))];
}

/** `self.weight` / `self.bias` of a layer (in a subclass's own forward): its tensors, null for an absent bias, undefined for other names. */
export function layerTensor(b: GraphBuilder, obj: ModuleObj, name: string): TensorRef | null | undefined {
  const spec = obj.layer!;
  const c = spec.config;
  let shape: number[] | undefined;
  if (spec.kind === 'Linear') shape = name === 'weight' ? [c.out_features as number, c.in_features as number] : name === 'bias' && c.bias ? [c.out_features as number] : undefined;
  else if (/^Conv[123]d$/.test(spec.kind)) {
    const k = c.kernel_size as number[];
    shape = name === 'weight' ? [c.out_channels as number, (c.in_channels as number) / (c.groups as number), ...k] : name === 'bias' && c.bias ? [c.out_channels as number] : undefined;
  } else if (/^BatchNorm[123]d$/.test(spec.kind) && ['weight', 'bias', 'running_mean', 'running_var'].includes(name)) shape = [c.num_features as number];
  if (shape) return { name: weightOf(b, obj, name, shape), shape };
  return name === 'bias' || name === 'weight' ? null : undefined;
}

function channelsOf(shape: Shape): Dim | undefined {
  return shape && shape.length >= 2 ? shape[1] : undefined;
}

function checkChannels(b: GraphBuilder, kind: string, shape: Shape, expected: number, range: SourceRange): void {
  const c = channelsOf(shape);
  if (typeof c === 'number' && c !== expected) b.note(`${kind} expects ${expected} input channels but gets ${c}`, range);
}

/** Emits the nodes of one call of a PyTorch layer. The first node reads `x`, the last one writes the result. */
export function emitLayer(b: GraphBuilder, obj: ModuleObj, input: TensorRef, range: SourceRange): TensorRef {
  const spec = obj.layer!;
  const c = spec.config;
  let x = input;
  let s = x.shape;
  const node = (op: string, inputs: string[], outputShape: Shape, attrs?: Record<string, AttrValue>) =>
    b.one(attrs ? { op, inputs, outputShape, range, attrs } : { op, inputs, outputShape, range });
  switch (familyOf(spec.kind)) {
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
    case 'Conv2d':
    case 'Conv3d': {
      const rank = rankOf(spec.kind);
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
      if (c.padding_mode !== 'zeros' && pads.some((p) => p > 0)) {
        // Circular, reflect and replicate padding: an explicit Pad before an unpadded convolution, as torch.onnx exports it.
        const padded = padShape(s, pads, rank);
        const mode = c.padding_mode === 'circular' ? 'wrap' : c.padding_mode === 'reflect' ? 'reflect' : 'edge';
        const padValue = node('Pad', [x.name, b.int64('pads', [0, 0, ...pads.slice(0, rank), 0, 0, ...pads.slice(rank)])], padded, { mode: { type: 'string', value: mode } });
        x = padValue;
        s = padded;
        pads = Array(2 * rank).fill(0) as number[];
      }
      let outShape: Shape;
      const inShape = s;
      if (inShape && inShape.length === rank + 2) {
        outShape = [inShape[0]!, outC, ...kernel.map((k, i) => windowOut(inShape[2 + i]!, k, stride[i]!, pads[i]!, pads[rank + i]!, dilation[i]!))];
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
    case 'BatchNorm2d':
    case 'BatchNorm3d': {
      const n = c.num_features as number;
      checkChannels(b, spec.kind, s, n, range);
      const inputs = [x.name, weightOf(b, obj, 'weight', [n]), weightOf(b, obj, 'bias', [n]), weightOf(b, obj, 'running_mean', [n]), weightOf(b, obj, 'running_var', [n])];
      return node('BatchNormalization', inputs, s, { epsilon: float(c.eps as number) });
    }
    case 'InstanceNorm1d':
    case 'InstanceNorm2d':
    case 'InstanceNorm3d':
    case 'GroupNorm': {
      const n = (c.num_features ?? c.num_channels) as number;
      checkChannels(b, spec.kind, s, n, range);
      const inputs = [x.name, c.affine ? weightOf(b, obj, 'weight', [n]) : b.scalar(1), c.affine ? weightOf(b, obj, 'bias', [n]) : b.scalar(0)];
      return node(spec.kind === 'GroupNorm' ? 'GroupNormalization' : 'InstanceNormalization', inputs, s, {
        epsilon: float(c.eps as number),
        ...(spec.kind === 'GroupNorm' ? { num_groups: int(c.num_groups as number) } : {}),
      });
    }
    case 'LayerNorm': {
      const shape = c.normalized_shape as number[];
      const inputs = [x.name];
      if (c.affine) inputs.push(weightOf(b, obj, 'weight', shape));
      if (c.bias) inputs.push(weightOf(b, obj, 'bias', shape));
      return node('LayerNormalization', inputs, s, { axis: int(-shape.length), epsilon: float(c.eps as number) });
    }
    case 'ELU':
      return node('Elu', [x.name], s, { alpha: float(c.alpha as number) });
    case PADDING: {
      // PyTorch lists (begin, end) from the last axis backwards; ONNX all begins, then all ends.
      const torchPads = c.padding as number[];
      if (!s) return b.unknown(`${spec.kind} on an input of unknown rank`, range, [x]);
      const begins = Array(s.length).fill(0) as number[];
      const ends = Array(s.length).fill(0) as number[];
      for (let i = 0; i < torchPads.length / 2; i++) {
        begins[s.length - 1 - i] = torchPads[2 * i]!;
        ends[s.length - 1 - i] = torchPads[2 * i + 1]!;
      }
      const out = s.map((d, i) => (typeof d === 'number' ? d + begins[i]! + ends[i]! : d));
      return node('Pad', [x.name, b.int64('pads', [...begins, ...ends])], out, { mode: { type: 'string', value: c.mode as string } });
    }
    case 'CELU':
      return node('Celu', [x.name], s, { alpha: float(c.alpha as number) });
    case 'SELU':
      return node('Selu', [x.name], s);
    case 'Softplus':
      return node('Softplus', [x.name], s);
    case 'Mish':
      return node('Mish', [x.name], s);
    case 'Hardtanh':
      return node('Clip', [x.name, b.scalar(c.min_val as number), b.scalar(c.max_val as number)], s);
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
    case 'Dropout1d':
    case 'Dropout2d':
    case 'Dropout3d':
    case 'AlphaDropout':
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
    case 'AdaptiveAvgPool1d':
    case 'AdaptiveAvgPool2d':
    case 'AdaptiveAvgPool3d':
    case 'AdaptiveMaxPool1d':
    case 'AdaptiveMaxPool2d':
    case 'AdaptiveMaxPool3d': {
      const out = c.output_size as number[];
      const rank = out.length;
      const avg = spec.kind.startsWith('AdaptiveAvg');
      if (out.every((o) => o === 1)) return node(avg ? 'GlobalAveragePool' : 'GlobalMaxPool', [x.name], s && s.length === rank + 2 ? [s[0]!, s[1]!, ...out] : undefined);
      const spatial = s?.slice(2);
      if (s && spatial && spatial.length === rank && spatial.every((d, i) => typeof d === 'number' && d % out[i]! === 0)) {
        const k = spatial.map((d, i) => (d as number) / out[i]!);
        return node(avg ? 'AveragePool' : 'MaxPool', [x.name], [s[0]!, s[1]!, ...out], { kernel_shape: ints(k), strides: ints(k) });
      }
      return b.unknown(`${spec.kind}(${out.join(', ')}) on input ${s ? `[${s.join(', ')}]` : 'of unknown shape'}`, range, [x]);
    }
    case 'AvgPool1d':
    case 'AvgPool2d':
    case 'AvgPool3d':
    case 'MaxPool1d':
    case 'MaxPool2d':
    case 'MaxPool3d': {
      const k = c.kernel_size as number[];
      const st = c.stride as number[];
      const p = c.padding as number[];
      const dil = c.dilation as number[];
      const ceil = c.ceil_mode as boolean;
      const rank = k.length;
      const outShape: Shape = s && s.length === rank + 2 ? [s[0]!, s[1]!, ...k.map((kk, i) => windowOut(s![2 + i]!, kk, st[i]!, p[i]!, p[i]!, dil[i], ceil))] : undefined;
      const avg = spec.kind.startsWith('AvgPool');
      const attrs: Record<string, AttrValue> = { kernel_shape: ints(k), strides: ints(st), pads: ints([...p, ...p]), ceil_mode: int(ceil ? 1 : 0) };
      if (!avg) attrs.dilations = ints(dil);
      else attrs.count_include_pad = int(c.count_include_pad ? 1 : 0);
      return node(avg ? 'AveragePool' : 'MaxPool', [x.name], outShape, attrs);
    }
    default:
      return b.unknown(`${spec.kind} is not interpreted`, range, [x]);
  }
}
