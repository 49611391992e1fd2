import { child, childrenOf, namedChildren, textOf, type Syn } from '../syntax.js';
import { readClass } from './classes.js';
import type { Signal, TsInterpreter } from './interpreter.js';
import { keyText } from './syntax-values.js';
import { binary, firstLine, numV, strV, truthy, TsScope, UNDEF, type TsValue } from './values.js';

/**
 * Statements of TF.js programs: declarations (functions hoisted), control flow with loops bounded, and
 * what a model file declares besides code (enums, classes, imports and exports through the module
 * linker). Type declarations are skipped; a statement not interpreted is a note on its line.
 */

const FUNCTION_NODES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
const MAX_LOOP = 4096;

export function execBlock(interp: TsInterpreter, nodes: readonly Syn[], scope: TsScope): Signal {
  // Function declarations are hoisted.
  for (const s of nodes) {
    const decl = s.type === 'export_statement' ? child(s, 'declaration') : s;
    if (decl?.type === 'function_declaration' || decl?.type === 'generator_function_declaration') declareFunction(interp, decl, scope);
  }
  for (const s of nodes) {
    const signal = interp.exec(s, scope);
    if (signal) return signal;
  }
  return undefined;
}

function declareFunction(interp: TsInterpreter, s: Syn, scope: TsScope): void {
  const name = child(s, 'name');
  if (name) scope.declare(textOf(name), { k: 'func', def: interp.func(textOf(name), s, scope) });
}

export function execStatement(interp: TsInterpreter, s: Syn, scope: TsScope): Signal {
  interp.tick();
  switch (s.type) {
    case 'lexical_declaration':
    case 'variable_declaration':
      for (const d of namedChildren(s)) {
        if (d.type !== 'variable_declarator') continue;
        const name = child(d, 'name');
        const value = child(d, 'value');
        if (!name) continue;
        const saved = interp.declaring;
        interp.declaring = name.type === 'identifier' ? textOf(name) : undefined;
        if (value && FUNCTION_NODES.has(value.type)) interp.functionName = interp.declaring;
        const v = value ? interp.eval(value, scope) : UNDEF;
        interp.declaring = saved;
        interp.bind(name, v, scope, true);
        interp.record(d, name, v);
      }
      return undefined;
    case 'expression_statement': {
      const e = namedChildren(s)[0];
      if (e) interp.eval(e, scope);
      return undefined;
    }
    case 'return_statement': {
      const e = namedChildren(s)[0];
      const v = e ? interp.eval(e, scope) : UNDEF;
      interp.record(s, 'return', v);
      return { kind: 'return', value: v };
    }
    case 'if_statement': {
      const cond = child(s, 'condition');
      let c = cond ? truthy(interp.eval(cond, scope)) : undefined;
      const alt = child(s, 'alternative');
      if (c === undefined) {
        // A guard that throws (`if (x.shape.length !== 4) throw ...`) is assumed to pass; another branch is taken.
        const consequence = child(s, 'consequence');
        const guard = consequence !== undefined && (consequence.type === 'throw_statement' || (consequence.type === 'statement_block' && namedChildren(consequence)[0]?.type === 'throw_statement'));
        c = !guard;
        interp.fail(`condition '${cond ? firstLine(textOf(cond)) : ''}' is not known; ${guard ? 'its guard was assumed to pass' : 'its branch was assumed'}`, cond ?? s);
      }
      if (c) {
        const body = child(s, 'consequence');
        return body ? interp.exec(body, new TsScope(scope)) : undefined;
      }
      const other = alt ? namedChildren(alt)[0] : undefined;
      return other ? interp.exec(other, new TsScope(scope)) : undefined;
    }
    case 'statement_block':
      return interp.execBlock(namedChildren(s), new TsScope(scope));
    case 'for_in_statement':
      return forOf(interp, s, scope);
    case 'for_statement':
      return forLoop(interp, s, scope);
    case 'while_statement':
      return whileLoop(interp, s, scope);
    case 'do_statement':
      return doLoop(interp, s, scope);
    case 'switch_statement':
      return switchStatement(interp, s, scope);
    case 'function_declaration':
    case 'generator_function_declaration':
      declareFunction(interp, s, scope);
      return undefined;
    case 'export_statement':
      return interp.linker.exportStatement(s, scope);
    case 'import_statement':
      interp.linker.importStatement(s, scope);
      return undefined;
    case 'break_statement':
      return { kind: 'break' };
    case 'continue_statement':
      return { kind: 'continue' };
    case 'class_declaration':
    case 'abstract_class_declaration': {
      const cls = readClass(interp, s, scope);
      if (cls) scope.declare(cls.name, { k: 'class', cls });
      return undefined;
    }
    case 'throw_statement':
      return { kind: 'return', value: interp.fail(`'${firstLine(textOf(s))}' stops this path`, s) };
    case 'try_statement': {
      const body = child(s, 'body');
      return body ? interp.exec(body, scope) : undefined;
    }
    case 'enum_declaration': {
      const name = child(s, 'name');
      if (name) scope.declare(textOf(name), enumValue(interp, s, scope));
      return undefined;
    }
    case 'comment':
    case 'empty_statement':
    case 'type_alias_declaration':
    case 'interface_declaration':
    case 'ambient_declaration':
    case 'module':
    case 'internal_module':
    case 'hash_bang_line':
      return undefined;
    case 'ERROR':
      interp.fail(`cannot read '${firstLine(textOf(s))}' (syntax error)`, s);
      return undefined;
    default:
      interp.fail(`statement '${firstLine(textOf(s))}' is not interpreted`, s);
      return undefined;
  }
}

/** `enum Act { Relu = 'relu', Sigmoid }`: an object of its members, numbers counting on from the last one. */
function enumValue(interp: TsInterpreter, s: Syn, scope: TsScope): TsValue {
  const props = new Map<string, TsValue>();
  const body = child(s, 'body');
  let next = 0;
  for (const m of body ? body.children.filter((c) => c.named) : []) {
    const key = m.type === 'enum_assignment' ? child(m, 'name') : m;
    const value = m.type === 'enum_assignment' ? child(m, 'value') : undefined;
    if (!key || key.type === 'comment') continue;
    const v = value ? interp.eval(value, scope) : numV(next);
    if (v.k === 'num') next = v.v + 1;
    props.set(keyText(key), v);
  }
  return { k: 'obj', props };
}

function forOf(interp: TsInterpreter, s: Syn, scope: TsScope): Signal {
  const left = child(s, 'left');
  const right = child(s, 'right');
  const op = child(s, 'operator');
  const body = child(s, 'body');
  if (!left || !right || !body) return undefined;
  const v = interp.eval(right, scope);
  const of = op !== undefined && textOf(op) === 'of';
  let items: TsValue[] | undefined;
  if (of && v.k === 'arr') items = v.items;
  else if (!of && v.k === 'obj') items = [...v.props.keys()].map(strV);
  else if (!of && v.k === 'arr') items = v.items.map((_, i) => strV(String(i)));
  if (!items) {
    interp.fail(`loop over '${firstLine(textOf(right))}' is not interpreted`, right);
    return undefined;
  }
  for (const item of items.slice(0, MAX_LOOP)) {
    const inner = new TsScope(scope);
    interp.bind(left, item, inner, true);
    const signal = interp.exec(body, inner);
    if (signal?.kind === 'break') break;
    if (signal?.kind === 'return') return signal;
  }
  return undefined;
}

function forLoop(interp: TsInterpreter, s: Syn, scope: TsScope): Signal {
  const inner = new TsScope(scope);
  const init = child(s, 'initializer');
  const cond = child(s, 'condition');
  const inc = child(s, 'increment');
  const body = child(s, 'body');
  if (init) {
    if (init.type.endsWith('declaration')) interp.exec(init, inner);
    else if (init.type !== 'empty_statement') interp.eval(init, inner);
  }
  return loop(interp, s, inner, cond, body, inc);
}

function whileLoop(interp: TsInterpreter, s: Syn, scope: TsScope): Signal {
  return loop(interp, s, new TsScope(scope), child(s, 'condition'), child(s, 'body'), undefined);
}

/** `do { ... } while (c)`: the body once before the condition is read. */
function doLoop(interp: TsInterpreter, s: Syn, scope: TsScope): Signal {
  return loop(interp, s, new TsScope(scope), child(s, 'condition'), child(s, 'body'), undefined, true);
}

/**
 * `switch (v) { case a: ... }`: the first case equal to `v` (else `default`), falling through until a
 * `break`. A value that is not known runs no case, with a note.
 */
function switchStatement(interp: TsInterpreter, s: Syn, scope: TsScope): Signal {
  const value = child(s, 'value');
  const body = child(s, 'body');
  if (!value || !body) return undefined;
  const v = interp.eval(value, scope);
  const cases = namedChildren(body).filter((c) => c.type === 'switch_case' || c.type === 'switch_default');
  let start = -1;
  for (let i = 0; i < cases.length && start === -1; i++) {
    const test = cases[i]!.type === 'switch_case' ? child(cases[i]!, 'value') : undefined;
    if (!test) continue;
    const same = truthy(binary('===', v, interp.eval(test, scope)));
    if (same === undefined) {
      interp.fail(`switch on '${firstLine(textOf(value))}' is not known`, value);
      return undefined;
    }
    if (same) start = i;
  }
  if (start === -1) start = cases.findIndex((c) => c.type === 'switch_default');
  if (start === -1) return undefined;
  const inner = new TsScope(scope);
  for (const c of cases.slice(start)) {
    const signal = interp.execBlock(childrenOf(c, 'body'), inner);
    if (signal?.kind === 'break') return undefined;
    if (signal) return signal;
  }
  return undefined;
}

function loop(interp: TsInterpreter, s: Syn, inner: TsScope, cond: Syn | undefined, body: Syn | undefined, inc: Syn | undefined, bodyFirst = false): Signal {
  for (let i = 0; i < MAX_LOOP; i++) {
    if (cond && !(bodyFirst && i === 0) && cond.type !== 'empty_statement' && cond.type !== ';') {
      const expr = cond.type === 'expression_statement' ? namedChildren(cond)[0] ?? cond : cond;
      const c = truthy(interp.eval(expr, inner));
      if (c === undefined) {
        interp.fail(`loop condition '${firstLine(textOf(cond))}' is not known`, cond);
        return undefined;
      }
      if (!c) return undefined;
    }
    const signal = body ? interp.exec(body, new TsScope(inner)) : undefined;
    if (signal?.kind === 'break') return undefined;
    if (signal?.kind === 'return') return signal;
    if (inc) interp.eval(inc, inner);
  }
  interp.fail(`loop did not end within ${MAX_LOOP} iterations`, s);
  return undefined;
}
