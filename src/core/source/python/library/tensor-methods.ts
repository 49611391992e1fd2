import type { Syn } from '../../syntax.js';
import type { TensorRef } from '../../graph-builder.js';
import { int, intOf, intsOf, num, truthy, unknown, type PyValue } from '../values.js';
import { dimValue, type LibraryHost } from './host.js';
import { MAX_LOOP } from '../evaluator.js';

/** Methods of `torch.Tensor` as forward code calls them: shapes, reductions, views, arithmetic. */
export function tensorMethod(host: LibraryHost, t: TensorRef, self: PyValue, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
  const arg = (i: number, key: string): PyValue | undefined => args[i] ?? kwargs.get(key);
  const s = t.shape;
  const ops = host.ops(node);
  const tensor = (r: TensorRef): PyValue => ({ k: 'tensor', t: r });
  const dimsArg = (v: PyValue | undefined) => (v === undefined || v.k === 'none' ? undefined : intsOf(v));
  switch (name) {
    case 'size': {
      if (!s) return host.fail('size() of a tensor whose shape is not known', node);
      const d = intOf(args[0] ?? kwargs.get('dim'));
      if (args.length === 0 && !kwargs.has('dim')) return { k: 'tuple', items: s.map(dimValue) };
      if (d === undefined) return unknown('size() with a dim that is not known');
      const i = d < 0 ? s.length + d : d;
      return s[i] === undefined ? host.fail(`size(${d}) out of range`, node) : dimValue(s[i]!);
    }
    case 'dim':
      return s ? int(s.length) : unknown('dim()');
    case 'numel': {
      if (!s || s.some((d) => typeof d !== 'number')) return unknown('numel()');
      return int((s as number[]).reduce((x, y) => x * y, 1));
    }
    case 'split':
    case 'chunk': {
      // Res2Net-style blocks split channels into groups: a tuple of slices along `dim`.
      const d = intOf(arg(1, 'dim') ?? int(0));
      const axis = d !== undefined && s ? (d < 0 ? s.length + d : d) : undefined;
      const n = axis !== undefined ? s?.[axis] : undefined;
      const how = arg(0, name === 'split' ? 'split_size_or_sections' : 'chunks');
      if (typeof n !== 'number' || axis === undefined || !how) return host.fail(`${name}() of a tensor whose size along dim is not known`, node, [t]);
      const sizes = splitSizes(n, name, how);
      if (!sizes) return host.fail(`${name}() with sizes that are not known`, node, [t]);
      let start = 0;
      return { k: 'tuple', items: sizes.map((size) => tensor(ops.slice(t, [axis], [start], [(start += size)]))) };
    }
    case 'sigmoid':
    case 'sigmoid_':
      return tensor(ops.unary('Sigmoid', t));
    case 'relu':
    case 'relu_':
      return tensor(ops.unary('Relu', t));
    case 'clamp':
    case 'clamp_':
    case 'clip': {
      const lo = num(arg(0, 'min'));
      const hi = num(arg(1, 'max'));
      return tensor(ops.clip(t, lo, hi));
    }
    case 'exp':
      return tensor(ops.unary('Exp', t));
    case 'abs':
      return tensor(ops.unary('Abs', t));
    case 'neg':
      return tensor(ops.unary('Neg', t));
    case 'tanh':
      return tensor(ops.unary('Tanh', t));
    // In-place initialisation (`m.weight.data.normal_(0, 0.01)`): values change, shapes and counts do not.
    case 'normal_':
    case 'uniform_':
    case 'zero_':
    case 'fill_':
    case 'copy_':
    case 'constant_':
    case 'contiguous':
    case 'float':
    case 'detach':
    case 'clone':
    case 'cuda':
    case 'cpu':
    case 'to':
    case 'requires_grad_':
      return self;
    case 'max':
    case 'min': {
      const d = arg(0, 'dim');
      const other = d?.k === 'tensor' ? d : undefined;
      if (other) return tensor(ops.binary(name === 'max' ? 'Max' : 'Min', t, other.t));
      const reduceOp = name === 'max' ? 'ReduceMax' : 'ReduceMin';
      if (!d) return tensor(ops.reduce(reduceOp, t, undefined, false));
      const dim = intOf(d);
      const keep = truthy(arg(1, 'keepdim') ?? { k: 'bool', v: false });
      if (dim === undefined || keep === undefined) return host.fail(`${name}() with a dim that is not known`, node, [t]);
      // `(values, indices)`, as torch.return_types.max.
      const values = ops.reduce(reduceOp, t, [dim], keep);
      const indices = ops.argReduce(name === 'max' ? 'ArgMax' : 'ArgMin', t, dim, keep);
      return { k: 'tuple', items: [tensor(values), tensor(indices)] };
    }
    case 'amin':
    case 'mean':
    case 'sum':
    case 'amax': {
      const dimValueArg = arg(0, 'dim');
      const dims = dimsArg(dimValueArg);
      if (dimValueArg && dimValueArg.k !== 'none' && !dims) return host.fail(`${name}() with dims that are not known`, node, [t]);
      const keep = truthy(arg(1, 'keepdim') ?? kwargs.get('keepdims') ?? { k: 'bool', v: false });
      if (keep === undefined) return host.fail(`${name}() with keepdim that is not known`, node, [t]);
      const op = name === 'mean' ? 'ReduceMean' : name === 'sum' ? 'ReduceSum' : name === 'amin' ? 'ReduceMin' : 'ReduceMax';
      return tensor(ops.reduce(op, t, dims, keep));
    }
    case 'view':
    case 'reshape': {
      const dims = args.length === 1 ? intsOf(args[0]) : intsOf({ k: 'tuple', items: args });
      if (!dims) return host.fail(`${name}(${args.map((a) => a.k).join(', ')}) with sizes that are not known`, node, [t]);
      return tensor(ops.reshape(t, dims));
    }
    case 'view_as':
    case 'reshape_as': {
      const o = args[0];
      const dims = o?.k === 'tensor' && o.t.shape?.every((d) => typeof d === 'number') ? (o.t.shape as number[]) : undefined;
      return dims ? tensor(ops.reshape(t, dims)) : host.fail(`${name}() of a tensor whose shape is not known`, node, [t]);
    }
    case 'flatten':
      return tensor(ops.flatten(t, intOf(arg(0, 'start_dim')) ?? 0, intOf(arg(1, 'end_dim')) ?? -1));
    case 'squeeze': {
      const d = arg(0, 'dim');
      const dims = d ? dimsArg(d) : undefined;
      if (d && !dims) return host.fail('squeeze() with a dim that is not known', node, [t]);
      return tensor(ops.squeeze(t, dims));
    }
    case 'unsqueeze': {
      const d = intOf(arg(0, 'dim'));
      return d === undefined ? host.fail('unsqueeze() with a dim that is not known', node, [t]) : tensor(ops.unsqueeze(t, [d]));
    }
    case 'expand_as': {
      const o = args[0];
      return o?.k === 'tensor' ? tensor(ops.expandAs(t, o.t)) : host.fail('expand_as() of a value that is not a tensor', node, [t]);
    }
    case 'expand': {
      const dims = args.length === 1 ? intsOf(args[0]) : intsOf({ k: 'tuple', items: args });
      return dims ? tensor(ops.expand(t, dims)) : host.fail('expand() with sizes that are not known', node, [t]);
    }
    case 'transpose': {
      const a = intOf(args[0]);
      const b = intOf(args[1]);
      if (!s || a === undefined || b === undefined) return host.fail('transpose() with dims that are not known', node, [t]);
      const perm = s.map((_, i) => i);
      const ia = a < 0 ? s.length + a : a;
      const ib = b < 0 ? s.length + b : b;
      if (perm[ia] === undefined || perm[ib] === undefined) return host.fail('transpose() dims out of range', node, [t]);
      [perm[ia], perm[ib]] = [perm[ib]!, perm[ia]!];
      return tensor(ops.transpose(t, perm));
    }
    case 'permute': {
      const perm = args.length === 1 ? intsOf(args[0]) : intsOf({ k: 'tuple', items: args });
      if (!perm || (s && perm.length !== s.length)) return host.fail('permute() with dims that are not known', node, [t]);
      return tensor(ops.transpose(t, perm));
    }
    case 'mul':
    case 'mul_':
    case 'add':
    case 'add_':
    case 'sub':
    case 'div':
    case 'matmul': {
      const sym = { mul: '*', add: '+', sub: '-', div: '/', matmul: '@' }[name.replace('_', '') as 'mul']!;
      const other = args[0];
      return other ? host.binaryOp(sym, self, other, node) : host.fail(`${name}() without an operand`, node, [t]);
    }
  }
  return host.fail(`tensor method '${name}' is not interpreted`, node, [t]);
}

/** The piece sizes of `x.split(size)`, `x.split([a, b])` and `x.chunk(n)` along an axis of `n` elements. */
function splitSizes(n: number, name: string, how: PyValue): number[] | undefined {
  const sections = how.k === 'list' || how.k === 'tuple' ? intsOf(how) : undefined;
  if (sections) return sections.reduce((a, b) => a + b, 0) === n ? sections : undefined;
  const k = intOf(how);
  if (k === undefined || k <= 0) return undefined;
  const size = name === 'chunk' ? Math.ceil(n / k) : k;
  if (n / size > MAX_LOOP) return undefined;
  const sizes: number[] = [];
  for (let left = n; left > 0; left -= size) sizes.push(Math.min(size, left));
  return sizes;
}
