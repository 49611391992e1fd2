import { attrFloat, attrInt, attrInts, attrString } from '../ir/graph-index.js';
import type { Dim } from '../ir/graph.js';
import { addDim, broadcast, divDim, divideDims, isKnown, normAxis, productDims, scaleDim, subtractDims, sumDims, symbol, windowOut } from './dims.js';
import type { InferContext, InferredOutput, ShapeRule } from './infer-context.js';

const same: ShapeRule = (c) => [{ dtype: c.dtype(0), shape: c.shape(0) }];
const out = (c: InferContext, shape: Dim[] | undefined, constant?: Dim[]): InferredOutput[] => [
  constant ? { dtype: c.dtype(0), shape, constant } : { dtype: c.dtype(0), shape },
];
const name = (c: InferContext, i = 0) => c.node.outputs[i] ?? c.node.id;

/** Axes from the attribute (older opsets) or from the second input (newer ones). */
function axes(c: InferContext, inputIndex: number): number[] | undefined {
  return attrInts(c.node, 'axes') ?? (c.has(inputIndex) ? c.constant(inputIndex) : undefined);
}

/** Folds shape math element by element, symbolic sizes included (`h * w`, `h // 2`); `undefined` stops the fold. */
function elementwise(fold?: (a: Dim, b: Dim) => Dim | undefined): ShapeRule {
  return (c) => {
    const a = c.shape(0);
    const b = c.shape(1);
    const shape = a && b ? broadcast(a, b, name(c)) : undefined;
    const x = c.dims(0);
    const y = c.dims(1);
    let constant: Dim[] | undefined;
    if (fold && x && y && (x.length === y.length || x.length === 1 || y.length === 1)) {
      const values = Array.from({ length: Math.max(x.length, y.length) }, (_, i) => fold(x[x.length === 1 ? 0 : i]!, y[y.length === 1 ? 0 : i]!));
      constant = values.every((v) => v !== undefined) ? (values as Dim[]) : undefined;
    }
    return out(c, shape, constant);
  };
}

const numeric = (f: (a: number, b: number) => number, symbolic: (a: Dim, b: Dim) => Dim | undefined) =>
  (a: Dim, b: Dim): Dim | undefined => (isKnown(a) && isKnown(b) ? f(a, b) : symbolic(a, b));

/** Integer division as shape math uses it (sizes are non-negative, so truncation is the floor). */
function divideDim(a: Dim, b: Dim): Dim | undefined {
  if (isKnown(b) && Number.isInteger(b) && b >= 1) return divDim(a, b, 'floor');
  return a === b ? 1 : undefined;
}

function spatial(c: InferContext, kernel: number[] | undefined, channels: Dim | undefined, ceil: boolean): Dim[] | undefined {
  const x = c.shape(0);
  if (!x || x.length < 3) return undefined;
  const n = x.length - 2;
  const k = kernel ?? [];
  if (k.length !== n) return [x[0]!, channels ?? x[1]!, ...x.slice(2).map((_, i) => symbol(name(c), i + 2))];
  const strides = attrInts(c.node, 'strides') ?? k.map(() => 1);
  const dil = attrInts(c.node, 'dilations') ?? k.map(() => 1);
  const autoPad = attrString(c.node, 'auto_pad') ?? 'NOTSET';
  const pads = attrInts(c.node, 'pads') ?? new Array(2 * n).fill(0);
  const dims = x.slice(2).map((d, i) => {
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return isKnown(d) ? Math.ceil(d / strides[i]!) : divDim(d, strides[i]!, 'ceil') ?? symbol(name(c), i + 2);
    if (autoPad === 'VALID') return windowOut(d, k[i]!, strides[i]!, 0, 0, dil[i]!, ceil, name(c), i + 2);
    return windowOut(d, k[i]!, strides[i]!, pads[i]!, pads[i + n]!, dil[i]!, ceil, name(c), i + 2);
  });
  return [x[0]!, channels ?? x[1]!, ...dims];
}

function reduce(c: InferContext, axesInputFromOpset: number): InferredOutput[] {
  const x = c.shape(0);
  if (!x) return out(c, undefined);
  const keep = attrInt(c.node, 'keepdims', 1) === 1;
  const list = attrInts(c.node, 'axes') ?? (c.opset >= axesInputFromOpset && c.has(1) ? c.constant(1) : undefined);
  if (c.opset >= axesInputFromOpset && c.has(1) && !list) return out(c, undefined);
  const noop = attrInt(c.node, 'noop_with_empty_axes', 0) === 1;
  const set = new Set((list && list.length ? list : noop ? [] : x.map((_, i) => i)).map((a) => normAxis(a, x.length)));
  const shape: Dim[] = [];
  x.forEach((d, i) => {
    if (!set.has(i)) shape.push(d);
    else if (keep) shape.push(1);
  });
  return out(c, shape);
}

function pool(global: boolean): ShapeRule {
  return (c) => {
    const x = c.shape(0);
    if (global) return out(c, x ? [x[0]!, x[1]!, ...x.slice(2).map(() => 1)] : undefined);
    return out(c, spatial(c, attrInts(c.node, 'kernel_shape'), undefined, attrInt(c.node, 'ceil_mode', 0) === 1));
  };
}

const conv: ShapeRule = (c) => {
  const w = c.shape(1);
  const kernel = attrInts(c.node, 'kernel_shape') ?? (w && w.length > 2 && w.slice(2).every(isKnown) ? (w.slice(2) as number[]) : undefined);
  return out(c, spatial(c, kernel, w?.[0], false));
};

const convTranspose: ShapeRule = (c) => {
  const x = c.shape(0);
  const w = c.shape(1);
  if (!x || !w || x.length < 3) return out(c, undefined);
  const n = x.length - 2;
  const group = attrInt(c.node, 'group', 1);
  const k = attrInts(c.node, 'kernel_shape') ?? (w.slice(2) as number[]);
  const strides = attrInts(c.node, 'strides') ?? k.map(() => 1);
  const pads = attrInts(c.node, 'pads') ?? new Array(2 * n).fill(0);
  const outPad = attrInts(c.node, 'output_padding') ?? k.map(() => 0);
  const dil = attrInts(c.node, 'dilations') ?? k.map(() => 1);
  const explicit = attrInts(c.node, 'output_shape');
  const channels = isKnown(w[1]!) ? w[1] * group : symbol(name(c), 1);
  const dims = x.slice(2).map((d, i) => {
    if (explicit) return explicit[i]!;
    const extra = outPad[i]! + ((k[i]! - 1) * dil[i]! + 1) - pads[i]! - pads[i + n]! - strides[i]!;
    if (isKnown(d)) return strides[i]! * d + extra;
    const scaled = scaleDim(d, strides[i]!);
    return (scaled === undefined ? undefined : addDim(scaled, extra)) ?? symbol(name(c), i + 2);
  });
  return out(c, [x[0]!, channels, ...dims]);
};

const gemm: ShapeRule = (c) => {
  const a = c.shape(0);
  const b = c.shape(1);
  if (!a || !b || a.length !== 2 || b.length !== 2) return out(c, undefined);
  const m = attrInt(c.node, 'transA', 0) ? a[1]! : a[0]!;
  const n = attrInt(c.node, 'transB', 0) ? b[0]! : b[1]!;
  return out(c, [m, n]);
};

const matmul: ShapeRule = (c) => {
  const a = c.shape(0);
  const b = c.shape(1);
  if (!a || !b || !a.length || !b.length) return out(c, undefined);
  const a2 = a.length === 1 ? [1, a[0]!] : a;
  const b2 = b.length === 1 ? [b[0]!, 1] : b;
  const batch = broadcast(a2.slice(0, -2), b2.slice(0, -2), name(c));
  if (!batch) return out(c, undefined);
  const shape = [...batch, ...(a.length === 1 ? [] : [a2[a2.length - 2]!]), ...(b.length === 1 ? [] : [b2[b2.length - 1]!])];
  return out(c, shape);
};

const flatten: ShapeRule = (c) => {
  const x = c.shape(0);
  if (!x) return out(c, undefined);
  const axis = normAxis(attrInt(c.node, 'axis', 1), x.length);
  return out(c, [productDims(x.slice(0, axis)) ?? symbol(name(c), 0), productDims(x.slice(axis)) ?? symbol(name(c), 1)]);
};

const reshape: ShapeRule = (c) => {
  const x = c.shape(0);
  const target = c.dims(1);
  if (!target) return out(c, c.shape(1)?.length === 1 && isKnown(c.shape(1)![0]!) ? Array.from({ length: c.shape(1)![0] as number }, (_, i) => symbol(name(c), i)) : undefined);
  const allowZero = attrInt(c.node, 'allowzero', 0) === 1;
  const dims: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (x?.[i] ?? symbol(name(c), i)) : d));
  const minus = dims.indexOf(-1);
  if (minus >= 0) {
    // The element count is kept, so `-1` is the input's product over the other target dims, when exact.
    const total = x ? productDims(x) : undefined;
    const rest = productDims(dims.filter((_, i) => i !== minus));
    const left = total !== undefined && rest !== undefined && rest !== 0 ? divideDims(total, rest) : undefined;
    dims[minus] = left ?? symbol(name(c), minus);
  }
  return out(c, dims, c.dims(0) && dims.every(isKnown) ? c.dims(0) : undefined);
};

const squeeze: ShapeRule = (c) => {
  const x = c.shape(0);
  if (!x) return out(c, undefined);
  const list = axes(c, 1);
  const set = new Set((list ?? x.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0)).map((a) => normAxis(a, x.length)));
  return out(c, x.filter((_, i) => !set.has(i)), c.dims(0));
};

const unsqueeze: ShapeRule = (c) => {
  const x = c.shape(0);
  const list = axes(c, 1);
  if (!x || !list) return out(c, undefined);
  const rank = x.length + list.length;
  const set = new Set(list.map((a) => normAxis(a, rank)));
  const shape: Dim[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) shape.push(set.has(i) ? 1 : x[j++]!);
  return out(c, shape, c.dims(0));
};

const transpose: ShapeRule = (c) => {
  const x = c.shape(0);
  if (!x) return out(c, undefined);
  const perm = attrInts(c.node, 'perm') ?? x.map((_, i) => x.length - 1 - i);
  return out(c, perm.map((p) => x[p] ?? symbol(name(c), p)));
};

const concat: ShapeRule = (c) => {
  const shapes = c.node.inputs.map((_, i) => c.shape(i));
  const first = shapes[0];
  if (!first || shapes.some((s) => !s)) return out(c, undefined);
  const axis = normAxis(attrInt(c.node, 'axis', 0), first.length);
  const sizes = shapes.map((s) => s![axis]!);
  const shape = [...first];
  shape[axis] = sumDims(sizes) ?? symbol(name(c), axis);
  const consts = c.node.inputs.map((_, i) => c.dims(i));
  return out(c, shape, first.length === 1 && consts.every(Boolean) ? consts.flatMap((v) => v!) : undefined);
};

const split: ShapeRule = (c) => {
  const x = c.shape(0);
  const count = c.node.outputs.length;
  if (!x) return c.node.outputs.map(() => ({ dtype: c.dtype(0), shape: undefined }));
  const axis = normAxis(attrInt(c.node, 'axis', 0), x.length);
  const sizes = attrInts(c.node, 'split') ?? (c.has(1) ? c.constant(1) : undefined);
  const d = x[axis]!;
  return c.node.outputs.map((_, i) => {
    const shape = [...x];
    shape[axis] = sizes ? sizes[i]! : isKnown(d) ? Math.ceil(d / count) : divDim(d, count, 'ceil') ?? symbol(c.node.outputs[i]!, axis);
    return { dtype: c.dtype(0), shape };
  });
};

const slice: ShapeRule = (c) => {
  const x = c.shape(0);
  if (!x) return out(c, undefined);
  const starts: Dim[] | undefined = attrInts(c.node, 'starts') ?? c.dims(1);
  const ends: Dim[] | undefined = attrInts(c.node, 'ends') ?? c.dims(2);
  if (!starts || !ends) return out(c, x.map((_, i) => symbol(name(c), i)));
  const ax = attrInts(c.node, 'axes') ?? (c.has(3) ? c.constant(3) : undefined) ?? starts.map((_, i) => i);
  const steps = (c.has(4) ? c.constant(4) : undefined) ?? starts.map(() => 1);
  const shape = [...x];
  const src = c.dims(0);
  let folded: Dim[] | undefined = src ? [...src] : undefined;
  ax.forEach((a0, i) => {
    const a = normAxis(a0, x.length);
    const d = x[a];
    const start = starts[i]!;
    const end = ends[i]!;
    if (d === undefined) return;
    if (!isKnown(d) || !isKnown(start) || !isKnown(end)) {
      shape[a] = symbolicSlice(d, start, end, steps[i]!) ?? symbol(name(c), a);
      folded = undefined;
      return;
    }
    const step = steps[i]!;
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + d : v, lo), hi);
    const s = step > 0 ? clamp(start, 0, d) : clamp(start, -1, d - 1);
    const e = step > 0 ? clamp(end, 0, d) : clamp(end, -1, d - 1);
    shape[a] = Math.max(0, Math.ceil((e - s) / step));
    if (folded && x.length === 1) {
      const picked: Dim[] = [];
      for (let k = s; step > 0 ? k < e : k > e; k += step) picked.push(folded[k]!);
      folded = picked;
    }
  });
  return out(c, shape, x.length === 1 ? folded : undefined);
};

/**
 * Slice length on a symbolic axis, or with a symbolic end, for the forms exports use: `[s:]`, `[s:-e]`,
 * `[-k:]`, `[:e]` with `e` a size computed from the input (`h // 2 * 2`), assumed within the axis. Step 1.
 */
function symbolicSlice(d: Dim, start: Dim, end: Dim, step: number): Dim | undefined {
  if (step !== 1 || !isKnown(start)) return undefined;
  if (!isKnown(end)) return start >= 0 ? subtractDims(end, start) : undefined;
  const open = end >= 2 ** 31 - 1;
  if (start >= 0 && open) return addDim(d, -start);
  if (start >= 0 && end < 0) return addDim(d, end - start);
  if (start < 0 && open) return -start;
  return undefined;
}

const gather: ShapeRule = (c) => {
  const x = c.shape(0);
  const idx = c.shape(1);
  if (!x || !idx) return out(c, undefined);
  const axis = normAxis(attrInt(c.node, 'axis', 0), x.length);
  const shape = [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)];
  const data = c.dims(0);
  const at = c.constant(1);
  const constant = data && at && x.length === 1 ? at.map((i) => data[i < 0 ? i + data.length : i]!) : undefined;
  return out(c, shape, constant);
};

const shapeOp: ShapeRule = (c) => {
  const x = c.shape(0);
  if (!x) return [{ dtype: 'int64', shape: [symbol(name(c), 0)] }];
  const start = attrInt(c.node, 'start', 0);
  const end = attrInt(c.node, 'end', x.length);
  const dims = x.slice(normAxis(start, x.length), normAxis(end, x.length));
  // Symbolic dims fold too: a Reshape fed by Shape → Gather → Concat then keeps `N`.
  return [{ dtype: 'int64', shape: [dims.length], constant: dims }];
};

const expand: ShapeRule = (c) => {
  const x = c.shape(0);
  const target = c.dims(1);
  if (x && target) return out(c, broadcast(x, target, name(c)));
  const len = c.shape(1)?.[0];
  return out(c, x && isKnown(len ?? '') ? Array.from({ length: Math.max(len as number, x.length) }, (_, i) => symbol(name(c), i)) : undefined);
};

const constant: ShapeRule = (c) => {
  const t = c.node.attrs['value'];
  if (t?.type === 'tensor') {
    const v = t.value.values;
    return [{ dtype: t.value.dtype, shape: [...t.value.shape], ...(v && v.length <= 64 ? { constant: Array.from(v) } : {}) }];
  }
  const ints = attrInts(c.node, 'value_ints');
  if (ints) return [{ dtype: 'int64', shape: [ints.length], constant: ints }];
  const int = attrInt(c.node, 'value_int');
  if (int !== undefined) return [{ dtype: 'int64', shape: [], constant: [int] }];
  const float = c.node.attrs['value_float'];
  if (float?.type === 'float') return [{ dtype: 'float32', shape: [], constant: [float.value] }];
  return [{ dtype: 'unknown', shape: undefined }];
};

const constantOfShape: ShapeRule = (c) => {
  const dims = c.dims(0);
  const t = c.node.attrs['value'];
  const dtype = t?.type === 'tensor' ? t.value.dtype : 'float32';
  return [{ dtype, shape: dims ?? undefined }];
};

const cast: ShapeRule = (c) => {
  const to = attrInt(c.node, 'to', 1);
  const dtypes: Record<number, InferredOutput['dtype']> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 10: 'float16', 11: 'float64' };
  return [{ dtype: dtypes[to] ?? 'unknown', shape: c.shape(0), ...(c.dims(0) ? { constant: c.dims(0)! } : {}) }];
};

/** QDQ quantisation (onnxruntime's static quantisation): the shape passes through; the type is the zero point's, or float. */
const quantizeLinear: ShapeRule = (c) => [{ dtype: c.has(2) ? c.dtype(2) : 'uint8', shape: c.shape(0) }];
const dequantizeLinear: ShapeRule = (c) => [{ dtype: c.has(1) && c.dtype(1) !== 'unknown' ? c.dtype(1) : 'float32', shape: c.shape(0) }];

const pad: ShapeRule = (c) => {
  const x = c.shape(0);
  const pads = attrInts(c.node, 'pads') ?? c.constant(1);
  if (!x || !pads) return out(c, x?.map((_, i) => symbol(name(c), i)));
  const n = x.length;
  return out(c, x.map((d, i) => (isKnown(d) ? d + pads[i]! + pads[i + n]! : addDim(d, pads[i]! + pads[i + n]!) ?? symbol(name(c), i))));
};

const resize: ShapeRule = (c) => {
  const x = c.shape(0);
  if (!x) return out(c, undefined);
  // `sizes` may come from another tensor's Shape (`F.interpolate(size=skip.shape[-2:])`): symbolic then.
  const sizes = c.has(3) ? c.dims(3) : undefined;
  if (sizes && sizes.length === x.length) return out(c, sizes);
  const scales = attrFloat(c.node, 'scale', NaN);
  const list = c.node.op === 'Upsample' && c.has(1) ? c.constant(1) : c.has(2) ? c.constant(2) : attrInts(c.node, 'scales') ?? (Number.isNaN(scales) ? undefined : x.map(() => scales));
  if (!list) return out(c, x.map((_, i) => symbol(name(c), i)));
  return out(c, x.map((d, i) => (isKnown(d) ? Math.floor(d * list[i]!) : scaledDim(d, list[i]!) ?? symbol(name(c), i))));
};

/** `⌊d·s⌋` for an integer scale or the inverse of one; other scales give no exact form. */
function scaledDim(d: Dim, s: number): Dim | undefined {
  if (s === 1) return d;
  if (Number.isInteger(s)) return scaleDim(d, s);
  const inverse = 1 / s;
  return Number.isInteger(inverse) ? divDim(d, inverse, 'floor') : undefined;
}

const dropout: ShapeRule = (c) => [{ dtype: c.dtype(0), shape: c.shape(0) }, { dtype: 'bool', shape: c.shape(0) }];

const batchNorm: ShapeRule = (c) => [{ dtype: c.dtype(0), shape: c.shape(0) }];

/** Static shape rules for the ops CNNs use. Ops missing here get unknown outputs; nothing else stops. */
export const SHAPE_RULES: Readonly<Record<string, ShapeRule>> = {
  Conv: conv, ConvTranspose: convTranspose, Gemm: gemm, MatMul: matmul,
  Add: elementwise(numeric((a, b) => a + b, (a, b) => sumDims([a, b]))),
  Sub: elementwise(numeric((a, b) => a - b, subtractDims)),
  Mul: elementwise(numeric((a, b) => a * b, (a, b) => productDims([a, b]))),
  Div: elementwise(numeric((a, b) => (Number.isInteger(a) && Number.isInteger(b) && b !== 0 ? Math.trunc(a / b) : a / b), divideDim)),
  Pow: elementwise(), Relu: same, LeakyRelu: same, PRelu: same, Clip: same, Sigmoid: same, HardSigmoid: same,
  HardSwish: same, Tanh: same, Elu: same, Selu: same, Softmax: same, Erf: same, Sqrt: same, Exp: same, Neg: same,
  Abs: same, Softplus: same, Mish: same, Gelu: same, Identity: (c) => [{ dtype: c.dtype(0), shape: c.shape(0), ...(c.dims(0) ? { constant: c.dims(0)! } : {}) }],
  BatchNormalization: batchNorm, InstanceNormalization: same, LayerNormalization: same, Dropout: dropout,
  MaxPool: pool(false), AveragePool: pool(false), GlobalAveragePool: pool(true), GlobalMaxPool: pool(true), LpPool: pool(false),
  ReduceMean: (c) => reduce(c, 18), ReduceMax: (c) => reduce(c, 18), ReduceMin: (c) => reduce(c, 18), ReduceSum: (c) => reduce(c, 13),
  Flatten: flatten, Reshape: reshape, Squeeze: squeeze, Unsqueeze: unsqueeze, Transpose: transpose, Concat: concat, Split: split,
  Slice: slice, Gather: gather, Shape: shapeOp, Expand: expand, Constant: constant, ConstantOfShape: constantOfShape, Cast: cast,
  Pad: pad, Resize: resize, Upsample: resize, QuantizeLinear: quantizeLinear, DequantizeLinear: dequantizeLinear,
};
