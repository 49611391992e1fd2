import type { AttrValue } from '../../ir/graph.js';
import { float, int, ints, type NhwcBuilder, type WindowSpec } from '../nhwc-builder.js';
import { tfOpLambda } from './tf-op-lambda.js';

/** What a layer converter sees of one call of a Keras / TF.js layer. */
export interface LayerCall {
  readonly className: string;
  readonly name: string;
  readonly config: Readonly<Record<string, unknown>>;
  readonly b: NhwcBuilder;
  readonly inputs: readonly string[];
  /** The call's keyword arguments (Keras 2); a tensor among them is `{input: k}`, the k-th of `inputs`. */
  readonly kwargs: Readonly<Record<string, unknown>>;
  /** Slope of `hard_sigmoid`: 0.2 in TF.js and Keras 2 (clip(0.2·x + 0.5, 0, 1)), 1/6 in Keras 3 (relu6(x + 3) / 6). */
  readonly hardSigmoidSlope: number;
  /** The layer's weight `param` (`kernel`, `bias`, `gamma`, ...) as an initializer, permuted and reshaped when asked; undefined when absent. */
  weight(param: string, perm?: readonly number[], shape?: readonly number[]): string | undefined;
  /** The TF shape of the layer's weight `param`. */
  weightShape(param: string): number[] | undefined;
  fail(why: string): never;
}

export type LayerConverter = (call: LayerCall) => string;

const HWIO_TO_OIHW = [3, 2, 0, 1];
const DEPTHWISE_TO_OIHW = [2, 3, 0, 1];

const num = (v: unknown, fallback: number): number => (typeof v === 'number' ? v : fallback);
const pair = (v: unknown, fallback: number): [number, number] => (Array.isArray(v) ? [num(v[0], fallback), num(v[1] ?? v[0], fallback)] : [num(v, fallback), num(v, fallback)]);

/** Keras writes activation names in snake case, TF.js in camel case; the IR's activation rows use TF.js's. */
export function activationName(v: unknown): string {
  const s = typeof v === 'string' ? v : v && typeof v === 'object' ? String((v as { class_name?: unknown }).class_name ?? 'linear') : 'linear';
  const camel = s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return camel === 'hardSigmoid' || camel === 'relu6' || camel === 'logSoftmax' ? camel : camel.charAt(0).toLowerCase() + camel.slice(1);
}

/** A call's argument as a tensor: a number as a scalar constant named `name`, `{ input: k }` as the call's k-th input. */
export function argumentTensor(c: LayerCall, value: unknown, name: string): string | undefined {
  if (typeof value === 'number') return c.b.scalar(name, value);
  const input = value && typeof value === 'object' ? (value as { input?: unknown }).input : undefined;
  return typeof input === 'number' ? c.inputs[input] : undefined;
}

/** A reduction's `axis` (one or a list) as constant axes; `what` names the call when it is not. */
export function constantAxes(c: LayerCall, axis: unknown, what: string): number[] {
  if (typeof axis === 'number') return [axis];
  if (Array.isArray(axis) && axis.every((a) => typeof a === 'number')) return axis as number[];
  return c.fail(`${what} has no constant axis`);
}

/** The nodes of a named activation; `linear` adds none. */
export function applyActivation(c: LayerCall, name: string, x: string): string {
  const b = c.b;
  switch (name) {
    case 'linear': return x;
    case 'relu': return b.one('Relu', [x]);
    case 'relu6': return b.one('Clip', [x, b.scalar('min', 0), b.scalar('max', 6)]);
    case 'sigmoid': return b.one('Sigmoid', [x]);
    case 'hardSigmoid': return b.one('HardSigmoid', [x], { alpha: float(c.hardSigmoidSlope), beta: float(0.5) });
    case 'tanh': return b.one('Tanh', [x]);
    case 'elu': return b.one('Elu', [x]);
    case 'selu': return b.one('Selu', [x]);
    case 'softplus': return b.one('Softplus', [x]);
    case 'softsign': return b.one('Softsign', [x]);
    case 'softmax': return b.one('Softmax', [x], { axis: int(-1) });
    case 'swish': case 'silu': return b.one('Mul', [x, b.one('Sigmoid', [x])]);
    // Keras 3: hard_silu / hard_swish = x · relu6(x + 3) / 6.
    case 'hardSwish': case 'hardSilu': return b.one('HardSwish', [x]);
    case 'gelu': return b.one('Gelu', [x]);
    case 'mish': return b.one('Mish', [x]);
    default: return c.fail(`activation "${name}" is not mapped`);
  }
}

function windowOf(c: LayerCall, strideKey = 'strides'): WindowSpec {
  if (c.config['data_format'] === 'channels_first') c.fail(`${c.className} "${c.name}" is channels_first, only channels_last is mapped`);
  const padding = c.config['padding'] === 'same' ? 'SAME' : 'VALID';
  return { strides: pair(c.config[strideKey], 1), dilations: pair(c.config['dilation_rate'], 1), padding };
}

function conv(depthwise: boolean): LayerConverter {
  return (c) => {
    const name = depthwise ? 'depthwise_kernel' : 'kernel';
    const w = c.weightShape(name);
    if (!w || w.length !== 4) c.fail(`${c.className} "${c.name}" has no 4-D ${name}`);
    const [kh, kw, cin, m] = w as [number, number, number, number];
    const cout = depthwise ? cin * m : m;
    const weight = depthwise ? c.weight(name, DEPTHWISE_TO_OIHW, [cout, 1, kh, kw])! : c.weight(name, HWIO_TO_OIHW)!;
    const bias = c.config['use_bias'] === false ? undefined : c.weight('bias');
    const window = windowOf(c);
    const activation = activationName(c.config['activation']);
    c.b.configure({ in_channels: cin, out_channels: cout, kernel_size: [kh, kw], stride: [...window.strides], groups: depthwise ? cin : 1, bias: Boolean(bias), activation });
    return applyActivation(c, activation, c.b.conv('Conv', c.inputs[0]!, weight, bias, window, depthwise ? cin : 1));
  };
}

const convTranspose: LayerConverter = (c) => {
  const w = c.weightShape('kernel');
  const x = c.b.shape(c.inputs[0]!);
  if (!w || w.length !== 4) c.fail(`Conv2DTranspose "${c.name}" has no 4-D kernel`);
  const [kh, kw, cout, cin] = w as [number, number, number, number];
  const window = windowOf(c);
  // Keras' output size: in·stride for SAME, (in − 1)·stride + k for VALID.
  const size = [kh, kw].map((k, i) => {
    const d = x?.[i + 1];
    return typeof d !== 'number' ? undefined : window.padding === 'SAME' ? d * window.strides[i]! : (d - 1) * window.strides[i]! + k;
  });
  if (size.some((d) => d === undefined)) c.fail(`Conv2DTranspose "${c.name}" needs a known input size`);
  const bias = c.config['use_bias'] === false ? undefined : c.weight('bias');
  const activation = activationName(c.config['activation']);
  c.b.configure({ in_channels: cin, out_channels: cout, kernel_size: [kh, kw], stride: [...window.strides], groups: 1, bias: Boolean(bias), activation });
  // Keras' [kH, kW, C_out, C_in] kernel → ONNX ConvTranspose's [C_in, C_out, kH, kW].
  return applyActivation(c, activation, c.b.conv('ConvTranspose', c.inputs[0]!, c.weight('kernel', [3, 2, 0, 1])!, bias, window, 1, undefined, size as number[]));
};

const separable: LayerConverter = (c) => {
  const dw = c.weightShape('depthwise_kernel');
  const pw = c.weightShape('pointwise_kernel');
  if (!dw || dw.length !== 4 || !pw || pw.length !== 4) c.fail(`SeparableConv2D "${c.name}" lacks its kernels`);
  const [kh, kw, cin, m] = dw as [number, number, number, number];
  const cout = pw![3]!;
  const window = windowOf(c);
  const depthwise = c.b.conv('Conv', c.inputs[0]!, c.weight('depthwise_kernel', DEPTHWISE_TO_OIHW, [cin * m, 1, kh, kw])!, undefined, window, cin);
  const bias = c.config['use_bias'] === false ? undefined : c.weight('bias');
  const activation = activationName(c.config['activation']);
  c.b.configure({ in_channels: cin, out_channels: cout, kernel_size: [kh, kw], stride: [...window.strides], groups: 1, bias: Boolean(bias), activation }, 'SeparableConv2D');
  return applyActivation(c, activation, c.b.conv('Conv', depthwise, c.weight('pointwise_kernel', HWIO_TO_OIHW)!, bias, { strides: [1, 1], padding: 'VALID' }, 1));
};

const dense: LayerConverter = (c) => {
  const w = c.weightShape('kernel');
  if (!w || w.length !== 2) c.fail(`Dense "${c.name}" has no 2-D kernel`);
  const [inF, units] = w as [number, number];
  const kernel = c.weight('kernel')!;
  const bias = c.config['use_bias'] === false ? undefined : c.weight('bias');
  const activation = activationName(c.config['activation']);
  c.b.configure({ units, in_features: inF, out_features: units, bias: Boolean(bias), activation });
  c.b.markParameters(kernel, bias);
  const x = c.inputs[0]!;
  let y: string;
  if (c.b.shape(x)?.length === 2) y = c.b.one('Gemm', bias ? [x, kernel, bias] : [x, kernel]);
  else {
    y = c.b.one('MatMul', [x, kernel]);
    if (bias) y = c.b.one('Add', [y, bias]);
  }
  return applyActivation(c, activation, y);
};

const batchNorm: LayerConverter = (c) => {
  const x = c.inputs[0]!;
  const channels = c.weightShape('moving_mean')?.[0];
  if (channels === undefined) c.fail(`BatchNormalization "${c.name}" has no moving_mean`);
  const axis = c.config['axis'];
  const rank = c.b.shape(x)?.length ?? 4;
  if (axis !== undefined && axis !== -1 && axis !== rank - 1 && !(Array.isArray(axis) && (axis[0] === -1 || axis[0] === rank - 1))) c.fail(`BatchNormalization "${c.name}" normalises axis ${JSON.stringify(axis)}, not the channels`);
  const filled = (value: number) => c.b.addInitializer(c.b.fresh(`${c.name}/${value ? 'ones' : 'zeros'}`), { dtype: 'float32', shape: [channels!], values: new Float32Array(channels!).fill(value) });
  const gamma = c.weight('gamma') ?? filled(1);
  const beta = c.weight('beta') ?? filled(0);
  const mean = c.weight('moving_mean')!;
  const variance = c.weight('moving_variance')!;
  c.b.markParameters(c.weight('gamma'), c.weight('beta'), mean, variance);
  c.b.configure({ num_features: channels!, affine: true });
  const eps: AttrValue = float(num(c.config['epsilon'], 1e-3));
  if (rank !== 4) {
    const y = c.b.one('BatchNormalization', [c.b.one('Transpose', [x], { perm: ints([0, rank - 1, ...Array.from({ length: rank - 2 }, (_, i) => i + 1)]) }), gamma, beta, mean, variance], { epsilon: eps });
    return c.b.one('Transpose', [y], { perm: ints([0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2), 1]) });
  }
  const y = c.b.one('BatchNormalization', [c.b.one('Transpose', [x], { perm: ints([0, 3, 1, 2]) }), gamma, beta, mean, variance], { epsilon: eps });
  return c.b.one('Transpose', [y], { perm: ints([0, 2, 3, 1]) });
};

function globalPool(op: 'ReduceMean' | 'ReduceMax'): LayerConverter {
  return (c) => c.b.one(op, [c.inputs[0]!], { axes: ints([1, 2]), keepdims: int(c.config['keepdims'] === true ? 1 : 0) });
}

function pool(kind: 'max' | 'avg'): LayerConverter {
  return (c) => {
    const size = pair(c.config['pool_size'], 2);
    const window = windowOf(c);
    const strides = c.config['strides'] === null || c.config['strides'] === undefined ? size : window.strides;
    c.b.configure({ kernel_size: size, stride: [...strides] });
    return c.b.pool(kind, c.inputs[0]!, size, { ...window, strides });
  };
}

function merge(op: string): LayerConverter {
  return (c) => {
    if (c.inputs.length < 2) c.fail(`${c.className} "${c.name}" needs two or more inputs`);
    let acc = c.inputs[0]!;
    for (const other of c.inputs.slice(1)) acc = c.b.one(op, [acc, other]);
    return acc;
  };
}

const identity: LayerConverter = (c) => c.b.one('Identity', [c.inputs[0]!]);

/** Keras / TF.js layer classes, as ONNX ops in NHWC. A class missing here makes an `Unknown` node. */
export const LAYERS: Readonly<Record<string, LayerConverter>> = {
  Conv2D: conv(false),
  DepthwiseConv2D: conv(true),
  SeparableConv2D: separable,
  Conv2DTranspose: convTranspose,
  Rescaling: (c) => {
    const scale = c.b.one('Mul', [c.inputs[0]!, c.b.scalar('scale', num(c.config['scale'], 1))]);
    return c.b.one('Add', [scale, c.b.scalar('offset', num(c.config['offset'], 0))]);
  },
  Dense: dense,
  BatchNormalization: batchNorm,
  Activation: (c) => {
    const name = activationName(c.config['activation']);
    c.b.configure({ activation: name });
    return name === 'linear' ? identity(c) : applyActivation(c, name, c.inputs[0]!);
  },
  ReLU: (c) => {
    const max = c.config['max_value'];
    if (typeof max === 'number') return c.b.one('Clip', [c.inputs[0]!, c.b.scalar('min', 0), c.b.scalar('max', max)]);
    return c.b.one('Relu', [c.inputs[0]!]);
  },
  LeakyReLU: (c) => c.b.one('LeakyRelu', [c.inputs[0]!], { alpha: float(num(c.config['alpha'], 0.3)) }),
  ELU: (c) => c.b.one('Elu', [c.inputs[0]!], { alpha: float(num(c.config['alpha'], 1)) }),
  PReLU: (c) => {
    const alpha = c.weight('alpha');
    if (!alpha) c.fail(`PReLU "${c.name}" has no alpha`);
    c.b.markParameters(alpha);
    return c.b.one('PRelu', [c.inputs[0]!, alpha!]);
  },
  Softmax: (c) => c.b.one('Softmax', [c.inputs[0]!], { axis: int(num(c.config['axis'], -1)) }),
  GlobalAveragePooling2D: globalPool('ReduceMean'),
  GlobalMaxPooling2D: globalPool('ReduceMax'),
  MaxPooling2D: pool('max'),
  AveragePooling2D: pool('avg'),
  Reshape: (c) => {
    const target = c.config['target_shape'];
    if (!Array.isArray(target) || !target.every((d) => typeof d === 'number')) c.fail(`Reshape "${c.name}" has no target_shape`);
    // 0 keeps the batch dimension as it is.
    return c.b.one('Reshape', [c.inputs[0]!, c.b.int64('shape', [0, ...(target as number[])])]);
  },
  Flatten: (c) => c.b.one('Flatten', [c.inputs[0]!], { axis: int(1) }),
  Permute: (c) => {
    const dims = c.config['dims'];
    if (!Array.isArray(dims)) c.fail(`Permute "${c.name}" has no dims`);
    return c.b.one('Transpose', [c.inputs[0]!], { perm: ints([0, ...(dims as number[])]) });
  },
  Dropout: identity, SpatialDropout2D: identity, GaussianNoise: identity, GaussianDropout: identity, AlphaDropout: identity,
  TFOpLambda: tfOpLambda,
  Multiply: merge('Mul'), Add: merge('Add'), Subtract: merge('Sub'), Maximum: merge('Max'), Minimum: merge('Min'),
  Concatenate: (c) => c.b.one('Concat', [...c.inputs], { axis: int(num(c.config['axis'], -1)) }),
  ZeroPadding2D: (c) => {
    const p = c.config['padding'];
    const [[t, bt], [l, r]] = Array.isArray(p) && Array.isArray(p[0]) ? (p as [[number, number], [number, number]]) : [pair(p, 1), pair(p, 1)];
    return c.b.one('Pad', [c.inputs[0]!, c.b.int64('pads', [0, t, l, 0, 0, bt, r, 0])], { mode: { type: 'string', value: 'constant' } });
  },
  UpSampling2D: (c) => {
    const [sh, sw] = pair(c.config['size'], 2);
    const s = c.b.shape(c.inputs[0]!);
    const h = s?.[1];
    const w = s?.[2];
    if (typeof h !== 'number' || typeof w !== 'number') c.fail(`UpSampling2D "${c.name}" needs a known input size`);
    return c.b.resize(c.inputs[0]!, [(h as number) * sh, (w as number) * sw], c.config['interpolation'] === 'bilinear' ? 'linear' : 'nearest', false, false);
  },
};
