import type { SourceRange } from '../../ir/graph.js';
import type { DefaultInput } from '../analysis.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import type { TypeScriptModules } from '../modules/typescript-modules.js';
import { child, namedChildren, Syn, textOf } from '../syntax.js';
import { applyLayer, TfLayerError, type TfLayer } from './layers.js';
import { construct, findMethod, layerConfig, readClass, runConstructor } from './classes.js';
import { applyCustomLayer, customLayerMethod, isLayerClass, layerName } from './custom-layers.js';
import { TsModuleLinker } from './module-linker.js';
import { instanceOf, isTypeNode, keyText, patternPositions, typeOf } from './syntax-values.js';
import { callLibrary, libraryMember, libraryMethod } from './tf-library.js';
import {
  binary, firstLine, numV, strV, tensorsOf, textValue, truthy, TsScope, UNDEF, unknown,
  type TfModel, type TfSequential, type TsClass, type TsFunc, type TsValue,
} from './values.js';

export { TsScope, truthy };
export type { TfModel, TfSequential, TsClass, TsFunc, TsValue };

/** What every interpreter of one analysis shares: its limits, the other files, the default input. */
export interface TsRun {
  /** Steps per interpreter (one unit). */
  readonly maxSteps: number;
  /** Steps over all interpreters of the analysis, so that many entry points cannot add up to a hang. */
  readonly shared: { steps: number; readonly limit: number };
  readonly modules?: TypeScriptModules | undefined;
  /** For `tf.input` shapes the code does not give (builders nobody calls); absent: such inputs stay unknown. */
  readonly defaultInput?: DefaultInput | undefined;
  /** The entry's `se-lens: input=[…]` comment: wins over the default for such inputs. */
  readonly inputDirective?: number[] | undefined;
}

/** The first call of a function of the program, with the argument values it got. */
export interface TsCallSite {
  readonly def: TsFunc;
  readonly args: TsValue[];
}

/** The first `new C(...)` of a class of the program: its constructor arguments. */
export interface TsNewSite {
  readonly cls: TsClass;
  readonly args: TsValue[];
}

export class TsBudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
}

export type Signal = { readonly kind: 'return'; readonly value: TsValue } | { readonly kind: 'break' } | { readonly kind: 'continue' } | undefined;

const MAX_DEPTH = 48;
const ANONYMOUS = '<anonymous>';
const FUNCTION_NODES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
const MAX_LOOP = 4096;

/**
 * Abstract interpreter for TF.js code, TypeScript or JavaScript: numbers, strings and option objects
 * are computed, `tf.input` gives symbolic tensors (batch 1), `tf.layers.*` layer objects whose `apply`
 * becomes channels-last IR, calls are followed into the program's functions with their arguments.
 * Library knowledge lives in `tf-library.ts`, custom layers in `custom-layers.ts`, other files are
 * found through `TypeScriptModules`.
 */
export class TsInterpreter {
  steps = 0;
  private depth = 0;
  private nextLayerId = 0;
  private readonly layerNames = new Map<string, number>();
  private readonly active = new Set<Syn>();
  private readonly callCounts = new Map<string, number>();
  /** Where each call path was entered: the call of its last segment, in the document. */
  readonly callPaths = new Map<string, SourceRange>();
  readonly layers: TfLayer[] = [];
  readonly sequentials: TfSequential[] = [];
  readonly models: TfModel[] = [];
  readonly callSites: TsCallSite[] = [];
  readonly newSites: TsNewSite[] = [];
  /** Function bodies this interpreter ran: helpers reached from an entry point. */
  readonly reached = new Set<Syn>();
  /** Set while a declarator's value is evaluated, to name `tf.model`/`tf.sequential` after the variable. */
  declaring: string | undefined;
  /** The variable a function expression is the whole value of (`const f = () => ...`): its name. */
  private functionName: string | undefined;
  recordLines: { readonly startLine: number; readonly endLine: number } | undefined;
  readonly lineShapes = new Map<number, { names: string[]; shapes: (TensorRef['shape'])[] }>();
  private readonly linker = new TsModuleLinker(this);
  /** Notes made by `contextFail`. */
  readonly contextNotes: { readonly note: string; readonly range: SourceRange }[] = [];
  /** The file whose code runs now; undefined for the analysed document. */
  private currentFile: string | undefined;
  /** Where the document called into another file: that file's nodes are shown there. */
  private documentSite: SourceRange | undefined;
  /** The function of the program running now (undefined at top level): the creator of the models it makes. */
  currentFunction: Syn | undefined;

  /** Inputs whose shape the code did not give (`tf.input({shape: inputShape})` of a builder nobody calls): the default was used. */
  readonly defaultedInputs = new Map<string, 'default' | 'comment'>();

  readonly modules: TypeScriptModules | undefined;
  readonly defaultInput: DefaultInput | undefined;
  readonly inputDirective: number[] | undefined;
  private readonly maxSteps: number;
  private readonly shared: { steps: number; readonly limit: number };

  constructor(readonly b: GraphBuilder, run: TsRun) {
    this.maxSteps = run.maxSteps;
    this.modules = run.modules;
    this.defaultInput = run.defaultInput;
    this.inputDirective = run.inputDirective;
    this.shared = run.shared;
  }

  tick(): void {
    this.shared.steps++;
    if (++this.steps > this.maxSteps || this.shared.steps > this.shared.limit) throw new TsBudgetExceeded('step budget exceeded');
  }

  /** The document range for a node: inside another file, the document's call into it. */
  here(at: Syn | SourceRange): SourceRange {
    if (this.currentFile !== undefined && this.documentSite) return this.documentSite;
    return at instanceof Syn ? at.range : at;
  }

  /**
   * A note about the program's context (an import not resolved, an environment variable): it concerns
   * every model the code makes, so units made by other interpreters repeat it.
   */
  contextFail(note: string, at: Syn): TsValue {
    const v = this.fail(note, at);
    const where = this.currentFile === undefined ? note : `${note} (in ${this.currentFile})`;
    if (!this.contextNotes.some((n) => n.note === where && n.range.startLine === at.range.startLine)) this.contextNotes.push({ note: where, range: this.here(at) });
    return v;
  }

  fail(note: string, at: Syn | SourceRange, inputs: TensorRef[] = []): TsValue {
    const where = this.currentFile === undefined ? note : `${note} (in ${this.currentFile})`;
    const range = this.here(at);
    if (inputs.length > 0) return { k: 'tensor', t: this.b.unknown(where, range, inputs) };
    this.b.note(where, range);
    return unknown(note);
  }

  // ------------------------------------------------------------ statements

  execBlock(nodes: readonly Syn[], scope: TsScope): Signal {
    // Function declarations are hoisted.
    for (const s of nodes) {
      const decl = s.type === 'export_statement' ? child(s, 'declaration') : s;
      if (decl?.type === 'function_declaration' || decl?.type === 'generator_function_declaration') this.declareFunction(decl, scope);
    }
    for (const s of nodes) {
      const signal = this.exec(s, scope);
      if (signal) return signal;
    }
    return undefined;
  }

  private declareFunction(s: Syn, scope: TsScope): void {
    const name = child(s, 'name');
    if (name) scope.declare(textOf(name), { k: 'func', def: this.func(textOf(name), s, scope) });
  }

  func(name: string, node: Syn, closure: TsScope, extra: Partial<TsFunc> = {}): TsFunc {
    return { name, node, closure, ...(this.currentFile !== undefined ? { file: this.currentFile } : {}), ...extra };
  }

  exec(s: Syn, scope: TsScope): Signal {
    this.tick();
    switch (s.type) {
      case 'lexical_declaration':
      case 'variable_declaration':
        for (const d of namedChildren(s)) {
          if (d.type !== 'variable_declarator') continue;
          const name = child(d, 'name');
          const value = child(d, 'value');
          if (!name) continue;
          const saved = this.declaring;
          this.declaring = name.type === 'identifier' ? textOf(name) : undefined;
          if (value && FUNCTION_NODES.has(value.type)) this.functionName = this.declaring;
          const v = value ? this.eval(value, scope) : UNDEF;
          this.declaring = saved;
          this.bind(name, v, scope, true);
          this.record(d, [textOf(name)], v);
        }
        return undefined;
      case 'expression_statement': {
        const e = namedChildren(s)[0];
        if (e) this.eval(e, scope);
        return undefined;
      }
      case 'return_statement': {
        const e = namedChildren(s)[0];
        const v = e ? this.eval(e, scope) : UNDEF;
        this.record(s, ['return'], v);
        return { kind: 'return', value: v };
      }
      case 'if_statement': {
        const cond = child(s, 'condition');
        let c = cond ? truthy(this.eval(cond, scope)) : undefined;
        const alt = child(s, 'alternative');
        if (c === undefined) {
          // A guard that throws (`if (x.shape.length !== 4) throw ...`) is assumed to pass; another branch is taken.
          const consequence = child(s, 'consequence');
          const guard = consequence !== undefined && (consequence.type === 'throw_statement' || (consequence.type === 'statement_block' && namedChildren(consequence)[0]?.type === 'throw_statement'));
          c = !guard;
          this.fail(`condition '${cond ? firstLine(textOf(cond)) : ''}' is not known; ${guard ? 'its guard was assumed to pass' : 'its branch was assumed'}`, cond ?? s);
        }
        if (c) {
          const body = child(s, 'consequence');
          return body ? this.exec(body, new TsScope(scope)) : undefined;
        }
        const other = alt ? namedChildren(alt)[0] : undefined;
        return other ? this.exec(other, new TsScope(scope)) : undefined;
      }
      case 'statement_block':
        return this.execBlock(namedChildren(s), new TsScope(scope));
      case 'for_in_statement':
        return this.forOf(s, scope);
      case 'for_statement':
        return this.forLoop(s, scope);
      case 'while_statement':
        return this.whileLoop(s, scope);
      case 'function_declaration':
      case 'generator_function_declaration':
        this.declareFunction(s, scope);
        return undefined;
      case 'export_statement':
        return this.linker.exportStatement(s, scope);
      case 'import_statement':
        this.linker.importStatement(s, scope);
        return undefined;
      case 'break_statement':
        return { kind: 'break' };
      case 'continue_statement':
        return { kind: 'continue' };
      case 'class_declaration':
      case 'abstract_class_declaration': {
        const cls = readClass(this, s, scope);
        if (cls) scope.declare(cls.name, { k: 'class', cls });
        return undefined;
      }
      case 'throw_statement':
        return { kind: 'return', value: this.fail(`'${firstLine(textOf(s))}' stops this path`, s) };
      case 'try_statement': {
        const body = child(s, 'body');
        return body ? this.exec(body, scope) : undefined;
      }
      case 'enum_declaration': {
        const name = child(s, 'name');
        if (name) scope.declare(textOf(name), this.enumValue(s, scope));
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
        this.fail(`cannot read '${firstLine(textOf(s))}' (syntax error)`, s);
        return undefined;
      default:
        this.fail(`statement '${firstLine(textOf(s))}' is not interpreted`, s);
        return undefined;
    }
  }

  /** `enum Act { Relu = 'relu', Sigmoid }`: an object of its members, numbers counting on from the last one. */
  private enumValue(s: Syn, scope: TsScope): TsValue {
    const props = new Map<string, TsValue>();
    const body = child(s, 'body');
    let next = 0;
    for (const m of body ? body.children.filter((c) => c.named) : []) {
      const key = m.type === 'enum_assignment' ? child(m, 'name') : m;
      const value = m.type === 'enum_assignment' ? child(m, 'value') : undefined;
      if (!key || key.type === 'comment') continue;
      const v = value ? this.eval(value, scope) : numV(next);
      if (v.k === 'num') next = v.v + 1;
      props.set(keyText(key), v);
    }
    return { k: 'obj', props };
  }

  private forOf(s: Syn, scope: TsScope): Signal {
    const left = child(s, 'left');
    const right = child(s, 'right');
    const op = child(s, 'operator');
    const body = child(s, 'body');
    if (!left || !right || !body) return undefined;
    const v = this.eval(right, scope);
    const of = op !== undefined && textOf(op) === 'of';
    let items: TsValue[] | undefined;
    if (of && v.k === 'arr') items = v.items;
    else if (!of && v.k === 'obj') items = [...v.props.keys()].map(strV);
    else if (!of && v.k === 'arr') items = v.items.map((_, i) => strV(String(i)));
    if (!items) {
      this.fail(`loop over '${firstLine(textOf(right))}' is not interpreted`, right);
      return undefined;
    }
    for (const item of items.slice(0, MAX_LOOP)) {
      const inner = new TsScope(scope);
      this.bind(left, item, inner, true);
      const signal = this.exec(body, inner);
      if (signal?.kind === 'break') break;
      if (signal?.kind === 'return') return signal;
    }
    return undefined;
  }

  private forLoop(s: Syn, scope: TsScope): Signal {
    const inner = new TsScope(scope);
    const init = child(s, 'initializer');
    const cond = child(s, 'condition');
    const inc = child(s, 'increment');
    const body = child(s, 'body');
    if (init) {
      if (init.type.endsWith('declaration')) this.exec(init, inner);
      else if (init.type !== 'empty_statement') this.eval(init, inner);
    }
    return this.loop(s, inner, cond, body, inc);
  }

  private whileLoop(s: Syn, scope: TsScope): Signal {
    return this.loop(s, new TsScope(scope), child(s, 'condition'), child(s, 'body'), undefined);
  }

  private loop(s: Syn, inner: TsScope, cond: Syn | undefined, body: Syn | undefined, inc: Syn | undefined): Signal {
    for (let i = 0; i < MAX_LOOP; i++) {
      if (cond && cond.type !== 'empty_statement' && cond.type !== ';') {
        const expr = cond.type === 'expression_statement' ? namedChildren(cond)[0] ?? cond : cond;
        const c = truthy(this.eval(expr, inner));
        if (c === undefined) {
          this.fail(`loop condition '${firstLine(textOf(cond))}' is not known`, cond);
          return undefined;
        }
        if (!c) return undefined;
      }
      const signal = body ? this.exec(body, new TsScope(inner)) : undefined;
      if (signal?.kind === 'break') return undefined;
      if (signal?.kind === 'return') return signal;
      if (inc) this.eval(inc, inner);
    }
    this.fail(`loop did not end within ${MAX_LOOP} iterations`, s);
    return undefined;
  }

  /** Shapes per line inside functions of the document (top-level lines, as before whole-program analysis, get none). */
  private record(node: Syn, names: string[], v: TsValue): void {
    if (!this.recordLines || this.currentFile !== undefined || this.depth === 0) return;
    const line = node.range.startLine;
    if (line < this.recordLines.startLine || line > this.recordLines.endLine || this.lineShapes.has(line)) return;
    const ts = tensorsOf(v);
    if (ts.length) this.lineShapes.set(line, { names, shapes: ts.map((t) => t.shape) });
  }

  bind(target: Syn, v: TsValue, scope: TsScope, declare: boolean): void {
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
            if (id) this.bind(id, v.k === 'arr' ? { k: 'arr', items: v.items.slice(at) } : unknown('destructuring'), scope, declare);
          } else if (v.k === 'tensor' && at === 0) this.bind(t, v, scope, declare);
          else this.bind(t, v.k === 'arr' ? v.items[at] ?? UNDEF : v.k === 'unknown' ? v : unknown(`destructuring of '${firstLine(textOf(target))}'`), scope, declare);
        });
        return;
      }
      case 'object_pattern':
        for (const p of namedChildren(target)) {
          if (p.type === 'shorthand_property_identifier_pattern') this.bind(p, this.member(v, textOf(p)), scope, declare);
          else if (p.type === 'pair_pattern') {
            const key = child(p, 'key');
            const value = child(p, 'value');
            if (key && value) this.bind(value, this.member(v, keyText(key)), scope, declare);
          } else if (p.type === 'object_assignment_pattern') {
            const left = child(p, 'left');
            const right = child(p, 'right');
            if (!left) continue;
            const found = this.member(v, textOf(left));
            this.bind(left, found.k !== 'undef' ? found : right ? this.eval(right, scope) : UNDEF, scope, declare);
          } else if (p.type === 'rest_pattern') {
            const id = namedChildren(p)[0];
            if (id) this.bind(id, v, scope, declare);
          }
        }
        return;
      case 'assignment_pattern': {
        const left = child(target, 'left');
        const right = child(target, 'right');
        if (left) this.bind(left, v.k === 'undef' && right ? this.eval(right, scope) : v, scope, declare);
        return;
      }
      case 'member_expression': {
        const obj = child(target, 'object');
        const p = child(target, 'property');
        if (obj && p) {
          const o = this.eval(obj, scope);
          if (o.k === 'obj' || o.k === 'instance') o.props.set(textOf(p), v);
        }
        return;
      }
      case 'subscript_expression': {
        const obj = child(target, 'object');
        const idx = child(target, 'index');
        if (!obj || !idx) return;
        const o = this.eval(obj, scope);
        const i = this.eval(idx, scope);
        if (o.k === 'arr' && i.k === 'num') o.items[i.v] = v;
        else if ((o.k === 'obj' || o.k === 'instance') && (i.k === 'str' || i.k === 'num')) o.props.set(String(i.v), v);
        return;
      }
      case 'parenthesized_expression':
      case 'non_null_expression': {
        const inner = namedChildren(target)[0];
        if (inner) this.bind(inner, v, scope, declare);
        return;
      }
      default:
        return;
    }
  }

  // ------------------------------------------------------------ expressions

  eval(n: Syn, scope: TsScope): TsValue {
    this.tick();
    switch (n.type) {
      case 'number': {
        const v = Number(textOf(n).replace(/_/g, ''));
        return Number.isFinite(v) ? numV(v) : unknown('number');
      }
      case 'string': {
        let s = '';
        for (const c of n.children) if (c.type === 'string_fragment' || c.type === 'escape_sequence') s += c.type === 'escape_sequence' ? unescape(textOf(c)) : textOf(c);
        return strV(s);
      }
      case 'template_string': {
        let s = '';
        for (const c of n.children) {
          if (c.type === 'string_fragment' || c.type === 'escape_sequence') s += c.type === 'escape_sequence' ? unescape(textOf(c)) : textOf(c);
          else if (c.type === 'template_substitution') {
            const e = namedChildren(c)[0];
            const t = e ? textValue(this.eval(e, scope)) : undefined;
            if (t === undefined) return unknown(`template string '${firstLine(textOf(n))}'`);
            s += t;
          }
        }
        return strV(s);
      }
      case 'true':
        return { k: 'bool', v: true };
      case 'false':
        return { k: 'bool', v: false };
      case 'null':
        return { k: 'null' };
      case 'undefined':
        return UNDEF;
      case 'identifier': {
        const name = textOf(n);
        const v = scope.get(name);
        if (v) return v;
        if (name === 'undefined') return UNDEF;
        if (GLOBALS.has(name)) return { k: 'ref', path: name };
        return unknown(`'${name}' is not defined`);
      }
      case 'parenthesized_expression':
      case 'as_expression':
      case 'satisfies_expression':
      case 'non_null_expression':
      case 'type_assertion': {
        const inner = namedChildren(n).find((c) => !isTypeNode(c));
        return inner ? this.eval(inner, scope) : unknown('empty expression');
      }
      case 'sequence_expression': {
        let last: TsValue = UNDEF;
        for (const c of namedChildren(n)) last = this.eval(c, scope);
        return last;
      }
      case 'array': {
        const items: TsValue[] = [];
        for (const c of namedChildren(n)) {
          if (c.type === 'spread_element') {
            const inner = namedChildren(c)[0];
            const v = inner ? this.eval(inner, scope) : UNDEF;
            if (v.k === 'arr') items.push(...v.items);
            else items.push(unknown('spread'));
          } else items.push(this.eval(c, scope));
        }
        return { k: 'arr', items };
      }
      case 'object': {
        const props = new Map<string, TsValue>();
        for (const c of namedChildren(n)) {
          if (c.type === 'pair') {
            const key = child(c, 'key');
            const value = child(c, 'value');
            if (!key || !value) continue;
            let k: TsValue;
            if (key.type === 'computed_property_name') {
              const e = namedChildren(key)[0];
              k = e ? this.eval(e, scope) : UNDEF;
            } else k = strV(keyText(key));
            const text = textValue(k);
            if (text !== undefined) props.set(text, this.eval(value, scope));
          } else if (c.type === 'shorthand_property_identifier') {
            props.set(textOf(c), this.eval(c.as('identifier'), scope));
          } else if (c.type === 'spread_element') {
            const inner = namedChildren(c)[0];
            const v = inner ? this.eval(inner, scope) : UNDEF;
            if (v.k === 'obj' || v.k === 'instance') for (const [k, x] of v.props) props.set(k, x);
          } else if (c.type === 'method_definition') {
            const name = child(c, 'name');
            if (name) props.set(keyText(name), { k: 'func', def: this.func(keyText(name), c, scope) });
          }
        }
        return { k: 'obj', props };
      }
      case 'member_expression': {
        const obj = child(n, 'object');
        const prop = child(n, 'property');
        if (!obj || !prop) return unknown('incomplete member');
        if (obj.type === 'super') return this.superMember(scope, textOf(prop));
        const o = this.eval(obj, scope);
        if ((o.k === 'undef' || o.k === 'null') && n.children.some((c) => c.field === 'optional_chain' || c.type === 'optional_chain')) return UNDEF;
        return this.member(o, textOf(prop), n);
      }
      case 'subscript_expression': {
        const obj = child(n, 'object');
        const idx = child(n, 'index');
        if (!obj || !idx) return unknown('incomplete subscript');
        const o = this.eval(obj, scope);
        const i = this.eval(idx, scope);
        if (o.k === 'arr' && i.k === 'num') return o.items[i.v < 0 ? NaN : i.v] ?? UNDEF;
        // A layer's `call(inputs)` gets a list of tensors in TF.js models and a tensor when applied eagerly: `inputs[0]` is read as either.
        if (o.k === 'tensor' && i.k === 'num' && i.v === 0) return o;
        if (o.k === 'str' && i.k === 'num') return o.v[i.v] === undefined ? UNDEF : strV(o.v[i.v]!);
        const key = textValue(i);
        if (key !== undefined && o.k !== 'arr') return this.member(o, key, n);
        if (o.k === 'unknown') return o;
        return unknown(`'${firstLine(textOf(n))}'`);
      }
      case 'call_expression':
        return this.call(n, scope);
      case 'new_expression': {
        const ctor = child(n, 'constructor');
        const argsNode = child(n, 'arguments');
        const c = ctor ? this.eval(ctor, scope) : UNDEF;
        const args = argsNode ? this.evalArgs(argsNode, scope) : [];
        if (c.k === 'class') return construct(this, c.cls, args, n);
        if (c.k === 'ref') return callLibrary(this, `new ${c.path}`, args, n);
        return this.fail(`'new ${ctor ? firstLine(textOf(ctor)) : ''}' is not interpreted`, n);
      }
      case 'arrow_function':
      case 'function_expression':
      case 'function':
      case 'generator_function': {
        const name = child(n, 'name');
        const given = this.functionName;
        this.functionName = undefined;
        return { k: 'func', def: this.func(name ? textOf(name) : given ?? ANONYMOUS, n, scope) };
      }
      case 'class': {
        const cls = readClass(this, n, scope, this.declaring);
        return cls ? { k: 'class', cls } : unknown('class expression');
      }
      case 'binary_expression': {
        const l = child(n, 'left');
        const r = child(n, 'right');
        const op = child(n, 'operator');
        if (!l || !r || !op) return unknown('incomplete expression');
        const o = textOf(op);
        const lv = this.eval(l, scope);
        if (o === '&&' || o === '||' || o === '??') {
          const t = o === '??' ? (lv.k === 'unknown' ? undefined : lv.k !== 'null' && lv.k !== 'undef') : truthy(lv);
          if (t === undefined) return unknown(`'${firstLine(textOf(n))}'`);
          if (o === '&&') return t ? this.eval(r, scope) : lv;
          return t ? lv : this.eval(r, scope);
        }
        if (o === 'instanceof') return instanceOf(lv, this.eval(r, scope));
        if (o === 'in') {
          const obj = this.eval(r, scope);
          return lv.k === 'str' && (obj.k === 'obj' || obj.k === 'instance') ? { k: 'bool', v: obj.props.has(lv.v) } : unknown("'in'");
        }
        return binary(o, lv, this.eval(r, scope));
      }
      case 'unary_expression': {
        const arg = child(n, 'argument');
        const op = child(n, 'operator');
        if (!arg || !op) return unknown('incomplete expression');
        const v = this.eval(arg, scope);
        switch (textOf(op)) {
          case '-':
            return v.k === 'num' ? numV(-v.v) : unknown('-');
          case '+':
            return v.k === 'num' ? v : v.k === 'str' && v.v.trim() !== '' && !Number.isNaN(Number(v.v)) ? numV(Number(v.v)) : unknown('+');
          case '!': {
            const t = truthy(v);
            return t === undefined ? unknown('!') : { k: 'bool', v: !t };
          }
          case 'typeof':
            return typeOf(v);
          case 'void':
            return UNDEF;
          default:
            return unknown(textOf(op));
        }
      }
      case 'ternary_expression': {
        const c = child(n, 'condition');
        const a = child(n, 'consequence');
        const b = child(n, 'alternative');
        const t = c ? truthy(this.eval(c, scope)) : undefined;
        if (t === undefined || !a || !b) return this.fail(`condition '${c ? firstLine(textOf(c)) : ''}' is not known`, n);
        return this.eval(t ? a : b, scope);
      }
      case 'assignment_expression': {
        const l = child(n, 'left');
        const r = child(n, 'right');
        if (!l || !r) return unknown('incomplete assignment');
        const saved = this.declaring;
        if (l.type === 'identifier') this.declaring = textOf(l);
        else if (l.type === 'member_expression') this.declaring = textOf(child(l, 'property') ?? l);
        const v = this.eval(r, scope);
        this.declaring = saved;
        this.bind(l, v, scope, false);
        this.record(n, [textOf(l)], v);
        return v;
      }
      case 'augmented_assignment_expression': {
        const l = child(n, 'left');
        const r = child(n, 'right');
        const op = child(n, 'operator');
        if (!l || !r || !op) return unknown('incomplete assignment');
        const o = textOf(op).slice(0, -1);
        const lv = this.eval(l, scope);
        let v: TsValue;
        if (o === '||' || o === '&&' || o === '??') {
          const t = o === '??' ? lv.k !== 'null' && lv.k !== 'undef' : truthy(lv);
          v = (o === '&&' ? !t : t) ? lv : this.eval(r, scope);
        } else v = binary(o, lv, this.eval(r, scope));
        this.bind(l, v, scope, false);
        return v;
      }
      case 'update_expression': {
        const arg = child(n, 'argument');
        const op = child(n, 'operator');
        if (!arg || !op) return unknown('update');
        const v = this.eval(arg, scope);
        if (v.k !== 'num') return unknown('update of a value that is not a number');
        const next = numV(v.v + (textOf(op) === '++' ? 1 : -1));
        this.bind(arg, next, scope, false);
        return textOf(n).startsWith(textOf(op)) ? next : v;
      }
      case 'this':
        return scope.get('this') ?? unknown('this');
      case 'await_expression': {
        const inner = namedChildren(n)[0];
        return inner ? this.eval(inner, scope) : UNDEF;
      }
      case 'regex':
        return unknown('regular expression');
      case 'ERROR':
        return unknown(`cannot read '${firstLine(textOf(n))}'`);
      default:
        return unknown(`'${firstLine(textOf(n))}' is not interpreted`);
    }
  }

  /** `o.name`: data, methods of library objects and of the program's classes. */
  member(o: TsValue, name: string, at?: Syn): TsValue {
    switch (o.k) {
      case 'ref':
        return libraryMember(this, o.path, name, at);
      case 'obj':
        return o.props.get(name) ?? (OBJECT_METHODS.has(name) ? { k: 'method', self: o, name } : UNDEF);
      case 'arr':
        if (name === 'length') return numV(o.items.length);
        return { k: 'method', self: o, name };
      case 'str':
        if (name === 'length') return numV(o.v.length);
        return { k: 'method', self: o, name };
      case 'num':
        return { k: 'method', self: o, name };
      case 'tensor':
      case 'weight': {
        const s = o.t.shape;
        if (name === 'shape') {
          if (!s) return unknown('shape is not known');
          // A symbolic tensor reports its batch dimension as null; a weight has none.
          return { k: 'arr', items: s.map((d, i) => (i === 0 && o.k === 'tensor' ? { k: 'null' } : typeof d === 'number' ? numV(d) : unknown('dimension'))) };
        }
        if (name === 'rank') return s ? numV(s.length) : unknown('rank');
        if (name === 'name') return strV(o.t.name);
        return { k: 'method', self: o, name };
      }
      case 'layer':
        if (name === 'name') return strV(o.layer.name);
        return { k: 'method', self: o, name };
      case 'seq':
      case 'model':
        if (name === 'layers' && o.k === 'seq') return { k: 'arr', items: [...o.seq.layers] };
        return { k: 'method', self: o, name };
      case 'instance': {
        const p = o.props.get(name);
        if (p) return p;
        const m = findMethod(o.cls, name);
        // Named after the method: a call path reads `block_1.se`, as a module path would.
        const def = m ? this.func(name, m.node, m.cls.closure, { self: o, owner: m.cls, ...(m.cls.file !== undefined ? { file: m.cls.file } : {}) }) : undefined;
        if (def && m!.cls.getters.has(name)) return at ? this.callFunction(def, [], at, true) : unknown(`getter '${name}'`);
        if (def) return { k: 'func', def };
        if (isLayerClass(o.cls)) return name === 'name' ? strV(layerName(this, o)) : { k: 'method', self: o, name };
        return UNDEF;
      }
      case 'class': {
        const staticValue = o.cls.statics.get(name);
        if (staticValue) return staticValue;
        const m = findMethod(o.cls, name);
        if (!m) return UNDEF;
        const def = this.func(name, m.node, m.cls.closure, { self: o, owner: m.cls });
        return m.cls.getters.has(name) ? (at ? this.callFunction(def, [], at, true) : unknown(`getter '${name}'`)) : { k: 'func', def };
      }
      case 'unknown':
        return o;
      case 'undef':
      case 'null':
        // An absent options object: its fields read as absent, so that the defaults written after them apply.
        return UNDEF;
      default:
        return unknown(`property '${name}'`);
    }
  }

  private superMember(scope: TsScope, name: string): TsValue {
    const self = scope.get('this');
    const owner = scope.get('%owner');
    const base = owner?.k === 'class' ? owner.cls.base : undefined;
    if (base?.k === 'class' && self) {
      const m = findMethod(base.cls, name);
      if (m) return { k: 'func', def: this.func(base.cls.name, m.node, m.cls.closure, { self, owner: m.cls }) };
    }
    // Methods of tf.layers.Layer itself (`super.build(inputShape)`, `super.getConfig()`).
    return { k: 'ref', path: `super.${name}` };
  }

  evalArgs(argsNode: Syn, scope: TsScope): TsValue[] {
    const args: TsValue[] = [];
    for (const a of namedChildren(argsNode)) {
      if (a.type === 'spread_element') {
        const inner = namedChildren(a)[0];
        const v = inner ? this.eval(inner, scope) : UNDEF;
        if (v.k === 'arr') args.push(...v.items);
        else args.push(unknown('spread'));
      } else args.push(this.eval(a, scope));
    }
    return args;
  }

  private call(n: Syn, scope: TsScope): TsValue {
    const fnNode = child(n, 'function');
    const argsNode = child(n, 'arguments');
    if (!fnNode) return unknown('incomplete call');
    if (fnNode.type === 'import') return this.fail('dynamic import() is not interpreted', n);
    if (fnNode.type === 'super') {
      const self = scope.get('this');
      const owner = scope.get('%owner');
      const base = owner?.k === 'class' ? owner.cls.base : undefined;
      const args = argsNode ? this.evalArgs(argsNode, scope) : [];
      if (base?.k === 'class' && self?.k === 'instance') runConstructor(this, base.cls, self, args, n);
      else if (self?.k === 'instance') layerConfig(self, args[0]);
      return UNDEF;
    }
    const fn = this.eval(fnNode, scope);
    if ((fn.k === 'undef' || fn.k === 'null') && n.children.some((c) => c.type === 'optional_chain')) return UNDEF;
    // Promise plumbing of an async entry (`main().catch(console.error)`): nothing for the model.
    const property = fnNode.type === 'member_expression' ? child(fnNode, 'property') : undefined;
    if (property && fn.k === 'undef' && PROMISE_METHODS.has(textOf(property))) return UNDEF;
    const args = argsNode ? (argsNode.type === 'template_string' ? [this.eval(argsNode, scope)] : this.evalArgs(argsNode, scope)) : [];
    return this.invoke(fn, args, n);
  }

  invoke(fn: TsValue, args: TsValue[], n: Syn): TsValue {
    switch (fn.k) {
      case 'ref':
        return callLibrary(this, fn.path, args, n);
      case 'func':
        return this.callFunction(fn.def, args, n);
      case 'method':
        return this.method(fn.self, fn.name, args, n);
      case 'class':
        return this.fail(`class '${fn.cls.name}' called without new`, n, args.flatMap(tensorsOf));
      default:
        // An unknown callee was reported where it came from; its call only needs the node.
        if (fn.k === 'unknown') return this.fail(fn.why, n, args.flatMap(tensorsOf));
        return this.fail(`cannot call '${firstLine(textOf(child(n, 'function') ?? n))}'`, n, args.flatMap(tensorsOf));
    }
  }

  /**
   * Calls a function of the program. Nodes made inside a nested call get the call path as their scope
   * (`squeezeExcite`, `convBlock_1.squeezeExcite`): the TF.js counterpart of a module path, one per
   * call site, so that a helper called twice gives two blocks. The unit's own function (`root`) adds none.
   */
  callFunction(def: TsFunc, args: TsValue[], n: Syn, root = false): TsValue {
    // An anonymous callback (`widths.forEach((f, i) => ...)`) adds no segment: its calls are the caller's.
    if (root || def.name === ANONYMOUS) return this.runFunction(def, args, n);
    return this.within(def.name, n, () => this.runFunction(def, args, n));
  }

  /** Runs `body` under a fresh call path `<parent>.<name>[_k]`, made by the call at `at`. */
  within<T>(name: string, at: Syn, body: () => T): T {
    const base = this.b.scope ? `${this.b.scope}.${name}` : name;
    const k = this.callCounts.get(base) ?? 0;
    this.callCounts.set(base, k + 1);
    const path = k === 0 ? base : `${base}_${k}`;
    this.callPaths.set(path, this.here(at));
    return this.b.within(path, body);
  }

  private runFunction(def: TsFunc, args: TsValue[], n: Syn): TsValue {
    if (this.active.has(def.node)) return this.fail(`recursive call of '${def.name}' is not interpreted`, n, args.flatMap(tensorsOf));
    if (this.depth >= MAX_DEPTH) return this.fail(`calls nested deeper than ${MAX_DEPTH} are not interpreted`, n, args.flatMap(tensorsOf));
    if (!this.callSites.some((s) => s.def.node === def.node)) this.callSites.push({ def, args });
    this.reached.add(def.node);
    this.active.add(def.node);
    this.depth++;
    const savedFile = this.currentFile;
    const savedSite = this.documentSite;
    const savedFunction = this.currentFunction;
    if (this.currentFile === undefined && def.file !== undefined) this.documentSite = n.range;
    this.currentFile = def.file;
    this.currentFunction = def.node;
    try {
      const scope = new TsScope(def.closure);
      if (def.self) scope.declare('this', def.self);
      if (def.owner) scope.declare('%owner', { k: 'class', cls: def.owner });
      this.bindParams(def.node, args, scope);
      const body = child(def.node, 'body');
      if (!body) return UNDEF;
      if (body.type !== 'statement_block') return this.eval(body, scope);
      const signal = this.execBlock(namedChildren(body), scope);
      return signal?.kind === 'return' ? signal.value : UNDEF;
    } finally {
      this.currentFile = savedFile;
      this.documentSite = savedSite;
      this.currentFunction = savedFunction;
      this.depth--;
      this.active.delete(def.node);
    }
  }

  bindParams(fn: Syn, args: TsValue[], scope: TsScope): void {
    const single = child(fn, 'parameter');
    if (single) {
      this.bind(single, args[0] ?? UNDEF, scope, true);
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
      if (v.k === 'undef' && def) v = this.eval(def, scope);
      this.bind(pattern, v, scope, true);
    }
  }

  /** A new `tf.layers.*` layer object, named as TF.js would name it unless the options give a name. */
  newLayer(factory: string, cls: string, options: TfLayer['options'], range: SourceRange): TfLayer {
    const given = options.get('name');
    let name: string;
    if (typeof given === 'string' && given && !this.layerNames.has(`=${given}`)) {
      name = given;
      this.layerNames.set(`=${given}`, 1);
    } else name = this.uniqueLayerName(factory.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase());
    const layer: TfLayer = { id: this.nextLayerId++, className: cls, name, options, range: this.here(range), params: 0, config: {}, nodeIds: [] };
    this.layers.push(layer);
    return layer;
  }

  uniqueLayerName(base: string): string {
    const n = this.layerNames.get(base) ?? 0;
    this.layerNames.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  private method(self: TsValue, name: string, args: TsValue[], n: Syn): TsValue {
    if (self.k === 'layer' && name === 'apply') return this.apply(self.layer, args[0], n);
    if (self.k === 'instance') return customLayerMethod(this, self, name, args, n);
    return libraryMethod(this, self, name, args, n);
  }

  /** `layer.apply(x)` for a `tf.layers.*` layer. */
  apply(layer: TfLayer, input: TsValue | undefined, at: Syn | SourceRange): TsValue {
    const inputs = tensorsOf(input);
    const all = input?.k === 'tensor' ? 1 : input?.k === 'arr' ? input.items.length : 0;
    const range = this.here(at);
    if (inputs.length === 0 || inputs.length !== all) return this.fail(`${layer.name}.apply() of values that are not known tensors`, range, inputs);
    // Layers give their nodes no scope of their own: a block id must not be mistaken for the name of
    // its multiply layer. The layer's rows come from its node ids.
    const start = this.b.graph.nodes.length;
    let out: TsValue;
    try {
      out = { k: 'tensor', t: applyLayer(this.b, layer, inputs, range) };
    } catch (e) {
      if (!(e instanceof TfLayerError)) throw e;
      out = { k: 'tensor', t: this.b.unknown(e.message, range, inputs) };
    }
    for (const node of this.b.graph.nodes.slice(start)) layer.nodeIds.push(node.id);
    return out;
  }

  /** `instance.apply(x)` for a custom `tf.layers.Layer` subclass. */
  applyCustom(self: TsValue & { k: 'instance' }, input: TsValue | undefined, kwargs: TsValue | undefined, n: Syn): TsValue {
    return applyCustomLayer(this, self, input, kwargs, n);
  }

  /** Runs a sequential model's layers on `x`, as `model.apply` would. */
  runSequential(seq: TfSequential, x: TensorRef, at: Syn): TensorRef {
    let t = x;
    for (const layer of seq.layers) {
      const out = layer.k === 'layer' ? this.apply(layer.layer, { k: 'tensor', t }, layer.layer.range) : layer.k === 'instance' ? this.applyCustom(layer, { k: 'tensor', t }, undefined, at) : undefined;
      if (out?.k !== 'tensor') return t;
      t = out.t;
    }
    return t;
  }

  // ------------------------------------------------------------ files

  /** The file whose code runs now; undefined for the analysed document. */
  get file(): string | undefined {
    return this.currentFile;
  }

  /** Runs `body` as code of another file; seen from the document, what it makes is at `at`. */
  inFile<T>(path: string, at: Syn, body: () => T): T {
    const savedFile = this.currentFile;
    const savedSite = this.documentSite;
    if (this.currentFile === undefined) this.documentSite = at.range;
    this.currentFile = path;
    try {
      return body();
    } finally {
      this.currentFile = savedFile;
      this.documentSite = savedSite;
    }
  }

  /** `require(specifier)` / `import ... from specifier`: the file's exports. */
  loadModule(specifier: string, at: Syn): TsValue {
    return this.linker.load(specifier, at);
  }

}

/** Names a builtin may be called by without being declared. */
const GLOBALS = new Set(['Math', 'Number', 'String', 'Boolean', 'parseInt', 'parseFloat', 'Array', 'Object', 'JSON', 'console', 'process', 'require', 'isFinite', 'isNaN', 'Infinity', 'NaN', 'globalThis']);
const OBJECT_METHODS = new Set(['hasOwnProperty']);
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);

