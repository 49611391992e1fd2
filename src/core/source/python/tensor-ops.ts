import type { AttrValue, Dim, Shape, SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { broadcast, flatten, normAxis, reduce, reshapeTarget, windowOut } from '../shape-math.js';

/** IR for PyTorch tensor operations written in `forward` (functional forms, methods, operators). */
export class TensorOps {
  constructor(private readonly b: GraphBuilder, private range: SourceRange) {}

  at(range: SourceRange): this {
    this.range = range;
    return this;
  }

  private node(op: string, inputs: string[], outputShape: Shape, attrs?: Record<string, AttrValue>): TensorRef {
    return this.b.one(attrs ? { op, inputs, outputShape, range: this.range, attrs } : { op, inputs, outputShape, range: this.range });
  }

  unknown(note: string, inputs: TensorRef[]): TensorRef {
    return this.b.unknown(note, this.range, inputs);
  }

  unary(op: string, x: TensorRef, attrs?: Record<string, AttrValue>): TensorRef {
    return this.node(op, [x.name], x.shape, attrs);
  }

  relu6(x: TensorRef): TensorRef {
    return this.node('Clip', [x.name, this.b.scalar(0), this.b.scalar(6)], x.shape);
  }

  hardsigmoid(x: TensorRef): TensorRef {
    return this.unary('HardSigmoid', x, { alpha: { type: 'float', value: 1 / 6 }, beta: { type: 'float', value: 0.5 } });
  }

  /** GELU in the erf form torch.onnx writes (opset 17 has no Gelu). */
  gelu(x: TensorRef): TensorRef {
    const d = this.node('Div', [x.name, this.b.scalar(Math.SQRT2)], x.shape);
    const e = this.node('Erf', [d.name], x.shape);
    const p = this.node('Add', [e.name, this.b.scalar(1)], x.shape);
    const m = this.node('Mul', [x.name, p.name], x.shape);
    return this.node('Mul', [m.name, this.b.scalar(0.5)], x.shape);
  }

  clip(x: TensorRef, min: number | undefined, max: number | undefined): TensorRef {
    const inputs = [x.name, min === undefined ? '' : this.b.scalar(min), ...(max === undefined ? [] : [this.b.scalar(max)])];
    return this.node('Clip', inputs, x.shape);
  }

  /** `F.linear(x, w, b)`: y = x wᵀ + b. */
  linear(x: TensorRef, w: TensorRef, bias: TensorRef | undefined): TensorRef {
    const out = w.shape?.[0];
    const shape: Shape = x.shape && out !== undefined ? [...x.shape.slice(0, -1), out] : undefined;
    return this.node('Gemm', bias ? [x.name, w.name, bias.name] : [x.name, w.name], shape, { transB: { type: 'int', value: 1 } });
  }

  /** Inference batch norm; `stats` are weight, bias, running mean and running variance, as ONNX orders them. */
  batchNorm(x: TensorRef, stats: readonly TensorRef[], epsilon: number): TensorRef {
    return this.node('BatchNormalization', [x.name, ...stats.map((v) => v.name)], x.shape, { epsilon: { type: 'float', value: epsilon } });
  }

  /** Normalisation by the batch's own mean and variance per channel (axis 1), then the optional per-channel affine. */
  batchStatsNorm(x: TensorRef, weight: TensorRef | undefined, bias: TensorRef | undefined, epsilon: number): TensorRef {
    const rank = x.shape?.length;
    const others = rank === undefined ? [0, 2] : [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)];
    let y = this.node('MeanVarianceNormalization', [x.name], x.shape, { axes: { type: 'ints', value: others }, epsilon: { type: 'float', value: epsilon } });
    if (weight) y = this.binary('Mul', y, this.unsqueeze(weight, others));
    if (bias) y = this.binary('Add', y, this.unsqueeze(bias, others));
    return y;
  }

  conv(x: TensorRef, w: TensorRef, bias: TensorRef | undefined, kernel: number[], stride: number[], pads: number[], dilation: number[], group: number): TensorRef {
    const s = x.shape;
    const rank = kernel.length;
    const outC = w.shape?.[0];
    const shape: Shape = s && s.length === rank + 2 && outC !== undefined
      ? [s[0]!, outC, ...kernel.map((k, i) => windowOut(s[2 + i]!, k, stride[i]!, pads[i]!, pads[rank + i]!, dilation[i]!))]
      : undefined;
    const ints = (value: number[]): AttrValue => ({ type: 'ints', value });
    return this.node('Conv', bias ? [x.name, w.name, bias.name] : [x.name, w.name], shape, {
      kernel_shape: ints(kernel), strides: ints(stride), pads: ints(pads), dilations: ints(dilation), group: { type: 'int', value: group },
    });
  }

  silu(x: TensorRef): TensorRef {
    const g = this.unary('Sigmoid', x);
    return this.node('Mul', [x.name, g.name], x.shape);
  }

  /** `a op b` where either side may be a Python number. */
  binary(op: 'Mul' | 'Add' | 'Sub' | 'Div' | 'Pow' | 'Max' | 'Min', a: TensorRef | number, b: TensorRef | number): TensorRef {
    const name = (v: TensorRef | number) => (typeof v === 'number' ? this.b.scalar(v) : v.name);
    const shape = (v: TensorRef | number): Shape => (typeof v === 'number' ? [] : v.shape);
    return this.node(op, [name(a), name(b)], broadcast(shape(a), shape(b)));
  }

  matmul(a: TensorRef, b: TensorRef): TensorRef {
    let out: Shape;
    if (a.shape && b.shape && a.shape.length >= 2 && b.shape.length >= 2) {
      const batch = broadcast(a.shape.slice(0, -2), b.shape.slice(0, -2));
      if (batch) out = [...batch, a.shape[a.shape.length - 2]!, b.shape[b.shape.length - 1]!];
    }
    return this.node('MatMul', [a.name, b.name], out);
  }

  /** `mean`/`amax`/`sum` over `dims`; opset 17 gives ReduceMean/ReduceMax axes as an attribute, ReduceSum as an input. */
  reduce(op: 'ReduceMean' | 'ReduceMax' | 'ReduceMin' | 'ReduceSum', x: TensorRef, dims: number[] | undefined, keepdim: boolean): TensorRef {
    const rank = x.shape?.length;
    const axes = dims && rank !== undefined ? dims.map((d) => normAxis(d, rank) ?? d) : dims;
    const out = reduce(x.shape, axes, keepdim);
    const keep: AttrValue = { type: 'int', value: keepdim ? 1 : 0 };
    if (op === 'ReduceSum') {
      const inputs = [x.name];
      if (axes) inputs.push(this.b.int64('axes', axes));
      return this.node(op, inputs, out, { keepdims: keep });
    }
    return this.node(op, [x.name], out, axes ? { axes: { type: 'ints', value: axes }, keepdims: keep } : { keepdims: keep });
  }

  /** Indices of `max(dim)` / `min(dim)`: int64, the values' shape. */
  argReduce(op: 'ArgMax' | 'ArgMin', x: TensorRef, dim: number, keepdim: boolean): TensorRef {
    const rank = x.shape?.length;
    const axis = rank !== undefined ? normAxis(dim, rank) ?? dim : dim;
    const out = this.node(op, [x.name], reduce(x.shape, [axis], keepdim), { axis: { type: 'int', value: axis }, keepdims: { type: 'int', value: keepdim ? 1 : 0 } });
    this.b.graph.values.get(out.name)!.dtype = 'int64';
    return out;
  }

  globalPool(op: 'GlobalAveragePool' | 'GlobalMaxPool', x: TensorRef): TensorRef {
    const s = x.shape;
    return this.node(op, [x.name], s && s.length >= 3 ? [s[0]!, s[1]!, ...s.slice(2).map(() => 1)] : undefined);
  }

  reshape(x: TensorRef, target: number[]): TensorRef {
    return this.node('Reshape', [x.name, this.b.int64('shape', target)], reshapeTarget(x.shape, target));
  }

  flatten(x: TensorRef, start: number, end: number): TensorRef {
    const out = flatten(x.shape, start, end);
    const rank = x.shape?.length;
    if (end === -1 || (rank !== undefined && normAxis(end, rank) === rank - 1)) {
      const axis = rank !== undefined ? normAxis(start, rank) : start;
      if (axis !== undefined && (rank === undefined || axis > 0 || rank === 1)) {
        return this.node('Flatten', [x.name], out, { axis: { type: 'int', value: axis } });
      }
    }
    if (out && out.every((d) => typeof d === 'number')) return this.reshape(x, out as number[]);
    return this.unknown(`flatten(${start}, ${end}) of a tensor whose shape is not known`, [x]);
  }

  /** `x[a:b]` on some axes (step 1), as torch.onnx writes it: one Slice with starts, ends and axes. */
  slice(x: TensorRef, axes: number[], starts: number[], ends: number[]): TensorRef {
    const shape: Shape = x.shape ? [...x.shape] : undefined;
    axes.forEach((a, i) => {
      if (shape) shape[a] = Math.max(0, ends[i]! - starts[i]!);
    });
    return this.node('Slice', [x.name, this.b.int64('starts', starts), this.b.int64('ends', ends), this.b.int64('axes', axes)], shape);
  }

  /** `F.interpolate` to known spatial sizes: ONNX's Resize, which the counting conventions call Upsample. */
  resize(x: TensorRef, spatial: number[], mode: string): TensorRef {
    const shape: Shape = x.shape ? [...x.shape.slice(0, 2), ...spatial] : undefined;
    return this.node('Resize', [x.name], shape, { mode: { type: 'string', value: mode } });
  }

  unsqueeze(x: TensorRef, axes: number[]): TensorRef {
    let shape: Shape = x.shape ? [...x.shape] : undefined;
    const normalized: number[] = [];
    for (const a of axes) {
      if (!shape) break;
      const n = normAxis(a, shape.length + 1);
      if (n === undefined) return this.unknown(`unsqueeze(${a}) is out of range`, [x]);
      shape.splice(n, 0, 1);
      normalized.push(n);
    }
    if (!shape) shape = undefined;
    return this.node('Unsqueeze', [x.name, this.b.int64('axes', shape ? normalized : axes)], shape);
  }

  squeeze(x: TensorRef, dims: number[] | undefined): TensorRef {
    const s = x.shape;
    let out: Shape;
    let axes = dims;
    if (s) {
      axes = dims ? dims.map((d) => normAxis(d, s.length) ?? d) : s.flatMap((d, i) => (d === 1 ? [i] : []));
      // PyTorch leaves a non-1 dimension alone; ONNX would reject it, so such axes are dropped.
      axes = axes.filter((a) => s[a] === 1);
      out = s.filter((_, i) => !axes!.includes(i));
    }
    const inputs = [x.name];
    if (axes) inputs.push(this.b.int64('axes', axes));
    return this.node('Squeeze', inputs, out);
  }

  transpose(x: TensorRef, perm: number[]): TensorRef {
    const s = x.shape;
    return this.node('Transpose', [x.name], s ? perm.map((p) => s[p]!) : undefined, { perm: { type: 'ints', value: perm } });
  }

  /** `expand_as(other)`: the target shape is read from `other` at run time, so no constant is needed. */
  expandAs(x: TensorRef, other: TensorRef): TensorRef {
    const shape = this.node('Shape', [other.name], other.shape ? [other.shape.length] : undefined);
    this.b.graph.values.get(shape.name)!.dtype = 'int64';
    return this.node('Expand', [x.name, shape.name], broadcast(x.shape, other.shape));
  }

  expand(x: TensorRef, sizes: number[]): TensorRef {
    const s = x.shape;
    const target: Dim[] = sizes.map((d, i) => (d === -1 && s ? s[s.length - sizes.length + i] ?? d : d));
    return this.node('Expand', [x.name, this.b.int64('shape', sizes.map((d, i) => (d === -1 ? 1 : (target[i] as number))))], broadcast(s, target));
  }

  concat(xs: TensorRef[], dim: number): TensorRef {
    let out: Shape;
    const first = xs[0]?.shape;
    if (first && xs.every((x) => x.shape && x.shape.length === first.length)) {
      const axis = normAxis(dim, first.length);
      if (axis !== undefined) {
        out = [...first];
        let sum: Dim = 0;
        for (const x of xs) {
          const d = x.shape![axis]!;
          sum = typeof sum === 'number' && typeof d === 'number' ? sum + d : '?';
        }
        out[axis] = sum;
      }
    }
    return this.node('Concat', xs.map((x) => x.name), out, { axis: { type: 'int', value: dim } });
  }

  pool(op: 'AveragePool' | 'MaxPool', x: TensorRef, kernel: number[], stride: number[], padding: number[], ceil: boolean): TensorRef {
    const s = x.shape;
    let out: Shape;
    if (s && s.length === 4) {
      const o = (i: number) => {
        const d = s[2 + i]!;
        if (typeof d !== 'number') return d;
        const span = d + 2 * padding[i]! - kernel[i]!;
        return (ceil ? Math.ceil(span / stride[i]!) : Math.floor(span / stride[i]!)) + 1;
      };
      out = [s[0]!, s[1]!, o(0), o(1)];
    }
    const attrs: Record<string, AttrValue> = {
      kernel_shape: { type: 'ints', value: kernel },
      strides: { type: 'ints', value: stride },
      pads: { type: 'ints', value: [...padding, ...padding] },
      ceil_mode: { type: 'int', value: ceil ? 1 : 0 },
    };
    if (op === 'AveragePool' && padding.some((p) => p > 0)) attrs.count_include_pad = { type: 'int', value: 1 };
    return this.node(op, [x.name], out, attrs);
  }

  /** `F.pad(x, pads, mode)`: PyTorch lists (begin, end) pairs from the last axis backwards; ONNX all begins, then all ends. */
  pad(x: TensorRef, torchPads: readonly number[], mode: string): TensorRef {
    const s = x.shape!;
    const rank = s.length;
    const begins = Array(rank).fill(0) as number[];
    const ends = Array(rank).fill(0) as number[];
    for (let i = 0; i < torchPads.length / 2; i++) {
      begins[rank - 1 - i] = torchPads[2 * i]!;
      ends[rank - 1 - i] = torchPads[2 * i + 1]!;
    }
    const out: Shape = s.map((d, i) => (typeof d === 'number' ? d + begins[i]! + ends[i]! : d));
    return this.node('Pad', [x.name, this.b.int64('pads', [...begins, ...ends])], out, { mode: { type: 'string', value: mode } });
  }

  /** Constant tensor made in code (`torch.zeros(c)`): a weight-like initializer without values. */
  constant(shape: number[]): TensorRef {
    const name = this.b.weight('tensor', shape);
    return { name, shape };
  }
}
