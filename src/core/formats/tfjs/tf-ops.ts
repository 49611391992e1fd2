import type { AttrValue } from '../../ir/graph.js';
import { float, int, ints, type NhwcBuilder, type Padding, type WindowSpec } from '../nhwc-builder.js';
import type { TfAttrs, TfNode } from './graph-def.js';
import { TF_TENSOR_OPS } from './tf-tensor-ops.js';

/** What an op converter sees of one TF node. */
export interface TfOpContext {
  readonly node: TfNode;
  readonly attrs: TfAttrs;
  readonly b: NhwcBuilder;
  /** The IR name the node's (first) output must get. */
  readonly output: string;
  input(i: number): string;
  /** Values of a small constant input (axes, shapes, sizes). */
  constant(i: number): number[] | undefined;
  /** A constant input as an initializer, permuted (TF → ONNX axis order) and reshaped when asked. */
  weight(i: number, perm?: readonly number[], shape?: readonly number[]): string;
  /** The TF shape of a constant input. */
  weightShape(i: number): number[] | undefined;
  /** The bias of a BiasAdd folded into this node, 1-D. */
  foldedBias(): string | undefined;
  fail(why: string): never;
}

export interface TfOp {
  /** Module kind for the stats, in TF.js layer terms (mapped to PyTorch's formulas there). */
  readonly kind: string;
  convert(c: TfOpContext): void;
}

const HWIO_TO_OIHW = [3, 2, 0, 1];
/** Depthwise `[H, W, C, M]` → `[C, M, H, W]`, which read flat is ONNX's `[C·M, 1, H, W]`. */
const DEPTHWISE_TO_OIHW = [2, 3, 0, 1];

function windowOf(c: TfOpContext): WindowSpec {
  const a = c.attrs;
  if ((a.str('data_format') ?? 'NHWC') !== 'NHWC') c.fail(`${c.node.op} "${c.node.name}" is ${a.str('data_format')}, only NHWC is mapped`);
  const strides = a.ints('strides') ?? [1, 1, 1, 1];
  const dilations = a.ints('dilations') ?? [1, 1, 1, 1];
  const pad = a.str('padding') ?? 'VALID';
  let padding: Padding;
  if (pad === 'SAME' || pad === 'VALID') padding = pad;
  else {
    const e = a.ints('explicit_paddings') ?? [];
    padding = [e[2] ?? 0, e[4] ?? 0, e[3] ?? 0, e[5] ?? 0];
  }
  return { strides: [strides[1] ?? 1, strides[2] ?? 1], dilations: [dilations[1] ?? 1, dilations[2] ?? 1], padding };
}

/** Fused activations of `_FusedConv2D`, `FusedDepthwiseConv2dNative` and `_FusedMatMul`, after the bias. */
function activation(c: TfOpContext, x: string, op: string, output: string): string {
  const b = c.b;
  switch (op) {
    case 'Relu': return b.one('Relu', [x], {}, output);
    case 'Relu6': return b.one('Clip', [x, b.scalar('min', 0), b.scalar('max', 6)], {}, output);
    case 'Elu': return b.one('Elu', [x], {}, output);
    case 'Selu': return b.one('Selu', [x], {}, output);
    case 'Sigmoid': return b.one('Sigmoid', [x], {}, output);
    case 'Tanh': return b.one('Tanh', [x], {}, output);
    case 'LeakyRelu': return b.one('LeakyRelu', [x], { alpha: float(c.attrs.float('leakyrelu_alpha') ?? 0.2) }, output);
    case 'Prelu': return b.one('PRelu', [x, c.weight(3)], {}, output);
    default: return c.fail(`fused activation ${op} is not mapped`);
  }
}

function fusedTail(c: TfOpContext): { bias: string | undefined; act: string | undefined } {
  const fused = c.attrs.strs('fused_ops');
  if (!fused.length) return { bias: c.foldedBias(), act: undefined };
  if (fused[0] !== 'BiasAdd') c.fail(`fused ${fused.join('+')} is not mapped`);
  return { bias: c.weight(2, undefined, [c.weightShape(2)?.reduce((a, b) => a * b, 1) ?? 0]), act: fused[1] };
}

function conv2d(depthwise: boolean): TfOp {
  return {
    kind: depthwise ? 'DepthwiseConv2D' : 'Conv2D',
    convert(c) {
      const w = c.weightShape(1);
      if (!w || w.length !== 4) c.fail(`${c.node.op} "${c.node.name}" has no constant 4-D filter`);
      const [kh, kw, cin, m] = w as [number, number, number, number];
      const cout = depthwise ? cin * m : m;
      const weight = depthwise ? c.weight(1, DEPTHWISE_TO_OIHW, [cout, 1, kh, kw]) : c.weight(1, HWIO_TO_OIHW);
      const { bias, act } = fusedTail(c);
      const window = windowOf(c);
      c.b.configure({ in_channels: cin, out_channels: cout, kernel_size: [kh, kw], stride: [...window.strides], groups: depthwise ? cin : 1, bias: Boolean(bias) });
      const y = c.b.conv('Conv', c.input(0), weight, bias, window, depthwise ? cin : 1, act ? undefined : c.output);
      if (act) activation(c, y, act, c.output);
    },
  };
}

const conv2dTranspose: TfOp = {
  kind: 'Conv2DTranspose',
  convert(c) {
    const w = c.weightShape(1);
    if (!w || w.length !== 4) c.fail(`Conv2DBackpropInput "${c.node.name}" needs a constant filter`);
    const [kh, kw, cout, cin] = w as [number, number, number, number];
    const window = windowOf(c);
    // The output size is an input; converters often compute it from the input's shape (Shape → StridedSlice →
    // Pack), which is what TF's own shape function gives for the padding: in·stride (SAME), (in − 1)·stride + k (VALID).
    const x = c.b.shape(c.input(2));
    const inferred = (i: number, k: number): number | undefined => {
      const d = x?.[i + 1];
      if (typeof d !== 'number') return undefined;
      return window.padding === 'SAME' ? d * window.strides[i]! : (d - 1) * window.strides[i]! + k;
    };
    const given = c.constant(0);
    const sizes = given?.length === 4 ? given : [0, inferred(0, kh), inferred(1, kw), cout];
    if (sizes[1] === undefined || sizes[2] === undefined) c.fail(`Conv2DBackpropInput "${c.node.name}" has no constant output size and an input of unknown size`);
    // TF's HWOI filter → ONNX ConvTranspose's (C_in, C_out, kH, kW).
    const weight = c.weight(1, [3, 2, 0, 1]);
    const bias = c.foldedBias();
    c.b.configure({ in_channels: cin, out_channels: cout, kernel_size: [kh, kw], stride: [...window.strides], groups: 1, bias: Boolean(bias) });
    c.b.conv('ConvTranspose', c.input(2), weight, bias, window, 1, c.output, [sizes![1]!, sizes![2]!]);
  },
};

const matmul: TfOp = {
  kind: 'Dense',
  convert(c) {
    const w = c.weightShape(1);
    if (c.attrs.bool('transpose_a') || !w || w.length !== 2) c.fail(`MatMul "${c.node.name}" is not x·W with a constant W`);
    const transB = c.attrs.bool('transpose_b');
    const [inF, outF] = transB ? [w![1]!, w![0]!] : [w![0]!, w![1]!];
    const { bias, act } = fusedTail(c);
    c.b.configure({ in_features: inF, out_features: outF, bias: Boolean(bias), units: outF });
    const weight = c.weight(1);
    c.b.markParameters(weight, bias);
    const y = c.b.one('Gemm', bias ? [c.input(0), weight, bias] : [c.input(0), weight], transB ? { transB: int(1) } : {}, act ? undefined : c.output);
    if (act) activation(c, y, act, c.output);
  },
};

function unary(op: string, kind = 'Activation', activationName?: string, attrs: (c: TfOpContext) => Record<string, AttrValue> = () => ({})): TfOp {
  return {
    kind,
    convert(c) {
      if (activationName) c.b.configure({ activation: activationName });
      c.b.one(op, [c.input(0)], attrs(c), c.output);
    },
  };
}

function binary(op: string, kind: string): TfOp {
  return { kind, convert: (c) => void c.b.one(op, [c.input(0), c.input(1)], {}, c.output) };
}

function reduce(op: string, kind: string): TfOp {
  return {
    kind,
    convert(c) {
      const axes = c.constant(1);
      if (!axes) c.fail(`${c.node.op} "${c.node.name}" has no constant axes`);
      c.b.one(op, [c.input(0)], { axes: ints(axes!), keepdims: int(c.attrs.bool('keep_dims') ? 1 : 0) }, c.output);
    },
  };
}

function pool(kind: 'max' | 'avg'): TfOp {
  return {
    kind: kind === 'max' ? 'MaxPooling2D' : 'AveragePooling2D',
    convert(c) {
      const k = c.attrs.ints('ksize') ?? [1, 1, 1, 1];
      const window = windowOf(c);
      const kernel = [k[1] ?? 1, k[2] ?? 1];
      c.b.configure({ kernel_size: kernel, stride: [...window.strides] });
      c.b.pool(kind, c.input(0), kernel, window, c.output);
    },
  };
}

function resize(mode: 'linear' | 'nearest'): TfOp {
  return {
    kind: 'UpSampling2D',
    convert(c) {
      const size = c.constant(1);
      if (!size || size.length !== 2) c.fail(`${c.node.op} "${c.node.name}" has no constant size`);
      c.b.resize(c.input(0), size!, mode, c.attrs.bool('align_corners'), c.attrs.bool('half_pixel_centers'), c.output);
    },
  };
}

const reshape: TfOp = {
  kind: 'Reshape',
  convert(c) {
    const shape = c.constant(1);
    c.b.one('Reshape', [c.input(0), shape ? c.b.int64('shape', shape) : c.b.one('Cast', [c.input(1)], { to: int(7) })], {}, c.output);
  },
};

const squeeze: TfOp = {
  kind: 'Reshape',
  convert(c) {
    const axes = c.attrs.ints('squeeze_dims') ?? c.attrs.ints('axis') ?? [];
    c.b.one('Squeeze', axes.length ? [c.input(0), c.b.int64('axes', axes)] : [c.input(0)], {}, c.output);
  },
};

const expandDims: TfOp = {
  kind: 'Reshape',
  convert(c) {
    const axis = c.constant(1);
    if (!axis || axis.length !== 1) c.fail(`ExpandDims "${c.node.name}" has no constant axis`);
    c.b.one('Unsqueeze', [c.input(0), c.b.int64('axes', axis!)], {}, c.output);
  },
};

const concat: TfOp = {
  kind: 'Concatenate',
  convert(c) {
    const n = c.node.inputs.length - 1;
    const axis = c.constant(n);
    if (!axis || axis.length !== 1) c.fail(`ConcatV2 "${c.node.name}" has no constant axis`);
    c.b.one('Concat', Array.from({ length: n }, (_, i) => c.input(i)), { axis: int(axis![0]!) }, c.output);
  },
};

function pad(mode: 'constant' | 'reflect'): TfOp {
  return {
    kind: 'ZeroPadding2D',
    convert(c) {
      const p = c.constant(1);
      if (!p || p.length % 2) c.fail(`${c.node.op} "${c.node.name}" has no constant paddings`);
      const rank = p!.length / 2;
      const onnx = [...Array.from({ length: rank }, (_, i) => p![2 * i]!), ...Array.from({ length: rank }, (_, i) => p![2 * i + 1]!)];
      const inputs = [c.input(0), c.b.int64('pads', onnx)];
      if (c.node.op === 'PadV2' && c.node.inputs[2]) inputs.push(c.input(2));
      const reflect = mode === 'reflect' && c.attrs.str('mode') !== 'SYMMETRIC';
      c.b.one('Pad', inputs, { mode: { type: 'string', value: reflect ? 'reflect' : mode === 'reflect' ? 'edge' : 'constant' } }, c.output);
    },
  };
}

const addN: TfOp = {
  kind: 'Add',
  convert(c) {
    const n = c.node.inputs.length;
    let acc = c.input(0);
    for (let i = 1; i < n; i++) acc = c.b.one('Add', [acc, c.input(i)], {}, i === n - 1 ? c.output : undefined);
    if (n === 1) c.b.one('Identity', [acc], {}, c.output);
  },
};

const transpose: TfOp = {
  kind: 'Permute',
  convert(c) {
    const perm = c.constant(1);
    if (!perm) c.fail(`Transpose "${c.node.name}" has no constant permutation`);
    c.b.one('Transpose', [c.input(0)], { perm: ints(perm!) }, c.output);
  },
};

const batchNorm: TfOp = {
  kind: 'BatchNormalization',
  convert(c) {
    if ((c.attrs.str('data_format') ?? 'NHWC') !== 'NHWC') c.fail(`${c.node.op} "${c.node.name}" is not NHWC`);
    const params = [1, 2, 3, 4].map((i) => c.weight(i));
    c.b.markParameters(...params);
    const nchw = c.b.one('Transpose', [c.input(0)], { perm: ints([0, 3, 1, 2]) });
    const y = c.b.one('BatchNormalization', [nchw, ...params], { epsilon: float(c.attrs.float('epsilon') ?? 1e-3) });
    c.b.one('Transpose', [y], { perm: ints([0, 2, 3, 1]) }, c.output);
  },
};

const identity: TfOp = { kind: 'Identity', convert: (c) => void c.b.one('Identity', [c.input(0)], {}, c.output) };

/** TF ops of converted graph models, as ONNX ops in NHWC. Ops missing here become `Unknown` nodes. */
export const TF_OPS: Readonly<Record<string, TfOp>> = {
  Conv2D: conv2d(false), _FusedConv2D: conv2d(false),
  DepthwiseConv2dNative: conv2d(true), FusedDepthwiseConv2dNative: conv2d(true),
  Conv2DBackpropInput: conv2dTranspose,
  MatMul: matmul, _FusedMatMul: matmul,
  BiasAdd: binary('Add', 'Add'), Add: binary('Add', 'Add'), AddV2: binary('Add', 'Add'), AddN: addN,
  Sub: binary('Sub', 'Subtract'), Mul: binary('Mul', 'Multiply'), RealDiv: binary('Div', 'Divide'), Div: binary('Div', 'Divide'),
  Maximum: binary('Max', 'Maximum'), Minimum: binary('Min', 'Minimum'), Pow: binary('Pow', 'Pow'),
  Relu: unary('Relu', 'ReLU'), Relu6: { kind: 'Activation', convert: (c) => { c.b.configure({ activation: 'relu6' }); c.b.one('Clip', [c.input(0), c.b.scalar('min', 0), c.b.scalar('max', 6)], {}, c.output); } },
  Sigmoid: unary('Sigmoid', 'Activation', 'sigmoid'), Tanh: unary('Tanh', 'Activation', 'tanh'), Elu: unary('Elu', 'Activation', 'elu'),
  Selu: unary('Selu', 'Activation', 'selu'), Softplus: unary('Softplus', 'Activation', 'softplus'),
  LeakyRelu: unary('LeakyRelu', 'LeakyReLU', undefined, (c) => ({ alpha: float(c.attrs.float('alpha') ?? 0.2) })),
  Softmax: unary('Softmax', 'Softmax', undefined, () => ({ axis: int(-1) })),
  Prelu: { kind: 'PReLU', convert: (c) => { const slope = c.weight(1); c.b.markParameters(slope); c.b.one('PRelu', [c.input(0), slope], {}, c.output); } },
  Exp: unary('Exp', 'Exp'), Neg: unary('Neg', 'Neg'), Abs: unary('Abs', 'Abs'), Sqrt: unary('Sqrt', 'Sqrt'),
  Square: { kind: 'Square', convert: (c) => void c.b.one('Mul', [c.input(0), c.input(0)], {}, c.output) },
  Mean: reduce('ReduceMean', 'GlobalAveragePooling2D'), Max: reduce('ReduceMax', 'GlobalMaxPooling2D'),
  Min: reduce('ReduceMin', 'ReduceMin'), Sum: reduce('ReduceSum', 'ReduceSum'),
  MaxPool: pool('max'), AvgPool: pool('avg'),
  ResizeBilinear: resize('linear'), ResizeNearestNeighbor: resize('nearest'),
  Reshape: reshape, Squeeze: squeeze, ExpandDims: expandDims, ConcatV2: concat, Transpose: transpose,
  Pad: pad('constant'), PadV2: pad('constant'), MirrorPad: pad('reflect'),
  FusedBatchNorm: batchNorm, FusedBatchNormV3: batchNorm,
  Identity: identity, StopGradient: identity, Snapshot: identity,
  ClipByValue: { kind: 'Activation', convert: (c) => void c.b.one('Clip', [c.input(0), c.input(1), c.input(2)], {}, c.output) },
  Cast: { kind: 'Cast', convert: (c) => void c.b.one('Cast', [c.input(0)], { to: int(c.attrs.type('DstT') === 'DT_FLOAT' ? 1 : c.attrs.type('DstT') === 'DT_INT32' ? 6 : 7) }, c.output) },
  Shape: { kind: 'Shape', convert: (c) => void c.b.one('Shape', [c.input(0)], {}, c.output) },
  ...TF_TENSOR_OPS,
};
