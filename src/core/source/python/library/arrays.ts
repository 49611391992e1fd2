import { MAX_LOOP } from '../evaluator.js';
import { int, intOf, num, unknown, type PyValue } from '../values.js';

/**
 * Numeric arrays of known values: architecture tables that model code computes with torch or numpy while it
 * builds (RegNet's quantised widths: `torch.arange(depth) * w_a + w_0`, `torch.round(torch.log(...))`,
 * `.int().tolist()`; numpy's `np.arange`, `np.power`, `np.unique`). One-dimensional, with the element type
 * that decides the arithmetic: torch's default float32 rounds each result to single precision as torch
 * does, numpy's float64 does not.
 */
export type ArrayValue = Extract<PyValue, { k: 'array' }>;
export type ArrayType = ArrayValue['dtype'];

export function array(data: readonly number[], dtype: ArrayType): ArrayValue {
  return { k: 'array', data: dtype === 'f32' ? data.map(Math.fround) : dtype === 'int' ? data.map(Math.trunc) : data, dtype };
}

/** The element type of the library's floats: torch tensors default to float32, numpy arrays to float64. */
function floatOf(library: string): ArrayType {
  return library === 'torch' ? 'f32' : 'f64';
}

/** A known number, list of numbers or array as an array (`undefined` when it is none of them). */
function asArray(v: PyValue | undefined, library: string): ArrayValue | undefined {
  if (!v) return undefined;
  if (v.k === 'array') return v;
  if (v.k === 'int' || v.k === 'bool') return array([Number(v.v)], 'int');
  if (v.k === 'float') return array([v.v], floatOf(library));
  if (v.k === 'list' || v.k === 'tuple') {
    const xs = v.items.map(num);
    if (xs.some((x) => x === undefined)) return undefined;
    return array(xs as number[], v.items.every((i) => i.k === 'int' || i.k === 'bool') ? 'int' : floatOf(library));
  }
  return undefined;
}

/** The result type of an elementwise op: ints stay ints only for operators that keep integers. */
function resultType(a: ArrayType, b: ArrayType, keepsInt: boolean): ArrayType {
  if (a === 'int' && b === 'int') return keepsInt ? 'int' : 'f32';
  if (a === 'f64' || b === 'f64') return a === 'f32' || b === 'f32' ? 'f32' : 'f64';
  return 'f32';
}

/** Round half to even, as torch.round and numpy.round do. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const ELEMENTWISE: Readonly<Record<string, (x: number, y: number) => number>> = {
  '+': (x, y) => x + y,
  '-': (x, y) => x - y,
  '*': (x, y) => x * y,
  '/': (x, y) => x / y,
  '//': (x, y) => Math.floor(x / y),
  '%': (x, y) => x - Math.floor(x / y) * y,
  '**': (x, y) => x ** y,
};

/** `a op b` where one side is an array and the other a number or an array of the same length (or one). */
export function arrayBinary(op: string, a: PyValue, b: PyValue): PyValue | undefined {
  const f = ELEMENTWISE[op];
  if (!f) return undefined;
  // A Python number next to a torch tensor takes the tensor's type (a wrapped scalar).
  const library = a.k === 'array' ? (a.dtype === 'f64' ? 'numpy' : 'torch') : b.k === 'array' && b.dtype === 'f64' ? 'numpy' : 'torch';
  const x = asArray(a, library);
  const y = asArray(b, library);
  if (!x || !y) return unknown(`'${op}' of an array and a value that is not known`);
  const scalarType = (v: PyValue, arr: ArrayValue, other: ArrayValue): ArrayType => (v.k === 'array' ? arr.dtype : v.k === 'float' && other.dtype === 'int' ? floatOf(library) : other.dtype);
  const tx = scalarType(a, x, y);
  const ty = scalarType(b, y, x);
  const n = Math.max(x.data.length, y.data.length);
  if ((x.data.length !== n && x.data.length !== 1) || (y.data.length !== n && y.data.length !== 1)) return unknown(`'${op}' of arrays whose lengths differ`);
  const type = resultType(tx, ty, op !== '/');
  const at = (arr: ArrayValue, i: number) => arr.data[arr.data.length === 1 ? 0 : i]!;
  return array(Array.from({ length: n }, (_, i) => f(at(x, i), at(y, i))), type);
}

const UNARY: Readonly<Record<string, (x: number) => number>> = {
  round: roundHalfEven, log: Math.log, log2: Math.log2, log10: Math.log10, exp: Math.exp, sqrt: Math.sqrt, floor: Math.floor,
  ceil: Math.ceil, abs: Math.abs,
};

/** `torch.X(...)` / `numpy.X(...)` on known values; undefined when X is not an array function or no argument is an array. */
export function arrayCall(library: 'torch' | 'numpy', name: string, args: PyValue[], kwargs: Map<string, PyValue>): PyValue | undefined {
  const arg = (i: number, key: string) => args[i] ?? kwargs.get(key);
  switch (name) {
    case 'arange': {
      const nums = args.map(num);
      if (nums.length === 0 || nums.some((v) => v === undefined)) return unknown(`${library}.arange() of values that are not known`);
      const [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1]!, nums[2] ?? 1];
      if (step === 0) return unknown(`${library}.arange() with step 0`);
      // The count first, as numpy computes it (ceil((stop - start) / step)): a loop adding `step` never ends where
      // `v + step === v` (arange(1e17, 1e17 + 64)).
      const count = Math.max(0, Math.ceil((stop - start) / step));
      if (!Number.isFinite(count) || count > MAX_LOOP) return unknown(`${library}.arange() of more than ${MAX_LOOP} values is not interpreted`);
      const data = Array.from({ length: count }, (_, i) => start + i * step);
      return array(data, args.every((a) => a.k === 'int') ? 'int' : floatOf(library));
    }
    case 'linspace': {
      const [start, end, steps] = [num(arg(0, 'start')), num(arg(1, 'end')), intOf(arg(2, 'steps') ?? (library === 'numpy' ? int(50) : undefined))];
      if (start === undefined || end === undefined || steps === undefined || steps < 0) return unknown(`${library}.linspace() of values that are not known`);
      if (steps > MAX_LOOP) return unknown(`${library}.linspace() of more than ${MAX_LOOP} values is not interpreted`);
      const step = steps > 1 ? (end - start) / (steps - 1) : 0;
      return array(Array.from({ length: steps }, (_, i) => (i === steps - 1 && steps > 1 ? end : start + i * step)), floatOf(library));
    }
    case 'tensor':
    case 'as_tensor':
    case 'array':
    case 'asarray': {
      const a = args[0];
      return a && (a.k === 'list' || a.k === 'tuple' || a.k === 'array') ? asArray(a, library) : undefined;
    }
  }
  const first = arg(0, 'input');
  const unary = UNARY[name];
  // numpy's functions take plain numbers too (`np.log(w_m)`): a float64 scalar.
  if (library === 'numpy' && unary && (first?.k === 'int' || first?.k === 'float')) {
    const v = unary(first.v);
    return name === 'round' || name === 'floor' || name === 'ceil' ? { k: 'float', v } : first.k === 'int' && name === 'abs' ? int(v) : { k: 'float', v };
  }
  if (first?.k !== 'array' && args[1]?.k !== 'array') return undefined;
  if (unary) {
    const x = asArray(first, library);
    if (!x) return undefined;
    const type = name === 'round' || name === 'floor' || name === 'ceil' || name === 'abs' ? x.dtype : x.dtype === 'int' ? floatOf(library) : x.dtype;
    return array(x.data.map(unary), type);
  }
  const binary = ({ pow: '**', power: '**', divide: '/', true_divide: '/', div: '/', multiply: '*', mul: '*', add: '+', subtract: '-', sub: '-', floor_divide: '//' } as Record<string, string>)[name];
  if (binary) return first && args[1] ? arrayBinary(binary, first, args[1]) : undefined;
  const x = asArray(first, library);
  if (!x) return undefined;
  switch (name) {
    case 'diff':
      return array(x.data.slice(1).map((v, i) => v - x.data[i]!), x.dtype);
    case 'cumsum': {
      let acc = 0;
      return array(x.data.map((v) => (acc += v)), x.dtype);
    }
    case 'unique': {
      const values = [...new Set(x.data)].sort((p, q) => p - q);
      const unique = array(values, x.dtype);
      if (kwargs.get('return_counts')?.k === 'bool' && (kwargs.get('return_counts') as { v: boolean }).v) {
        return { k: 'tuple', items: [unique, array(values.map((v) => x.data.filter((d) => d === v).length), 'int')] };
      }
      return unique;
    }
    case 'sum':
      return scalar(x.data.reduce((p, q) => p + q, 0), x.dtype);
    case 'max':
    case 'amax':
      return x.data.length ? scalar(Math.max(...x.data), x.dtype) : undefined;
    case 'min':
    case 'amin':
      return x.data.length ? scalar(Math.min(...x.data), x.dtype) : undefined;
    default:
      return undefined;
  }
}

function scalar(v: number, dtype: ArrayType): PyValue {
  return dtype === 'int' ? int(v) : { k: 'float', v };
}

/** Methods of an array: conversions (`.int()`, `.astype(int)`, `.tolist()`) and reductions. */
export function arrayMethod(self: ArrayValue, name: string, args: PyValue[]): PyValue | undefined {
  switch (name) {
    case 'int':
    case 'long':
      return array(self.data, 'int');
    case 'float':
      return array(self.data, self.dtype === 'f64' ? 'f64' : 'f32');
    case 'double':
      return array(self.data, 'f64');
    case 'astype': {
      const t = args[0];
      const name = t?.k === 'ref' ? t.path.split('.').pop()! : t?.k === 'str' ? t.v : undefined;
      if (name && /^(int|int32|int64|uint8|long)$/.test(name)) return array(self.data, 'int');
      if (name && /^(float|float64|double)$/.test(name)) return array(self.data, 'f64');
      if (name === 'float32') return array(self.data, 'f32');
      return unknown('astype() to a type that is not known');
    }
    case 'tolist':
      return { k: 'list', items: self.data.map((v) => scalar(v, self.dtype)) };
    case 'item':
      return self.data.length === 1 ? scalar(self.data[0]!, self.dtype) : unknown('item() of an array of more than one value');
    case 'numpy':
    case 'cpu':
    case 'detach':
    case 'clone':
      return self;
    case 'round':
      return array(self.data.map(roundHalfEven), self.dtype);
    case 'split': {
      // torch's `t.split(size)` / `t.split([sizes])`: consecutive pieces.
      const sizes = args[0]?.k === 'list' || args[0]?.k === 'tuple' ? args[0].items.map(intOf) : [intOf(args[0])];
      if (sizes.some((n) => n === undefined || n <= 0)) return unknown('split() with sizes that are not known');
      const pieces: PyValue[] = [];
      for (let at = 0, i = 0; at < self.data.length; i++) {
        const n = sizes.length === 1 ? sizes[0]! : sizes[i];
        if (n === undefined) return unknown('split() sizes that do not cover the array');
        pieces.push(array(self.data.slice(at, at + n), self.dtype));
        at += n;
      }
      return { k: 'list', items: pieces };
    }
    case 'sum':
    case 'max':
    case 'min':
      return arrayCall(self.dtype === 'f64' ? 'numpy' : 'torch', name, [self], new Map());
    default:
      return undefined;
  }
}

/**
 * Methods of a number that a reduction gave (`t.max().item()`, `np.sum(a).tolist()`): torch and numpy give
 * zero-dimensional tensors and scalars there, which the evaluator holds as plain numbers.
 */
export function scalarMethod(self: Extract<PyValue, { k: 'int' | 'float' }>, name: string): PyValue | undefined {
  switch (name) {
    case 'item':
    case 'tolist':
      return self;
    case 'int':
    case 'long':
      return int(Math.trunc(self.v));
    case 'float':
    case 'double':
      return { k: 'float', v: self.v };
    default:
      return undefined;
  }
}

/** The elements of an array, for iteration and `len()`. */
export function arrayItems(self: ArrayValue): PyValue[] {
  return self.data.map((v) => scalar(v, self.dtype));
}

/** `intOf` of an array of one element (`int(t)` on a one-element tensor). */
export function arrayScalar(self: ArrayValue): number | undefined {
  return self.data.length === 1 ? intOf(scalar(self.data[0]!, self.dtype)) : undefined;
}
