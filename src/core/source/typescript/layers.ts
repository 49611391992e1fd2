import type { AttrValue, Dim, Shape, SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { broadcast, product, reshapeTarget, windowOut } from '../shape-math.js';
import { IDENTITY_LAYERS, MERGE_OPS } from './layer-catalogue.js';
import { applyComposite } from './composite-layers.js';

/** Option values of a `tf.layers.*({...})` call, as far as they are known. */
export type LayerOption = number | string | boolean | null | number[] | number[][] | undefined;

/** A TF.js layer object: created by `tf.layers.x(config)`, built (weights sized) at its first `apply`. */
export interface TfLayer {
  readonly id: number;
  /** TF.js class name (`Dense`, `Conv2D`, `GlobalAveragePooling2D`, ...). */
  readonly className: string;
  readonly name: string;
  readonly options: ReadonlyMap<string, LayerOption>;
  readonly range: SourceRange;
  params: number;
  config: Record<string, number | boolean | string | number[]>;
  weights?: Map<string, string>;
  readonly nodeIds: string[];
  /** Layers given in its options (`bidirectional({layer})`, `rnn({cell})`, `stackedRNNCells({cells})`), in order. */
  readonly inner?: readonly TfLayer[];
  /** Why an option written in the call has no value (`filters: cfg.numFilters` of a parameter no call gives), by option. */
  readonly unknownOptions?: ReadonlyMap<string, string>;
}

export class TfLayerError extends Error {}

function ints(v: LayerOption, n: number, what: string): number[] {
  if (typeof v === 'number') return Array(n).fill(v) as number[];
  if (Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number')) return v as number[];
  throw new TfLayerError(`${what} is not known`);
}

const attrInts = (value: number[]): AttrValue => ({ type: 'ints', value });
const attrInt = (value: number): AttrValue => ({ type: 'int', value });

export function weightOf(b: GraphBuilder, layer: TfLayer, name: string, shape: number[]): string {
  layer.weights ??= new Map();
  let w = layer.weights.get(name);
  if (!w) {
    w = b.namedWeight(`${layer.name}/${name}`, shape);
    layer.weights.set(name, w);
  }
  return w;
}

/** Nodes of an activation given by name (`activation: 'relu'`); `linear` and absent add nothing. */
export function emitActivation(b: GraphBuilder, name: LayerOption, x: TensorRef, range: SourceRange): TensorRef {
  if (name === undefined || name === null || name === 'linear') return x;
  const s = x.shape;
  const node = (op: string, inputs: string[], attrs?: Record<string, AttrValue>) => b.one({ op, inputs, outputShape: s, range, ...(attrs ? { attrs } : {}) });
  switch (name) {
    case 'relu':
      return node('Relu', [x.name]);
    case 'relu6':
      return node('Clip', [x.name, b.scalar(0), b.scalar(6)]);
    case 'sigmoid':
      return node('Sigmoid', [x.name]);
    case 'hardSigmoid':
      // TF.js hardSigmoid: clip(0.2 * x + 0.5, 0, 1).
      return node('HardSigmoid', [x.name], { alpha: { type: 'float', value: 0.2 }, beta: { type: 'float', value: 0.5 } });
    case 'tanh':
      return node('Tanh', [x.name]);
    case 'swish': {
      const g = node('Sigmoid', [x.name]);
      return node('Mul', [x.name, g.name]);
    }
    case 'softmax':
      return node('Softmax', [x.name], { axis: attrInt(-1) });
    case 'elu':
      return node('Elu', [x.name]);
    case 'selu':
      return node('Selu', [x.name]);
    case 'softplus':
      return node('Softplus', [x.name]);
    case 'mish': {
      const sp = node('Softplus', [x.name]);
      const t = b.one({ op: 'Tanh', inputs: [sp.name], outputShape: s, range });
      return node('Mul', [x.name, t.name]);
    }
    case 'gelu':
    case 'gelu_new':
      return node('Gelu', [x.name]);
    case 'softsign':
      return node('Softsign', [x.name]);
    default:
      return b.unknown(`activation '${String(name)}' is not interpreted`, range, [x]);
  }
}

/** Channels-last ↔ channels-first around ops that ONNX defines channels-first (Conv, pooling, BatchNormalization). */
function toChannelsFirst(b: GraphBuilder, x: TensorRef, range: SourceRange): TensorRef {
  const s = x.shape!;
  const perm = [0, s.length - 1, ...s.slice(1, -1).map((_, i) => i + 1)];
  return b.one({ op: 'Transpose', inputs: [x.name], outputShape: perm.map((p) => s[p]!), range, attrs: { perm: attrInts(perm) } });
}

function toChannelsLast(b: GraphBuilder, x: TensorRef, range: SourceRange): TensorRef {
  const s = x.shape!;
  const perm = [0, ...s.slice(2).map((_, i) => i + 2), 1];
  return b.one({ op: 'Transpose', inputs: [x.name], outputShape: perm.map((p) => s[p]!), range, attrs: { perm: attrInts(perm) } });
}

export function samePads(input: Dim, k: number, stride: number, dilation: number): [number, number] {
  if (typeof input !== 'number') return [Math.floor((dilation * (k - 1)) / 2), dilation * (k - 1) - Math.floor((dilation * (k - 1)) / 2)];
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + dilation * (k - 1) + 1 - input, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

interface Window {
  readonly kernel: number[];
  readonly strides: number[];
  readonly dilation: number[];
  readonly pads: number[];
  readonly out: Dim[];
}

/** Kernel, strides, dilation and padding of a convolution or pooling window over `spatial` axes. */
export function windowOf(layer: TfLayer, what: string, spatial: Dim[], kernelKey: string, defaultStrides?: number[]): Window {
  const o = layer.options;
  const n = spatial.length;
  const kernel = kernelKey === 'poolSize' && !o.has('poolSize') ? Array(n).fill(2) : ints(o.get(kernelKey), n, `${what}: ${kernelKey}`);
  const strides = o.has('strides') && o.get('strides') !== null ? ints(o.get('strides'), n, `${what}: strides`) : defaultStrides ?? kernel.map(() => 1);
  const dilation = o.has('dilationRate') ? ints(o.get('dilationRate'), n, `${what}: dilationRate`) : kernel.map(() => 1);
  const same = String(o.get('padding') ?? 'valid') === 'same';
  const begin: number[] = [];
  const end: number[] = [];
  spatial.forEach((d, i) => {
    const [p0, p1] = same ? samePads(d, kernel[i]!, strides[i]!, dilation[i]!) : [0, 0];
    begin.push(p0);
    end.push(p1);
  });
  const out = spatial.map((d, i) => windowOut(d, kernel[i]!, strides[i]!, begin[i]!, end[i]!, dilation[i]!));
  return { kernel, strides, dilation, pads: [...begin, ...end], out };
}

/** An image-like input: its shape, channel count and spatial sizes, channels last or (`dataFormat: 'channelsFirst'`) first. */
interface SpatialInput {
  readonly s: Dim[];
  readonly c: number;
  readonly first: boolean;
  readonly spatial: Dim[];
}

function spatialInput(layer: TfLayer, x: TensorRef, rank: number, what: string): SpatialInput {
  const first = layer.options.get('dataFormat') === 'channelsFirst';
  const s = x.shape;
  const c = s?.[first ? 1 : s.length - 1];
  if (!s || s.length !== rank || typeof c !== 'number') throw new TfLayerError(`${what}: the input is not a known ${first ? 'channels-first' : 'channels-last'} tensor of rank ${rank}`);
  return { s, c, first, spatial: first ? s.slice(2) : s.slice(1, -1) };
}

/** True when the layer works channels first (`dataFormat: 'channelsFirst'`): the unit's layout is then NCHW. */
export function isChannelsFirst(layer: TfLayer): boolean {
  return layer.options.get('dataFormat') === 'channelsFirst';
}

/** ONNX ops are channels first: channels-last tensors are transposed in and out, channels-first ones are not. */
const into = (b: GraphBuilder, x: TensorRef, range: SourceRange, first: boolean) => (first ? x : toChannelsFirst(b, x, range));
const back = (b: GraphBuilder, y: TensorRef, range: SourceRange, first: boolean) => (first ? y : toChannelsLast(b, y, range));

/** One convolution in the layer's layout: transposes around one ONNX Conv (grouped for depthwise) when channels last. */
function convolution(b: GraphBuilder, layer: TfLayer, x: TensorRef, range: SourceRange, input: SpatialInput, w: Window, weight: [string, number[]], bias: [string, number] | undefined, group: number): TensorRef {
  const nchw = into(b, x, range, input.first);
  const outC = weight[1][0]!;
  const ins = [nchw.name, weightOf(b, layer, weight[0], weight[1])];
  if (bias) ins.push(weightOf(b, layer, bias[0], [bias[1]]));
  const conv = b.one({
    op: 'Conv', inputs: ins, range, outputShape: [input.s[0]!, outC, ...w.out],
    attrs: { kernel_shape: attrInts(w.kernel), strides: attrInts(w.strides), dilations: attrInts(w.dilation), pads: attrInts(w.pads), group: attrInt(group) },
  });
  return back(b, conv, range, input.first);
}

function merge(b: GraphBuilder, layer: TfLayer, inputs: TensorRef[], range: SourceRange): TensorRef {
  if (inputs.length < 2) throw new TfLayerError(`${layer.className.toLowerCase()} needs a list of tensors`);
  layer.params = 0;
  layer.config = {};
  const op = MERGE_OPS[layer.className]!;
  if (op === 'Mean') {
    const shape = inputs.reduce<Shape>((acc, t) => broadcast(acc, t.shape), inputs[0]!.shape);
    return b.one({ op, inputs: inputs.map((t) => t.name), outputShape: shape, range });
  }
  let acc = inputs[0]!;
  for (const other of inputs.slice(1)) acc = b.one({ op, inputs: [acc.name, other.name], outputShape: broadcast(acc.shape, other.shape), range });
  return acc;
}

function padsOf(v: LayerOption, what: string): [number, number, number, number] {
  if (v === undefined) return [1, 1, 1, 1];
  if (typeof v === 'number') return [v, v, v, v];
  if (Array.isArray(v) && v.length === 2) {
    const [h, w] = v as (number | number[])[];
    if (typeof h === 'number' && typeof w === 'number') return [h, h, w, w];
    if (Array.isArray(h) && Array.isArray(w) && h.length === 2 && w.length === 2) return [h[0]!, h[1]!, w[0]!, w[1]!];
  }
  throw new TfLayerError(`${what} is not known`);
}

/**
 * Emits one `apply` of a layer, channels-last. The first call sizes the weights from the input (Keras
 * "build") and sets `params` as TF.js `countParams()` counts them; the first node reads the layer
 * input and the last one writes its output.
 */
export function applyLayer(b: GraphBuilder, layer: TfLayer, inputs: TensorRef[], range: SourceRange): TensorRef {
  const o = layer.options;
  const x = inputs[0]!;
  const s = x.shape;
  const useBias = o.get('useBias') !== false;
  const activation = o.get('activation');
  const cls = layer.className;
  if (MERGE_OPS[cls]) return merge(b, layer, inputs, range);
  if (IDENTITY_LAYERS.has(cls)) {
    // At inference these pass their input through: no node, so that nothing stands between a tensor and its users.
    layer.params = 0;
    layer.config = {};
    return x;
  }
  switch (cls) {
    case 'Dense': {
      const units = o.get('units');
      if (typeof units !== 'number') throw new TfLayerError('dense: units is not known');
      const inDim = s?.[s.length - 1];
      if (typeof inDim !== 'number') throw new TfLayerError('dense: the input size is not known');
      layer.params = inDim * units + (useBias ? units : 0);
      layer.config = { units, activation: String(activation ?? 'linear'), useBias, in_features: inDim, out_features: units, bias: useBias };
      const outShape = [...s!.slice(0, -1), units];
      let y: TensorRef;
      if (s!.length === 2) {
        const ins = [x.name, weightOf(b, layer, 'kernel', [inDim, units])];
        if (useBias) ins.push(weightOf(b, layer, 'bias', [units]));
        y = b.one({ op: 'Gemm', inputs: ins, outputShape: outShape, range });
      } else {
        y = b.one({ op: 'MatMul', inputs: [x.name, weightOf(b, layer, 'kernel', [inDim, units])], outputShape: outShape, range });
        if (useBias) y = b.one({ op: 'Add', inputs: [y.name, weightOf(b, layer, 'bias', [units])], outputShape: outShape, range });
      }
      return emitActivation(b, activation, y, range);
    }
    case 'Conv1D':
    case 'Conv2D':
    case 'Conv3D': {
      const rank = cls === 'Conv1D' ? 3 : cls === 'Conv2D' ? 4 : 5;
      const what = cls.toLowerCase();
      const filters = o.get('filters');
      if (typeof filters !== 'number') throw new TfLayerError(`${what}: filters is not known`);
      const input = spatialInput(layer, x, rank, what);
      const inC = input.c;
      const w = windowOf(layer, what, input.spatial, 'kernelSize');
      const kernelNumel = w.kernel.reduce((a, k) => a * k, 1);
      layer.params = kernelNumel * inC * filters + (useBias ? filters : 0);
      layer.config = {
        filters, kernel_size: w.kernel, stride: w.strides, padding: String(o.get('padding') ?? 'valid'), activation: String(activation ?? 'linear'), useBias,
        in_channels: inC, out_channels: filters, groups: 1, bias: useBias,
      };
      const y = convolution(b, layer, x, range, input, w, ['kernel', [filters, inC, ...w.kernel]], useBias ? ['bias', filters] : undefined, 1);
      return emitActivation(b, activation, y, range);
    }
    case 'DepthwiseConv2D': {
      const input = spatialInput(layer, x, 4, 'depthwiseConv2d');
      const inC = input.c;
      const dm = typeof o.get('depthMultiplier') === 'number' ? (o.get('depthMultiplier') as number) : 1;
      const w = windowOf(layer, 'depthwiseConv2d', input.spatial, 'kernelSize');
      const outC = inC * dm;
      layer.params = w.kernel[0]! * w.kernel[1]! * outC + (useBias ? outC : 0);
      layer.config = { kernel_size: w.kernel, stride: w.strides, depthMultiplier: dm, in_channels: inC, out_channels: outC, groups: inC, bias: useBias };
      const y = convolution(b, layer, x, range, input, w, ['depthwise_kernel', [outC, 1, ...w.kernel]], useBias ? ['bias', outC] : undefined, inC);
      return emitActivation(b, activation, y, range);
    }
    case 'SeparableConv2D': {
      const filters = o.get('filters');
      if (typeof filters !== 'number') throw new TfLayerError('separableConv2d: filters is not known');
      const input = spatialInput(layer, x, 4, 'separableConv2d');
      const inC = input.c;
      const dm = typeof o.get('depthMultiplier') === 'number' ? (o.get('depthMultiplier') as number) : 1;
      const w = windowOf(layer, 'separableConv2d', input.spatial, 'kernelSize');
      const mid = inC * dm;
      layer.params = w.kernel[0]! * w.kernel[1]! * mid + mid * filters + (useBias ? filters : 0);
      layer.config = { filters, kernel_size: w.kernel, stride: w.strides, depthMultiplier: dm, in_channels: inC, out_channels: filters, bias: useBias };
      const depthwise = convolution(b, layer, x, range, input, w, ['depthwise_kernel', [mid, 1, ...w.kernel]], undefined, inC);
      const one: Window = { kernel: [1, 1], strides: [1, 1], dilation: [1, 1], pads: [0, 0, 0, 0], out: w.out };
      const y = convolution(b, layer, depthwise, range, { ...input, s: depthwise.shape! }, one, ['pointwise_kernel', [filters, mid, 1, 1]], useBias ? ['bias', filters] : undefined, 1);
      return emitActivation(b, activation, y, range);
    }
    case 'Conv2DTranspose':
    case 'Conv3DTranspose': {
      const rank = cls === 'Conv2DTranspose' ? 4 : 5;
      const what = cls === 'Conv2DTranspose' ? 'conv2dTranspose' : 'conv3dTranspose';
      const filters = o.get('filters');
      if (typeof filters !== 'number') throw new TfLayerError(`${what}: filters is not known`);
      const input = spatialInput(layer, x, rank, what);
      const inC = input.c;
      const n = rank - 2;
      const kernel = ints(o.get('kernelSize'), n, `${what}: kernelSize`);
      const strides = o.has('strides') ? ints(o.get('strides'), n, `${what}: strides`) : kernel.map(() => 1);
      const same = o.get('padding') === 'same';
      // TF.js deconvLength: `same` multiplies by the stride, `valid` adds what the kernel reaches past it.
      const out = input.spatial.map((d, i) => (typeof d === 'number' ? d * strides[i]! + (same ? 0 : Math.max(kernel[i]! - strides[i]!, 0)) : d));
      layer.params = kernel.reduce((a, k) => a * k, 1) * inC * filters + (useBias ? filters : 0);
      layer.config = { filters, kernel_size: kernel, stride: strides, in_channels: inC, out_channels: filters, bias: useBias };
      const nchw = into(b, x, range, input.first);
      const ins = [nchw.name, weightOf(b, layer, 'kernel', [inC, filters, ...kernel])];
      if (useBias) ins.push(weightOf(b, layer, 'bias', [filters]));
      const conv = b.one({ op: 'ConvTranspose', inputs: ins, range, outputShape: [input.s[0]!, filters, ...out], attrs: { kernel_shape: attrInts(kernel), strides: attrInts(strides) } });
      return emitActivation(b, activation, back(b, conv, range, input.first), range);
    }
    case 'MaxPooling1D':
    case 'MaxPooling2D':
    case 'MaxPooling3D':
    case 'AveragePooling1D':
    case 'AveragePooling2D':
    case 'AveragePooling3D': {
      const rank = cls.endsWith('1D') ? 3 : cls.endsWith('2D') ? 4 : 5;
      const what = cls.toLowerCase();
      const input = spatialInput(layer, x, rank, what);
      const kernel = o.has('poolSize') ? ints(o.get('poolSize'), rank - 2, `${what}: poolSize`) : Array<number>(rank - 2).fill(2);
      const w = windowOf(layer, what, input.spatial, 'poolSize', kernel);
      layer.params = 0;
      layer.config = { kernel_size: w.kernel, stride: w.strides, padding: String(o.get('padding') ?? 'valid') };
      // A window as wide as the input (`averagePooling2d({poolSize: [7, 7]})` on 7x7, as Keras ports squeeze) is a
      // global pool: reduced over the spatial axes where they are, without transposes.
      if (input.spatial.every((d, i) => d === w.kernel[i]) && w.pads.every((p) => p === 0)) {
        const axes = input.spatial.map((_, i) => i + (input.first ? 2 : 1));
        const reduced = input.first ? [input.s[0]!, input.c, ...w.out] : [input.s[0]!, ...w.out, input.c];
        return b.one({ op: cls.startsWith('Max') ? 'ReduceMax' : 'ReduceMean', inputs: [x.name], range, outputShape: reduced, attrs: { axes: attrInts(axes), keepdims: attrInt(1) } });
      }
      const nchw = into(b, x, range, input.first);
      const op = cls.startsWith('Max') ? 'MaxPool' : 'AveragePool';
      const pool = b.one({ op, inputs: [nchw.name], range, outputShape: [input.s[0]!, input.c, ...w.out], attrs: { kernel_shape: attrInts(w.kernel), strides: attrInts(w.strides), pads: attrInts(w.pads) } });
      return back(b, pool, range, input.first);
    }
    case 'GlobalAveragePooling1D':
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling1D':
    case 'GlobalMaxPooling2D': {
      layer.params = 0;
      layer.config = {};
      const op = cls.startsWith('GlobalAverage') ? 'ReduceMean' : 'ReduceMax';
      const first = isChannelsFirst(layer);
      const axes = (cls.endsWith('1D') ? [1] : [1, 2]).map((a) => (first ? a + 1 : a));
      const ok = s && s.length === axes.length + 2;
      return b.one({ op, inputs: [x.name], outputShape: ok ? [s[0]!, s[first ? 1 : s.length - 1]!] : undefined, range, attrs: { axes: attrInts(axes), keepdims: attrInt(0) } });
    }
    case 'Reshape': {
      const target = o.get('targetShape');
      if (!Array.isArray(target) || !target.every((d) => typeof d === 'number')) throw new TfLayerError('reshape: targetShape is not known');
      layer.params = 0;
      layer.config = { targetShape: target as number[] };
      const batch = s?.[0];
      const full = [typeof batch === 'number' ? batch : -1, ...(target as number[])];
      return b.one({ op: 'Reshape', inputs: [x.name, b.int64('shape', full)], outputShape: reshapeTarget(s, full), range });
    }
    case 'Rescaling': {
      const scale = o.get('scale');
      if (typeof scale !== 'number') throw new TfLayerError('rescaling: scale is not known');
      const offset = typeof o.get('offset') === 'number' ? (o.get('offset') as number) : 0;
      layer.params = 0;
      layer.config = { scale, offset };
      const scaled = b.one({ op: 'Mul', inputs: [x.name, b.scalar(scale)], outputShape: s, range });
      return offset === 0 ? scaled : b.one({ op: 'Add', inputs: [scaled.name, b.scalar(offset)], outputShape: s, range });
    }
    case 'Permute': {
      const dims = o.get('dims');
      if (!Array.isArray(dims) || !dims.every((d) => typeof d === 'number') || !s) throw new TfLayerError('permute: dims is not known');
      const perm = [0, ...(dims as number[])];
      layer.params = 0;
      layer.config = { dims: dims as number[] };
      return b.one({ op: 'Transpose', inputs: [x.name], outputShape: perm.map((p) => s[p]!), range, attrs: { perm: attrInts(perm) } });
    }
    case 'RepeatVector': {
      const n = o.get('n');
      if (typeof n !== 'number' || !s || s.length !== 2) throw new TfLayerError('repeatVector: n or the input is not known');
      layer.params = 0;
      layer.config = { n };
      return b.one({ op: 'Expand', inputs: [x.name, b.int64('shape', [1, n, 1])], outputShape: [s[0]!, n, s[1]!], range });
    }
    case 'Activation':
      layer.params = 0;
      layer.config = { activation: String(activation ?? 'linear') };
      if (activation === 'linear' || activation === undefined) return b.one({ op: 'Identity', inputs: [x.name], outputShape: s, range });
      return emitActivation(b, activation, x, range);
    case 'ReLU': {
      layer.params = 0;
      layer.config = {};
      const max = o.get('maxValue');
      if (typeof max === 'number') return b.one({ op: 'Clip', inputs: [x.name, b.scalar(0), b.scalar(max)], outputShape: s, range });
      return b.one({ op: 'Relu', inputs: [x.name], outputShape: s, range });
    }
    case 'LeakyReLU':
      layer.params = 0;
      layer.config = {};
      return b.one({ op: 'LeakyRelu', inputs: [x.name], outputShape: s, range, attrs: { alpha: { type: 'float', value: typeof o.get('alpha') === 'number' ? (o.get('alpha') as number) : 0.3 } } });
    case 'ELU':
      layer.params = 0;
      layer.config = {};
      return b.one({ op: 'Elu', inputs: [x.name], outputShape: s, range });
    case 'ThresholdedReLU':
      layer.params = 0;
      layer.config = {};
      return b.one({ op: 'ThresholdedRelu', inputs: [x.name], outputShape: s, range });
    case 'Softmax':
      layer.params = 0;
      layer.config = {};
      return b.one({ op: 'Softmax', inputs: [x.name], outputShape: s, range, attrs: { axis: attrInt(-1) } });
    case 'PReLU': {
      if (!s || s.slice(1).some((d) => typeof d !== 'number')) throw new TfLayerError('prelu: the input shape is not known');
      const shared = o.get('sharedAxes');
      const sharedAxes = typeof shared === 'number' ? [shared] : Array.isArray(shared) ? (shared as number[]) : [];
      const alphaShape = (s.slice(1) as number[]).map((d, i) => (sharedAxes.includes(i + 1) ? 1 : d));
      layer.params = alphaShape.reduce((a, d) => a * d, 1);
      layer.config = {};
      return b.one({ op: 'PRelu', inputs: [x.name, weightOf(b, layer, 'alpha', alphaShape)], outputShape: s, range });
    }
    case 'Flatten': {
      layer.params = 0;
      layer.config = {};
      const out: Shape = s ? [s[0]!, product(s.slice(1))] : undefined;
      return b.one({ op: 'Flatten', inputs: [x.name], outputShape: out, range, attrs: { axis: attrInt(1) } });
    }
    case 'BatchNormalization': {
      // `axis` is the channel axis: last by default, 1 for channels-first code.
      const given = typeof o.get('axis') === 'number' ? (o.get('axis') as number) : -1;
      const axis = s ? (given < 0 ? given + s.length : given) : -1;
      if (s && axis !== s.length - 1 && axis !== 1) throw new TfLayerError(`batchNormalization: axis ${given} is not interpreted`);
      const c = s?.[axis];
      if (!s || typeof c !== 'number') throw new TfLayerError('batchNormalization: the input is not a known tensor');
      const center = o.get('center') !== false;
      const scale = o.get('scale') !== false;
      // TF.js counts gamma and beta (when used) and both moving statistics.
      layer.params = c * (2 + (center ? 1 : 0) + (scale ? 1 : 0));
      layer.config = { num_features: c, affine: center && scale };
      const eps = o.get('epsilon');
      const ins = (t: TensorRef) => [t.name, ...['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => weightOf(b, layer, w, [c]))];
      const attrs = { epsilon: { type: 'float', value: typeof eps === 'number' ? eps : 1e-3 } } as const;
      if (s.length < 3 || axis === 1) return b.one({ op: 'BatchNormalization', inputs: ins(x), outputShape: s, range, attrs });
      const nchw = toChannelsFirst(b, x, range);
      const bn = b.one({ op: 'BatchNormalization', inputs: ins(nchw), outputShape: nchw.shape, range, attrs });
      return toChannelsLast(b, bn, range);
    }
    case 'LayerNormalization': {
      const c = s?.[s.length - 1];
      if (!s || typeof c !== 'number') throw new TfLayerError('layerNormalization: the input size is not known');
      const center = o.get('center') !== false;
      const scale = o.get('scale') !== false;
      layer.params = c * ((center ? 1 : 0) + (scale ? 1 : 0));
      layer.config = { normalized_shape: [c] };
      return b.one({ op: 'LayerNormalization', inputs: [x.name, weightOf(b, layer, 'gamma', [c]), weightOf(b, layer, 'beta', [c])], outputShape: s, range, attrs: { axis: attrInt(-1) } });
    }
    case 'Concatenate': {
      if (inputs.length < 2) throw new TfLayerError('concatenate needs a list of tensors');
      const rank = s?.length ?? 0;
      const given = typeof o.get('axis') === 'number' ? (o.get('axis') as number) : -1;
      const axis = given < 0 ? given + rank : given;
      let out: Shape;
      if (inputs.every((t) => t.shape && t.shape.length === rank)) {
        const sum = inputs.reduce<Dim>((acc, t) => (typeof acc === 'number' && typeof t.shape![axis] === 'number' ? acc + (t.shape![axis] as number) : '?'), 0);
        out = s!.map((d, i) => (i === axis ? sum : d));
      }
      layer.params = 0;
      layer.config = { axis };
      return b.one({ op: 'Concat', inputs: inputs.map((t) => t.name), outputShape: out, range, attrs: { axis: attrInt(axis) } });
    }
    case 'ZeroPadding2D': {
      const input = spatialInput(layer, x, 4, 'zeroPadding2d');
      const [t, bottom, l, r] = padsOf(o.get('padding'), 'zeroPadding2d: padding');
      layer.params = 0;
      layer.config = { padding: [t, bottom, l, r] };
      const grow = (d: Dim, p: number): Dim => (typeof d === 'number' ? d + p : d);
      const [h, w] = [grow(input.spatial[0]!, t + bottom), grow(input.spatial[1]!, l + r)];
      const pads = input.first ? [0, 0, t, l, 0, 0, bottom, r] : [0, t, l, 0, 0, bottom, r, 0];
      return b.one({ op: 'Pad', inputs: [x.name, b.int64('pads', pads)], outputShape: input.first ? [input.s[0]!, input.c, h, w] : [input.s[0]!, h, w, input.c], range });
    }
    case 'Cropping2D': {
      const input = spatialInput(layer, x, 4, 'cropping2D');
      const [t, bottom, l, r] = padsOf(o.get('cropping') ?? 0, 'cropping2D: cropping');
      layer.params = 0;
      layer.config = {};
      const shrink = (d: Dim, p: number): Dim => (typeof d === 'number' ? d - p : d);
      const [h, w] = [shrink(input.spatial[0]!, t + bottom), shrink(input.spatial[1]!, l + r)];
      return b.one({ op: 'Slice', inputs: [x.name], outputShape: input.first ? [input.s[0]!, input.c, h, w] : [input.s[0]!, h, w, input.c], range });
    }
    case 'UpSampling2D': {
      const input = spatialInput(layer, x, 4, 'upSampling2d');
      const size = o.has('size') ? ints(o.get('size'), 2, 'upSampling2d: size') : [2, 2];
      layer.params = 0;
      layer.config = { scale_factor: size };
      const grow = (d: Dim, f: number): Dim => (typeof d === 'number' ? d * f : d);
      const [h, w] = [grow(input.spatial[0]!, size[0]!), grow(input.spatial[1]!, size[1]!)];
      return b.one({ op: 'Resize', inputs: [x.name], outputShape: input.first ? [input.s[0]!, input.c, h, w] : [input.s[0]!, h, w, input.c], range, attrs: { mode: { type: 'string', value: 'nearest' } } });
    }
    case 'Embedding': {
      const inputDim = o.get('inputDim');
      const outputDim = o.get('outputDim');
      if (typeof inputDim !== 'number' || typeof outputDim !== 'number') throw new TfLayerError('embedding: inputDim or outputDim is not known');
      layer.params = inputDim * outputDim;
      layer.config = { num_embeddings: inputDim, embedding_dim: outputDim };
      return b.one({ op: 'Gather', inputs: [weightOf(b, layer, 'embeddings', [inputDim, outputDim]), x.name], outputShape: s ? [...s, outputDim] : undefined, range });
    }
    case 'Dot':
      return dot(b, layer, inputs, range);
    case 'Resizing':
    case 'CenterCrop': {
      const what = cls === 'Resizing' ? 'resizing' : 'centerCrop';
      const input = spatialInput(layer, x, 4, what);
      const height = o.get('height');
      const width = o.get('width');
      if (typeof height !== 'number' || typeof width !== 'number') throw new TfLayerError(`${what}: height or width is not known`);
      layer.params = 0;
      layer.config = { height, width };
      const outputShape = [input.s[0]!, height, width, input.c];
      if (cls === 'CenterCrop') return b.one({ op: 'Slice', inputs: [x.name], outputShape, range });
      const mode = o.get('interpolation') === 'nearest' ? 'nearest' : 'linear';
      return b.one({ op: 'Resize', inputs: [x.name], outputShape, range, attrs: { mode: { type: 'string', value: mode } } });
    }
    case 'RandomWidth': {
      const input = spatialInput(layer, x, 4, 'randomWidth');
      layer.params = 0;
      layer.config = {};
      // TF.js draws the width factor on every call, at inference too: the width is not known statically.
      const mode = o.get('interpolation') === 'nearest' ? 'nearest' : 'linear';
      return b.one({ op: 'Resize', inputs: [x.name], outputShape: [input.s[0]!, input.spatial[0]!, '?', input.c], range, attrs: { mode: { type: 'string', value: mode } } });
    }
    case 'CategoryEncoding': {
      const numTokens = o.get('numTokens');
      if (typeof numTokens !== 'number' || !s) throw new TfLayerError('categoryEncoding: numTokens or the input is not known');
      layer.params = 0;
      layer.config = { numTokens, outputMode: String(o.get('outputMode') ?? 'multiHot') };
      // Token ids in, one slot per token out (`oneHot`, `multiHot`, `count` alike, for rank-1 or rank-2 input).
      return b.one({ op: 'OneHot', inputs: [x.name], outputShape: [s[0]!, numTokens], range });
    }
    default:
      return applyComposite(b, layer, inputs, range);
  }
}

/**
 * `tf.layers.dot`: the inputs contracted over one axis each (TF.js `Dot`, rank ≤ 3), as one Einsum.
 * The output is what is left of the first input, then of the second without its batch; a lone
 * dimension gets a trailing 1.
 */
function dot(b: GraphBuilder, layer: TfLayer, inputs: TensorRef[], range: SourceRange): TensorRef {
  const [x, y] = inputs;
  const sx = x?.shape;
  const sy = y?.shape;
  if (inputs.length !== 2 || !sx || !sy || sx.length > 3 || sy.length > 3) throw new TfLayerError('dot needs two known tensors of rank 2 or 3');
  const given = layer.options.get('axes');
  const pair = typeof given === 'number' ? [given, given] : Array.isArray(given) && given.length === 2 && given.every((a) => typeof a === 'number') ? (given as number[]) : undefined;
  if (!pair) throw new TfLayerError('dot: axes is not known');
  const ax = pair[0]! < 0 ? pair[0]! + sx.length : pair[0]!;
  const ay = pair[1]! < 0 ? pair[1]! + sy.length : pair[1]!;
  if (ax < 1 || ay < 1 || ax >= sx.length || ay >= sy.length) throw new TfLayerError('dot: axes out of range');
  layer.params = 0;
  layer.config = { axes: [ax, ay] };
  // Letters: b batch, c the contracted axis, others distinct per input.
  const free = 'defghijk';
  const lx = sx.map((_, i) => (i === 0 ? 'b' : i === ax ? 'c' : free[i]!));
  const ly = sy.map((_, i) => (i === 0 ? 'b' : i === ay ? 'c' : free[i + 3]!));
  const outLetters = ['b', ...lx.slice(1).filter((l) => l !== 'c'), ...ly.slice(1).filter((l) => l !== 'c')];
  const outShape: Dim[] = [sx[0]!, ...sx.filter((_, i) => i !== 0 && i !== ax), ...sy.filter((_, i) => i !== 0 && i !== ay)];
  const equation = `${lx.join('')},${ly.join('')}->${outLetters.join('')}`;
  const product = b.one({ op: 'Einsum', inputs: [x!.name, y!.name], outputShape: outShape, range, attrs: { equation: { type: 'string', value: equation } } });
  if (outShape.length > 1) return product;
  return b.one({ op: 'Unsqueeze', inputs: [product.name, b.int64('axes', [1])], outputShape: [outShape[0]!, 1], range });
}
