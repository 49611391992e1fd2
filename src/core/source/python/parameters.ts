import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import { unknown, type PyValue, type Scope } from './values.js';

/** Binds call arguments to a `parameters` node; returns a problem description or undefined. */
export function bindParams(params: Syn | undefined, args: PyValue[], kwargs: Map<string, PyValue>, scope: Scope, evaluate: (node: Syn, scope: Scope) => PyValue, defaults?: ReadonlyMap<Syn, PyValue>): string | undefined {
  if (!params) return undefined;
  let i = 0;
  let problem: string | undefined;
  const rest = new Map(kwargs);
  let keywordOnly = false;
  for (const p of namedChildren(params)) {
    let name: string | undefined;
    let def: Syn | undefined;
    switch (p.type) {
      case 'identifier':
        name = textOf(p);
        break;
      case 'typed_parameter': {
        const id = namedChildren(p).find((c) => c.type !== 'type');
        if (id?.type === 'list_splat_pattern') {
          scope.set(textOf(namedChildren(id)[0] ?? id), { k: 'tuple', items: args.slice(i) });
          i = args.length;
          keywordOnly = true;
          continue;
        }
        if (id?.type === 'dictionary_splat_pattern') {
          scope.set(textOf(namedChildren(id)[0] ?? id), { k: 'dict', entries: new Map(rest) });
          continue;
        }
        name = id ? textOf(id) : undefined;
        break;
      }
      case 'default_parameter':
      case 'typed_default_parameter': {
        const n = child(p, 'name');
        name = n ? textOf(n) : undefined;
        def = child(p, 'value');
        break;
      }
      case 'list_splat_pattern':
        scope.set(textOf(namedChildren(p)[0] ?? p), { k: 'tuple', items: args.slice(i) });
        i = args.length;
        keywordOnly = true;
        continue;
      case 'dictionary_splat_pattern':
        scope.set(textOf(namedChildren(p)[0] ?? p), { k: 'dict', entries: new Map(rest) });
        rest.clear();
        continue;
      case 'keyword_separator':
        keywordOnly = true;
        continue;
      default:
        continue;
    }
    if (!name) continue;
    if (!keywordOnly && i < args.length) {
      scope.set(name, args[i++]!);
      if (rest.has(name)) problem = `'${name}' given twice`;
    } else if (rest.has(name)) {
      scope.set(name, rest.get(name)!);
      rest.delete(name);
    } else if (def) scope.set(name, defaults?.get(def) ?? evaluate(def, scope.parent ?? scope));
    else {
      scope.set(name, unknown(`argument '${name}' has no value`));
      problem ??= `argument '${name}' has no value`;
    }
  }
  if (i < args.length) problem ??= `${args.length - i} extra positional arguments`;
  return problem;
}

/** The default values of a `parameters` node, evaluated now (where the function is defined). */
export function evaluateDefaults(params: Syn | undefined, evaluate: (node: Syn) => PyValue): ReadonlyMap<Syn, PyValue> | undefined {
  const defaults = new Map<Syn, PyValue>();
  for (const p of params ? namedChildren(params) : []) {
    const value = p.type === 'default_parameter' || p.type === 'typed_default_parameter' ? child(p, 'value') : undefined;
    if (value) defaults.set(value, evaluate(value));
  }
  return defaults.size > 0 ? defaults : undefined;
}
