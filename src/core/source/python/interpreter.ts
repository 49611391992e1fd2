import type { Shape, SourceRange } from '../../ir/graph.js';
import { GraphBuilder, type TensorRef } from '../graph-builder.js';
import { child, childrenOf, namedChildren, textOf, type Syn } from '../syntax.js';
import { emitLayer, layerTensor } from './library/nn-layers.js';
import { dimValue, setModuleAttr, tensorArgs, type LibraryHost } from './library/host.js';
import { libraryCall } from './library/torch.js';
import { applyKeras, KerasLayers } from './library/keras.js';
import { moduleMethod } from './library/module-methods.js';
import { tensorMethod } from './library/tensor-methods.js';
import { TensorOps } from './tensor-ops.js';
import { builtinMethod } from './builtin-methods.js';
import { binaryOp, compareValues, sliceBounds } from './operators.js';
import { bindImports } from './imports.js';
import { bindParams } from './parameters.js';
import { PythonTypeError } from './errors.js';
import { containerOf, decoratorNames, dunderAttr, findClassAttr, findMethod, layerBaseOf, methodValue, ownerOf, readClassWith, recordFields } from './classes.js';
import { ModuleScope, PythonProgram } from './program.js';
import {
  NONE,
  Scope,
  describe,
  dictKey,
  inPlaceChanges,
  keyValue,
  int,
  intOf,
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
  /** The instance made at the call site, for classes (Keras layers) whose call is recorded on the object. */
  readonly object?: PyValue;
  inputShape?: number[];
}

const BUILTINS = new Set([
  'all', 'any', 'callable', 'issubclass', 'dir',
  'int', 'float', 'round', 'max', 'min', 'abs', 'len', 'range', 'print', 'super', 'tuple', 'list', 'isinstance',
  'bool', 'str', 'sum', 'enumerate', 'zip', 'getattr', 'hasattr', 'setattr', 'dict', 'reversed', 'divmod', 'pow',
]);

const MAX_DEPTH = 48;
const MAX_LOOP = 4096;


/**
 * Abstract interpreter for the subset of Python that defines and runs PyTorch modules. It follows
 * values, not types: integers are computed, tensors are IR values with shapes, modules are objects
 * with registered children. It never evaluates strings or imports anything.
 */
export class PyInterpreter implements LibraryHost {
  steps = 0;
  private depth = 0;
  private nextModuleId = 0;
  private readonly activeCalls = new Set<unknown>();
  private readonly activeClasses = new Set<ClassDef>();
  private readonly tensorOps: TensorOps;
  /** Lines inside this range record the shapes of what they assign. */
  recordLines: { readonly startLine: number; readonly endLine: number } | undefined;
  readonly lineShapes = new Map<number, { names: string[]; shapes: Shape[] }>();
  /** Top-level mode: user classes become call-site stubs instead of being built. */
  readonly callSites: CallSite[] = [];
  /** While code of another file runs: the document's call that entered it, where its nodes and notes are shown. */
  private foreign: { readonly at: SourceRange; readonly where: string } | undefined;
  /** How many `try` bodies are running: inside one, a call that raises TypeError in Python raises here too. */
  tryDepth = 0;
  /** Keras layers made while this unit is interpreted (Keras units list them as their modules). */
  readonly keras = new KerasLayers();
  /** Inputs the top-level code passed to functions of the document (`se_block(keras.Input((32, 32, 64)))`). */
  readonly functionInputs = new Map<Syn, number[]>();
  /** Where code of another file shows when the analysis itself starts there (a model class read from a package). */
  entry: SourceRange | undefined;

  constructor(
    readonly b: GraphBuilder,
    readonly mode: 'graph' | 'site',
    private readonly maxSteps: number,
    readonly program: PythonProgram = new PythonProgram(undefined, undefined),
  ) {
    this.tensorOps = new TensorOps(b, { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 });
  }

  private text(n: Syn): string {
    return textOf(n);
  }

  private tick(): void {
    if (++this.steps > this.maxSteps) throw new BudgetExceeded('step budget exceeded');
  }

  fail(message: string, at: Syn, inputs: TensorRef[] = []): PyValue {
    if (this.mode === 'site') return unknown(message);
    const note = this.foreign ? `${message} (${this.foreign.where}:${at.range.startLine + 1})` : message;
    if (inputs.length > 0) return { k: 'tensor', t: this.b.unknown(note, this.here(at), inputs) };
    this.b.note(note, this.here(at));
    return unknown(note);
  }

  ops(node: Syn): TensorOps {
    return this.tensorOps.at(this.here(node));
  }

  /** Where a node shows in the document: its own range, or the document's call that led into another file. */
  here(node: Syn): SourceRange {
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
      case 'object':
        // A named tuple unpacks and indexes like the tuple it is.
        return value.def.record === 'namedtuple' ? recordFields(value.def).map((f) => value.attrs.get(f) ?? unknown(`field '${f}'`)) : undefined;
      case 'dict':
        return [...value.entries.keys()].map(keyValue);
      case 'str':
        return [...value.v].map((v) => ({ k: 'str', v }) as PyValue);
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
        else if (owner.k === 'object') {
          owner.attrs.set(name, value);
          inPlaceChanges.count++;
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
          const dk = dictKey(key);
          if (dk !== undefined) entries.set(dk, this.eval(v, scope, frame));
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
        if (v.k === 'tensor' && o === '-') return { k: 'tensor', t: this.ops(node).unary('Neg', v.t) };
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
      case 'set':
        // A set of known values behaves like a tuple for `in`, iteration and len().
        return { k: 'tuple', items: this.evalItems(namedChildren(node), scope, frame) };
      case 'dictionary_comprehension':
      case 'set_comprehension':
      case 'list_comprehension':
      case 'generator_expression':
        return this.comprehension(node, scope, frame);
      case 'keyword_argument':
        return unknown('keyword argument outside a call');
      case 'lambda':
        return { k: 'func', def: { name: '<lambda>', node, closure: scope } };
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
    if (name === '__name__') {
      const root = scope.root();
      return { k: 'str', v: root instanceof ModuleScope ? root.moduleName : '__main__' };
    }
    const root = scope.root();
    const star = root instanceof ModuleScope ? root.missingStars[0] : undefined;
    return unknown(`name '${name}' is not defined${star ? ` (a star import found nothing: ${star})` : ''}`);
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
    const entries = new Map<string, PyValue>();
    const inner = new Scope(scope);
    const pairKey = body.type === 'pair' ? child(body, 'key') : undefined;
    const pairValue = body.type === 'pair' ? child(body, 'value') : undefined;
    const run = (i: number): boolean => {
      if (i === clauses.length) {
        if (pairKey && pairValue) {
          // `{k: v for ...}`: keys that are not known end the comprehension like any unknown.
          const key = dictKey(this.eval(pairKey, inner, frame));
          if (key === undefined) return false;
          entries.set(key, this.eval(pairValue, inner, frame));
          return entries.size < MAX_LOOP;
        }
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
    // The value is unknown; a note is made where it is used (a layer list expanded, a size computed).
    if (!run(0)) return unknown(`comprehension '${firstLine(this.text(node))}' is not interpreted`);
    if (pairKey) return { k: 'dict', entries };
    return node.type === 'set_comprehension' ? { k: 'tuple', items: out } : { k: 'list', items: out };
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
    // A subclass of a torch.nn layer (`class SameConv(nn.Conv2d)`): the layer's constructor makes its weights.
    const layer = cls.isModule ? layerBaseOf(cls) : undefined;
    if (layer && name === '__init__') return { k: 'method', self: frame.self, name: `layer.__init__:${layer}` };
    if (layer && name === 'forward') return { k: 'method', self: frame.self, name: 'layer.forward' };
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
          // `self.weight` / `self.bias` are the layer's tensors (the config's `bias` flag says only whether there is one).
          const tensor = this.mode === 'graph' ? layerTensor(this.b, obj, name) : undefined;
          if (tensor !== undefined) return tensor ? { k: 'tensor', t: tensor } : NONE;
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
        if (name === 'apply' && derivesFrom(owner.def, 'torch.autograd.Function')) {
          // A custom autograd Function runs its static `forward(ctx, ...)`; `ctx` only records things for backward.
          const forward = findMethod(owner.def, 'forward');
          if (forward) return { k: 'partial', fn: { k: 'func', def: { name: 'forward', node: forward.node, closure: forward.cls.closure } }, args: [{ k: 'ref', path: 'torch.autograd.ctx' }], kwargs: new Map() };
        }
        return methodValue(owner.def, name, undefined) ?? findClassAttr(owner.def, name) ?? unknown(`${owner.def.name}.${name}`);
      }
      case 'object': {
        const a = owner.attrs.get(name);
        if (a) return a;
        if (owner.def.record === 'namedtuple') {
          if (name === '_replace' || name === '_asdict') return { k: 'method', self: owner, name };
          if (name === '_fields') return { k: 'tuple', items: recordFields(owner.def).map((v) => ({ k: 'str', v }) as PyValue) };
        }
        return methodValue(owner.def, name, owner) ?? findClassAttr(owner.def, name) ?? unknown(`'${owner.def.name}' object has no attribute '${name}'`);
      }
      case 'pymodule':
        return owner.ns.get(name) ?? unknown(`module '${owner.ns.name}' has no attribute '${name}'`);
      case 'tensor': {
        const s = owner.t.shape;
        if (name === 'shape') return s ? { k: 'tuple', items: s.map(dimValue) } : unknown('shape of a tensor whose shape is not known');
        if (name === 'ndim') return s ? int(s.length) : unknown('rank not known');
        // `.data` is the same values without autograd; weight initialisation goes through it.
        if (name === 'data') return owner;
        if (name === 'T' && s) return { k: 'tensor', t: this.ops(at).transpose(owner.t, s.map((_, i) => s.length - 1 - i)) };
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
    if (owner.k === 'object' && owner.def.record === 'namedtuple') {
      const items = this.iterate(owner)!;
      const i = intOf(key);
      return i === undefined ? unknown(`index '${this.text(node)}'`) : items[i < 0 ? items.length + i : i] ?? this.fail(`index ${i} out of range in '${this.text(node)}'`, node);
    }
    if (owner.k === 'str') {
      // Strings index and slice like tuples of characters.
      const chars: PyValue = { k: 'tuple', items: [...owner.v].map((v) => ({ k: 'str', v }) as PyValue) };
      if (key.k === 'slice') {
        const [a, b] = sliceBounds(key, owner.v.length);
        return a === undefined || b === undefined ? unknown('slice') : { k: 'str', v: owner.v.slice(a, b) };
      }
      const i = intOf(key);
      return i === undefined ? unknown(`index '${this.text(node)}'`) : (chars.items[i < 0 ? owner.v.length + i : i] ?? this.fail(`index ${i} out of range in '${this.text(node)}'`, node));
    }
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
    const dk = dictKey(key);
    if (owner.k === 'dict' && dk !== undefined) return owner.entries.get(dk) ?? unknown(`KeyError: ${String(describe(key))}`);
    if (owner.k === 'module' && key.k === 'str' && containerOf(owner.obj) === 'ModuleDict') {
      const c = owner.obj.children.get(key.v);
      return c ? { k: 'module', obj: c } : this.fail(`no module '${key.v}' in '${this.text(valueNode)}'`, node);
    }
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
    return { k: 'tensor', t: this.ops(node).unsqueeze(t, newAxes) };
  }

  binaryOp(op: string, a: PyValue, b: PyValue, node: Syn): PyValue {
    return binaryOp(this, op, a, b, node);
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
        return libraryCall(this, fn.path, args, kwargs, node);
      case 'keras': {
        const lambda = this.keras.lambdas.get(fn.layer);
        if (lambda) return this.invoke(lambda, args, kwargs, node);
        return applyKeras(this.keras, this.mode === 'graph' ? this.b : undefined, fn.layer, args[0], this.here(node));
      }
      case 'class':
        return this.instantiate(fn.def, args, kwargs, node);
      case 'func':
        return this.callFunction(fn.def, fn.self ? [fn.self, ...args] : args, kwargs, node);
      case 'module':
        return this.callModule(fn.obj, args, kwargs, node);
      case 'object':
        return this.callObject(fn, args, kwargs, node);
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
    if (this.mode === 'site' && selfArg?.k === 'tensor' && selfArg.t.shape?.every((d) => typeof d === 'number') && !this.functionInputs.has(def.node)) {
      this.functionInputs.set(def.node, selfArg.t.shape as number[]);
    }
    const key = selfArg?.k === 'module' ? `${def.name}:${def.node.range.startLine}:${def.node.range.startColumn}:${selfArg.obj.id}` : def.node;
    return this.enter(key, `'${def.name}'`, node, args, () => this.within(def.closure, node, () => {
      const scope = new Scope(def.closure);
      const params = child(def.node, 'parameters');
      const bound = bindParams(params, args, kwargs, scope, (n, sc) => this.eval(n, sc, {}));
      if (bound) this.fail(`call of '${def.name}': ${bound}`, node);
      const self = args[0];
      const owner = cls ?? (self?.k === 'module' && self.obj.def ? ownerOf(self.obj.def, def.node) : undefined);
      const frame: Frame = { ...(owner ? { cls: owner } : {}), ...(self ? { self } : {}) };
      const body = child(def.node, 'body');
      if (def.node.type === 'lambda') return body ? this.eval(body, scope, frame) : NONE;
      const signal = this.execBlock(body, scope, frame);
      return signal?.kind === 'return' ? signal.value : NONE;
    }));
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
  /** `obj(x)`: `__call__`, or a Keras layer subclass's `build` (once, from the input shape) then `call`. */
  private callObject(obj: Extract<PyValue, { k: 'object' }>, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const dunder = findMethod(obj.def, '__call__');
    if (dunder) return this.callFunction({ name: '__call__', node: dunder.node, closure: dunder.cls.closure }, [obj, ...args], kwargs, node, dunder.cls);
    const call = isKerasLayerClass(obj.def) ? findMethod(obj.def, 'call') : undefined;
    if (!call) return this.fail(`'${obj.def.name}' object is not callable`, node, tensorArgs(args));
    const x = args[0];
    if (this.mode === 'site') {
      const site = this.callSites.find((s) => s.object === obj);
      if (site && x?.k === 'tensor' && x.t.shape?.every((d) => typeof d === 'number') && !site.inputShape) site.inputShape = x.t.shape as number[];
      return { k: 'tensor', t: { name: '', shape: undefined } };
    }
    const build = findMethod(obj.def, 'build');
    if (build && !obj.attrs.has('built')) {
      const s = x?.k === 'tensor' ? x.t.shape : undefined;
      const inputShape: PyValue = s ? { k: 'tuple', items: s.map((d, i) => (i === 0 ? NONE : dimValue(d))) } : unknown('input shape');
      this.callFunction({ name: 'build', node: build.node, closure: build.cls.closure }, [obj, inputShape], new Map(), node, build.cls);
      obj.attrs.set('built', { k: 'bool', v: true });
    }
    return this.callFunction({ name: 'call', node: call.node, closure: call.cls.closure }, [obj, ...args], kwargs, node, call.cls);
  }

  private newObject(def: ClassDef, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const obj: Extract<PyValue, { k: 'object' }> = { k: 'object', def, attrs: new Map() };
    if (this.mode === 'site' && isKerasLayerClass(def)) this.callSites.push({ def, args, kwargs, at: this.here(node), object: obj });
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
    } else {
      // No `__init__` of its own: the library base's constructor (a layer's, a container's) takes the arguments.
      const layer = layerBaseOf(def);
      const container = containerOf({ def });
      if (layer) this.method(self, `layer.__init__:${layer}`, args, kwargs, node);
      else if (container) this.method(self, `${container}.__init__`, args, kwargs, node);
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
        if (obj.layer && !(obj.def && findMethod(obj.def, 'forward'))) {
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

  method(self: PyValue, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const own = builtinMethod(self, name, args, (v) => this.iterate(v));
    if (own) return own;
    if (self.k === 'object' && self.def.record === 'namedtuple' && (name === '_replace' || name === '_asdict')) {
      if (name === '_asdict') return { k: 'dict', entries: new Map(self.attrs) };
      const attrs = new Map(self.attrs);
      for (const [k, v] of kwargs) attrs.set(k, v);
      return { k: 'object', def: self.def, attrs };
    }
    if (self.k === 'object' && name === 'dataclass.__init__') {
      // A subclass's `super().__init__(...)` into the `__init__` @dataclass wrote for its fields.
      recordFields(self.def).forEach((f, i) => {
        const v = args[i] ?? kwargs.get(f) ?? findClassAttr(self.def, f);
        self.attrs.set(f, v ?? unknown(`${self.def.name}() has no value for '${f}'`));
      });
      return NONE;
    }
    if (self.k === 'module') return moduleMethod(this, self.obj, name, args, kwargs, node);
    if (self.k === 'stub') {
      // `model.cuda().eval()` and friends return the model itself.
      if (['cuda', 'cpu', 'to', 'eval', 'train', 'float', 'half', 'requires_grad_'].includes(name)) return self;
      return unknown(`${self.def.name}.${name}() at top level`);
    }
    if (self.k !== 'tensor') return this.fail(`method '${name}' of a value that is not known`, node, tensorArgs(args));
    return tensorMethod(this, self.t, self, name, args, kwargs, node);
  }
}

// ---------------------------------------------------------------- helpers

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
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

/** A `keras.layers.Layer` (or `keras.Model`) subclass: built from its input shape, then called. */
export function isKerasLayerClass(def: ClassDef, seen = new Set<ClassDef>()): boolean {
  if (seen.has(def)) return false;
  seen.add(def);
  return def.bases.some((b) => (b.k === 'ref' && /^(keras|tensorflow\.keras|tf\.keras)\.(layers\.Layer|Layer|Model|models\.Model)$/.test(b.path)) || (b.k === 'class' && isKerasLayerClass(b.def, seen)));
}

/** Whether a class derives (through classes of the program) from the library class at `path`. */
function derivesFrom(def: ClassDef, path: string, seen = new Set<ClassDef>()): boolean {
  if (seen.has(def)) return false;
  seen.add(def);
  return def.bases.some((b) => (b.k === 'ref' && (b.path === path || b.path.replace(/\.function\./, '.') === path)) || (b.k === 'class' && derivesFrom(b.def, path, seen)));
}

/** Reads a class statement; bases and class attributes are evaluated by a small probe with its own budget. */
export function readClass(node: Syn, scope: Scope, directive?: number[], decorators: readonly string[] = [], program?: PythonProgram): ClassDef | undefined {
  const probe = new PyInterpreter(new GraphBuilder('class'), 'site', 10_000, program);
  const evaluate = (n: Syn, s: Scope): PyValue => {
    try {
      return probe.eval(n, s, {});
    } catch (e) {
      if (e instanceof BudgetExceeded) return unknown(`'${firstLine(textOf(n))}' ran past its step budget`);
      throw e;
    }
  };
  return readClassWith(evaluate, node, scope, directive, decorators);
}
