import type { Shape } from '../../ir/graph.js';
import { child, childrenOf, namedChildren, textOf, type Syn } from '../syntax.js';
import { setModuleAttr } from './library/host.js';
import { bindImports } from './imports.js';
import { evaluateDefaults } from './parameters.js';
import { arrayItems } from './library/arrays.js';
import { PythonTypeError } from './errors.js';
import { containerOf, decoratorNames, dictItemsOf } from './classes.js';
import { Evaluator, firstLine, MAX_LOOP, type Frame, type Signal } from './evaluator.js';
import { NONE, dictKey, inPlaceChanges, keyValue, intOf, recordFields, truthy, unknown, type PyValue, type Scope } from './values.js';

/** Python statements: blocks, assignments and their targets, `if` / `for` / `while` / `try`, definitions. */
export abstract class StatementInterpreter extends Evaluator {
  /** The right-hand side of the assignment being bound, while it is. */
  private assigning: Syn | undefined;
  /** Lines inside this range record the shapes of what they assign. */
  recordLines: { readonly startLine: number; readonly endLine: number } | undefined;
  readonly lineShapes = new Map<number, { names: string[]; shapes: Shape[] }>();

  execBlock(block: Syn | undefined, scope: Scope, frame: Frame): Signal {
    if (!block) return undefined;
    const stmts = block.type === 'block' || block.type === 'module' ? namedChildren(block) : [block];
    for (const stmt of stmts) {
      const signal = this.exec(stmt, scope, frame);
      if (signal) return signal;
    }
    return undefined;
  }

  exec(stmt: Syn, scope: Scope, frame: Frame): Signal {
    this.tick();
    switch (stmt.type) {
      case 'expression_statement': {
        for (const e of namedChildren(stmt)) {
          if (e.type === 'assignment') this.assign(e, scope, frame);
          else if (e.type === 'augmented_assignment') this.augAssign(e, scope, frame);
          else this.eval(e, scope, frame);
        }
        return undefined;
      }
      case 'return_statement': {
        const e = namedChildren(stmt)[0];
        const value = e ? this.eval(e, scope, frame) : NONE;
        this.recordLine(stmt, ['return'], value);
        return { kind: 'return', value };
      }
      case 'if_statement':
        return this.execIf(stmt, scope, frame);
      case 'for_statement':
        return this.execFor(stmt, scope, frame);
      case 'while_statement':
        return this.execWhile(stmt, scope, frame);
      case 'import_statement':
      case 'import_from_statement':
        bindImports(stmt, scope, this.program);
        return undefined;
      case 'pass_statement':
      case 'future_import_statement':
      case 'assert_statement':
      case 'global_statement':
      case 'nonlocal_statement':
      case 'delete_statement':
      case 'comment':
        return undefined;
      case 'raise_statement': {
        // An error path was taken (often after a condition that could not be decided): the function stops here.
        const raised = firstLine(this.text(stmt));
        return { kind: 'return', value: this.fail(`'${raised}' is reached`, stmt) };
      }
      case 'break_statement':
        return { kind: 'break' };
      case 'continue_statement':
        return { kind: 'continue' };
      case 'function_definition': {
        const name = child(stmt, 'name');
        // A function defined inside another (or a loop there) keeps the defaults of its definition; at module
        // level the module's names do not change between definition and call, so they are read when called.
        const defaults = scope.parent ? evaluateDefaults(child(stmt, 'parameters'), (d) => this.eval(d, scope, frame)) : undefined;
        if (name) scope.set(this.text(name), { k: 'func', def: { name: this.text(name), node: stmt, closure: scope, ...(defaults ? { defaults } : {}) } });
        return undefined;
      }
      case 'decorated_definition': {
        const def = child(stmt, 'definition');
        if (def?.type === 'class_definition') {
          const cls = this.classStatement(def, scope, decoratorNames(stmt));
          if (cls) scope.set(cls.name, { k: 'class', def: cls });
          return undefined;
        }
        if (def?.type === 'function_definition') this.decorateFunction(stmt, def, scope, frame);
        return undefined;
      }
      case 'class_definition': {
        const def = this.classStatement(stmt, scope, []);
        if (def) scope.set(def.name, { k: 'class', def });
        return undefined;
      }
      case 'with_statement':
        return this.execBlock(child(stmt, 'body'), scope, frame);
      case 'try_statement':
        return this.execTry(stmt, scope, frame);
      case 'ERROR':
        this.fail(`cannot read '${firstLine(this.text(stmt))}' (syntax error)`, stmt);
        return undefined;
      default:
        this.fail(`statement '${firstLine(this.text(stmt))}' is not interpreted`, stmt);
        return undefined;
    }
  }

  /**
   * `try` runs its body; a call the library knows to raise TypeError there (a layer given a keyword it does
   * not take, as in `act_layer(inplace=True)`) runs the matching `except` instead. `finally` always runs.
   */
  private execTry(stmt: Syn, scope: Scope, frame: Frame): Signal {
    const clauses = namedChildren(stmt);
    const handlers = clauses.filter((c) => c.type === 'except_clause');
    let signal: Signal;
    this.tryDepth++;
    try {
      signal = this.execBlock(child(stmt, 'body'), scope, frame);
      const orElse = clauses.find((c) => c.type === 'else_clause');
      if (!signal && orElse) signal = this.execBlock(child(orElse, 'body') ?? namedChildren(orElse).find((c) => c.type === 'block'), scope, frame);
    } catch (e) {
      if (!(e instanceof PythonTypeError)) throw e;
      this.tryDepth--;
      const handler = handlers.find((h) => catches(h, 'TypeError'));
      if (!handler) return { kind: 'return', value: this.fail(e.message, stmt) };
      this.tryDepth++;
      signal = this.execBlock(namedChildren(handler).find((c) => c.type === 'block'), scope, frame);
    } finally {
      this.tryDepth--;
    }
    const fin = clauses.find((c) => c.type === 'finally_clause');
    const finSignal = fin ? this.execBlock(namedChildren(fin).find((c) => c.type === 'block'), scope, frame) : undefined;
    return finSignal ?? signal;
  }

  private execIf(stmt: Syn, scope: Scope, frame: Frame): Signal {
    const branches: { cond?: Syn; body?: Syn }[] = [{ cond: child(stmt, 'condition'), body: child(stmt, 'consequence') }];
    for (const alt of childrenOf(stmt, 'alternative')) {
      if (alt.type === 'elif_clause') branches.push({ cond: child(alt, 'condition'), body: child(alt, 'consequence') });
      else branches.push({ body: child(alt, 'body') });
    }
    for (const br of branches) {
      if (!br.cond) return this.execBlock(br.body, scope, frame);
      const c = truthy(this.eval(br.cond, scope, frame));
      // An argument check that cannot be decided (`if groups < 1: raise ValueError(...)`): code that runs does not raise.
      if (c === undefined && raisesOnly(br.body)) continue;
      if (c === undefined) {
        // Never guess silently: the first branch is taken, and the gap is reported.
        this.fail(`condition '${this.text(br.cond)}' is not known; its branch was assumed`, br.cond);
        return this.execBlock(br.body, scope, frame);
      }
      if (c) return this.execBlock(br.body, scope, frame);
    }
    return undefined;
  }

  iterate(value: PyValue): PyValue[] | undefined {
    switch (value.k) {
      case 'tuple':
      case 'list':
        return value.items;
      case 'object': {
        // A named tuple unpacks and indexes like the tuple it is; a dict subclass iterates its keys.
        const items = dictItemsOf(value);
        if (items) return [...items.entries.keys()].map(keyValue);
        return value.def.record === 'namedtuple' ? recordFields(value.def).map((f) => value.attrs.get(f) ?? unknown(`field '${f}'`)) : undefined;
      }
      case 'dict':
        return [...value.entries.keys()].map(keyValue);
      case 'str':
        return [...value.v].map((v) => ({ k: 'str', v }) as PyValue);
      case 'array':
        return arrayItems(value);
      case 'module':
        if (containerOf(value.obj) === 'ModuleDict') return [...value.obj.children.keys()].map((v) => ({ k: 'str', v }) as PyValue);
        if (containerOf(value.obj)) {
          return [...value.obj.children.values()].map((obj) => ({ k: 'module', obj }) as PyValue);
        }
        return undefined;
      default:
        return undefined;
    }
  }

  private execFor(stmt: Syn, scope: Scope, frame: Frame): Signal {
    const left = child(stmt, 'left');
    const right = child(stmt, 'right');
    if (!left || !right) return undefined;
    const items = this.iterate(this.eval(right, scope, frame));
    if (!items) {
      this.fail(`loop over '${this.text(right)}' is not interpreted`, right);
      return undefined;
    }
    for (const item of items.slice(0, MAX_LOOP)) {
      this.bindTarget(left, item, scope, frame);
      const signal = this.execBlock(child(stmt, 'body'), scope, frame);
      if (signal?.kind === 'break') return undefined;
      if (signal?.kind === 'return') return signal;
    }
    return undefined;
  }

  private execWhile(stmt: Syn, scope: Scope, frame: Frame): Signal {
    const cond = child(stmt, 'condition');
    if (!cond) return undefined;
    for (let i = 0; i < MAX_LOOP; i++) {
      const c = truthy(this.eval(cond, scope, frame));
      if (c === undefined) {
        this.fail(`loop condition '${this.text(cond)}' is not known`, cond);
        return undefined;
      }
      if (!c) return undefined;
      const signal = this.execBlock(child(stmt, 'body'), scope, frame);
      if (signal?.kind === 'break') return undefined;
      if (signal?.kind === 'return') return signal;
    }
    this.fail(`loop '${this.text(cond)}' did not end within ${MAX_LOOP} iterations`, cond);
    return undefined;
  }

  private assign(node: Syn, scope: Scope, frame: Frame): void {
    const left = child(node, 'left');
    const right = child(node, 'right');
    if (!left) return;
    if (!right) return; // annotation only: `x: int`
    const value = right.type === 'assignment' ? this.chain(right, scope, frame) : this.eval(right, scope, frame);
    this.assigning = right;
    try {
      this.bindTarget(left, value, scope, frame);
    } finally {
      this.assigning = undefined;
    }
    this.recordLine(node, targetNames(left), value);
  }

  /** `a = b = value`. */
  private chain(node: Syn, scope: Scope, frame: Frame): PyValue {
    const right = child(node, 'right');
    const left = child(node, 'left');
    if (!right || !left) return unknown('incomplete assignment');
    const value = right.type === 'assignment' ? this.chain(right, scope, frame) : this.eval(right, scope, frame);
    this.bindTarget(left, value, scope, frame);
    return value;
  }

  private augAssign(node: Syn, scope: Scope, frame: Frame): void {
    const left = child(node, 'left');
    const right = child(node, 'right');
    const op = child(node, 'operator');
    if (!left || !right || !op) return;
    const value = this.binaryOp(this.text(op).slice(0, -1), this.eval(left, scope, frame), this.eval(right, scope, frame), node);
    this.bindTarget(left, value, scope, frame);
    this.recordLine(node, targetNames(left), value);
  }

  private recordLine(node: Syn, names: string[], value: PyValue): void {
    if (!this.recordLines || this.mode !== 'graph' || this.foreign) return;
    const line = node.range.startLine;
    if (line < this.recordLines.startLine || line > this.recordLines.endLine) return;
    const tensors = value.k === 'tensor' ? [value.t] : value.k === 'tuple' || value.k === 'list' ? value.items.flatMap((v) => (v.k === 'tensor' ? [v.t] : [])) : [];
    if (tensors.length === 0) return;
    this.lineShapes.set(line, { names, shapes: tensors.map((t) => t.shape) });
  }

  /**
   * `@registry.register("name")` over a function: a decorator of the program's own runs, innermost first, so a
   * registry records the function (`Act["swish"]` finds it later). The name stays bound to the function as
   * written: model code's wrappers (`@handle_legacy_interface`, `@register_model()`) return a function that
   * forwards `*args, **kwargs` to it, so the function itself is what a call means, and it can be read.
   */
  private decorateFunction(decorated: Syn, def: Syn, scope: Scope, frame: Frame): void {
    const nameNode = child(def, 'name');
    if (!nameNode) return;
    const name = this.text(nameNode);
    const fn: PyValue = { k: 'func', def: { name, node: def, closure: scope } };
    scope.set(name, fn);
    for (const d of namedChildren(decorated).filter((c) => c.type === 'decorator').reverse()) {
      const expr = namedChildren(d)[0];
      const decorator = expr ? this.eval(expr, scope, frame) : undefined;
      if (decorator?.k === 'func' || decorator?.k === 'partial' || decorator?.k === 'object') this.invoke(decorator, [fn], new Map(), d);
    }
  }

  bindTarget(target: Syn, value: PyValue, scope: Scope, frame: Frame): void {
    switch (target.type) {
      case 'identifier':
        scope.set(this.text(target), value);
        return;
      case 'pattern_list':
      case 'tuple_pattern':
      case 'list_pattern':
      case 'tuple':
      case 'list':
      case 'expression_list': {
        const targets = namedChildren(target);
        const iterated = this.iterate(value);
        // `head, *rest = xs`: the starred name takes what the others leave, as a list.
        const star = targets.findIndex((t) => t.type === 'list_splat_pattern');
        const items = iterated && star >= 0 && iterated.length >= targets.length - 1
          ? [...iterated.slice(0, star), { k: 'list', items: iterated.slice(star, iterated.length - (targets.length - 1 - star)) } as PyValue, ...iterated.slice(iterated.length - (targets.length - 1 - star))]
          : iterated;
        targets.forEach((t, i) => {
          if (t.type === 'list_splat_pattern') t = namedChildren(t)[0] ?? t;
          const item = items?.[i] ?? unknown(`cannot unpack '${this.text(target)}'`);
          this.bindTarget(t, item, scope, frame);
        });
        if (!items) this.fail(`cannot unpack into '${this.text(target)}'`, target);
        else if (items.length !== targets.length) this.fail(`'${this.text(target)}' unpacks ${items.length} values into ${targets.length} names`, target);
        return;
      }
      case 'parenthesized_expression': {
        const inner = namedChildren(target)[0];
        if (inner) this.bindTarget(inner, value, scope, frame);
        return;
      }
      case 'attribute': {
        const obj = child(target, 'object');
        const attr = child(target, 'attribute');
        if (!obj || !attr) return;
        const owner = this.eval(obj, scope, frame);
        const name = this.text(attr);
        if (owner.k === 'module') setModuleAttr(owner.obj, name, value);
        else if (owner.k === 'object') {
          owner.attrs.set(name, value);
          inPlaceChanges.count++;
        } else if (owner.k === 'stub') {
          // A model built at top level, then changed (`model.fc = nn.Linear(512, 10)`): its unit is built so.
          const site = this.callSites.find((s) => s.args === owner.args && s.def === owner.def);
          const ownerName = obj.type === 'identifier' ? this.text(obj) : undefined;
          if (site) (site.assigned ??= new Map()).set(name, { value, expr: this.assigning, scope, owner: ownerName });
        }
        return;
      }
      case 'subscript': {
        const obj = child(target, 'value');
        const sub = child(target, 'subscript');
        if (!obj || !sub) return;
        const owner = this.eval(obj, scope, frame);
        const key = this.eval(sub, scope, frame);
        const dk = dictKey(key);
        if (owner.k === 'dict' && dk !== undefined) owner.entries.set(dk, value);
        else if (owner.k === 'list') {
          const i = intOf(key);
          if (i !== undefined && i >= -owner.items.length && i < owner.items.length) owner.items[i < 0 ? owner.items.length + i : i] = value;
        }
        if (owner.k === 'dict' || owner.k === 'list') inPlaceChanges.count++;
        return;
      }
      default:
        this.fail(`cannot assign to '${this.text(target)}'`, target);
    }
  }
}

function targetNames(target: Syn): string[] {
  if (target.type === 'identifier' || target.type === 'attribute' || target.type === 'subscript') return [textOf(target)];
  return namedChildren(target).flatMap((t) => targetNames(t));
}

/** Whether an `except` clause catches `name` (bare `except:`, `Exception`, the name itself, or a tuple holding one). */
function catches(handler: Syn, name: string): boolean {
  const value = child(handler, 'value');
  if (!value) return true;
  const types = textOf(value).replace(/\bas\s+\w+$/, '').replace(/[()\s]/g, '').split(',');
  return types.some((t) => t === name || t === 'Exception' || t === 'BaseException' || t.endsWith(`.${name}`));
}

/** A branch that only reports an error: it raises (after warnings or messages, if any). */
function raisesOnly(body: Syn | undefined): boolean {
  const stmts = body ? namedChildren(body) : [];
  return stmts.length > 0 && stmts[stmts.length - 1]!.type === 'raise_statement' && stmts.slice(0, -1).every((s) => s.type === 'expression_statement' && namedChildren(s)[0]?.type === 'call');
}
