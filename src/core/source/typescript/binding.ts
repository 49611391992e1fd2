import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import type { TsInterpreter } from './interpreter.js';
import { keyText, patternPositions } from './syntax-values.js';
import { firstLine, unknown, UNDEF, type TsScope, type TsValue } from './values.js';

/**
 * Binding values to the patterns JavaScript has: declared names, destructuring of arrays (with holes)
 * and objects (with defaults and rests), assignment to members and subscripts, and a function's
 * parameters from its arguments.
 */

export function bind(interp: TsInterpreter, target: Syn, v: TsValue, scope: TsScope, declare: boolean): void {
  switch (target.type) {
    case 'identifier':
    case 'shorthand_property_identifier_pattern':
      if (declare) scope.declare(textOf(target), v);
      else scope.assign(textOf(target), v);
      return;
    case 'array_pattern': {
      // Holes (`const [, , , c] = x.shape`) are commas without a node: positions come from the text.
      const positions = patternPositions(target);
      namedChildren(target).forEach((t, i) => {
        const at = positions[i] ?? i;
        if (t.type === 'rest_pattern') {
          const id = namedChildren(t)[0];
          if (id) interp.bind(id, v.k === 'arr' ? { k: 'arr', items: v.items.slice(at) } : unknown('destructuring'), scope, declare);
        } else if (v.k === 'tensor' && at === 0) interp.bind(t, v, scope, declare);
        else interp.bind(t, v.k === 'arr' ? v.items[at] ?? UNDEF : v.k === 'unknown' ? v : unknown(`destructuring of '${firstLine(textOf(target))}'`), scope, declare);
      });
      return;
    }
    case 'object_pattern':
      for (const p of namedChildren(target)) {
        if (p.type === 'shorthand_property_identifier_pattern') interp.bind(p, interp.member(v, textOf(p)), scope, declare);
        else if (p.type === 'pair_pattern') {
          const key = child(p, 'key');
          const value = child(p, 'value');
          if (key && value) interp.bind(value, interp.member(v, keyText(key)), scope, declare);
        } else if (p.type === 'object_assignment_pattern') {
          const left = child(p, 'left');
          const right = child(p, 'right');
          if (!left) continue;
          const found = interp.member(v, textOf(left));
          interp.bind(left, found.k !== 'undef' ? found : right ? interp.eval(right, scope) : UNDEF, scope, declare);
        } else if (p.type === 'rest_pattern') {
          const id = namedChildren(p)[0];
          if (id) interp.bind(id, v, scope, declare);
        }
      }
      return;
    case 'assignment_pattern': {
      const left = child(target, 'left');
      const right = child(target, 'right');
      if (left) interp.bind(left, v.k === 'undef' && right ? interp.eval(right, scope) : v, scope, declare);
      return;
    }
    case 'member_expression': {
      const obj = child(target, 'object');
      const p = child(target, 'property');
      if (obj && p) {
        const o = interp.eval(obj, scope);
        if (o.k === 'obj' || o.k === 'instance') o.props.set(textOf(p), v);
      }
      return;
    }
    case 'subscript_expression': {
      const obj = child(target, 'object');
      const idx = child(target, 'index');
      if (!obj || !idx) return;
      const o = interp.eval(obj, scope);
      const i = interp.eval(idx, scope);
      if (o.k === 'arr' && i.k === 'num') o.items[i.v] = v;
      else if ((o.k === 'obj' || o.k === 'instance') && (i.k === 'str' || i.k === 'num')) o.props.set(String(i.v), v);
      return;
    }
    case 'parenthesized_expression':
    case 'non_null_expression': {
      const inner = namedChildren(target)[0];
      if (inner) interp.bind(inner, v, scope, declare);
      return;
    }
    default:
      return;
  }
}

export function bindParams(interp: TsInterpreter, fn: Syn, args: TsValue[], scope: TsScope): void {
  const single = child(fn, 'parameter');
  if (single) {
    interp.bind(single, args[0] ?? UNDEF, scope, true);
    return;
  }
  const params = child(fn, 'parameters');
  let i = 0;
  for (const p of namedChildren(params ?? fn)) {
    if (p.type !== 'required_parameter' && p.type !== 'optional_parameter' && p.type !== 'identifier' && p.type !== 'assignment_pattern' && p.type !== 'object_pattern' && p.type !== 'array_pattern' && p.type !== 'rest_pattern') continue;
    const pattern = p.type === 'required_parameter' || p.type === 'optional_parameter' ? child(p, 'pattern') ?? child(p, 'name') : p;
    const def = p.type === 'required_parameter' || p.type === 'optional_parameter' ? child(p, 'value') : undefined;
    const index = i++;
    if (!pattern || textOf(pattern) === 'this') {
      if (pattern) i--;
      continue;
    }
    if (pattern.type === 'rest_pattern') {
      const id = namedChildren(pattern)[0];
      if (id) scope.declare(textOf(id), { k: 'arr', items: args.slice(index) });
      continue;
    }
    let v = args[index] ?? UNDEF;
    if (v.k === 'undef' && def) v = interp.eval(def, scope);
    interp.bind(pattern, v, scope, true);
  }
}
