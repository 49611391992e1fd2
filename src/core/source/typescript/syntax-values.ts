import type { Syn } from '../syntax.js';
import { namedChildren, textOf } from '../syntax.js';
import { strV, unknown, type TsClass, type TsValue } from './values.js';

/** Small readings of syntax and values the evaluator needs: type nodes, keys, escapes, `instanceof`, `typeof`, pattern holes. */

export function isTypeNode(c: Syn): boolean {
  return c.type.endsWith('type') || c.type === 'type_arguments' || c.type === 'predefined_type' || c.type === 'type_identifier' || c.type === 'generic_type' || c.type === 'type_annotation';
}

export function keyText(key: Syn): string {
  return key.type === 'string' ? textOf(key).slice(1, -1) : textOf(key);
}

export function unescape(seq: string): string {
  const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '0': '\0' };
  const c = seq.slice(1);
  return map[c] ?? c;
}

/** `v instanceof C` for the cases model code asks: lists, tensors, the program's classes. */
export function instanceOf(v: TsValue, c: TsValue): TsValue {
  const isTensorClass = c.k === 'ref' && /(^|\.)(Tensor|SymbolicTensor|Tensor\dD)$/.test(c.path);
  if (c.k === 'ref' && c.path === 'Array') return v.k === 'unknown' ? unknown('instanceof') : { k: 'bool', v: v.k === 'arr' };
  if (isTensorClass) return v.k === 'unknown' ? unknown('instanceof') : { k: 'bool', v: v.k === 'tensor' || v.k === 'weight' };
  if (c.k === 'class' && v.k === 'instance') {
    for (let k: TsClass | undefined = v.cls, hops = 0; k && hops < 32; k = k.base?.k === 'class' ? k.base.cls : undefined, hops++) if (k === c.cls) return { k: 'bool', v: true };
    return { k: 'bool', v: false };
  }
  if (c.k === 'class') return v.k === 'unknown' ? unknown('instanceof') : { k: 'bool', v: false };
  return unknown('instanceof');
}

export function typeOf(v: TsValue): TsValue {
  const t = v.k === 'num' ? 'number' : v.k === 'str' ? 'string' : v.k === 'bool' ? 'boolean' : v.k === 'undef' ? 'undefined' : v.k === 'func' || v.k === 'class' ? 'function' : v.k === 'unknown' ? undefined : 'object';
  return t ? strV(t) : unknown('typeof');
}

/** Index of each named element of an array pattern, counting the holes (commas with nothing between). */
export function patternPositions(pattern: Syn): number[] {
  const src = pattern.src;
  const out: number[] = [];
  let index = 0;
  let depth = 0;
  let next = 0;
  const elements = namedChildren(pattern);
  for (let i = pattern.startIndex + 1; i < pattern.endIndex - 1 && next < elements.length; i++) {
    if (i === elements[next]!.startIndex && depth === 0) {
      out.push(index);
      i = elements[next]!.endIndex - 1;
      next++;
      continue;
    }
    const c = src[i];
    if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth--;
    else if (c === ',' && depth === 0) index++;
  }
  return out;
}
