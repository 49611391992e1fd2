import type { AttrValue, Dim, SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { windowOut } from '../shape-math.js';
import { samePads } from './layers.js';
import { num, numbers, type TsValue } from './values.js';

/**
 * Convolution and pooling written with tf ops, as custom layers' `call()` does (`tf.conv2d(x, this.kernel.read(), 1, 'same')`,
 * `tf.avgPool(x, [h, w], 1, 'valid')`): channels-last tensors, TF.js filter layouts ([h, w, in, out],
 * depthwise [h, w, in, multiplier], conv1d [w, in, out]). Each becomes what a converter makes of it:
 * transposes around one channels-first ONNX Conv or pool, the filter stored channels first.
 */
export const WINDOW_OPS: ReadonlySet<string> = new Set(['conv1d', 'conv2d', 'depthwiseConv2d', 'avgPool', 'maxPool']);

export class WindowOpError extends Error {}

const ints = (value: number[]): AttrValue => ({ type: 'ints', value });

/** `strides` / `dilations` argument: a number for every spatial axis, or one per axis. */
function perAxis(v: TsValue | undefined, n: number, fallback: number, what: string): number[] {
  if (v === undefined || v.k === 'undef' || v.k === 'null') return Array<number>(n).fill(fallback);
  const one = num(v);
  if (one !== undefined) return Array<number>(n).fill(one);
  const xs = numbers(v);
  if (!xs || xs.length !== n) throw new WindowOpError(`${what} is not known`);
  return xs;
}

/** `'same'`, `'valid'`, or explicit pads (a number, or TF.js's [[0, 0], [t, b], [l, r], [0, 0]]): begin and end per spatial axis. */
function padsOf(pad: TsValue | undefined, spatial: readonly Dim[], kernel: number[], strides: number[], dilations: number[]): [number[], number[]] {
  const n = spatial.length;
  if (pad?.k === 'str' && (pad.v === 'same' || pad.v === 'valid')) {
    const pairs = spatial.map((d, i) => (pad.v === 'same' ? samePads(d, kernel[i]!, strides[i]!, dilations[i]!) : [0, 0]));
    return [pairs.map((p) => p[0]!), pairs.map((p) => p[1]!)];
  }
  const p = num(pad);
  if (p !== undefined) return [Array<number>(n).fill(p), Array<number>(n).fill(p)];
  if (pad?.k === 'arr' && pad.items.length === n + 2) {
    const rows = pad.items.slice(1, -1).map(numbers);
    if (rows.every((r) => r?.length === 2)) return [rows.map((r) => r![0]!), rows.map((r) => r![1]!)];
  }
  throw new WindowOpError('pad is not known');
}

/**
 * The filter in ONNX layout, from `filter` read as `shape` (a depthwise filter as [h, w, 1, in·multiplier]):
 * a weight gets a channels-first copy (as converters store it), another tensor a Reshape and a Transpose.
 */
function channelsFirstFilter(b: GraphBuilder, filter: TensorRef, shape: number[], perm: number[], range: SourceRange): string {
  const target = perm.map((p) => shape[p]!);
  if (b.graph.initializers.has(filter.name)) {
    const name = `${filter.name}/channels_first`;
    return b.graph.initializers.has(name) ? name : b.namedWeight(name, target);
  }
  const same = filter.shape?.length === shape.length && filter.shape.every((d, i) => d === shape[i]);
  const read = same ? filter : b.one({ op: 'Reshape', inputs: [filter.name, b.int64('shape', shape)], outputShape: shape, range });
  return b.one({ op: 'Transpose', inputs: [read.name], outputShape: target, range, attrs: { perm: ints(perm) } }).name;
}

/**
 * Emits `tf.<name>(x, ...)` for a window op; `x` is channels last ([batch, ...spatial, channels]).
 * Throws WindowOpError when the input, the filter or an attribute is not known.
 */
export function emitWindowOp(b: GraphBuilder, name: string, x: TensorRef, args: TsValue[], range: SourceRange): TensorRef {
  const s = x.shape;
  const rank = name === 'conv1d' ? 3 : 4;
  const c = s?.[s.length - 1];
  if (!s || s.length !== rank || typeof c !== 'number') throw new WindowOpError(`the input is not a known channels-last tensor of rank ${rank}`);
  const spatial = s.slice(1, -1);
  const n = spatial.length;
  const pool = name === 'avgPool' || name === 'maxPool';
  let kernel: number[];
  let weight: string | undefined;
  let outC = c;
  let group = 1;
  if (pool) {
    if (args[1] === undefined || args[1].k === 'undef') throw new WindowOpError('filterSize is not known');
    kernel = perAxis(args[1], n, 1, 'filterSize');
  } else {
    const filter = args[1];
    const fs = filter?.k === 'tensor' || filter?.k === 'weight' ? filter.t.shape : undefined;
    if (!fs || fs.length !== n + 2 || fs.some((d) => typeof d !== 'number')) throw new WindowOpError('the filter is not a known tensor');
    const f = fs as number[];
    kernel = f.slice(0, n);
    if (f[n] !== c) throw new WindowOpError(`the filter reads ${f[n]} channels, the input has ${c}`);
    if (name === 'depthwiseConv2d') {
      // [h, w, in, multiplier] → [in·multiplier, 1, h, w], one group per input channel.
      outC = c * f[n + 1]!;
      group = c;
      const t = (filter as { t: TensorRef }).t;
      weight = channelsFirstFilter(b, t, [...kernel, 1, outC], [n + 1, n, ...kernel.map((_, i) => i)], range);
    } else {
      outC = f[n + 1]!;
      weight = channelsFirstFilter(b, (filter as { t: TensorRef }).t, f, [n + 1, n, ...kernel.map((_, i) => i)], range);
    }
  }
  // conv1d(x, filter, stride, pad, dataFormat, dilation); conv2d and depthwiseConv2d(x, filter, strides, pad, dataFormat, dilations); pools(x, filterSize, strides, pad).
  const strides = perAxis(args[2], n, 1, 'strides');
  const dilations = pool ? kernel.map(() => 1) : perAxis(args[5], n, 1, 'dilations');
  const format = args[4]?.k === 'str' ? args[4].v : undefined;
  if (!pool && format !== undefined && format !== 'NHWC' && format !== 'NWC') throw new WindowOpError(`dataFormat ${format} is not interpreted`);
  const [begin, end] = padsOf(args[3], spatial, kernel, strides, dilations);
  const out = spatial.map((d, i) => windowOut(d, kernel[i]!, strides[i]!, begin[i]!, end[i]!, dilations[i]!));
  // A pool as wide as its input (`tf.avgPool(x, [h, w], 1, 'valid')`) is a global one: reduced where the channels are last, no transposes.
  if (pool && spatial.every((d, i) => d === kernel[i] && begin[i] === 0 && end[i] === 0)) {
    const axes = spatial.map((_, i) => i + 1);
    return b.one({ op: name === 'avgPool' ? 'ReduceMean' : 'ReduceMax', inputs: [x.name], outputShape: [s[0]!, ...out, c], range, attrs: { axes: ints(axes), keepdims: { type: 'int', value: 1 } } });
  }
  const toFirst = [0, rank - 1, ...spatial.map((_, i) => i + 1)];
  const nchw = b.one({ op: 'Transpose', inputs: [x.name], outputShape: toFirst.map((p) => s[p]!), range, attrs: { perm: ints(toFirst) } });
  const windowAttrs = { kernel_shape: ints(kernel), strides: ints(strides), pads: ints([...begin, ...end]) };
  const y = pool
    ? b.one({ op: name === 'avgPool' ? 'AveragePool' : 'MaxPool', inputs: [nchw.name], outputShape: [s[0]!, c, ...out], range, attrs: windowAttrs })
    : b.one({ op: 'Conv', inputs: [nchw.name, weight!], outputShape: [s[0]!, outC, ...out], range, attrs: { ...windowAttrs, dilations: ints(dilations), group: { type: 'int', value: group } } });
  const toLast = [0, ...spatial.map((_, i) => i + 2), 1];
  return b.one({ op: 'Transpose', inputs: [y.name], outputShape: toLast.map((p) => y.shape![p]!), range, attrs: { perm: ints(toLast) } });
}

/**
 * `tf.add(conv, bias)` right after a window op's Conv: the bias becomes the Conv's third input, as in a
 * converted model, so that the convolution's parameters are counted together. Undefined when it does not apply.
 */
export function convBias(b: GraphBuilder, x: TensorRef, bias: TensorRef): TensorRef | undefined {
  const nodes = b.graph.nodes;
  const back = nodes[nodes.length - 1];
  const conv = nodes[nodes.length - 2];
  const init = b.graph.initializers.get(bias.name);
  if (!back || !conv || back.op !== 'Transpose' || back.outputs[0] !== x.name || conv.op !== 'Conv' || back.inputs[0] !== conv.outputs[0] || conv.inputs.length !== 2) return undefined;
  const outC = b.graph.values.get(conv.outputs[0]!)?.shape?.[1];
  if (!init || init.shape.length !== 1 || init.shape[0] !== outC) return undefined;
  nodes[nodes.length - 2] = { ...conv, inputs: [...conv.inputs, bias.name] };
  return { name: x.name, shape: x.shape };
}
