import { depthToSpaceNodes, int } from '../nhwc-builder.js';
import type { TfOp, TfOpContext } from './tf-ops.js';

/**
 * TF ops that move, pick or compare values rather than compute features: the preprocessing in front of a
 * backbone (`x[..., ::-1]`, `tf.stack`, `tf.split`), the heads' reshuffles and post-processing. Each maps
 * onto ONNX ops of opset 17 with the constant arguments TF graph models carry; a form outside that (a
 * computed begin, an ellipsis) stays an `Unknown` node that says why.
 */

/** ONNX Slice bounds past any dim: clamped to the dim by the runtime. */
const FAR = 2 ** 31 - 1;

const bit = (mask: number, i: number): boolean => ((mask >> i) & 1) === 1;

function constantArg(c: TfOpContext, i: number, what: string): number[] {
  const v = c.constant(i);
  if (!v) c.fail(`${c.node.op} "${c.node.name}" has no constant ${what}`);
  return v!;
}

/** `x[b0:e0:s0, …]` with TF's masks: masked bounds run to the end, a shrink axis takes one index and goes. */
const stridedSlice: TfOp = {
  kind: 'Slice',
  convert(c) {
    const begin = constantArg(c, 1, 'begin');
    const end = constantArg(c, 2, 'end');
    const strides = constantArg(c, 3, 'strides');
    const a = c.attrs;
    if (a.int('ellipsis_mask') || a.int('new_axis_mask')) c.fail(`StridedSlice "${c.node.name}" uses an ellipsis or a new axis`);
    if (begin.length !== end.length || begin.length !== strides.length || strides.some((s) => s === 0)) c.fail(`StridedSlice "${c.node.name}" has mismatched bounds`);
    const beginMask = a.int('begin_mask') ?? 0;
    const endMask = a.int('end_mask') ?? 0;
    const shrinkMask = a.int('shrink_axis_mask') ?? 0;
    const starts: number[] = [];
    const ends: number[] = [];
    const steps: number[] = [];
    const shrink: number[] = [];
    begin.forEach((b, i) => {
      const s = strides[i]!;
      if (bit(shrinkMask, i)) {
        starts.push(b);
        ends.push(b === -1 ? FAR : b + 1);
        steps.push(1);
        shrink.push(i);
        return;
      }
      starts.push(bit(beginMask, i) ? (s > 0 ? 0 : -1) : b);
      ends.push(bit(endMask, i) ? (s > 0 ? FAR : -FAR - 1) : end[i]!);
      steps.push(s);
    });
    const axes = begin.map((_, i) => i);
    const args = [c.input(0), c.b.int64('starts', starts), c.b.int64('ends', ends), c.b.int64('axes', axes), c.b.int64('steps', steps)];
    if (!shrink.length) {
      c.b.one('Slice', args, {}, c.output);
      return;
    }
    const sliced = c.b.one('Slice', args);
    c.b.one('Squeeze', [sliced, c.b.int64('axes', shrink)], {}, c.output);
  },
};

/** `tf.slice(x, begin, size)`; a size of -1 runs to the end of its dim. */
const slice: TfOp = {
  kind: 'Slice',
  convert(c) {
    const begin = constantArg(c, 1, 'begin');
    const size = constantArg(c, 2, 'size');
    if (begin.length !== size.length) c.fail(`Slice "${c.node.name}" has mismatched begin and size`);
    const ends = size.map((s, i) => (s === -1 ? FAR : begin[i]! + s));
    c.b.one('Slice', [c.input(0), c.b.int64('starts', begin), c.b.int64('ends', ends), c.b.int64('axes', begin.map((_, i) => i))], {}, c.output);
  },
};

/** `tf.stack`: each input gains the axis, then they are concatenated along it. */
const pack: TfOp = {
  kind: 'Concatenate',
  convert(c) {
    const axis = c.attrs.int('axis') ?? 0;
    const parts = c.node.inputs.map((_, i) => c.b.one('Unsqueeze', [c.input(i), c.b.int64('axes', [axis])]));
    c.b.one('Concat', parts, { axis: int(axis) }, c.output);
  },
};

/** More outputs than any real split has: a forged count is refused before anything is allocated for it. */
const MAX_PARTS = 4096;

/** Output `k` of a multi-output TF node is the tensor `name:k` (`name` itself for the first). */
const outputName = (c: TfOpContext, k: number): string => (k === 0 ? c.output : `${c.output}:${k}`);

/** `tf.unstack`: equal parts along the axis, each without it. */
const unpack: TfOp = {
  kind: 'Split',
  convert(c) {
    const num = c.attrs.int('num') ?? 0;
    const axis = c.attrs.int('axis') ?? 0;
    if (num < 1 || num > MAX_PARTS) c.fail(`Unpack "${c.node.name}" has a count of ${num}`);
    const parts = c.b.node('Split', [c.input(0)], { axis: int(axis) }, Array.from({ length: num }, (_, k) => `${c.output}#part${k}`));
    parts.forEach((p, k) => c.b.one('Squeeze', [p, c.b.int64('axes', [axis])], {}, outputName(c, k)));
  },
};

/** `tf.split(x, n, axis)` as the graph holds it: the axis first, then the value. */
const split: TfOp = {
  kind: 'Split',
  convert(c) {
    const axis = constantArg(c, 0, 'axis');
    const num = c.attrs.int('num_split') ?? 0;
    if (axis.length !== 1 || num < 1 || num > MAX_PARTS) c.fail(`Split "${c.node.name}" has no constant axis or a count of ${num}`);
    c.b.node('Split', [c.input(1)], { axis: int(axis[0]!) }, Array.from({ length: num }, (_, k) => outputName(c, k)));
  },
};

/** `tf.split(x, [sizes], axis)`; one size may be -1, the rest of the dim. */
const splitV: TfOp = {
  kind: 'Split',
  convert(c) {
    const sizes = constantArg(c, 1, 'sizes');
    const axis = constantArg(c, 2, 'axis');
    if (axis.length !== 1 || sizes.length > MAX_PARTS) c.fail(`SplitV "${c.node.name}" has no constant axis or ${sizes.length} parts`);
    const x = c.input(0);
    let known = sizes;
    if (sizes.includes(-1)) {
      const shape = c.b.shape(x);
      const dim = shape?.[axis[0]! < 0 ? shape.length + axis[0]! : axis[0]!];
      if (typeof dim !== 'number') c.fail(`SplitV "${c.node.name}" has a size of -1 on a dim of unknown size`);
      known = sizes.map((s) => (s === -1 ? (dim as number) - sizes.filter((t) => t !== -1).reduce((a, b) => a + b, 0) : s));
    }
    c.b.node('Split', [x, c.b.int64('split', known)], { axis: int(axis[0]!) }, known.map((_, k) => outputName(c, k)));
  },
};

const gather: TfOp = {
  kind: 'Gather',
  convert(c) {
    const axis = constantArg(c, 2, 'axis');
    if (axis.length !== 1 || (c.attrs.int('batch_dims') ?? 0) !== 0) c.fail(`GatherV2 "${c.node.name}" has batch dims or no constant axis`);
    c.b.one('Gather', [c.input(0), c.input(1)], { axis: int(axis[0]!) }, c.output);
  },
};

const tile: TfOp = { kind: 'Tile', convert: (c) => void c.b.one('Tile', [c.input(0), c.b.int64('repeats', constantArg(c, 1, 'multiples'))], {}, c.output) };

const broadcastTo: TfOp = { kind: 'Expand', convert: (c) => void c.b.one('Expand', [c.input(0), c.b.int64('shape', constantArg(c, 1, 'shape'))], {}, c.output) };

/** `tf.depthToSpace` (NHWC, DCR order). */
const depthToSpace: TfOp = {
  kind: 'Reshape',
  convert(c) {
    const block = c.attrs.int('block_size') ?? 0;
    const x = c.input(0);
    const shape = c.b.shape(x);
    if ((c.attrs.str('data_format') ?? 'NHWC') !== 'NHWC' || block < 1 || shape?.length !== 4 || shape.slice(1).some((d) => typeof d !== 'number')) {
      c.fail(`DepthToSpace "${c.node.name}" needs NHWC input of known size`);
    }
    const [, h, w, depth] = shape as [unknown, number, number, number];
    if (depth % (block * block)) c.fail(`DepthToSpace "${c.node.name}": ${depth} channels do not split into blocks of ${block}`);
    depthToSpaceNodes(c.b, x, [-1, h, w, depth], block, c.output);
  },
};

function elementwise(op: string): TfOp {
  return { kind: op, convert: (c) => void c.b.one(op, c.node.inputs.filter((i) => !i.startsWith('^')).map((_, i) => c.input(i)), {}, c.output) };
}

const notEqual: TfOp = { kind: 'Equal', convert: (c) => void c.b.one('Not', [c.b.one('Equal', [c.input(0), c.input(1)])], {}, c.output) };

const rsqrt: TfOp = { kind: 'Sqrt', convert: (c) => void c.b.one('Reciprocal', [c.b.one('Sqrt', [c.input(0)])], {}, c.output) };

const squaredDifference: TfOp = {
  kind: 'Subtract',
  convert(c) {
    const d = c.b.one('Sub', [c.input(0), c.input(1)]);
    c.b.one('Mul', [d, d], {}, c.output);
  },
};

const batchMatMul: TfOp = {
  kind: 'MatMul',
  convert(c) {
    if (c.attrs.bool('adj_x') || c.attrs.bool('adj_y')) c.fail(`${c.node.op} "${c.node.name}" takes an adjoint`);
    c.b.one('MatMul', [c.input(0), c.input(1)], {}, c.output);
  },
};

const argMax: TfOp = {
  kind: 'ArgMax',
  convert(c) {
    const axis = constantArg(c, 1, 'axis');
    if (axis.length !== 1) c.fail(`ArgMax "${c.node.name}" has no constant axis`);
    const index = c.b.one('ArgMax', [c.input(0)], { axis: int(axis[0]!), keepdims: int(0) });
    // ONNX gives int64; TF's output_type is int64 too unless the graph asks for int32.
    c.b.one('Cast', [index], { to: int(c.attrs.type('output_type') === 'DT_INT32' ? 6 : 7) }, c.output);
  },
};

export const TF_TENSOR_OPS: Readonly<Record<string, TfOp>> = {
  StridedSlice: stridedSlice, Slice: slice, Pack: pack, Unpack: unpack, Split: split, SplitV: splitV,
  GatherV2: gather, Tile: tile, BroadcastTo: broadcastTo, DepthToSpace: depthToSpace,
  Equal: elementwise('Equal'), NotEqual: notEqual, Greater: elementwise('Greater'), GreaterEqual: elementwise('GreaterOrEqual'),
  Less: elementwise('Less'), LessEqual: elementwise('LessOrEqual'), LogicalAnd: elementwise('And'), LogicalOr: elementwise('Or'),
  LogicalNot: elementwise('Not'), Select: elementwise('Where'), SelectV2: elementwise('Where'),
  Floor: elementwise('Floor'), Reciprocal: elementwise('Reciprocal'), Rsqrt: rsqrt, SquaredDifference: squaredDifference,
  BatchMatMul: batchMatMul, BatchMatMulV2: batchMatMul, ArgMax: argMax,
};
