import type { AttrValue, Dim, Shape, SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { broadcast, normAxis, reduce, reshapeTarget } from '../shape-math.js';
import { num, numbers, type TsValue } from './values.js';
import { convBias, emitWindowOp, WindowOpError, WINDOW_OPS } from './window-ops.js';

/** `tf.*` functions and tensor methods (`x.mul(y)`) that model and custom-layer code uses: name → ONNX op. */
const UNARY: Readonly<Record<string, string>> = {
  sigmoid: 'Sigmoid',
  relu: 'Relu',
  tanh: 'Tanh',
  elu: 'Elu',
  selu: 'Selu',
  softplus: 'Softplus',
  exp: 'Exp',
  log: 'Log',
  sqrt: 'Sqrt',
  neg: 'Neg',
  abs: 'Abs',
  square: 'Square',
  sign: 'Sign',
  floor: 'Floor',
  ceil: 'Ceil',
  clone: 'Identity',
  identity: 'Identity',
};
const BINARY: Readonly<Record<string, string>> = {
  add: 'Add',
  sub: 'Sub',
  mul: 'Mul',
  div: 'Div',
  maximum: 'Max',
  minimum: 'Min',
  pow: 'Pow',
  addStrict: 'Add',
  mulStrict: 'Mul',
  subStrict: 'Sub',
  divStrict: 'Div',
};
const REDUCE: Readonly<Record<string, string>> = { mean: 'ReduceMean', sum: 'ReduceSum', max: 'ReduceMax', min: 'ReduceMin' };

export class TensorOpError extends Error {}

/** A tensor operand: a tensor, a weight read as one, or a number made a scalar constant. */
function operand(b: GraphBuilder, v: TsValue | undefined): TensorRef {
  if (v?.k === 'tensor' || v?.k === 'weight') return v.t;
  if (v?.k === 'num') return { name: b.scalar(v.v), shape: [] };
  throw new TensorOpError('an operand is not a known tensor or number');
}

function axesOf(v: TsValue | undefined): number[] | undefined {
  if (v === undefined || v.k === 'undef' || v.k === 'null') return undefined;
  const n = num(v);
  if (n !== undefined) return [n];
  const xs = numbers(v);
  if (!xs) throw new TensorOpError('axis is not known');
  return xs;
}

/** True when `name` is an op this module emits (as `tf.name(...)` or as a tensor method). */
export function isTensorOp(name: string): boolean {
  return name in UNARY || name in BINARY || name in REDUCE || OTHER.has(name) || WINDOW_OPS.has(name);
}

const OTHER = new Set(['matMul', 'dot', 'reshape', 'expandDims', 'squeeze', 'clipByValue', 'relu6', 'concat', 'transpose', 'softmax', 'leakyRelu']);

/**
 * Emits `tf.<name>(args)`; for a tensor method the tensor is `args[0]`. Shapes follow TF.js
 * (channels-last, broadcasting); throws TensorOpError when an operand or attribute is not known.
 */
export function emitTensorOp(b: GraphBuilder, name: string, args: TsValue[], range: SourceRange): TensorRef {
  const node = (op: string, inputs: string[], outputShape: Shape, attrs?: Record<string, AttrValue>) => b.one({ op, inputs, outputShape, range, ...(attrs ? { attrs } : {}) });
  const unary = UNARY[name];
  if (unary) {
    const x = operand(b, args[0]);
    return node(unary, [x.name], x.shape);
  }
  const binary = BINARY[name];
  if (binary) {
    const x = operand(b, args[0]);
    const y = operand(b, args[1]);
    const gate = hardSigmoidForm(b, binary, x, y, range);
    if (gate) return gate;
    const biased = binary === 'Add' ? convBias(b, x, y) : undefined;
    if (biased) return biased;
    return node(binary, [x.name, y.name], broadcast(x.shape, y.shape));
  }
  const reduceOp = REDUCE[name];
  if (reduceOp) {
    const x = operand(b, args[0]);
    const rank = x.shape?.length;
    const given = axesOf(args[1]);
    const axes = given && rank !== undefined ? given.map((a) => normAxis(a, rank) ?? a) : given ?? (rank !== undefined ? [...Array(rank).keys()] : undefined);
    const keep = args[2]?.k === 'bool' ? args[2].v : false;
    const attrs: Record<string, AttrValue> = { keepdims: { type: 'int', value: keep ? 1 : 0 }, ...(axes ? { axes: { type: 'ints', value: axes } } : {}) };
    return node(reduceOp, [x.name], reduce(x.shape, axes, keep), attrs);
  }
  if (WINDOW_OPS.has(name)) {
    try {
      return emitWindowOp(b, name, operand(b, args[0]), args, range);
    } catch (e) {
      if (e instanceof WindowOpError) throw new TensorOpError(e.message);
      throw e;
    }
  }
  switch (name) {
    case 'relu6': {
      const x = operand(b, args[0]);
      return node('Clip', [x.name, b.scalar(0), b.scalar(6)], x.shape);
    }
    case 'clipByValue': {
      const x = operand(b, args[0]);
      const lo = num(args[1]);
      const hi = num(args[2]);
      if (lo === undefined || hi === undefined) throw new TensorOpError('clipByValue bounds are not known');
      if (lo === 0 && hi === 1) {
        const fused = hardSigmoid(b, x, range);
        if (fused) return fused;
      }
      return node('Clip', [x.name, b.scalar(lo), b.scalar(hi)], x.shape);
    }
    case 'leakyRelu': {
      const x = operand(b, args[0]);
      return node('LeakyRelu', [x.name], x.shape, { alpha: { type: 'float', value: num(args[1]) ?? 0.2 } });
    }
    case 'softmax': {
      const x = operand(b, args[0]);
      return node('Softmax', [x.name], x.shape, { axis: { type: 'int', value: num(args[1]) ?? -1 } });
    }
    case 'matMul':
    case 'dot': {
      const x = operand(b, args[0]);
      const y = operand(b, args[1]);
      const ta = args[2]?.k === 'bool' && args[2].v;
      const tb = args[3]?.k === 'bool' && args[3].v;
      if (ta || tb) throw new TensorOpError('matMul with transposed operands is not interpreted');
      let out: Shape;
      if (x.shape && y.shape && x.shape.length >= 2 && y.shape.length >= 2) {
        const batch = broadcast(x.shape.slice(0, -2), y.shape.slice(0, -2));
        if (batch) out = [...batch, x.shape[x.shape.length - 2]!, y.shape[y.shape.length - 1]!];
      }
      return node('MatMul', [x.name, y.name], out);
    }
    case 'reshape': {
      const x = operand(b, args[0]);
      const target = args[1]?.k === 'arr' ? args[1].items.map((d) => (d.k === 'null' ? -1 : num(d))) : undefined;
      if (!target || target.some((d) => d === undefined)) throw new TensorOpError('reshape target is not known');
      const full = target as number[];
      return node('Reshape', [x.name, b.int64('shape', full)], reshapeTarget(x.shape, full));
    }
    case 'expandDims': {
      const x = operand(b, args[0]);
      const axis = num(args[1]) ?? 0;
      const s = x.shape;
      const at = s ? (axis < 0 ? axis + s.length + 1 : axis) : undefined;
      const out: Shape = s && at !== undefined ? [...s.slice(0, at), 1, ...s.slice(at)] : undefined;
      return node('Unsqueeze', [x.name, b.int64('axes', [axis])], out);
    }
    case 'squeeze': {
      const x = operand(b, args[0]);
      const s = x.shape;
      const axes = axesOf(args[1]);
      const out: Shape = s ? s.filter((d, i) => (axes ? !axes.some((a) => normAxis(a, s.length) === i) : d !== 1)) : undefined;
      return node('Squeeze', axes ? [x.name, b.int64('axes', axes)] : [x.name], out);
    }
    case 'transpose': {
      const x = operand(b, args[0]);
      const s = x.shape;
      const perm = numbers(args[1]) ?? (s ? [...s.keys()].reverse() : undefined);
      if (!perm) throw new TensorOpError('transpose permutation is not known');
      return node('Transpose', [x.name], s ? perm.map((p) => s[p]!) : undefined, { perm: { type: 'ints', value: perm } });
    }
    case 'concat': {
      const list = args[0]?.k === 'arr' ? args[0].items.map((v) => operand(b, v)) : undefined;
      if (!list?.length) throw new TensorOpError('concat of values that are not known tensors');
      const rank = list[0]!.shape?.length ?? 0;
      const given = num(args[1]) ?? 0;
      const axis = given < 0 ? given + rank : given;
      let out: Shape;
      if (list.every((t) => t.shape && t.shape.length === rank)) {
        const sum = list.reduce<Dim>((acc, t) => (typeof acc === 'number' && typeof t.shape![axis] === 'number' ? acc + (t.shape![axis] as number) : '?'), 0);
        out = list[0]!.shape!.map((d, i) => (i === axis ? sum : d));
      }
      return node('Concat', list.map((t) => t.name), out, { axis: { type: 'int', value: axis } });
    }
    default:
      throw new TensorOpError(`tf.${name} is not interpreted`);
  }
}

/** The value of a scalar constant made by `GraphBuilder.scalar`, else undefined. */
function scalarValue(b: GraphBuilder, name: string): number | undefined {
  const t = b.graph.initializers.get(name);
  return t && t.shape.length === 0 && t.values && t.values.length === 1 ? Number(t.values[0]) : undefined;
}

/**
 * `clip(x * a + b, 0, 1)` written out with tf ops (a hand-written hard sigmoid, TF.js's is a = 0.2,
 * b = 0.5) becomes one HardSigmoid node, the form the SE detector knows as a gate. Only when the Mul and
 * Add were the last two nodes emitted (nothing else reads them); they and their constants are dropped.
 */
function hardSigmoid(b: GraphBuilder, y: TensorRef, range: SourceRange): TensorRef | undefined {
  const nodes = b.graph.nodes;
  const add = nodes[nodes.length - 1];
  const mul = nodes[nodes.length - 2];
  if (!add || !mul || add.op !== 'Add' || mul.op !== 'Mul' || add.outputs[0] !== y.name) return undefined;
  const fromMul = add.inputs.indexOf(mul.outputs[0]!);
  if (fromMul === -1) return undefined;
  const beta = scalarValue(b, add.inputs[1 - fromMul]!);
  const alphaAt = mul.inputs.findIndex((i) => scalarValue(b, i) !== undefined);
  if (beta === undefined || alphaAt === -1) return undefined;
  const alpha = scalarValue(b, mul.inputs[alphaAt]!)!;
  const x = mul.inputs[1 - alphaAt]!;
  nodes.length -= 2;
  for (const name of [add.inputs[1 - fromMul]!, mul.inputs[alphaAt]!, mul.outputs[0]!, add.outputs[0]!]) {
    b.graph.initializers.delete(name);
    b.graph.values.delete(name);
  }
  const shape = b.graph.values.get(x)?.shape;
  return b.one({ op: 'HardSigmoid', inputs: [x], outputShape: shape, range, attrs: { alpha: { type: 'float', value: alpha }, beta: { type: 'float', value: beta } } });
}

function producerOf(b: GraphBuilder, tensor: string) {
  const nodes = b.graph.nodes;
  for (let i = nodes.length - 1; i >= Math.max(0, nodes.length - 4); i--) if (nodes[i]!.outputs[0] === tensor) return nodes[i];
  return undefined;
}

/**
 * Hard-sigmoid gates written with other ops, made the forms the detector knows:
 * `minimum(maximum(x * a + b, 0), 1)` → one HardSigmoid; `relu6(x + 3) * (1 / 6)` → `relu6(x + 3) / 6`.
 */
function hardSigmoidForm(b: GraphBuilder, op: string, x: TensorRef, y: TensorRef, range: SourceRange): TensorRef | undefined {
  const scalar = scalarValue(b, y.name);
  if (op === 'Min' && scalar === 1) {
    const max = producerOf(b, x.name);
    const nodes = b.graph.nodes;
    if (max?.op !== 'Max' || nodes[nodes.length - 1] !== max || scalarValue(b, max.inputs[1]!) !== 0) return undefined;
    const inner = max.inputs[0]!;
    nodes.length -= 1;
    const fused = hardSigmoid(b, { name: inner, shape: b.graph.values.get(inner)?.shape }, range);
    if (!fused) {
      nodes.push(max);
      return undefined;
    }
    for (const name of [max.inputs[1]!, max.outputs[0]!, y.name]) {
      b.graph.initializers.delete(name);
      b.graph.values.delete(name);
    }
    return fused;
  }
  if (op === 'Mul' && scalar !== undefined && Math.abs(scalar * 6 - 1) < 1e-6) {
    const clip = producerOf(b, x.name);
    if (clip?.op !== 'Clip' || scalarValue(b, clip.inputs[1]!) !== 0 || scalarValue(b, clip.inputs[2]!) !== 6) return undefined;
    b.graph.initializers.delete(y.name);
    b.graph.values.delete(y.name);
    return b.one({ op: 'Div', inputs: [x.name, b.scalar(6)], outputShape: x.shape, range });
  }
  return undefined;
}
