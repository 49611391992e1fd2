import type { AttrValue } from '../../ir/graph.js';
import { depthToSpaceNodes, float, int, ints, type NhwcBuilder, type WindowSpec } from '../nhwc-builder.js';
import { ActivationFunctionType as ACTIVATION } from './generated/tflite/activation-function-type.js';
import { AddOptions } from './generated/tflite/add-options.js';
import { BuiltinOperator as BUILTIN } from './generated/tflite/builtin-operator.js';
import { BuiltinOptions } from './generated/tflite/builtin-options.js';
import { ConcatenationOptions } from './generated/tflite/concatenation-options.js';
import { Conv2DOptions } from './generated/tflite/conv2doptions.js';
import { DepthToSpaceOptions } from './generated/tflite/depth-to-space-options.js';
import { DepthwiseConv2DOptions } from './generated/tflite/depthwise-conv2doptions.js';
import { DivOptions } from './generated/tflite/div-options.js';
import { FullyConnectedOptions } from './generated/tflite/fully-connected-options.js';
import { LeakyReluOptions } from './generated/tflite/leaky-relu-options.js';
import { MirrorPadMode } from './generated/tflite/mirror-pad-mode.js';
import { MirrorPadOptions } from './generated/tflite/mirror-pad-options.js';
import { MulOptions } from './generated/tflite/mul-options.js';
import { Padding } from './generated/tflite/padding.js';
import { Pool2DOptions } from './generated/tflite/pool2doptions.js';
import { ReducerOptions } from './generated/tflite/reducer-options.js';
import { ReshapeOptions } from './generated/tflite/reshape-options.js';
import { ResizeBilinearOptions } from './generated/tflite/resize-bilinear-options.js';
import { ResizeNearestNeighborOptions } from './generated/tflite/resize-nearest-neighbor-options.js';
import { SqueezeOptions } from './generated/tflite/squeeze-options.js';
import { SubOptions } from './generated/tflite/sub-options.js';
import { TransposeConvOptions } from './generated/tflite/transpose-conv-options.js';
import type { OptionsTable } from './tflite-model.js';

/** What an operator converter sees of one TFLite operator. */
export interface TfliteOpContext {
  readonly b: NhwcBuilder;
  /** The operator's builtin options of type `tag`, read by the generated `table`; undefined when it has none (defaults hold). */
  options<T>(tag: BuiltinOptions, table: OptionsTable<T>): T | undefined;
  readonly inputCount: number;
  has(k: number): boolean;
  /** IR name of output `k`. */
  output(k?: number): string;
  input(k: number): string;
  /** The file's shape of input `k` (constants: as stored). */
  shape(k: number): number[] | undefined;
  outputShape(k?: number): number[] | undefined;
  constant(k: number): number[] | undefined;
  /** Constant input `k` as an initializer, permuted from TFLite's to ONNX's axis order and reshaped when asked. */
  weight(k: number, perm?: readonly number[], shape?: readonly number[]): string;
  fail(why: string): never;
}

export interface TfliteOp {
  readonly kind: string;
  /** DEQUANTIZE / QUANTIZE / DENSIFY of a constant: the output is the constant itself, dequantised and densified on demand. */
  readonly forwardsConstant?: boolean;
  convert(c: TfliteOpContext): void;
}

/** TFLite `[O, H, W, I]` filters → ONNX `[O, I, H, W]`. */
const OHWI_TO_OIHW = [0, 3, 1, 2];
/** Depthwise `[1, H, W, C·M]` → `[C·M, 1, H, W]`. */
const DEPTHWISE_TO_OIHW = [3, 0, 1, 2];
/** TRANSPOSE_CONV `[O, H, W, I]` → ONNX ConvTranspose's `[I, O, H, W]`. */
const OHWI_TO_IOHW = [3, 0, 1, 2];

/** The fused activation after an op, written to `output`. */
function fused(c: TfliteOpContext, x: string, activation: ACTIVATION, output: string): string {
  const b = c.b;
  switch (activation) {
    case ACTIVATION.NONE: return b.one('Identity', [x], {}, output);
    case ACTIVATION.RELU: return b.one('Relu', [x], {}, output);
    case ACTIVATION.RELU6: return b.one('Clip', [x, b.scalar('min', 0), b.scalar('max', 6)], {}, output);
    case ACTIVATION.RELU_N1_TO_1: return b.one('Clip', [x, b.scalar('min', -1), b.scalar('max', 1)], {}, output);
    case ACTIVATION.TANH: return b.one('Tanh', [x], {}, output);
    default: return c.fail(`fused activation ${activation} is not mapped`);
  }
}

/** Writes `op` to the output directly when there is no fused activation, else through it. */
function withActivation(c: TfliteOpContext, activation: ACTIVATION, emit: (output: string | undefined) => string): void {
  if (activation === ACTIVATION.NONE) emit(c.output());
  else fused(c, emit(undefined), activation, c.output());
}

/** The window fields the convolution and pooling options tables share. */
interface WindowOptions {
  padding(): Padding;
  strideW(): number;
  strideH(): number;
  dilationWFactor?(): number;
  dilationHFactor?(): number;
}

/** A stride, filter or dilation of 0 is one the writer left at the table's default: absent, so 1. */
const atLeastOne = (v: number | undefined) => (v ? v : 1);

function window(o: WindowOptions | undefined): WindowSpec {
  return {
    strides: [atLeastOne(o?.strideH()), atLeastOne(o?.strideW())],
    dilations: [atLeastOne(o?.dilationHFactor?.()), atLeastOne(o?.dilationWFactor?.())],
    padding: (o?.padding() ?? Padding.SAME) === Padding.SAME ? 'SAME' : 'VALID',
  };
}

/** The fused activation of an options table, NONE when the operator has no options. */
const activationOf = (o: { fusedActivationFunction(): ACTIVATION } | undefined): ACTIVATION => o?.fusedActivationFunction() ?? ACTIVATION.NONE;

const conv2d: TfliteOp = {
  kind: 'Conv2D',
  convert(c) {
    const w = c.shape(1);
    if (!w || w.length !== 4) c.fail('CONV_2D has no 4-D filter');
    const [cout, kh, kw, cinPerGroup] = w as [number, number, number, number];
    const cin = c.shape(0)?.[3] ?? cinPerGroup;
    const group = cinPerGroup > 0 && cin % cinPerGroup === 0 ? cin / cinPerGroup : 1;
    const bias = c.has(2) ? c.weight(2) : undefined;
    const o = c.options(BuiltinOptions.Conv2DOptions, new Conv2DOptions());
    const spec = window(o);
    c.b.configure({ in_channels: cin, out_channels: cout, kernel_size: [kh, kw], stride: [...spec.strides], groups: group, bias: Boolean(bias) });
    const weight = c.weight(1, OHWI_TO_OIHW);
    withActivation(c, activationOf(o), (out) => c.b.conv('Conv', c.input(0), weight, bias, spec, group, out));
  },
};

const depthwise: TfliteOp = {
  kind: 'DepthwiseConv2D',
  convert(c) {
    const w = c.shape(1);
    if (!w || w.length !== 4) c.fail('DEPTHWISE_CONV_2D has no 4-D filter');
    const [, kh, kw, cout] = w as [number, number, number, number];
    const cin = c.shape(0)?.[3];
    if (!cin) c.fail('DEPTHWISE_CONV_2D input channels are unknown');
    const bias = c.has(2) ? c.weight(2) : undefined;
    const o = c.options(BuiltinOptions.DepthwiseConv2DOptions, new DepthwiseConv2DOptions());
    const spec = window(o);
    c.b.configure({ in_channels: cin!, out_channels: cout, kernel_size: [kh, kw], stride: [...spec.strides], groups: cin!, bias: Boolean(bias) });
    const weight = c.weight(1, DEPTHWISE_TO_OIHW, [cout, 1, kh, kw]);
    withActivation(c, activationOf(o), (out) => c.b.conv('Conv', c.input(0), weight, bias, spec, cin!, out));
  },
};

const transposeConv: TfliteOp = {
  kind: 'Conv2DTranspose',
  convert(c) {
    const w = c.shape(1);
    const outShape = c.constant(0) ?? c.outputShape();
    if (!w || w.length !== 4 || !outShape || outShape.length !== 4) c.fail('TRANSPOSE_CONV needs a constant filter and output shape');
    const [cout, kh, kw, cin] = w as [number, number, number, number];
    const bias = c.inputCount > 3 && c.has(3) ? c.weight(3) : undefined;
    const o = c.options(BuiltinOptions.TransposeConvOptions, new TransposeConvOptions());
    const spec = window(o);
    c.b.configure({ in_channels: cin, out_channels: cout, kernel_size: [kh, kw], stride: [...spec.strides], groups: 1, bias: Boolean(bias) });
    const weight = c.weight(1, OHWI_TO_IOHW);
    withActivation(c, activationOf(o), (out) => c.b.conv('ConvTranspose', c.input(2), weight, bias, spec, 1, out, [outShape![1]!, outShape![2]!]));
  },
};

/** MediaPipe's custom transposed convolution with bias: inputs, `[O, H, W, I]` filter, bias; strides from the shapes. */
const mediapipeTransposeConv: TfliteOp = {
  kind: 'Conv2DTranspose',
  convert(c) {
    const w = c.shape(1);
    const inShape = c.shape(0);
    const outShape = c.outputShape();
    if (!w || w.length !== 4 || !inShape || !outShape || outShape.length !== 4) c.fail('Convolution2DTransposeBias needs known shapes');
    const [cout, kh, kw, cin] = w as [number, number, number, number];
    const strides = [Math.max(1, Math.round(outShape![1]! / inShape![1]!)), Math.max(1, Math.round(outShape![2]! / inShape![2]!))];
    const bias = c.has(2) ? c.weight(2) : undefined;
    c.b.configure({ in_channels: cin, out_channels: cout, kernel_size: [kh, kw], stride: strides, groups: 1, bias: Boolean(bias) });
    c.b.conv('ConvTranspose', c.input(0), c.weight(1, OHWI_TO_IOHW), bias, { strides, padding: 'SAME' }, 1, c.output(), [outShape![1]!, outShape![2]!]);
  },
};

const fullyConnected: TfliteOp = {
  kind: 'Dense',
  convert(c) {
    const w = c.shape(1);
    if (!w || w.length !== 2) c.fail('FULLY_CONNECTED has no 2-D weight');
    const [units, inF] = w as [number, number];
    const bias = c.inputCount > 2 && c.has(2) ? c.weight(2) : undefined;
    const weight = c.weight(1);
    c.b.configure({ units, in_features: inF, out_features: units, bias: Boolean(bias) });
    c.b.markParameters(weight, bias);
    let x = c.input(0);
    if (c.b.shape(x)?.length !== 2) x = c.b.one('Reshape', [x, c.b.int64('shape', [-1, inF])]);
    const o = c.options(BuiltinOptions.FullyConnectedOptions, new FullyConnectedOptions());
    const keep = o?.keepNumDims() ?? false;
    const target = c.outputShape();
    withActivation(c, activationOf(o), (out) => {
      const y = c.b.one('Gemm', bias ? [x, weight, bias] : [x, weight], { transB: int(1) }, keep ? undefined : out);
      return keep && target ? c.b.one('Reshape', [y, c.b.int64('shape', target.map((d, i) => (i === target.length - 1 ? d : i === 0 ? -1 : d)))], {}, out) : y;
    });
  },
};

/** Add, Sub, Mul, Div: each has its own options table holding the fused activation. */
function arithmetic<T extends { fusedActivationFunction(): ACTIVATION }>(op: string, kind: string, tag: BuiltinOptions, table: () => OptionsTable<T>): TfliteOp {
  return {
    kind,
    convert: (c) => withActivation(c, activationOf(c.options(tag, table())), (out) => c.b.one(op, [c.input(0), c.input(1)], {}, out)),
  };
}

function unary(op: string, kind: string, activation?: string, attrs: Record<string, AttrValue> = {}): TfliteOp {
  return {
    kind,
    convert(c) {
      if (activation) c.b.configure({ activation });
      c.b.one(op, [c.input(0)], attrs, c.output());
    },
  };
}

function clip(min: number, max: number, activation: string): TfliteOp {
  return {
    kind: 'Activation',
    convert(c) {
      c.b.configure({ activation });
      c.b.one('Clip', [c.input(0), c.b.scalar('min', min), c.b.scalar('max', max)], {}, c.output());
    },
  };
}

function pool(kind: 'max' | 'avg'): TfliteOp {
  return {
    kind: kind === 'max' ? 'MaxPooling2D' : 'AveragePooling2D',
    convert(c) {
      const o = c.options(BuiltinOptions.Pool2DOptions, new Pool2DOptions());
      const kernel = [atLeastOne(o?.filterHeight()), atLeastOne(o?.filterWidth())];
      const spec = window(o);
      c.b.configure({ kernel_size: kernel, stride: [...spec.strides] });
      withActivation(c, activationOf(o), (out) => c.b.pool(kind, c.input(0), kernel, spec, out));
    },
  };
}

function reduce(op: string, kind: string): TfliteOp {
  return {
    kind,
    convert(c) {
      const axes = c.constant(1);
      if (!axes) c.fail(`${op} has no constant axes`);
      c.b.one(op, [c.input(0)], { axes: ints(axes!), keepdims: int(c.options(BuiltinOptions.ReducerOptions, new ReducerOptions())?.keepDims() ? 1 : 0) }, c.output());
    },
  };
}

interface ResizeOptions {
  alignCorners(): boolean;
  halfPixelCenters(): boolean;
}

function resize<T extends ResizeOptions>(mode: 'linear' | 'nearest', tag: BuiltinOptions, table: () => OptionsTable<T>): TfliteOp {
  return {
    kind: 'UpSampling2D',
    convert(c) {
      const size = c.constant(1) ?? c.outputShape()?.slice(1, 3);
      if (!size || size.length !== 2) c.fail('RESIZE has no constant size');
      const o = c.options(tag, table());
      c.b.resize(c.input(0), size!, mode, o?.alignCorners() ?? false, o?.halfPixelCenters() ?? false, c.output());
    },
  };
}

const reshape: TfliteOp = {
  kind: 'Reshape',
  convert(c) {
    const o = c.options(BuiltinOptions.ReshapeOptions, new ReshapeOptions());
    const newShape = o ? Array.from({ length: o.newShapeLength() }, (_, i) => o.newShape(i)!) : [];
    const shape = (c.inputCount > 1 && c.has(1) ? c.constant(1) : undefined) ?? (newShape.length ? newShape : undefined) ?? c.outputShape();
    if (!shape) c.fail('RESHAPE has no constant shape');
    c.b.one('Reshape', [c.input(0), c.b.int64('shape', shape!)], {}, c.output());
  },
};

/** DEPTH_TO_SPACE (MediaPipe detector heads). */
const depthToSpace: TfliteOp = {
  kind: 'Reshape',
  convert(c) {
    const block = c.options(BuiltinOptions.DepthToSpaceOptions, new DepthToSpaceOptions())?.blockSize() ?? 0;
    const shape = c.shape(0);
    if (!shape || shape.length !== 4 || shape.some((d) => d < 1) || block < 1 || shape[3]! % (block * block) !== 0) c.fail(`DEPTH_TO_SPACE of block ${block} on [${shape}] is not mapped`);
    depthToSpaceNodes(c.b, c.input(0), shape as [number, number, number, number], block, c.output());
  },
};

function pad(mode: 'constant' | 'reflect'): TfliteOp {
  return {
    kind: 'ZeroPadding2D',
    convert(c) {
      const p = c.constant(1);
      if (!p || p.length % 2) c.fail('PAD has no constant paddings');
      const rank = p!.length / 2;
      const pads = [...Array.from({ length: rank }, (_, i) => p![2 * i]!), ...Array.from({ length: rank }, (_, i) => p![2 * i + 1]!)];
      const inputs = [c.input(0), c.b.int64('pads', pads)];
      if (mode === 'constant' && c.inputCount > 2 && c.has(2)) inputs.push(c.input(2));
      const reflect = mode === 'reflect' && (c.options(BuiltinOptions.MirrorPadOptions, new MirrorPadOptions())?.mode() ?? MirrorPadMode.REFLECT) === MirrorPadMode.REFLECT;
      c.b.one('Pad', inputs, { mode: { type: 'string', value: mode === 'constant' ? 'constant' : reflect ? 'reflect' : 'edge' } }, c.output());
    },
  };
}

const forward: TfliteOp = { kind: 'Identity', forwardsConstant: true, convert: (c) => void c.b.one('Identity', [c.input(0)], {}, c.output()) };

/** TFLite builtin operators (by `BuiltinOperator` value) as ONNX ops in NHWC; others become `Unknown` nodes. */
export const TFLITE_OPS: Readonly<Record<number, TfliteOp>> = {
  [BUILTIN.CONV_2D]: conv2d,
  [BUILTIN.DEPTHWISE_CONV_2D]: depthwise,
  [BUILTIN.TRANSPOSE_CONV]: transposeConv,
  [BUILTIN.FULLY_CONNECTED]: fullyConnected,
  [BUILTIN.DEQUANTIZE]: forward, [BUILTIN.DENSIFY]: forward,
  [BUILTIN.QUANTIZE]: forward,
  [BUILTIN.ADD]: arithmetic('Add', 'Add', BuiltinOptions.AddOptions, () => new AddOptions()),
  [BUILTIN.SUB]: arithmetic('Sub', 'Subtract', BuiltinOptions.SubOptions, () => new SubOptions()),
  [BUILTIN.MUL]: arithmetic('Mul', 'Multiply', BuiltinOptions.MulOptions, () => new MulOptions()),
  [BUILTIN.DIV]: arithmetic('Div', 'Divide', BuiltinOptions.DivOptions, () => new DivOptions()),
  [BUILTIN.MAXIMUM]: { kind: 'Maximum', convert: (c) => void c.b.one('Max', [c.input(0), c.input(1)], {}, c.output()) },
  [BUILTIN.MINIMUM]: { kind: 'Minimum', convert: (c) => void c.b.one('Min', [c.input(0), c.input(1)], {}, c.output()) },
  [BUILTIN.LOGISTIC]: unary('Sigmoid', 'Activation', 'sigmoid'),
  [BUILTIN.TANH]: unary('Tanh', 'Activation', 'tanh'),
  [BUILTIN.RELU]: unary('Relu', 'ReLU'),
  [BUILTIN.RELU6]: clip(0, 6, 'relu6'),
  [BUILTIN.RELU_N1_TO_1]: clip(-1, 1, 'relu_n1_to_1'),
  [BUILTIN.HARD_SWISH]: unary('HardSwish', 'Activation', 'hardSwish'),
  [BUILTIN.ELU]: unary('Elu', 'Activation', 'elu'),
  [BUILTIN.GELU]: unary('Gelu', 'Activation', 'gelu'),
  [BUILTIN.LEAKY_RELU]: { kind: 'LeakyReLU', convert: (c) => void c.b.one('LeakyRelu', [c.input(0)], { alpha: float(c.options(BuiltinOptions.LeakyReluOptions, new LeakyReluOptions())?.alpha() ?? 0.2) }, c.output()) },
  [BUILTIN.PRELU]: { kind: 'PReLU', convert: (c) => { const slope = c.weight(1); c.b.markParameters(slope); c.b.one('PRelu', [c.input(0), slope], {}, c.output()); } },
  [BUILTIN.SOFTMAX]: unary('Softmax', 'Softmax', undefined, { axis: int(-1) }),
  [BUILTIN.EXP]: unary('Exp', 'Exp'),
  [BUILTIN.NEG]: unary('Neg', 'Neg'),
  [BUILTIN.ABS]: unary('Abs', 'Abs'),
  [BUILTIN.SQRT]: unary('Sqrt', 'Sqrt'),
  [BUILTIN.AVERAGE_POOL_2D]: pool('avg'),
  [BUILTIN.MAX_POOL_2D]: pool('max'),
  [BUILTIN.MEAN]: reduce('ReduceMean', 'GlobalAveragePooling2D'),
  [BUILTIN.REDUCE_MAX]: reduce('ReduceMax', 'GlobalMaxPooling2D'),
  [BUILTIN.SUM]: reduce('ReduceSum', 'ReduceSum'),
  [BUILTIN.RESHAPE]: reshape, [BUILTIN.DEPTH_TO_SPACE]: depthToSpace,
  [BUILTIN.SQUEEZE]: {
    kind: 'Reshape',
    convert(c) {
      const o = c.options(BuiltinOptions.SqueezeOptions, new SqueezeOptions());
      const dims = o ? Array.from({ length: o.squeezeDimsLength() }, (_, i) => o.squeezeDims(i)!) : [];
      c.b.one('Squeeze', dims.length ? [c.input(0), c.b.int64('axes', dims)] : [c.input(0)], {}, c.output());
    },
  },
  [BUILTIN.EXPAND_DIMS]: {
    kind: 'Reshape',
    convert(c) {
      const axis = c.constant(1);
      if (!axis) c.fail('EXPAND_DIMS has no constant axis');
      c.b.one('Unsqueeze', [c.input(0), c.b.int64('axes', axis!)], {}, c.output());
    },
  },
  [BUILTIN.CONCATENATION]: {
    kind: 'Concatenate',
    convert(c) {
      const inputs = Array.from({ length: c.inputCount }, (_, k) => c.input(k));
      const o = c.options(BuiltinOptions.ConcatenationOptions, new ConcatenationOptions());
      withActivation(c, activationOf(o), (out) => c.b.one('Concat', inputs, { axis: int(o?.axis() ?? 0) }, out));
    },
  },
  [BUILTIN.ADD_N]: {
    kind: 'Add',
    convert(c) {
      let acc = c.input(0);
      for (let k = 1; k < c.inputCount; k++) acc = c.b.one('Add', [acc, c.input(k)], {}, k === c.inputCount - 1 ? c.output() : undefined);
      if (c.inputCount === 1) c.b.one('Identity', [acc], {}, c.output());
    },
  },
  [BUILTIN.TRANSPOSE]: {
    kind: 'Permute',
    convert(c) {
      const perm = c.constant(1);
      if (!perm) c.fail('TRANSPOSE has no constant permutation');
      c.b.one('Transpose', [c.input(0)], { perm: ints(perm!) }, c.output());
    },
  },
  [BUILTIN.PAD]: pad('constant'),
  [BUILTIN.PADV2]: pad('constant'),
  [BUILTIN.MIRROR_PAD]: pad('reflect'),
  [BUILTIN.RESIZE_BILINEAR]: resize('linear', BuiltinOptions.ResizeBilinearOptions, () => new ResizeBilinearOptions()),
  [BUILTIN.RESIZE_NEAREST_NEIGHBOR]: resize('nearest', BuiltinOptions.ResizeNearestNeighborOptions, () => new ResizeNearestNeighborOptions()),
};

/** Custom operators known by name (MediaPipe's), looked up when the builtin code is CUSTOM. */
export const CUSTOM_OPS: Readonly<Record<string, TfliteOp>> = {
  Convolution2DTransposeBias: mediapipeTransposeConv,
};
