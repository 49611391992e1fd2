import type { AttrValue, Dim, Shape, SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { broadcast, reshapeTarget } from '../shape-math.js';

/** Option values of a `tf.layers.*({...})` call, as far as they are known. */
export type LayerOption = number | string | boolean | null | number[] | undefined;

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
}

/** `tf.layers` factory name → TF.js class name, for the layers the front-end interprets. */
export const LAYER_CLASSES: Record<string, string> = {
  dense: 'Dense',
  conv2d: 'Conv2D',
  globalAveragePooling2d: 'GlobalAveragePooling2D',
  globalMaxPooling2d: 'GlobalMaxPooling2D',
  reshape: 'Reshape',
  multiply: 'Multiply',
  add: 'Add',
  activation: 'Activation',
  flatten: 'Flatten',
  dropout: 'Dropout',
  reLU: 'ReLU',
  batchNormalization: 'BatchNormalization',
};

export class TfLayerError extends Error {}

function ints(v: LayerOption, n: number, what: string): number[] {
  if (typeof v === 'number') return Array(n).fill(v) as number[];
  if (Array.isArray(v) && v.length === n) return v;
  throw new TfLayerError(`${what} is not known`);
}

const attrInts = (value: number[]): AttrValue => ({ type: 'ints', value });

function weightOf(b: GraphBuilder, layer: TfLayer, name: string, shape: number[]): string {
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
      return node('Softmax', [x.name], { axis: { type: 'int', value: -1 } });
    case 'elu':
      return node('Elu', [x.name]);
    case 'selu':
      return node('Selu', [x.name]);
    case 'softplus':
      return node('Softplus', [x.name]);
    case 'softsign':
      return node('Softsign', [x.name]);
    default:
      return b.unknown(`activation '${String(name)}' is not interpreted`, range, [x]);
  }
}

/** NHWC ↔ NCHW around ops that ONNX defines channels-first (Conv, BatchNormalization). */
function toNCHW(b: GraphBuilder, x: TensorRef, range: SourceRange): TensorRef {
  const s = x.shape;
  return b.one({ op: 'Transpose', inputs: [x.name], outputShape: s ? [s[0]!, s[3]!, s[1]!, s[2]!] : undefined, range, attrs: { perm: attrInts([0, 3, 1, 2]) } });
}

function toNHWC(b: GraphBuilder, x: TensorRef, range: SourceRange): TensorRef {
  const s = x.shape;
  return b.one({ op: 'Transpose', inputs: [x.name], outputShape: s ? [s[0]!, s[2]!, s[3]!, s[1]!] : undefined, range, attrs: { perm: attrInts([0, 2, 3, 1]) } });
}

function samePads(input: Dim, k: number, stride: number, dilation: number): [number, number] {
  if (typeof input !== 'number') return [Math.floor((dilation * (k - 1)) / 2), dilation * (k - 1) - Math.floor((dilation * (k - 1)) / 2)];
  const out = Math.ceil(input / stride);
  const total = Math.max((out - 1) * stride + dilation * (k - 1) + 1 - input, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/**
 * Emits one `apply` of a layer in NHWC. The first call sizes the weights from the input (Keras "build");
 * the first node reads the layer input and the last one writes its output.
 */
export function applyLayer(b: GraphBuilder, layer: TfLayer, inputs: TensorRef[], range: SourceRange): TensorRef {
  const o = layer.options;
  const x = inputs[0]!;
  const s = x.shape;
  const useBias = o.get('useBias') !== false;
  switch (layer.className) {
    case 'Dense': {
      const units = o.get('units');
      if (typeof units !== 'number') throw new TfLayerError('dense: units is not known');
      const inDim = s?.[s.length - 1];
      if (typeof inDim !== 'number') throw new TfLayerError('dense: the input size is not known');
      layer.params = inDim * units + (useBias ? units : 0);
      layer.config = { units, activation: String(o.get('activation') ?? 'linear'), useBias, in_features: inDim, out_features: units, bias: useBias };
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
      return emitActivation(b, o.get('activation'), y, range);
    }
    case 'Conv2D': {
      const filters = o.get('filters');
      if (typeof filters !== 'number') throw new TfLayerError('conv2d: filters is not known');
      const kernel = ints(o.get('kernelSize'), 2, 'conv2d: kernelSize');
      const strides = o.has('strides') ? ints(o.get('strides'), 2, 'conv2d: strides') : [1, 1];
      const dilation = o.has('dilationRate') ? ints(o.get('dilationRate'), 2, 'conv2d: dilationRate') : [1, 1];
      const padding = String(o.get('padding') ?? 'valid');
      if (o.get('dataFormat') === 'channelsFirst') throw new TfLayerError('conv2d: channelsFirst is not interpreted');
      const inC = s?.[3];
      if (!s || s.length !== 4 || typeof inC !== 'number') throw new TfLayerError('conv2d: the input is not a known NHWC tensor');
      layer.params = kernel[0]! * kernel[1]! * inC * filters + (useBias ? filters : 0);
      layer.config = {
        filters, kernel_size: kernel, stride: strides, padding, activation: String(o.get('activation') ?? 'linear'), useBias,
        in_channels: inC, out_channels: filters, groups: 1, bias: useBias,
      };
      const [ph0, ph1] = padding === 'same' ? samePads(s[1]!, kernel[0]!, strides[0]!, dilation[0]!) : [0, 0];
      const [pw0, pw1] = padding === 'same' ? samePads(s[2]!, kernel[1]!, strides[1]!, dilation[1]!) : [0, 0];
      const outHW = (d: Dim, i: number, p0: number, p1: number): Dim =>
        typeof d === 'number' ? Math.floor((d + p0 + p1 - dilation[i]! * (kernel[i]! - 1) - 1) / strides[i]!) + 1 : d;
      const nchw = toNCHW(b, x, range);
      const ins = [nchw.name, weightOf(b, layer, 'kernel', [filters, inC, kernel[0]!, kernel[1]!])];
      if (useBias) ins.push(weightOf(b, layer, 'bias', [filters]));
      const conv = b.one({
        op: 'Conv', inputs: ins, range,
        outputShape: [s[0]!, filters, outHW(s[1]!, 0, ph0, ph1), outHW(s[2]!, 1, pw0, pw1)],
        attrs: { kernel_shape: attrInts(kernel), strides: attrInts(strides), dilations: attrInts(dilation), pads: attrInts([ph0, pw0, ph1, pw1]), group: { type: 'int', value: 1 } },
      });
      return emitActivation(b, o.get('activation'), toNHWC(b, conv, range), range);
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      layer.params = 0;
      layer.config = {};
      const op = layer.className === 'GlobalAveragePooling2D' ? 'ReduceMean' : 'ReduceMax';
      return b.one({ op, inputs: [x.name], outputShape: s && s.length === 4 ? [s[0]!, s[3]!] : undefined, range, attrs: { axes: attrInts([1, 2]), keepdims: { type: 'int', value: 0 } } });
    }
    case 'Reshape': {
      const target = o.get('targetShape');
      if (!Array.isArray(target)) throw new TfLayerError('reshape: targetShape is not known');
      layer.params = 0;
      layer.config = { targetShape: target };
      const batch = s?.[0];
      const full = [typeof batch === 'number' ? batch : -1, ...target];
      return b.one({ op: 'Reshape', inputs: [x.name, b.int64('shape', full)], outputShape: reshapeTarget(s, full), range });
    }
    case 'Multiply':
    case 'Add': {
      if (inputs.length < 2) throw new TfLayerError(`${layer.className.toLowerCase()} needs a list of tensors`);
      layer.params = 0;
      layer.config = {};
      const op = layer.className === 'Multiply' ? 'Mul' : 'Add';
      let acc = x;
      for (const other of inputs.slice(1)) {
        acc = b.one({ op, inputs: [acc.name, other.name], outputShape: broadcast(acc.shape, other.shape), range });
      }
      return acc;
    }
    case 'Activation':
      layer.params = 0;
      layer.config = { activation: String(o.get('activation') ?? 'linear') };
      if (o.get('activation') === 'linear') return b.one({ op: 'Identity', inputs: [x.name], outputShape: s, range });
      return emitActivation(b, o.get('activation'), x, range);
    case 'ReLU':
      layer.params = 0;
      layer.config = {};
      return b.one({ op: 'Relu', inputs: [x.name], outputShape: s, range });
    case 'Flatten': {
      layer.params = 0;
      layer.config = {};
      let out: Shape;
      if (s) {
        let n = 1;
        for (const d of s.slice(1)) n = typeof d === 'number' && typeof n === 'number' ? n * d : NaN;
        out = [s[0]!, Number.isNaN(n) ? 'flat' : n];
      }
      return b.one({ op: 'Flatten', inputs: [x.name], outputShape: out, range, attrs: { axis: { type: 'int', value: 1 } } });
    }
    case 'Dropout':
      layer.params = 0;
      layer.config = {};
      return b.one({ op: 'Identity', inputs: [x.name], outputShape: s, range });
    case 'BatchNormalization': {
      const c = s?.[s.length - 1];
      if (!s || s.length !== 4 || typeof c !== 'number') throw new TfLayerError('batchNormalization: the input is not a known NHWC tensor');
      // TF.js counts gamma, beta and both moving statistics.
      layer.params = 4 * c;
      layer.config = { num_features: c, affine: true };
      const nchw = toNCHW(b, x, range);
      const ins = [nchw.name, ...['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => weightOf(b, layer, w, [c]))];
      const eps = o.get('epsilon');
      const bn = b.one({ op: 'BatchNormalization', inputs: ins, outputShape: nchw.shape, range, attrs: { epsilon: { type: 'float', value: typeof eps === 'number' ? eps : 1e-3 } } });
      return toNHWC(b, bn, range);
    }
    default:
      throw new TfLayerError(`${layer.className} is not interpreted`);
  }
}
