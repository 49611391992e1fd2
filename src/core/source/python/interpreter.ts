import type { Shape, SourceRange } from '../../ir/graph.js';
import { GraphBuilder, type TensorRef } from '../graph-builder.js';
import { child, childrenOf, namedChildren, textOf, type Syn } from '../syntax.js';
import { constructLayer, emitLayer, isKnownLayer, LayerError } from './layers.js';
import { TensorOps } from './tensor-ops.js';
import { builtinMethod } from './builtin-methods.js';
import { ModuleScope, PythonProgram } from './program.js';
import {
  NONE,
  Scope,
  int,
  intOf,
  intsOf,
  num,
  truthy,
  unknown,
  type ClassDef,
  type FuncDef,
  type ModuleObj,
  type PyValue,
} from './values.js';

/** Interpretation ran past its step budget (a loop over a huge range, deep recursion in user code). */
export class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
}

type Signal =
  | { readonly kind: 'return'; readonly value: PyValue }
  | { readonly kind: 'break' }
  | { readonly kind: 'continue' }
  | undefined;

interface Frame {
  /** Class whose method is running, for `super()`. */
  readonly cls?: ClassDef;
  readonly self?: PyValue;
}

/** What the file's own top-level code did with a module class: constructor arguments and, if called, the input. */
export interface CallSite {
  readonly def: ClassDef;
  readonly args: PyValue[];
  readonly kwargs: Map<string, PyValue>;
  /** Where the document builds it (for a class of another file, the document's statement that led there). */
  readonly at: SourceRange;
  inputShape?: number[];
}

const BUILTINS = new Set([
  'all', 'any', 'callable', 'issubclass',
  'int', 'float', 'round', 'max', 'min', 'abs', 'len', 'range', 'print', 'super', 'tuple', 'list', 'isinstance',
  'bool', 'str', 'sum', 'enumerate', 'zip', 'getattr', 'hasattr', 'setattr', 'dict', 'reversed', 'divmod', 'pow',
]);

const MAX_DEPTH = 48;
const MAX_LOOP = 4096;

const TENSOR_FACTORIES = new Set(['rand', 'randn', 'zeros', 'ones', 'empty', 'full']);

/**
 * Abstract interpreter for the subset of Python that defines and runs PyTorch modules. It follows
 * values, not types: integers are computed, tensors are IR values with shapes, modules are objects
 * with registered children. It never evaluates strings or imports anything.
 */
export class PyInterpreter {
  steps = 0;
  private depth = 0;
  private nextModuleId = 0;
  private readonly activeCalls = new Set<unknown>();
  private readonly activeClasses = new Set<ClassDef>();
  private readonly ops: TensorOps;
  /** Lines inside this range record the shapes of what they assign. */
  recordLines: { readonly startLine: number; readonly endLine: number } | undefined;
  readonly lineShapes = new Map<number, { names: string[]; shapes: Shape[] }>();
  /** Top-level mode: user classes become call-site stubs instead of being built. */
  readonly callSites: CallSite[] = [];
  /** While code of another file runs: the document's call that entered it, where its nodes and notes are shown. */
  private foreign: { readonly at: SourceRange; readonly where: string } | undefined;
  /** Where code of another file shows when the analysis itself starts there (a model class read from a package). */
  entry: SourceRange | undefined;

  constructor(
    readonly b: GraphBuilder,
    private readonly mode: 'graph' | 'site',
    private readonly maxSteps: number,
    readonly program: PythonProgram = new PythonProgram(undefined, undefined),
  ) {
    this.ops = new TensorOps(b, { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 });
  }

  private text(n: Syn): string {
    return textOf(n);
  }

  private tick(): void {
    if (++this.steps > this.maxSteps) throw new BudgetExceeded('step budget exceeded');
  }

  private fail(message: string, at: Syn, inputs: TensorRef[] = []): PyValue {
    if (this.mode === 'site') return unknown(message);
    const note = this.foreign ? `${message} (${this.foreign.where}:${at.range.startLine + 1})` : message;
    if (inputs.length > 0) return { k: 'tensor', t: this.b.unknown(note, this.here(at), inputs) };
    this.b.note(note, this.here(at));
    return unknown(note);
  }

  /** Where a node shows in the document: its own range, or the document's call that led into another file. */
  private here(node: Syn): SourceRange {
    return this.foreign?.at ?? node.range;
  }

  /** Runs `body` as code of the file `closure` belongs to; nodes it makes are placed at `node` when that file is another. */
  private within<T>(closure: Scope, node: Syn, body: () => T): T {
    const root = closure.root();
    const file = root instanceof ModuleScope && root.foreign ? root.file ?? '' : undefined;
    const saved = this.foreign;
    if (file === undefined && !saved) return body();
    // Code of the document called back from another file shows where it is written.
    this.foreign = file === undefined ? undefined : { at: saved?.at ?? this.entry ?? node.range, where: file.slice(file.lastIndexOf('/') + 1) };
    try {
      return body();
    } finally {
      this.foreign = saved;
    }
  }

  // ---------------------------------------------------------------- statements

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
        this.importStatement(stmt, scope);
        return undefined;
      case 'pass_statement':
      case 'future_import_statement':
      case 'assert_statement':
      case 'global_statement':
      case 'nonlocal_statement':
      case 'delete_statement':
      case 'comment':
        return undefined;
      case 'break_statement':
        return { kind: 'break' };
      case 'continue_statement':
        return { kind: 'continue' };
      case 'function_definition': {
        const name = child(stmt, 'name');
        if (name) scope.set(this.text(name), { k: 'func', def: { name: this.text(name), node: stmt, closure: scope } });
        return undefined;
      }
      case 'decorated_definition': {
        const def = child(stmt, 'definition');
        if (def?.type === 'class_definition') {
          const cls = readClass(def, scope, undefined, decoratorNames(stmt), this.program);
          if (cls) scope.set(cls.name, { k: 'class', def: cls });
          return undefined;
        }
        return def ? this.exec(def, scope, frame) : undefined;
      }
      case 'class_definition': {
        const def = readClass(stmt, scope, undefined, [], this.program);
        if (def) scope.set(def.name, { k: 'class', def });
        return undefined;
      }
      case 'with_statement':
        return this.execBlock(child(stmt, 'body'), scope, frame);
      case 'try_statement':
        return this.execBlock(child(stmt, 'body'), scope, frame);
      case 'ERROR':
        this.fail(`cannot read '${firstLine(this.text(stmt))}' (syntax error)`, stmt);
        return undefined;
      default:
        this.fail(`statement '${firstLine(this.text(stmt))}' is not interpreted`, stmt);
        return undefined;
    }
  }

  /** `import a.b as c`, `from ..pkg import x as y`, `from m import *`: names bound through the program's module system. */
  private importStatement(stmt: Syn, scope: Scope): void {
    const root = scope.root();
    const file = root instanceof ModuleScope ? root.file : undefined;
    if (stmt.type === 'import_statement') {
      for (const n of childrenOf(stmt, 'name')) {
        if (n.type === 'aliased_import') {
          const name = child(n, 'name');
          const alias = child(n, 'alias');
          if (name && alias) scope.set(this.text(alias), this.program.moduleValue(this.text(name), 0, file));
        } else {
          const head = this.text(n).split('.')[0]!;
          scope.set(head, this.program.moduleValue(head, 0, file));
        }
      }
      return;
    }
    const mod = child(stmt, 'module_name');
    if (!mod) return;
    let level = 0;
    let name = this.text(mod);
    if (mod.type === 'relative_import') {
      const prefix = namedChildren(mod).find((c) => c.type === 'import_prefix');
      const dotted = namedChildren(mod).find((c) => c.type === 'dotted_name');
      level = prefix ? this.text(prefix).replace(/\s/g, '').length : 1;
      name = dotted ? this.text(dotted) : '';
    }
    const module = this.program.moduleValue(name, level, file);
    if (namedChildren(stmt).some((c) => c.type === 'wildcard_import')) {
      if (module.k === 'pymodule' && root instanceof ModuleScope) root.addStar(module.ns);
      return;
    }
    for (const n of childrenOf(stmt, 'name')) {
      const nameNode = n.type === 'aliased_import' ? child(n, 'name') : n;
      const alias = n.type === 'aliased_import' ? child(n, 'alias') : n;
      if (nameNode && alias) scope.set(this.text(alias), this.program.importFrom(module, this.text(nameNode)));
    }
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
      if (c === undefined) {
        // Never guess silently: the first branch is taken, and the gap is reported.
        this.fail(`condition '${this.text(br.cond)}' is not known; its branch was assumed`, br.cond);
        return this.execBlock(br.body, scope, frame);
      }
      if (c) return this.execBlock(br.body, scope, frame);
    }
    return undefined;
  }

  private iterate(value: PyValue): PyValue[] | undefined {
    switch (value.k) {
      case 'tuple':
      case 'list':
        return value.items;
      case 'dict':
        return [...value.entries.keys()].map((v) => ({ k: 'str', v }) as PyValue);
      case 'str':
        return [...value.v].map((v) => ({ k: 'str', v }) as PyValue);
      case 'module':
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
    this.bindTarget(left, value, scope, frame);
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
        const items = this.iterate(value);
        targets.forEach((t, i) => {
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
        else if (owner.k === 'object') owner.attrs.set(name, value);
        return;
      }
      case 'subscript': {
        const obj = child(target, 'value');
        const sub = child(target, 'subscript');
        if (!obj || !sub) return;
        const owner = this.eval(obj, scope, frame);
        const key = this.eval(sub, scope, frame);
        if (owner.k === 'dict' && key.k === 'str') owner.entries.set(key.v, value);
        else if (owner.k === 'list') {
          const i = intOf(key);
          if (i !== undefined && i >= -owner.items.length && i < owner.items.length) owner.items[i < 0 ? owner.items.length + i : i] = value;
        }
        return;
      }
      default:
        this.fail(`cannot assign to '${this.text(target)}'`, target);
    }
  }

  // ---------------------------------------------------------------- expressions

  eval(node: Syn, scope: Scope, frame: Frame): PyValue {
    this.tick();
    switch (node.type) {
      case 'integer': {
        const t = this.text(node).replace(/_/g, '').toLowerCase();
        const v = t.startsWith('0x') || t.startsWith('0o') || t.startsWith('0b') ? Number(t) : Number.parseInt(t, 10);
        return Number.isFinite(v) ? int(v) : unknown(`integer '${t}'`);
      }
      case 'float': {
        const v = Number(this.text(node).replace(/_/g, ''));
        return Number.isFinite(v) ? { k: 'float', v } : unknown('float literal');
      }
      case 'true':
        return { k: 'bool', v: true };
      case 'false':
        return { k: 'bool', v: false };
      case 'none':
        return NONE;
      case 'ellipsis':
        return { k: 'ref', path: 'Ellipsis' };
      case 'string':
        return this.stringValue(node);
      case 'concatenated_string': {
        let s = '';
        for (const part of namedChildren(node)) {
          const v = this.stringValue(part);
          if (v.k !== 'str') return v;
          s += v.v;
        }
        return { k: 'str', v: s };
      }
      case 'identifier':
        return this.lookup(node, scope);
      case 'parenthesized_expression': {
        const inner = namedChildren(node)[0];
        return inner ? this.eval(inner, scope, frame) : unknown('empty parentheses');
      }
      case 'tuple':
      case 'expression_list':
        return { k: 'tuple', items: this.evalItems(namedChildren(node), scope, frame) };
      case 'list':
        return { k: 'list', items: this.evalItems(namedChildren(node), scope, frame) };
      case 'dictionary': {
        const entries = new Map<string, PyValue>();
        for (const pair of namedChildren(node)) {
          if (pair.type !== 'pair') continue;
          const k = child(pair, 'key');
          const v = child(pair, 'value');
          if (!k || !v) continue;
          const key = this.eval(k, scope, frame);
          if (key.k === 'str') entries.set(key.v, this.eval(v, scope, frame));
        }
        return { k: 'dict', entries };
      }
      case 'attribute':
        return this.attribute(node, scope, frame);
      case 'subscript':
        return this.subscript(node, scope, frame);
      case 'call':
        return this.call(node, scope, frame);
      case 'binary_operator': {
        const l = child(node, 'left');
        const r = child(node, 'right');
        const op = child(node, 'operator');
        if (!l || !r || !op) return unknown('incomplete expression');
        return this.binaryOp(this.text(op), this.eval(l, scope, frame), this.eval(r, scope, frame), node);
      }
      case 'unary_operator': {
        const arg = child(node, 'argument');
        const op = child(node, 'operator');
        if (!arg || !op) return unknown('incomplete expression');
        const v = this.eval(arg, scope, frame);
        const o = this.text(op);
        if (v.k === 'int' || v.k === 'float') return o === '-' ? { k: v.k, v: -v.v } : o === '+' ? v : v.k === 'int' ? int(~v.v) : unknown('~ float');
        if (v.k === 'tensor' && o === '-') return { k: 'tensor', t: this.ops.at(this.here(node)).unary('Neg', v.t) };
        return unknown(`'${this.text(node)}'`);
      }
      case 'not_operator': {
        const arg = child(node, 'argument');
        const t = arg ? truthy(this.eval(arg, scope, frame)) : undefined;
        return t === undefined ? unknown(`'${this.text(node)}'`) : { k: 'bool', v: !t };
      }
      case 'boolean_operator': {
        const l = child(node, 'left');
        const r = child(node, 'right');
        const op = child(node, 'operator');
        if (!l || !r || !op) return unknown('incomplete expression');
        const lv = this.eval(l, scope, frame);
        const lt = truthy(lv);
        if (lt === undefined) return unknown(`'${this.text(node)}'`);
        const isAnd = this.text(op) === 'and';
        if (isAnd ? !lt : lt) return lv;
        return this.eval(r, scope, frame);
      }
      case 'comparison_operator':
        return this.compare(node, scope, frame);
      case 'conditional_expression': {
        const [a, cond, b] = namedChildren(node);
        if (!a || !cond || !b) return unknown('incomplete conditional');
        const c = truthy(this.eval(cond, scope, frame));
        if (c === undefined) return this.fail(`condition '${this.text(cond)}' is not known`, cond);
        return this.eval(c ? a : b, scope, frame);
      }
      case 'list_comprehension':
      case 'generator_expression':
        return this.comprehension(node, scope, frame);
      case 'keyword_argument':
        return unknown('keyword argument outside a call');
      case 'lambda':
        return unknown('lambda is not interpreted');
      case 'ERROR':
        return unknown(`cannot read '${firstLine(this.text(node))}'`);
      default:
        return unknown(`'${firstLine(this.text(node))}' is not interpreted`);
    }
  }

  private stringValue(node: Syn): PyValue {
    if (node.type !== 'string') return unknown('string');
    let s = '';
    for (const part of node.children) {
      if (part.type === 'interpolation') return unknown('f-string');
      if (part.type === 'string_content' || part.type === 'escape_sequence') s += this.text(part);
    }
    return { k: 'str', v: s };
  }

  private evalItems(nodes: Syn[], scope: Scope, frame: Frame): PyValue[] {
    const out: PyValue[] = [];
    for (const n of nodes) {
      if (n.type === 'list_splat') {
        const inner = namedChildren(n)[0];
        const items = inner ? this.iterate(this.eval(inner, scope, frame)) : undefined;
        if (items) out.push(...items);
        else out.push(unknown(`'${this.text(n)}'`));
      } else out.push(this.eval(n, scope, frame));
    }
    return out;
  }

  private lookup(node: Syn, scope: Scope): PyValue {
    const name = this.text(node);
    const v = scope.get(name);
    if (v) return v;
    if (BUILTINS.has(name)) return { k: 'ref', path: `builtins.${name}` };
    if (name === '__name__') return { k: 'str', v: '__main__' };
    return unknown(`name '${name}' is not defined`);
  }

  private compare(node: Syn, scope: Scope, frame: Frame): PyValue {
    const operands: PyValue[] = [];
    const ops: string[] = [];
    let pending = '';
    for (const c of node.children) {
      if (c.named && c.type !== 'comment') {
        if (pending) ops.push(pending.trim());
        pending = '';
        operands.push(this.eval(c, scope, frame));
      } else if (!c.named) pending += ` ${this.text(c)}`;
    }
    for (let i = 0; i < ops.length; i++) {
      const r = compareValues(ops[i]!, operands[i]!, operands[i + 1]!);
      if (r === undefined) return unknown(`comparison '${this.text(node)}'`);
      if (!r) return { k: 'bool', v: false };
    }
    return { k: 'bool', v: true };
  }

  private comprehension(node: Syn, scope: Scope, frame: Frame): PyValue {
    const body = child(node, 'body');
    const clauses = namedChildren(node).filter((c) => c.type === 'for_in_clause' || c.type === 'if_clause');
    if (!body) return unknown('comprehension');
    const out: PyValue[] = [];
    const inner = new Scope(scope);
    const run = (i: number): boolean => {
      if (i === clauses.length) {
        out.push(this.eval(body, inner, frame));
        return out.length < MAX_LOOP;
      }
      const clause = clauses[i]!;
      if (clause.type === 'if_clause') {
        const cond = namedChildren(clause)[0];
        const t = cond ? truthy(this.eval(cond, inner, frame)) : undefined;
        if (t === undefined) return false;
        return t ? run(i + 1) : true;
      }
      const left = child(clause, 'left');
      const right = child(clause, 'right');
      const items = right ? this.iterate(this.eval(right, inner, frame)) : undefined;
      if (!left || !items) return false;
      for (const item of items) {
        this.bindTarget(left, item, inner, frame);
        if (!run(i + 1)) return false;
      }
      return true;
    };
    if (!run(0)) return this.fail(`comprehension '${firstLine(this.text(node))}' is not interpreted`, node);
    return { k: 'list', items: out };
  }

  private attribute(node: Syn, scope: Scope, frame: Frame): PyValue {
    const objNode = child(node, 'object');
    const attrNode = child(node, 'attribute');
    if (!objNode || !attrNode) return unknown('incomplete attribute');
    const name = this.text(attrNode);
    // `super().__init__` and friends resolve against the bases of the running method's class.
    if (objNode.type === 'call' && this.text(child(objNode, 'function') ?? objNode) === 'super') {
      return this.superAttr(name, frame);
    }
    return this.getAttr(this.eval(objNode, scope, frame), name, node);
  }

  private superAttr(name: string, frame: Frame): PyValue {
    const cls = frame.cls;
    if (!cls || !frame.self) return unknown('super() outside a method');
    for (const base of cls.bases) {
      if (base.k === 'class') {
        const m = findMethod(base.def, name);
        if (m) return { k: 'func', def: { name, node: m.node, closure: m.cls.closure }, self: frame.self };
      }
    }
    // nn.Module's own methods: `__init__` has nothing to interpret; a container's `__init__` registers its items.
    const container = cls.isModule ? containerOf({ def: cls }) : undefined;
    if (container && name === '__init__') return { k: 'method', self: frame.self, name: `${container}.__init__` };
    if (cls.record === 'dataclass' && name === '__init__' && frame.self.k === 'object') return { k: 'method', self: frame.self, name: 'dataclass.__init__' };
    return { k: 'ref', path: `torch.nn.Module.${name}` };
  }

  getAttr(owner: PyValue, name: string, at: Syn): PyValue {
    const special = dunderAttr(owner, name);
    if (special) return special;
    switch (owner.k) {
      case 'ref':
        return { k: 'ref', path: `${owner.path}.${name}` };
      case 'module': {
        const obj = owner.obj;
        const c = obj.children.get(name);
        if (c) return { k: 'module', obj: c };
        const a = obj.attrs.get(name);
        if (a) return a;
        if (obj.def) {
          const m = methodValue(obj.def, name, owner);
          if (m) return m;
          const classAttr = findClassAttr(obj.def, name);
          if (classAttr) return classAttr;
        }
        // Read as an inference graph: modules are in eval mode unless the code says otherwise.
        if (name === 'training') return { k: 'bool', v: false };
        if (obj.layer) {
          const c2 = obj.layer.config[name];
          if (typeof c2 === 'number') return int(c2);
          if (typeof c2 === 'boolean') return { k: 'bool', v: c2 };
          if (Array.isArray(c2)) return { k: 'tuple', items: c2.map(int) };
          if (typeof c2 === 'string') return { k: 'str', v: c2 };
        }
        return { k: 'method', self: owner, name };
      }
      case 'class': {
        if (name === '__name__') return { k: 'str', v: owner.def.name };
        return methodValue(owner.def, name, undefined) ?? findClassAttr(owner.def, name) ?? unknown(`${owner.def.name}.${name}`);
      }
      case 'object': {
        const a = owner.attrs.get(name);
        if (a) return a;
        return methodValue(owner.def, name, owner) ?? findClassAttr(owner.def, name) ?? unknown(`'${owner.def.name}' object has no attribute '${name}'`);
      }
      case 'pymodule':
        return owner.ns.get(name) ?? unknown(`module '${owner.ns.name}' has no attribute '${name}'`);
      case 'tensor': {
        const s = owner.t.shape;
        if (name === 'shape') return s ? { k: 'tuple', items: s.map(dimValue) } : unknown('shape of a tensor whose shape is not known');
        if (name === 'ndim') return s ? int(s.length) : unknown('rank not known');
        if (name === 'T' && s) return { k: 'tensor', t: this.ops.at(this.here(at)).transpose(owner.t, s.map((_, i) => s.length - 1 - i)) };
        return { k: 'method', self: owner, name };
      }
      case 'stub':
      case 'tuple':
      case 'list':
      case 'dict':
      case 'str':
        return { k: 'method', self: owner, name };
      case 'unknown':
        return owner;
      default:
        return unknown(`attribute '${name}'`);
    }
  }

  private subscript(node: Syn, scope: Scope, frame: Frame): PyValue {
    const valueNode = child(node, 'value');
    const subs = childrenOf(node, 'subscript');
    if (!valueNode || subs.length === 0) return unknown('incomplete subscript');
    const owner = this.eval(valueNode, scope, frame);
    const keys = subs.map((s) => (s.type === 'slice' ? this.slice(s, scope, frame) : this.eval(s, scope, frame)));
    if (owner.k === 'tensor') return this.indexTensor(owner.t, keys, node);
    if (keys.length !== 1) return unknown(`'${this.text(node)}'`);
    const key = keys[0]!;
    if (owner.k === 'tuple' || owner.k === 'list') {
      if (key.k === 'slice') {
        const [a, b] = sliceBounds(key, owner.items.length);
        if (a === undefined || b === undefined) return unknown('slice');
        return { k: owner.k, items: owner.items.slice(a, b) };
      }
      const i = intOf(key);
      if (i === undefined) return unknown(`index '${this.text(node)}'`);
      const item = owner.items[i < 0 ? owner.items.length + i : i];
      return item ?? this.fail(`index ${i} out of range in '${this.text(node)}'`, node);
    }
    if (owner.k === 'dict' && key.k === 'str') return owner.entries.get(key.v) ?? unknown(`key '${key.v}'`);
    if (owner.k === 'module' && containerOf(owner.obj)) {
      const i = intOf(key);
      const kids = [...owner.obj.children.values()];
      if (i !== undefined) {
        const c = kids[i < 0 ? kids.length + i : i];
        return c ? { k: 'module', obj: c } : this.fail(`index ${i} out of range in '${this.text(node)}'`, node);
      }
    }
    return owner.k === 'unknown' ? owner : unknown(`'${this.text(node)}'`);
  }

  private slice(node: Syn, scope: Scope, frame: Frame): PyValue {
    // `a:b:c`: parts are separated by ':' tokens; absent parts are None.
    const parts: PyValue[] = [NONE, NONE, NONE];
    let i = 0;
    for (const c of node.children) {
      if (!c.named && this.text(c) === ':') i++;
      else if (c.named && i < 3) parts[i] = this.eval(c, scope, frame);
    }
    return { k: 'slice', start: parts[0]!, stop: parts[1]!, step: parts[2]! };
  }

  /** `y[:, :, None, None]` and `y[..., None]`: full slices and new axes only. */
  private indexTensor(t: TensorRef, keys: PyValue[], node: Syn): PyValue {
    const newAxes: number[] = [];
    const rank = t.shape?.length;
    const ellipsisAt = keys.findIndex((k) => k.k === 'ref' && k.path === 'Ellipsis');
    let pos = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k.k === 'none') newAxes.push(pos++);
      else if (k.k === 'slice' && k.start.k === 'none' && k.stop.k === 'none' && k.step.k === 'none') pos++;
      else if (i === ellipsisAt) {
        if (rank === undefined) return this.fail(`'${this.text(node)}' on a tensor of unknown rank`, node, [t]);
        const consumed = keys.filter((x, j) => j !== ellipsisAt && x.k !== 'none').length;
        pos += rank - consumed;
      } else return this.fail(`tensor indexing '${this.text(node)}' is not interpreted`, node, [t]);
    }
    if (newAxes.length === 0) return { k: 'tensor', t };
    return { k: 'tensor', t: this.ops.at(this.here(node)).unsqueeze(t, newAxes) };
  }

  binaryOp(op: string, a: PyValue, b: PyValue, node: Syn): PyValue {
    if (a.k === 'tensor' || b.k === 'tensor') {
      const ta = a.k === 'tensor' ? a.t : num(a);
      const tb = b.k === 'tensor' ? b.t : num(b);
      if (ta === undefined || tb === undefined) {
        return this.fail(`'${firstLine(this.text(node))}' mixes a tensor with a value that is not known`, node, [a, b].flatMap((v) => (v.k === 'tensor' ? [v.t] : [])));
      }
      const ops = this.ops.at(this.here(node));
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
      return this.fail(`operator '${op}' on tensors is not interpreted`, node, [a, b].flatMap((v) => (v.k === 'tensor' ? [v.t] : [])));
    }
    if ((a.k === 'tuple' || a.k === 'list') && op === '+' && b.k === a.k) return { k: a.k, items: [...a.items, ...b.items] };
    if ((a.k === 'tuple' || a.k === 'list') && op === '*' && intOf(b) !== undefined) {
      const n = Math.min(Math.max(intOf(b)!, 0), MAX_LOOP);
      return { k: a.k, items: Array.from({ length: n }, () => a.items).flat() };
    }
    if (a.k === 'str' && b.k === 'str' && op === '+') return { k: 'str', v: a.v + b.v };
    const x = num(a);
    const y = num(b);
    if (x === undefined || y === undefined) return unknown(`'${firstLine(this.text(node))}'`);
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
        return y === 0 ? this.fail(`division by zero in '${this.text(node)}'`, node) : wrap(x / y, false);
      case '//':
        return y === 0 ? this.fail(`division by zero in '${this.text(node)}'`, node) : wrap(Math.floor(x / y));
      case '%':
        return y === 0 ? this.fail(`division by zero in '${this.text(node)}'`, node) : wrap(x - Math.floor(x / y) * y);
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

  // ---------------------------------------------------------------- calls

  private call(node: Syn, scope: Scope, frame: Frame): PyValue {
    const fnNode = child(node, 'function');
    const argsNode = child(node, 'arguments');
    if (!fnNode) return unknown('incomplete call');
    const fn = this.eval(fnNode, scope, frame);
    const args: PyValue[] = [];
    const kwargs = new Map<string, PyValue>();
    if (argsNode?.type === 'generator_expression') args.push(this.eval(argsNode, scope, frame));
    else if (argsNode) {
      for (const a of namedChildren(argsNode)) {
        if (a.type === 'keyword_argument') {
          const k = child(a, 'name');
          const v = child(a, 'value');
          if (k && v) kwargs.set(this.text(k), this.eval(v, scope, frame));
        } else if (a.type === 'list_splat') {
          const inner = namedChildren(a)[0];
          const items = inner ? this.iterate(this.eval(inner, scope, frame)) : undefined;
          if (!items) return this.fail(`'${this.text(a)}' cannot be expanded`, a);
          args.push(...items);
        } else if (a.type === 'dictionary_splat') {
          const inner = namedChildren(a)[0];
          const d = inner ? this.eval(inner, scope, frame) : undefined;
          if (d?.k !== 'dict') return this.fail(`'${this.text(a)}' cannot be expanded`, a);
          for (const [k, v] of d.entries) kwargs.set(k, v);
        } else args.push(this.eval(a, scope, frame));
      }
    }
    return this.invoke(fn, args, kwargs, node);
  }

  invoke(fn: PyValue, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    switch (fn.k) {
      case 'ref':
        return this.library(fn.path, args, kwargs, node);
      case 'class':
        return this.instantiate(fn.def, args, kwargs, node);
      case 'func':
        return this.callFunction(fn.def, fn.self ? [fn.self, ...args] : args, kwargs, node);
      case 'module':
        return this.callModule(fn.obj, args, kwargs, node);
      case 'method':
        return this.method(fn.self, fn.name, args, kwargs, node);
      case 'partial': {
        const merged = new Map(fn.kwargs);
        for (const [k, v] of kwargs) merged.set(k, v);
        return this.invoke(fn.fn, [...fn.args, ...args], merged, node);
      }
      case 'stub':
        if (this.mode === 'site') {
          const site = this.callSites.find((s) => s.args === fn.args && s.def === fn.def);
          const x = args[0];
          if (site && x?.k === 'tensor' && x.t.shape?.every((d) => typeof d === 'number') && !site.inputShape) site.inputShape = x.t.shape as number[];
          return { k: 'tensor', t: { name: '', shape: undefined } };
        }
        return unknown('call site');
      case 'unknown':
        return this.fail(`cannot call '${firstLine(this.text(child(node, 'function') ?? node))}': ${fn.why}`, node, tensorArgs(args));
      default:
        return this.fail(`'${firstLine(this.text(child(node, 'function') ?? node))}' is not callable`, node, tensorArgs(args));
    }
  }

  private enter<T>(key: unknown, what: string, node: Syn, args: PyValue[], body: () => T | PyValue): T | PyValue {
    if (this.activeCalls.has(key)) return this.fail(`recursive call of ${what} is not interpreted`, node, tensorArgs(args));
    if (this.depth >= MAX_DEPTH) return this.fail(`calls nested deeper than ${MAX_DEPTH} are not interpreted`, node, tensorArgs(args));
    this.activeCalls.add(key);
    this.depth++;
    try {
      return body();
    } finally {
      this.depth--;
      this.activeCalls.delete(key);
    }
  }

  callFunction(def: FuncDef, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn, cls?: ClassDef): PyValue {
    const selfArg = args[0];
    const key = selfArg?.k === 'module' ? `${def.name}:${def.node.range.startLine}:${def.node.range.startColumn}:${selfArg.obj.id}` : def.node;
    return this.enter(key, `'${def.name}'`, node, args, () => this.within(def.closure, node, () => {
      const scope = new Scope(def.closure);
      const params = child(def.node, 'parameters');
      const bound = this.bindParams(params, args, kwargs, scope);
      if (bound) this.fail(`call of '${def.name}': ${bound}`, node);
      const self = args[0];
      const owner = cls ?? (self?.k === 'module' && self.obj.def ? ownerOf(self.obj.def, def.node) : undefined);
      const frame: Frame = { ...(owner ? { cls: owner } : {}), ...(self ? { self } : {}) };
      const signal = this.execBlock(child(def.node, 'body'), scope, frame);
      return signal?.kind === 'return' ? signal.value : NONE;
    }));
  }

  /** Binds call arguments to a `parameters` node; returns a problem description or undefined. */
  bindParams(params: Syn | undefined, args: PyValue[], kwargs: Map<string, PyValue>, scope: Scope): string | undefined {
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
          name = this.text(p);
          break;
        case 'typed_parameter': {
          const id = namedChildren(p).find((c) => c.type !== 'type');
          if (id?.type === 'list_splat_pattern') {
            scope.set(this.text(namedChildren(id)[0] ?? id), { k: 'tuple', items: args.slice(i) });
            i = args.length;
            keywordOnly = true;
            continue;
          }
          if (id?.type === 'dictionary_splat_pattern') {
            scope.set(this.text(namedChildren(id)[0] ?? id), { k: 'dict', entries: rest });
            continue;
          }
          name = id ? this.text(id) : undefined;
          break;
        }
        case 'default_parameter':
        case 'typed_default_parameter': {
          const n = child(p, 'name');
          name = n ? this.text(n) : undefined;
          def = child(p, 'value');
          break;
        }
        case 'list_splat_pattern':
          scope.set(this.text(namedChildren(p)[0] ?? p), { k: 'tuple', items: args.slice(i) });
          i = args.length;
          keywordOnly = true;
          continue;
        case 'dictionary_splat_pattern':
          scope.set(this.text(namedChildren(p)[0] ?? p), { k: 'dict', entries: rest });
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
      } else if (def) scope.set(name, this.eval(def, scope.parent ?? scope, {}));
      else {
        scope.set(name, unknown(`argument '${name}' has no value`));
        problem ??= `argument '${name}' has no value`;
      }
    }
    if (i < args.length) problem ??= `${args.length - i} extra positional arguments`;
    return problem;
  }

  instantiate(def: ClassDef, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    if (!def.isModule) return this.newObject(def, args, kwargs, node);
    if (this.mode === 'site') {
      const stub: PyValue = { k: 'stub', def, args, kwargs };
      if (def.isModule) this.callSites.push({ def, args, kwargs, at: this.here(node) });
      return stub;
    }
    if (!def.isModule) return this.fail(`class '${def.name}' is not an nn.Module`, node);
    if (this.activeClasses.has(def)) return this.fail(`'${def.name}' creates itself while being created`, node);
    this.activeClasses.add(def);
    try {
      return this.build(def, args, kwargs, node);
    } finally {
      this.activeClasses.delete(def);
    }
  }

  /** An instance of a plain class: fields bound for records, else `__init__` run on a fresh object. */
  private newObject(def: ClassDef, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const obj: PyValue = { k: 'object', def, attrs: new Map() };
    const init = findMethod(def, '__init__');
    if (def.record && (!init || def.record === 'namedtuple')) {
      const fields = recordFields(def);
      fields.forEach((f, i) => {
        const v = i < args.length ? args[i] : kwargs.get(f) ?? findClassAttr(def, f);
        obj.attrs.set(f, v ?? unknown(`${def.name}() has no value for '${f}'`));
      });
      return obj;
    }
    if (init) {
      if (this.activeClasses.has(def)) return this.fail(`'${def.name}' creates itself while being created`, node);
      this.activeClasses.add(def);
      try {
        this.callFunction({ name: '__init__', node: init.node, closure: init.cls.closure }, [obj, ...args], kwargs, node, init.cls);
      } finally {
        this.activeClasses.delete(def);
      }
    }
    return obj;
  }

  private build(def: ClassDef, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const obj = this.newModule(def.name, this.here(node), { def });
    const self: PyValue = { k: 'module', obj };
    const init = findMethod(def, '__init__');
    if (init) {
      const r = this.callFunction({ name: '__init__', node: init.node, closure: init.cls.closure }, [self, ...args], kwargs, node, init.cls);
      if (r.k === 'unknown' && r.why.startsWith('recursive')) return r;
    }
    return self;
  }

  newModule(className: string, range: SourceRange, extra: Partial<Pick<ModuleObj, 'layer' | 'def'>> = {}): ModuleObj {
    return { id: this.nextModuleId++, className, range, children: new Map(), attrs: new Map(), ownParams: 0, ...extra };
  }

  callModule(obj: ModuleObj, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    if (this.mode === 'site') return unknown('module call at top level');
    return this.enter(obj, `module '${obj.path ?? obj.className}'`, node, args, () =>
      this.b.within(obj.path ?? '', () => {
        if (obj.layer) {
          const x = args[0];
          if (x?.k !== 'tensor') return this.fail(`${obj.className} called without a tensor`, node, tensorArgs(args));
          if (args.length > 1 || kwargs.size > 0) return this.fail(`${obj.className} called with extra arguments`, node, tensorArgs(args));
          return { k: 'tensor', t: emitLayer(this.b, obj, x.t, this.here(node)) } as PyValue;
        }
        if (containerOf(obj) === 'Sequential' && !(obj.def && findMethod(obj.def, 'forward'))) {
          let v = args[0] ?? unknown('Sequential called without input');
          for (const c of obj.children.values()) v = this.callModule(c, [v], new Map(), node);
          return v;
        }
        if (obj.def) {
          const fwd = findMethod(obj.def, 'forward');
          if (!fwd) return this.fail(`${obj.className} has no forward`, node, tensorArgs(args));
          return this.callFunction({ name: 'forward', node: fwd.node, closure: fwd.cls.closure }, [{ k: 'module', obj }, ...args], kwargs, node, fwd.cls);
        }
        return this.fail(`${obj.className} cannot be called`, node, tensorArgs(args));
      }),
    );
  }

  // ---------------------------------------------------------------- library

  private library(path: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const p = canonical(path);
    const arg = (i: number, name: string): PyValue | undefined => args[i] ?? kwargs.get(name);
    if (p.startsWith('builtins.')) return this.builtin(p.slice(9), args, kwargs, node);
    if (p.startsWith('math.')) return mathCall(p.slice(5), args);
    if (p.startsWith('nn.') && !p.startsWith('nn.functional.')) {
      const kind = p.slice(3);
      if (kind === 'Module.__init__' || kind === 'Module') return NONE;
      // Weight initialisation changes values, never shapes or counts.
      if (kind.startsWith('init.')) return NONE;
      if (kind === 'Sequential') {
        const obj = this.newModule('Sequential', this.here(node));
        const first = args[0];
        if (args.length === 1 && first?.k === 'dict') for (const [k, v] of first.entries) { if (v.k === 'module') obj.children.set(k, v.obj); }
        else args.forEach((a, i) => {
          if (a.k === 'module') obj.children.set(String(i), a.obj);
          else this.fail(`Sequential item ${i} is not a module`, node);
        });
        return { k: 'module', obj };
      }
      if (kind === 'ModuleList') {
        const obj = this.newModule('ModuleList', this.here(node));
        const items = args[0] ? this.iterate(args[0]) : [];
        (items ?? []).forEach((a, i) => {
          if (a.k === 'module') obj.children.set(String(i), a.obj);
        });
        if (!items) this.fail('ModuleList items are not known', node);
        return { k: 'module', obj };
      }
      if (kind === 'Parameter') {
        const t = args[0];
        if (t?.k === 'tensor') return { k: 'tensor', t: t.t, param: true };
        return this.fail('nn.Parameter of a value that is not a known tensor', node);
      }
      if (isKnownLayer(kind)) {
        try {
          const layer = constructLayer(kind, args, kwargs);
          return { k: 'module', obj: this.newModule(kind, this.here(node), { layer }) };
        } catch (e) {
          if (e instanceof LayerError) return this.fail(e.message, node);
          throw e;
        }
      }
      return this.fail(`nn.${kind} is not interpreted`, node);
    }
    if (p === 'collections.OrderedDict' || p === 'typing.OrderedDict') {
      // OrderedDict([(name, value), ...]): the form `nn.Sequential` takes for named children.
      const entries = new Map<string, PyValue>();
      for (const pair of (args[0] && this.iterate(args[0])) ?? []) {
        const kv = pair.k === 'tuple' || pair.k === 'list' ? pair.items : [];
        if (kv[0]?.k === 'str' && kv[1]) entries.set(kv[0].v, kv[1]);
        else return this.fail('OrderedDict entries that are not (name, value) pairs', node);
      }
      for (const [k, v] of kwargs) entries.set(k, v);
      return { k: 'dict', entries };
    }
    if (p === 'copy.copy' || p === 'copy.deepcopy') {
      const v = args[0];
      if (v?.k === 'object') return { k: 'object', def: v.def, attrs: new Map(v.attrs) };
      if (v?.k === 'list' || v?.k === 'tuple') return { k: v.k, items: [...v.items] };
      if (v?.k === 'dict') return { k: 'dict', entries: new Map(v.entries) };
      return v && v.k !== 'module' ? v : unknown(`${p}() of a module is not interpreted`);
    }
    if (p === 'functools.partial') {
      const [fn, ...rest] = args;
      return fn ? { k: 'partial', fn, args: rest, kwargs } : unknown('partial()');
    }
    const ops = this.ops.at(this.here(node));
    const x = args[0];
    const tensorOf = (v: PyValue | undefined): TensorRef | undefined => (v?.k === 'tensor' ? v.t : undefined);
    // Tensor factories give shapes at the call site and constant tensors inside modules.
    const factory = p.startsWith('torch.') ? p.slice(6) : '';
    if (TENSOR_FACTORIES.has(factory)) {
      const dims = factory === 'full' ? intsOf(args[0]) : args.length === 1 ? intsOf(args[0]) : intsOf({ k: 'tuple', items: args });
      if (!dims || dims.some((d) => d < 0)) return this.fail(`torch.${factory} with a size that is not known`, node);
      return { k: 'tensor', t: this.mode === 'site' ? { name: '', shape: dims } : ops.constant(dims) };
    }
    if (this.mode === 'site') {
      if (p === 'torchstat.stat' || p === 'stat') return this.recordStat(args);
      return unknown(`${p} at top level`);
    }
    const t = tensorOf(x);
    const fn = p.startsWith('nn.functional.') ? `F.${p.slice(14)}` : p;
    const unary = (op: string) => (t ? { k: 'tensor', t: ops.unary(op, t) } as PyValue : this.fail(`${path} without a tensor`, node));
    switch (fn) {
      case 'F.relu':
      case 'torch.relu':
        return unary('Relu');
      case 'F.sigmoid':
      case 'torch.sigmoid':
        return unary('Sigmoid');
      case 'F.tanh':
      case 'torch.tanh':
        return unary('Tanh');
      case 'F.hardswish':
        return unary('HardSwish');
      case 'F.hardsigmoid':
        return t ? { k: 'tensor', t: ops.hardsigmoid(t) } : this.fail(`${path} without a tensor`, node);
      case 'F.silu':
        return t ? { k: 'tensor', t: ops.silu(t) } : this.fail(`${path} without a tensor`, node);
      case 'F.relu6':
        return t ? { k: 'tensor', t: ops.relu6(t) } : this.fail(`${path} without a tensor`, node);
      case 'F.softmax':
      case 'torch.softmax': {
        const dim = intOf(arg(1, 'dim'));
        return t && dim !== undefined ? { k: 'tensor', t: ops.unary('Softmax', t, { axis: { type: 'int', value: dim } }) } : this.fail(`${path} with a dim that is not known`, node, tensorArgs(args));
      }
      case 'F.adaptive_avg_pool2d':
      case 'F.adaptive_max_pool2d': {
        const size = intsOf(arg(1, 'output_size'));
        if (t && size && size.every((s) => s === 1)) return { k: 'tensor', t: ops.globalPool(fn === 'F.adaptive_avg_pool2d' ? 'GlobalAveragePool' : 'GlobalMaxPool', t) };
        return this.fail(`${path} with output size other than 1 is not interpreted`, node, tensorArgs(args));
      }
      case 'F.avg_pool2d':
      case 'F.max_pool2d': {
        const k = intsOf(arg(1, 'kernel_size'));
        const sArg = arg(2, 'stride');
        const s = sArg && sArg.k !== 'none' ? intsOf(sArg) : k;
        const pad = intsOf(arg(3, 'padding') ?? int(0));
        const ceilArg = kwargs.get('ceil_mode');
        if (!t || !k || !s || !pad) return this.fail(`${path} with arguments that are not known`, node, tensorArgs(args));
        const two = (v: number[]) => (v.length === 1 ? [v[0]!, v[0]!] : v);
        return { k: 'tensor', t: ops.pool(fn === 'F.avg_pool2d' ? 'AveragePool' : 'MaxPool', t, two(k), two(s), two(pad), ceilArg ? truthy(ceilArg) === true : false) };
      }
      case 'torch.mul':
      case 'torch.add':
      case 'torch.sub':
      case 'torch.div':
      case 'torch.matmul': {
        const opSym = { 'torch.mul': '*', 'torch.add': '+', 'torch.sub': '-', 'torch.div': '/', 'torch.matmul': '@' }[fn]!;
        const a = args[0];
        const b = args[1] ?? kwargs.get('other');
        if (!a || !b) return this.fail(`${path} needs two operands`, node, tensorArgs(args));
        return this.binaryOp(opSym, a, b, node);
      }
      case 'torch.cat':
      case 'torch.concat': {
        const items = x ? this.iterate(x) : undefined;
        const dim = intOf(arg(1, 'dim') ?? int(0));
        const ts = items?.map(tensorOf);
        if (!ts || ts.some((v) => !v) || dim === undefined) return this.fail(`${path} of values that are not known tensors`, node, tensorArgs(items ?? []));
        return { k: 'tensor', t: ops.concat(ts as TensorRef[], dim) };
      }
      case 'torch.flatten':
        if (!t) return this.fail(`${path} without a tensor`, node);
        return { k: 'tensor', t: ops.flatten(t, intOf(arg(1, 'start_dim')) ?? 0, intOf(arg(2, 'end_dim')) ?? -1) };
      case 'torch.mean':
      case 'torch.sum':
      case 'torch.amax':
        return t ? this.method(x!, fn.slice(6), args.slice(1), kwargs, node) : this.fail(`${path} without a tensor`, node);
      case 'torch.no_grad':
        return NONE;
      case 'torch.jit.is_scripting':
      case 'torch.jit.is_tracing':
      case 'torch.onnx.is_in_onnx_export':
        return { k: 'bool', v: false };
      case 'F.pad': {
        const pads = intsOf(arg(1, 'pad'));
        const modeArg = arg(2, 'mode') ?? { k: 'str', v: 'constant' };
        const rank = t?.shape?.length;
        if (!t || !pads || pads.length % 2 !== 0 || modeArg.k !== 'str' || rank === undefined || pads.length / 2 > rank) {
          return this.fail(`${path} with arguments that are not known`, node, tensorArgs(args));
        }
        const modes: Record<string, string> = { constant: 'constant', reflect: 'reflect', replicate: 'edge', circular: 'wrap' };
        const mode = modes[modeArg.v];
        if (!mode) return this.fail(`${path} mode '${modeArg.v}' is not interpreted`, node, [t]);
        return { k: 'tensor', t: ops.pad(t, pads, mode) };
      }
    }
    if (t) return this.fail(`${path} is not interpreted`, node, tensorArgs(args));
    return unknown(`${path} is not interpreted`);
  }

  private recordStat(args: PyValue[]): PyValue {
    const [model, size] = args;
    const dims = intsOf(size);
    if (model?.k === 'stub' && dims && dims.length === 3) {
      const site = this.callSites.find((s) => s.args === model.args && s.def === model.def);
      if (site && !site.inputShape) site.inputShape = [1, ...dims];
    }
    return NONE;
  }

  private builtin(name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const a = args[0];
    switch (name) {
      case 'int': {
        if (a?.k === 'str') {
          const v = Number(a.v.trim());
          return Number.isInteger(v) ? int(v) : unknown('int() of a string');
        }
        const v = num(a);
        return v === undefined ? unknown('int() of a value that is not known') : int(Math.trunc(v));
      }
      case 'float': {
        const v = num(a);
        return v === undefined ? unknown('float()') : { k: 'float', v };
      }
      case 'bool': {
        const t = a ? truthy(a) : false;
        return t === undefined ? unknown('bool()') : { k: 'bool', v: t };
      }
      case 'abs': {
        const v = num(a);
        return v === undefined ? unknown('abs()') : a!.k === 'float' ? { k: 'float', v: Math.abs(v) } : int(Math.abs(v));
      }
      case 'round': {
        const v = num(a);
        const digits = intOf(args[1]);
        if (v === undefined) return unknown('round() of a value that is not known');
        if (args[1] && args[1].k !== 'none') {
          if (digits === undefined) return unknown('round() digits');
          const f = 10 ** digits;
          return { k: 'float', v: roundHalfEven(v * f) / f };
        }
        return int(roundHalfEven(v));
      }
      case 'max':
      case 'min': {
        const items = args.length === 1 ? this.iterate(args[0]!) : args;
        const nums = items?.map(num);
        if (!items || !nums || nums.length === 0 || nums.some((n) => n === undefined)) return unknown(`${name}() of values that are not known`);
        let best = 0;
        nums.forEach((n, i) => {
          if (name === 'max' ? n! > nums[best]! : n! < nums[best]!) best = i;
        });
        return items[best]!;
      }
      case 'pow': {
        const x = num(a);
        const y = num(args[1]);
        return x === undefined || y === undefined ? unknown('pow()') : a!.k === 'int' && args[1]!.k === 'int' && y >= 0 ? int(x ** y) : { k: 'float', v: x ** y };
      }
      case 'divmod': {
        const x = intOf(a);
        const y = intOf(args[1]);
        return x === undefined || !y ? unknown('divmod()') : { k: 'tuple', items: [int(Math.floor(x / y)), int(x - Math.floor(x / y) * y)] };
      }
      case 'len': {
        if (!a) return unknown('len()');
        if (a.k === 'tensor') return a.t.shape && typeof a.t.shape[0] === 'number' ? int(a.t.shape[0]) : unknown('len() of a tensor');
        const items = this.iterate(a);
        return items ? int(items.length) : unknown('len() of a value that is not known');
      }
      case 'range': {
        const n = args.map(intOf);
        if (n.length === 0 || n.some((v) => v === undefined)) return this.fail('range() of values that are not known', node);
        const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
        if (step === 0) return this.fail('range() step is zero', node);
        const items: PyValue[] = [];
        for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
          items.push(int(i));
          if (items.length > MAX_LOOP) return this.fail(`range() longer than ${MAX_LOOP} is not interpreted`, node);
        }
        return { k: 'list', items };
      }
      case 'tuple':
      case 'list': {
        if (!a) return { k: name, items: [] };
        const items = this.iterate(a);
        return items ? { k: name, items: [...items] } : unknown(`${name}()`);
      }
      case 'enumerate': {
        const items = a ? this.iterate(a) : undefined;
        return items ? { k: 'list', items: items.map((v, i) => ({ k: 'tuple', items: [int(i), v] }) as PyValue) } : unknown('enumerate()');
      }
      case 'zip': {
        const lists = args.map((x) => this.iterate(x));
        if (lists.some((l) => !l)) return unknown('zip()');
        const n = Math.min(...lists.map((l) => l!.length));
        return { k: 'list', items: Array.from({ length: n }, (_, i) => ({ k: 'tuple', items: lists.map((l) => l![i]!) }) as PyValue) };
      }
      case 'reversed': {
        const items = a ? this.iterate(a) : undefined;
        return items ? { k: 'list', items: [...items].reverse() } : unknown('reversed()');
      }
      case 'sum': {
        const items = a ? this.iterate(a) : undefined;
        if (!items) return unknown('sum()');
        let acc: PyValue = int(0);
        for (const item of items) acc = this.binaryOp('+', acc, item, node);
        return acc;
      }
      case 'isinstance':
        return a && args[1] ? isInstance(a, args[1]) : unknown('isinstance()');
      case 'issubclass':
        return a?.k === 'class' && args[1] ? isInstance({ k: 'object', def: a.def, attrs: new Map() }, args[1]) : unknown('issubclass()');
      case 'all':
      case 'any': {
        const items = a ? this.iterate(a) : undefined;
        const values = items?.map(truthy);
        if (!values || values.some((v) => v === undefined)) return unknown(`${name}()`);
        return { k: 'bool', v: name === 'all' ? values.every(Boolean) : values.some(Boolean) };
      }
      case 'callable':
        return a ? { k: 'bool', v: ['class', 'func', 'ref', 'partial', 'module', 'method'].includes(a.k) } : unknown('callable()');
      case 'getattr': {
        const key = args[1];
        if (a && key?.k === 'str') return this.getAttr(a, key.v, node);
        return unknown('getattr()');
      }
      case 'hasattr':
        return unknown('hasattr()');
      case 'setattr': {
        const key = args[1];
        if (a?.k === 'module' && key?.k === 'str' && args[2]) setModuleAttr(a.obj, key.v, args[2]);
        return NONE;
      }
      case 'print':
        return NONE;
      case 'str':
        return a?.k === 'str' ? a : a && (a.k === 'int' || a.k === 'float') ? { k: 'str', v: String(a.v) } : unknown('str()');
      case 'dict':
        return { k: 'dict', entries: new Map(kwargs) };
      case 'super':
        return { k: 'ref', path: 'super' };
      default:
        return unknown(`${name}()`);
    }
  }

  private method(self: PyValue, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const arg = (i: number, key: string): PyValue | undefined => args[i] ?? kwargs.get(key);
    const own = builtinMethod(self, name, args, (v) => this.iterate(v));
    if (own) return own;
    if (self.k === 'object' && name === 'dataclass.__init__') {
      // A subclass's `super().__init__(...)` into the `__init__` @dataclass wrote for its fields.
      recordFields(self.def).forEach((f, i) => {
        const v = args[i] ?? kwargs.get(f) ?? findClassAttr(self.def, f);
        self.attrs.set(f, v ?? unknown(`${self.def.name}() has no value for '${f}'`));
      });
      return NONE;
    }
    if (self.k === 'module') return this.moduleMethod(self.obj, name, args, kwargs, node);
    if (self.k === 'stub') {
      // `model.cuda().eval()` and friends return the model itself.
      if (['cuda', 'cpu', 'to', 'eval', 'train', 'float', 'half', 'requires_grad_'].includes(name)) return self;
      return unknown(`${self.def.name}.${name}() at top level`);
    }
    if (self.k !== 'tensor') return this.fail(`method '${name}' of a value that is not known`, node, tensorArgs(args));
    const t = self.t;
    const s = t.shape;
    const ops = this.ops.at(this.here(node));
    const tensor = (r: TensorRef): PyValue => ({ k: 'tensor', t: r });
    const dimsArg = (v: PyValue | undefined) => (v === undefined || v.k === 'none' ? undefined : intsOf(v));
    switch (name) {
      case 'size': {
        if (!s) return this.fail('size() of a tensor whose shape is not known', node);
        const d = intOf(args[0] ?? kwargs.get('dim'));
        if (args.length === 0 && !kwargs.has('dim')) return { k: 'tuple', items: s.map(dimValue) };
        if (d === undefined) return unknown('size() with a dim that is not known');
        const i = d < 0 ? s.length + d : d;
        return s[i] === undefined ? this.fail(`size(${d}) out of range`, node) : dimValue(s[i]!);
      }
      case 'dim':
        return s ? int(s.length) : unknown('dim()');
      case 'numel': {
        if (!s || s.some((d) => typeof d !== 'number')) return unknown('numel()');
        return int((s as number[]).reduce((x, y) => x * y, 1));
      }
      case 'sigmoid':
      case 'sigmoid_':
        return tensor(ops.unary('Sigmoid', t));
      case 'relu':
      case 'relu_':
        return tensor(ops.unary('Relu', t));
      case 'tanh':
        return tensor(ops.unary('Tanh', t));
      case 'contiguous':
      case 'float':
      case 'detach':
      case 'clone':
      case 'cuda':
      case 'cpu':
      case 'to':
      case 'requires_grad_':
        return self;
      case 'mean':
      case 'sum':
      case 'amax': {
        const dimValueArg = arg(0, 'dim');
        const dims = dimsArg(dimValueArg);
        if (dimValueArg && dimValueArg.k !== 'none' && !dims) return this.fail(`${name}() with dims that are not known`, node, [t]);
        const keep = truthy(arg(1, 'keepdim') ?? kwargs.get('keepdims') ?? { k: 'bool', v: false });
        if (keep === undefined) return this.fail(`${name}() with keepdim that is not known`, node, [t]);
        const op = name === 'mean' ? 'ReduceMean' : name === 'sum' ? 'ReduceSum' : 'ReduceMax';
        return tensor(ops.reduce(op, t, dims, keep));
      }
      case 'view':
      case 'reshape': {
        const dims = args.length === 1 ? intsOf(args[0]) : intsOf({ k: 'tuple', items: args });
        if (!dims) return this.fail(`${name}(${args.map((a) => a.k).join(', ')}) with sizes that are not known`, node, [t]);
        return tensor(ops.reshape(t, dims));
      }
      case 'view_as':
      case 'reshape_as': {
        const o = args[0];
        const dims = o?.k === 'tensor' && o.t.shape?.every((d) => typeof d === 'number') ? (o.t.shape as number[]) : undefined;
        return dims ? tensor(ops.reshape(t, dims)) : this.fail(`${name}() of a tensor whose shape is not known`, node, [t]);
      }
      case 'flatten':
        return tensor(ops.flatten(t, intOf(arg(0, 'start_dim')) ?? 0, intOf(arg(1, 'end_dim')) ?? -1));
      case 'squeeze': {
        const d = arg(0, 'dim');
        const dims = d ? dimsArg(d) : undefined;
        if (d && !dims) return this.fail('squeeze() with a dim that is not known', node, [t]);
        return tensor(ops.squeeze(t, dims));
      }
      case 'unsqueeze': {
        const d = intOf(arg(0, 'dim'));
        return d === undefined ? this.fail('unsqueeze() with a dim that is not known', node, [t]) : tensor(ops.unsqueeze(t, [d]));
      }
      case 'expand_as': {
        const o = args[0];
        return o?.k === 'tensor' ? tensor(ops.expandAs(t, o.t)) : this.fail('expand_as() of a value that is not a tensor', node, [t]);
      }
      case 'expand': {
        const dims = args.length === 1 ? intsOf(args[0]) : intsOf({ k: 'tuple', items: args });
        return dims ? tensor(ops.expand(t, dims)) : this.fail('expand() with sizes that are not known', node, [t]);
      }
      case 'transpose': {
        const a = intOf(args[0]);
        const b = intOf(args[1]);
        if (!s || a === undefined || b === undefined) return this.fail('transpose() with dims that are not known', node, [t]);
        const perm = s.map((_, i) => i);
        const ia = a < 0 ? s.length + a : a;
        const ib = b < 0 ? s.length + b : b;
        if (perm[ia] === undefined || perm[ib] === undefined) return this.fail('transpose() dims out of range', node, [t]);
        [perm[ia], perm[ib]] = [perm[ib]!, perm[ia]!];
        return tensor(ops.transpose(t, perm));
      }
      case 'permute': {
        const perm = args.length === 1 ? intsOf(args[0]) : intsOf({ k: 'tuple', items: args });
        if (!perm || (s && perm.length !== s.length)) return this.fail('permute() with dims that are not known', node, [t]);
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
        return other ? this.binaryOp(sym, self, other, node) : this.fail(`${name}() without an operand`, node, [t]);
      }
    }
    return this.fail(`tensor method '${name}' is not interpreted`, node, [t]);
  }

  private moduleMethod(obj: ModuleObj, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    switch (name) {
      case 'Sequential.__init__':
      case 'ModuleList.__init__': {
        // `super().__init__(*layers)` in a subclass of a container.
        const first = args[0];
        const items = name === 'Sequential.__init__' ? (args.length === 1 && first?.k === 'dict' ? [...first.entries] : args.map((a, i) => [String(i), a] as const)) : [...((first && this.iterate(first)) ?? [])].map((a, i) => [String(i), a] as const);
        for (const [k, v] of items) if (v.k === 'module') obj.children.set(k, v.obj);
        return NONE;
      }
      case 'add_module':
      case 'register_module': {
        const key = args[0];
        const m = args[1];
        if (key?.k === 'str' && m?.k === 'module') obj.children.set(key.v, m.obj);
        else this.fail(`${name}() with a name or module that is not known`, node);
        return NONE;
      }
      case 'append':
        if (args[0]?.k === 'module') obj.children.set(String(obj.children.size), args[0].obj);
        return NONE;
      case 'extend':
        for (const item of (args[0] && this.iterate(args[0])) ?? []) if (item.k === 'module') obj.children.set(String(obj.children.size), item.obj);
        return NONE;
      case 'register_buffer':
        if (args[0]?.k === 'str' && args[1]) obj.attrs.set(args[0].v, args[1]);
        return NONE;
      case 'register_parameter':
        if (args[0]?.k === 'str' && args[1]) setModuleAttr(obj, args[0].v, args[1]);
        return NONE;
      case 'forward':
        return this.callModule(obj, args, kwargs, node);
      case 'modules':
      case 'children':
      case 'named_modules':
      case 'named_children': {
        const named = name.startsWith('named_') ? walkModules(obj, name.endsWith('modules')) : walkModules(obj, name === 'modules');
        const items = named.map(([path, m]) => (name.startsWith('named_') ? ({ k: 'tuple', items: [{ k: 'str', v: path }, { k: 'module', obj: m }] } as PyValue) : ({ k: 'module', obj: m } as PyValue)));
        return { k: 'list', items };
      }
      case 'eval':
      case 'train':
      case 'to':
      case 'cuda':
      case 'cpu':
      case 'float':
        return { k: 'module', obj };
    }
    return this.fail(`${obj.className}.${name}() is not interpreted`, node, tensorArgs(args));
  }
}

// ---------------------------------------------------------------- helpers

function tensorArgs(args: readonly PyValue[]): TensorRef[] {
  return args.flatMap((a) => (a.k === 'tensor' ? [a.t] : []));
}

function dimValue(d: number | string): PyValue {
  return typeof d === 'number' ? int(d) : unknown(`dimension '${d}' is not known`);
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function sliceBounds(s: Extract<PyValue, { k: 'slice' }>, length: number): [number | undefined, number | undefined] {
  const norm = (v: PyValue, fallback: number) => {
    if (v.k === 'none') return fallback;
    const i = intOf(v);
    if (i === undefined) return undefined;
    return Math.min(Math.max(i < 0 ? length + i : i, 0), length);
  };
  if (s.step.k !== 'none' && intOf(s.step) !== 1) return [undefined, undefined];
  return [norm(s.start, 0), norm(s.stop, length)];
}

const BUILTIN_TYPES: Record<string, readonly PyValue['k'][]> = {
  int: ['int', 'bool'], float: ['float'], bool: ['bool'], str: ['str'], tuple: ['tuple'], list: ['list'], dict: ['dict'],
};

function inherits(def: ClassDef, target: ClassDef, seen = new Set<ClassDef>()): boolean {
  if (def === target) return true;
  if (seen.has(def)) return false;
  seen.add(def);
  return def.bases.some((b) => b.k === 'class' && inherits(b.def, target, seen));
}

/** `isinstance(value, cls)`: user classes by inheritance, torch.nn layers and builtins by name; unknown when it cannot tell. */
function isInstance(value: PyValue, cls: PyValue): PyValue {
  const classes = cls.k === 'tuple' ? cls.items : [cls];
  let unsure = value.k === 'unknown';
  for (const c of classes) {
    if (c.k === 'class') {
      const def = value.k === 'object' || value.k === 'stub' ? value.def : value.k === 'module' ? value.obj.def : undefined;
      if (def && inherits(def, c.def)) return { k: 'bool', v: true };
    } else if (c.k === 'ref') {
      const p = canonical(c.path);
      const builtin = BUILTIN_TYPES[p.replace(/^builtins\./, '')];
      if (builtin) {
        if (builtin.includes(value.k)) return { k: 'bool', v: true };
      } else if (p === 'nn.Module') {
        if (value.k === 'module') return { k: 'bool', v: true };
      } else if (p.startsWith('nn.') && value.k === 'module') {
        if (value.obj.layer && `nn.${value.obj.layer.kind}` === p) return { k: 'bool', v: true };
      } else if (/(^|\.)(Sequence|Iterable)$/.test(p)) {
        if (['tuple', 'list'].includes(value.k)) return { k: 'bool', v: true };
      } else if (p === 'types.FunctionType' || p === 'types.MethodType' || p === 'types.LambdaType') {
        if (value.k === 'func') return { k: 'bool', v: true };
        if (value.k === 'unknown' || value.k === 'ref') unsure = true;
      } else if (/(^|\.)Callable$/.test(p)) {
        if (['class', 'func', 'ref', 'partial'].includes(value.k)) return { k: 'bool', v: true };
      } else unsure = true;
    } else unsure = true;
  }
  return unsure ? unknown('isinstance() of a value or class that is not known') : { k: 'bool', v: false };
}

function compareValues(op: string, a: PyValue, b: PyValue): boolean | undefined {
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
    return undefined;
  }
  if (op === 'in' || op === 'not in') {
    if (b.k === 'dict' || b.k === 'str') {
      if (a.k !== 'str') return undefined;
      const found = b.k === 'dict' ? b.entries.has(a.v) : b.v.includes(a.v);
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
    else if ((a.k === 'str' && (b.k === 'int' || b.k === 'float')) || (b.k === 'str' && (a.k === 'int' || a.k === 'float'))) eq = false;
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

function mathCall(name: string, args: PyValue[]): PyValue {
  const x = num(args[0]);
  if (x === undefined) return unknown(`math.${name}() of a value that is not known`);
  const f = (v: number): PyValue => (Number.isFinite(v) ? { k: 'float', v } : unknown(`math.${name}() is not finite`));
  switch (name) {
    case 'log2':
      return f(Math.log2(x));
    case 'log10':
      return f(Math.log10(x));
    case 'log': {
      const base = num(args[1]);
      return f(base === undefined ? Math.log(x) : Math.log(x) / Math.log(base));
    }
    case 'sqrt':
      return f(Math.sqrt(x));
    case 'exp':
      return f(Math.exp(x));
    case 'ceil':
      return int(Math.ceil(x));
    case 'floor':
      return int(Math.floor(x));
    case 'fabs':
      return f(Math.abs(x));
    case 'pow': {
      const y = num(args[1]);
      return y === undefined ? unknown('math.pow()') : f(x ** y);
    }
    default:
      return unknown(`math.${name}()`);
  }
}

/** Normalises library paths: `torch.nn.Linear` → `nn.Linear`, `torch.nn.functional.relu` → `nn.functional.relu`. */
function canonical(path: string): string {
  if (path.startsWith('torch.nn.modules.')) {
    const parts = path.split('.');
    return `nn.${parts[parts.length - 1]}`;
  }
  if (path.startsWith('torch.nn.')) return path.slice(6);
  if (path === 'torch.nn') return 'nn';
  return path;
}

function setModuleAttr(obj: ModuleObj, name: string, value: PyValue): void {
  if (value.k === 'module') {
    obj.attrs.delete(name);
    obj.children.set(name, value.obj);
    return;
  }
  if (obj.children.has(name) && value.k === 'none') obj.children.delete(name);
  if (value.k === 'tensor' && value.param && !obj.attrs.has(name)) {
    const shape = value.t.shape;
    if (shape && shape.every((d) => typeof d === 'number')) obj.ownParams += (shape as number[]).reduce((x, y) => x * y, 1);
  }
  obj.attrs.set(name, value);
}

/** `__class__`, `__name__` and `__module__` of user classes and their instances. */
function dunderAttr(owner: PyValue, name: string): PyValue | undefined {
  if (!name.startsWith('__')) return undefined;
  const def = owner.k === 'class' || owner.k === 'object' || owner.k === 'stub' ? owner.def : owner.k === 'module' ? owner.obj.def : owner.k === 'func' ? undefined : undefined;
  if (owner.k === 'func') {
    const fnRoot = owner.def.closure.root();
    if (name === '__name__') return { k: 'str', v: owner.def.name };
    if (name === '__module__') return { k: 'str', v: fnRoot instanceof ModuleScope ? fnRoot.moduleName : '__main__' };
  }
  if (!def) return undefined;
  const root = def.closure.root();
  if (name === '__class__' && owner.k !== 'class') return { k: 'class', def };
  if (name === '__name__' && owner.k === 'class') return { k: 'str', v: def.name };
  if (name === '__module__') return { k: 'str', v: root instanceof ModuleScope ? root.moduleName : '__main__' };
  return undefined;
}

/** `named_modules()` (self first, depth first, each once) or `named_children()`. */
function walkModules(root: ModuleObj, deep: boolean): [string, ModuleObj][] {
  if (!deep) return [...root.children];
  const out: [string, ModuleObj][] = [];
  const seen = new Set<ModuleObj>();
  const visit = (obj: ModuleObj, prefix: string) => {
    if (seen.has(obj)) return;
    seen.add(obj);
    out.push([prefix, obj]);
    for (const [k, c] of obj.children) visit(c, prefix ? `${prefix}.${k}` : k);
  };
  visit(root, '');
  return out;
}

/** `nn.Module`, a container or a layer: a class user code may derive its modules from. */
function isTorchModuleClass(path: string): boolean {
  if (!path.startsWith('nn.')) return false;
  const kind = path.slice(3);
  return kind === 'Module' || kind === 'Sequential' || kind === 'ModuleList' || kind === 'ModuleDict' || isKnownLayer(kind);
}

/** The torch.nn container a module is or derives from: its children are its items. */
function containerOf(obj: Pick<ModuleObj, 'def'> & { className?: string }, seen = new Set<ClassDef>()): 'Sequential' | 'ModuleList' | undefined {
  if (obj.className === 'Sequential' || obj.className === 'ModuleList') return obj.className;
  const def = obj.def;
  if (!def || seen.has(def)) return undefined;
  seen.add(def);
  for (const b of def.bases) {
    if (b.k === 'ref') {
      const p = canonical(b.path);
      if (p === 'nn.Sequential' || p === 'nn.ModuleList') return p.slice(3) as 'Sequential' | 'ModuleList';
    } else if (b.k === 'class') {
      const found = containerOf({ def: b.def }, seen);
      if (found) return found;
    }
  }
  return undefined;
}

export function findMethod(def: ClassDef, name: string, seen = new Set<ClassDef>()): { node: Syn; cls: ClassDef } | undefined {
  if (seen.has(def)) return undefined;
  seen.add(def);
  const m = def.methods.get(name);
  if (m) return { node: m, cls: def };
  for (const base of def.bases) {
    if (base.k === 'class') {
      const found = findMethod(base.def, name, seen);
      if (found) return found;
    }
  }
  return undefined;
}

function findClassAttr(def: ClassDef, name: string, seen = new Set<ClassDef>()): PyValue | undefined {
  if (seen.has(def)) return undefined;
  seen.add(def);
  const v = def.attrs.get(name);
  if (v) return v;
  for (const base of def.bases) if (base.k === 'class') {
    const found = findClassAttr(base.def, name, seen);
    if (found) return found;
  }
  return undefined;
}

function ownerOf(def: ClassDef, method: Syn, seen = new Set<ClassDef>()): ClassDef | undefined {
  if (seen.has(def)) return undefined;
  seen.add(def);
  for (const m of def.methods.values()) if (m === method) return def;
  for (const base of def.bases) if (base.k === 'class') {
    const found = ownerOf(base.def, method, seen);
    if (found) return found;
  }
  return undefined;
}

function targetNames(target: Syn): string[] {
  if (target.type === 'identifier' || target.type === 'attribute' || target.type === 'subscript') return [textOf(target)];
  return namedChildren(target).flatMap((t) => targetNames(t));
}

/** Decorator names without arguments or module prefix: `@dataclasses.dataclass(frozen=True)` → `dataclass`. */
export function decoratorNames(decorated: Syn): string[] {
  return namedChildren(decorated)
    .filter((d) => d.type === 'decorator')
    .map((d) => {
      const t = textOf(d).replace(/^@\s*/, '');
      const head = t.split('(', 1)[0]!.trim();
      return head.slice(head.lastIndexOf('.') + 1);
    });
}

/** Reads a class statement: bases, methods and simple class attributes; `isModule` follows the bases. */
export function readClass(node: Syn, scope: Scope, directive?: number[], decorators: readonly string[] = [], program?: PythonProgram): ClassDef | undefined {
  const nameNode = child(node, 'name');
  if (!nameNode) return undefined;
  const bases: PyValue[] = [];
  const supers = child(node, 'superclasses');
  const probe = new PyInterpreter(new GraphBuilder('class'), 'site', 10_000, program);
  for (const b of supers ? namedChildren(supers) : []) {
    if (b.type === 'keyword_argument') continue;
    bases.push(probe.eval(b, scope, {}));
  }
  const methods = new Map<string, Syn>();
  const methodKinds = new Map<string, 'static' | 'class'>();
  const attrs = new Map<string, PyValue>();
  const fields: string[] = [];
  const body = child(node, 'body');
  for (const stmt of body ? namedChildren(body) : []) {
    const def = stmt.type === 'decorated_definition' ? child(stmt, 'definition') : stmt;
    if (def?.type === 'function_definition') {
      const n = child(def, 'name');
      if (!n) continue;
      methods.set(textOf(n), def);
      const kinds = stmt.type === 'decorated_definition' ? decoratorNames(stmt) : [];
      if (kinds.includes('staticmethod')) methodKinds.set(textOf(n), 'static');
      else if (kinds.includes('classmethod')) methodKinds.set(textOf(n), 'class');
    } else if (stmt.type === 'expression_statement') {
      const a = namedChildren(stmt)[0];
      const left = a?.type === 'assignment' ? child(a, 'left') : undefined;
      const right = a?.type === 'assignment' ? child(a, 'right') : undefined;
      if (left?.type === 'identifier' && a && child(a, 'type')) fields.push(textOf(left));
      if (left?.type === 'identifier' && right) {
        try {
          attrs.set(textOf(left), probe.eval(right, scope, {}));
        } catch (e) {
          if (!(e instanceof BudgetExceeded)) throw e;
        }
      }
    }
  }
  const isModule = bases.some((b) => (b.k === 'ref' && isTorchModuleClass(canonical(b.path))) || (b.k === 'class' && b.def.isModule));
  const namedTuple = bases.some((b) => (b.k === 'ref' && /(^|\.)NamedTuple$/.test(b.path)) || (b.k === 'class' && b.def.record === 'namedtuple'));
  const record = namedTuple ? 'namedtuple' : decorators.includes('dataclass') || bases.some((b) => b.k === 'class' && b.def.record === 'dataclass') ? 'dataclass' : undefined;
  const root = scope.root();
  return {
    name: textOf(nameNode),
    node,
    bases,
    methods,
    attrs,
    closure: scope,
    isModule,
    ...(directive ? { inputDirective: directive } : {}),
    ...(methodKinds.size > 0 ? { methodKinds } : {}),
    ...(record && !isModule ? { record, fields } : {}),
    ...(root instanceof ModuleScope && root.foreign ? { foreign: true } : {}),
  };
}

/** A method looked up on a class: bound to `self` unless static; a classmethod binds the class. */
function methodValue(def: ClassDef, name: string, self: PyValue | undefined): PyValue | undefined {
  const m = findMethod(def, name);
  if (!m) return undefined;
  const fn: FuncDef = { name, node: m.node, closure: m.cls.closure };
  const kind = m.cls.methodKinds?.get(name);
  if (kind === 'static') return { k: 'func', def: fn };
  if (kind === 'class') return { k: 'func', def: fn, self: { k: 'class', def: self?.k === 'object' || self?.k === 'stub' ? self.def : self?.k === 'module' && self.obj.def ? self.obj.def : def } };
  return self ? { k: 'func', def: fn, self } : { k: 'func', def: fn };
}

/** A record's fields, base classes' first (dataclass inheritance). */
function recordFields(def: ClassDef, seen = new Set<ClassDef>()): string[] {
  if (seen.has(def)) return [];
  seen.add(def);
  const inherited = def.bases.flatMap((b) => (b.k === 'class' && b.def.record ? recordFields(b.def, seen) : []));
  const own = def.fields ?? [];
  return [...inherited.filter((f) => !own.includes(f)), ...own];
}
