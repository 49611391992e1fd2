import { textOf, type Syn } from '../syntax.js';
import { arrayBinary } from './library/arrays.js';
import { dictItemsOf } from './classes.js';
import { canonical, type LibraryHost } from './library/host.js';
import { dictKey, int, intOf, num, unknown, type PyValue } from './values.js';

const MAX_LOOP = 4096;

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** Python's operators on abstract values: arithmetic, sequence concatenation, tensors (as IR), comparisons. */
export function binaryOp(host: LibraryHost, op: string, a: PyValue, b: PyValue, node: Syn): PyValue {
  if (a.k === 'tensor' || b.k === 'tensor') {
    const ta = a.k === 'tensor' ? a.t : num(a);
    const tb = b.k === 'tensor' ? b.t : num(b);
    if (ta === undefined || tb === undefined) {
      return host.fail(`'${firstLine(textOf(node))}' mixes a tensor with a value that is not known`, node, [a, b].flatMap((v) => (v.k === 'tensor' ? [v.t] : [])));
    }
    const ops = host.ops(node);
    switch (op) {
      case '*':
        return { k: 'tensor', t: ops.binary('Mul', ta, tb) };
      case '+':
        return { k: 'tensor', t: ops.binary('Add', ta, tb) };
      case '-':
        return { k: 'tensor', t: ops.binary('Sub', ta, tb) };
      case '/':
        return { k: 'tensor', t: ops.binary('Div', ta, tb) };
      case '**':
        return { k: 'tensor', t: ops.binary('Pow', ta, tb) };
      case '@':
        if (typeof ta !== 'number' && typeof tb !== 'number') return { k: 'tensor', t: ops.matmul(ta, tb) };
        break;
    }
    return host.fail(`operator '${op}' on tensors is not interpreted`, node, [a, b].flatMap((v) => (v.k === 'tensor' ? [v.t] : [])));
  }
  if (a.k === 'array' || b.k === 'array') return arrayBinary(op, a, b) ?? unknown(`operator '${op}' on arrays`);
  if ((a.k === 'tuple' || a.k === 'list') && op === '+' && b.k === a.k) return { k: a.k, items: [...a.items, ...b.items] };
  if ((a.k === 'tuple' || a.k === 'list') && op === '*' && intOf(b) !== undefined) {
    const n = Math.min(Math.max(intOf(b)!, 0), MAX_LOOP);
    return { k: a.k, items: Array.from({ length: n }, () => a.items).flat() };
  }
  if (a.k === 'str' && b.k === 'str' && op === '+') return { k: 'str', v: a.v + b.v };
  const x = num(a);
  const y = num(b);
  // An operand that is not known carries its reason (an import that failed, an argument without a value) onward.
  if (a.k === 'unknown') return a;
  if (b.k === 'unknown') return b;
  if (x === undefined || y === undefined) return unknown(`'${firstLine(textOf(node))}'`);
  const isInt = (a.k === 'int' || a.k === 'bool') && (b.k === 'int' || b.k === 'bool');
  const wrap = (v: number, asInt = isInt): PyValue => (Number.isFinite(v) ? (asInt ? int(v) : { k: 'float', v }) : unknown('not a finite number'));
  switch (op) {
    case '+':
      return wrap(x + y);
    case '-':
      return wrap(x - y);
    case '*':
      return wrap(x * y);
    case '/':
      return y === 0 ? host.fail(`division by zero in '${textOf(node)}'`, node) : wrap(x / y, false);
    case '//':
      return y === 0 ? host.fail(`division by zero in '${textOf(node)}'`, node) : wrap(Math.floor(x / y));
    case '%':
      return y === 0 ? host.fail(`division by zero in '${textOf(node)}'`, node) : wrap(x - Math.floor(x / y) * y);
    case '**':
      return wrap(x ** y, isInt && y >= 0);
    case '<<':
      return isInt ? int(x * 2 ** y) : unknown('<<');
    case '>>':
      return isInt ? int(Math.floor(x / 2 ** y)) : unknown('>>');
    case '&':
      return isInt ? int(x & y) : unknown('&');
    case '|':
      return isInt ? int(x | y) : unknown('|');
    default:
      return unknown(`operator '${op}'`);
  }
}

export function sliceBounds(s: Extract<PyValue, { k: 'slice' }>, length: number): [number | undefined, number | undefined] {
  const norm = (v: PyValue, fallback: number) => {
    if (v.k === 'none') return fallback;
    const i = intOf(v);
    if (i === undefined) return undefined;
    return Math.min(Math.max(i < 0 ? length + i : i, 0), length);
  };
  if (s.step.k !== 'none' && intOf(s.step) !== 1) return [undefined, undefined];
  return [norm(s.start, 0), norm(s.stop, length)];
}

/** The positions `seq[start:stop:step]` takes from a sequence of `length` items, as Python's `slice.indices` gives them. */
export function sliceIndices(s: Extract<PyValue, { k: 'slice' }>, length: number): number[] | undefined {
  const step = s.step.k === 'none' ? 1 : intOf(s.step);
  if (step === undefined || step === 0) return undefined;
  const bound = (v: PyValue, fallback: number): number | undefined => {
    if (v.k === 'none') return fallback;
    const i = intOf(v);
    if (i === undefined) return undefined;
    const j = i < 0 ? i + length : i;
    return step > 0 ? Math.min(Math.max(j, 0), length) : Math.min(Math.max(j, -1), length - 1);
  };
  const start = bound(s.start, step > 0 ? 0 : length - 1);
  const stop = bound(s.stop, step > 0 ? length : -1);
  if (start === undefined || stop === undefined) return undefined;
  const out: number[] = [];
  for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
  return out;
}

const NEVER_A_STRING = new Set<PyValue['k']>(['int', 'float', 'bool', 'tuple', 'list', 'dict', 'ref', 'class', 'func', 'module', 'partial']);

export function compareValues(op: string, a: PyValue, b: PyValue): boolean | undefined {
  const x = num(a);
  const y = num(b);
  const identity = sameIdentity(a, b);
  if (identity !== undefined && (op === 'is' || op === 'is not' || op === '==' || op === '!=')) return op === 'is' || op === '==' ? identity : !identity;
  if (op === 'is' || op === 'is not') {
    if (a.k === 'none' || b.k === 'none') {
      if (a.k === 'unknown' || b.k === 'unknown') return undefined;
      const same = a.k === b.k;
      return op === 'is' ? same : !same;
    }
    // True and False are singletons too (`skip is True`); a known value of another type is never one of them.
    if (a.k === 'bool' || b.k === 'bool') {
      if (a.k === 'unknown' || b.k === 'unknown') return undefined;
      const same = a.k === b.k && (a as { v: boolean }).v === (b as { v: boolean }).v;
      return op === 'is' ? same : !same;
    }
    return undefined;
  }
  if (op === 'in' || op === 'not in') {
    // An instance of a dict subclass holds its keys as the dict it is.
    const held = b.k === 'object' ? dictItemsOf(b) : undefined;
    if (held) return compareValues(op, a, held);
    if (b.k === 'dict') {
      const key = dictKey(a);
      if (key === undefined) return undefined;
      return op === 'in' ? b.entries.has(key) : !b.entries.has(key);
    }
    if (b.k === 'str') {
      if (a.k !== 'str') return undefined;
      const found = b.v.includes(a.v);
      return op === 'in' ? found : !found;
    }
    const items = b.k === 'tuple' || b.k === 'list' ? b.items : undefined;
    if (!items) return undefined;
    let found = false;
    for (const item of items) {
      const eq = compareValues('==', a, item);
      if (eq === undefined) return undefined;
      if (eq) found = true;
    }
    return op === 'in' ? found : !found;
  }
  if (op === '==' || op === '!=') {
    let eq: boolean | undefined;
    if (x !== undefined && y !== undefined) eq = x === y;
    else if (a.k === 'str' && b.k === 'str') eq = a.v === b.v;
    else if (a.k === 'none' || b.k === 'none') eq = a.k === b.k ? true : a.k === 'unknown' || b.k === 'unknown' ? undefined : false;
    // A string never equals a value of another built-in kind (`use_batchnorm == "inplace"` with `True`).
    else if ((a.k === 'str' && NEVER_A_STRING.has(b.k)) || (b.k === 'str' && NEVER_A_STRING.has(a.k))) eq = false;
    return eq === undefined ? undefined : op === '==' ? eq : !eq;
  }
  if (x === undefined || y === undefined) return undefined;
  switch (op) {
    case '<':
      return x < y;
    case '<=':
      return x <= y;
    case '>':
      return x > y;
    case '>=':
      return x >= y;
    default:
      return undefined;
  }
}

/** Identity of class references and library names: `gate_layer is nn.Sigmoid`, `act == 'relu'` against a class. */
function sameIdentity(a: PyValue, b: PyValue): boolean | undefined {
  const kinds = new Set(['ref', 'class', 'func']);
  if (!kinds.has(a.k) && !kinds.has(b.k)) return undefined;
  if (a.k === 'unknown' || b.k === 'unknown') return undefined;
  if (a.k === 'ref' && b.k === 'ref') return canonical(a.path) === canonical(b.path);
  if (a.k === 'class' && b.k === 'class') return a.def === b.def;
  if (a.k === 'func' && b.k === 'func') return a.def.node === b.def.node;
  if (['str', 'int', 'float', 'bool', 'none', 'tuple', 'list', 'dict', 'module', 'object', 'class', 'ref', 'func'].includes(a.k) && ['str', 'int', 'float', 'bool', 'none', 'tuple', 'list', 'dict', 'module', 'object', 'class', 'ref', 'func'].includes(b.k)) return false;
  return undefined;
}

