import type { SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { child, namedChildren, Syn, textOf } from '../syntax.js';
import { applyLayer, LAYER_CLASSES, TfLayerError, type LayerOption, type TfLayer } from './layers.js';

/** Abstract values of the TF.js interpreter; `unknown` carries the reason. */
export type TsValue =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'null' }
  | { readonly k: 'undef' }
  | { readonly k: 'arr'; readonly items: TsValue[] }
  | { readonly k: 'obj'; readonly props: Map<string, TsValue> }
  | { readonly k: 'tensor'; readonly t: TensorRef }
  | { readonly k: 'layer'; readonly layer: TfLayer }
  | { readonly k: 'seq'; readonly seq: TfSequential }
  | { readonly k: 'model'; readonly model: TfModel }
  | { readonly k: 'ref'; readonly path: string }
  | { readonly k: 'func'; readonly def: TsFunc }
  | { readonly k: 'class'; readonly cls: TsClass }
  /** An object made with `new` from a class in the file. */
  | { readonly k: 'instance'; readonly cls: TsClass; readonly props: Map<string, TsValue> }
  | { readonly k: 'method'; readonly self: TsValue; readonly name: string }
  | { readonly k: 'unknown'; readonly why: string };

export interface TsFunc {
  readonly name: string;
  readonly node: Syn;
  readonly closure: TsScope;
  /** `this` for a method read from an instance. */
  readonly self?: TsValue;
}

export interface TsClass {
  readonly name: string;
  readonly node: Syn;
  readonly closure: TsScope;
  readonly methods: Map<string, Syn>;
}

export interface TfSequential {
  readonly name: string;
  readonly range: SourceRange;
  readonly layers: TfLayer[];
}

export interface TfModel {
  readonly name: string;
  readonly range: SourceRange;
  readonly inputs: TensorRef[];
  readonly outputs: TensorRef[];
}

export interface TsCallSite {
  readonly def: TsFunc;
  readonly args: TsValue[];
}

/** The first `new C(...)` of a class in the file: its constructor arguments. */
export interface TsNewSite {
  readonly cls: TsClass;
  readonly args: TsValue[];
}

export class TsScope {
  private readonly vars = new Map<string, TsValue>();
  constructor(readonly parent?: TsScope) {}
  get(name: string): TsValue | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }
  declare(name: string, value: TsValue): void {
    this.vars.set(name, value);
  }
  assign(name: string, value: TsValue): void {
    if (this.vars.has(name) || !this.parent) this.vars.set(name, value);
    else this.parent.assign(name, value);
  }
}

export class TsBudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
}

type Signal = { readonly kind: 'return'; readonly value: TsValue } | { readonly kind: 'break' } | { readonly kind: 'continue' } | undefined;

const UNDEF: TsValue = { k: 'undef' };
const MAX_DEPTH = 48;
const MAX_LOOP = 4096;

const unknown = (why: string): TsValue => ({ k: 'unknown', why });
const num = (v: TsValue | undefined): number | undefined => (v?.k === 'num' ? v.v : undefined);

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

function snake(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * Abstract interpreter for TF.js layers code: numbers and option objects are computed, `tf.input`
 * gives symbolic tensors (batch 1), `tf.layers.*` give layer objects whose `apply` becomes NHWC IR.
 */
export class TsInterpreter {
  steps = 0;
  private depth = 0;
  private nextLayerId = 0;
  private readonly layerNames = new Map<string, number>();
  private readonly active = new Set<Syn>();
  readonly layers: TfLayer[] = [];
  readonly sequentials: TfSequential[] = [];
  readonly models: TfModel[] = [];
  readonly callSites: TsCallSite[] = [];
  readonly newSites: TsNewSite[] = [];
  /** Set while a declarator's value is evaluated, to name `tf.model`/`tf.sequential` after the variable. */
  private declaring: string | undefined;
  recordLines: { readonly startLine: number; readonly endLine: number } | undefined;
  readonly lineShapes = new Map<number, { names: string[]; shapes: (TensorRef['shape'])[] }>();

  constructor(readonly b: GraphBuilder, private readonly maxSteps: number) {}

  private tick(): void {
    if (++this.steps > this.maxSteps) throw new TsBudgetExceeded('step budget exceeded');
  }

  private fail(note: string, at: Syn | SourceRange, inputs: TensorRef[] = []): TsValue {
    const range = at instanceof Syn ? at.range : at;
    if (inputs.length > 0) return { k: 'tensor', t: this.b.unknown(note, range, inputs) };
    this.b.note(note, range);
    return unknown(note);
  }

  // ------------------------------------------------------------ statements

  execBlock(nodes: Syn[], scope: TsScope): Signal {
    // Function declarations are hoisted.
    for (const s of nodes) if (s.type === 'function_declaration') this.declareFunction(s, scope);
    for (const s of nodes) {
      const signal = this.exec(s, scope);
      if (signal) return signal;
    }
    return undefined;
  }

  private declareFunction(s: Syn, scope: TsScope): void {
    const name = child(s, 'name');
    if (name) scope.declare(textOf(name), { k: 'func', def: { name: textOf(name), node: s, closure: scope } });
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
          this.declaring = name.type === 'identifier' ? textOf(name) : undefined;
          const v = value ? this.eval(value, scope) : UNDEF;
          this.declaring = undefined;
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
        const c = cond ? truthy(this.eval(cond, scope)) : undefined;
        const alt = child(s, 'alternative');
        if (c === undefined) {
          this.fail(`condition '${cond ? textOf(cond) : ''}' is not known; its branch was assumed`, cond ?? s);
        }
        if (c !== false) {
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
      case 'function_declaration':
        this.declareFunction(s, scope);
        return undefined;
      case 'export_statement': {
        const decl = child(s, 'declaration') ?? child(s, 'value');
        if (!decl) return undefined;
        if (decl.type.endsWith('declaration')) return this.exec(decl, scope);
        this.eval(decl, scope);
        return undefined;
      }
      case 'import_statement':
        bindTsImport(s, scope);
        return undefined;
      case 'break_statement':
        return { kind: 'break' };
      case 'continue_statement':
        return { kind: 'continue' };
      case 'class_declaration': {
        const cls = readTsClass(s, scope);
        if (cls) scope.declare(cls.name, { k: 'class', cls });
        return undefined;
      }
      case 'comment':
      case 'empty_statement':
      case 'type_alias_declaration':
      case 'interface_declaration':
      case 'abstract_class_declaration':
        return undefined;
      case 'ERROR':
        this.fail(`cannot read '${firstLine(textOf(s))}' (syntax error)`, s);
        return undefined;
      default:
        this.fail(`statement '${firstLine(textOf(s))}' is not interpreted`, s);
        return undefined;
    }
  }

  private forOf(s: Syn, scope: TsScope): Signal {
    const left = child(s, 'left');
    const right = child(s, 'right');
    const op = child(s, 'operator');
    const body = child(s, 'body');
    if (!left || !right || !body) return undefined;
    const v = this.eval(right, scope);
    const items = op && textOf(op) === 'of' && v.k === 'arr' ? v.items : undefined;
    if (!items) {
      this.fail(`loop over '${textOf(right)}' is not interpreted`, right);
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
    for (let i = 0; i < MAX_LOOP; i++) {
      if (cond && cond.type !== 'empty_statement' && cond.type !== ';') {
        const c = truthy(this.eval(cond.type === 'expression_statement' ? namedChildren(cond)[0] ?? cond : cond, inner));
        if (c === undefined) {
          this.fail(`loop condition '${textOf(cond)}' is not known`, cond);
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

  private record(node: Syn, names: string[], v: TsValue): void {
    if (!this.recordLines) return;
    const line = node.range.startLine;
    if (line < this.recordLines.startLine || line > this.recordLines.endLine) return;
    const ts = v.k === 'tensor' ? [v.t] : v.k === 'arr' ? v.items.flatMap((i) => (i.k === 'tensor' ? [i.t] : [])) : [];
    if (ts.length) this.lineShapes.set(line, { names, shapes: ts.map((t) => t.shape) });
  }

  bind(target: Syn, v: TsValue, scope: TsScope, declare: boolean): void {
    const set = (name: string, value: TsValue) => (declare ? scope.declare(name, value) : scope.assign(name, value));
    switch (target.type) {
      case 'identifier':
      case 'shorthand_property_identifier_pattern':
        set(textOf(target), v);
        return;
      case 'array_pattern':
        namedChildren(target).forEach((t, i) => this.bind(t, v.k === 'arr' ? v.items[i] ?? UNDEF : unknown('destructuring'), scope, declare));
        return;
      case 'object_pattern':
        for (const p of namedChildren(target)) {
          if (p.type === 'shorthand_property_identifier_pattern') set(textOf(p), v.k === 'obj' ? v.props.get(textOf(p)) ?? UNDEF : unknown('destructuring'));
          else if (p.type === 'pair_pattern') {
            const key = child(p, 'key');
            const value = child(p, 'value');
            if (key && value) this.bind(value, v.k === 'obj' ? v.props.get(textOf(key)) ?? UNDEF : unknown('destructuring'), scope, declare);
          } else if (p.type === 'object_assignment_pattern') {
            const left = child(p, 'left');
            const right = child(p, 'right');
            if (!left) continue;
            const found = v.k === 'obj' ? v.props.get(textOf(left)) : undefined;
            this.bind(left, found && found.k !== 'undef' ? found : right ? this.eval(right, scope) : UNDEF, scope, declare);
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
        const prop = child(target, 'property');
        if (obj && prop) {
          const o = this.eval(obj, scope);
          if (o.k === 'obj' || o.k === 'instance') o.props.set(textOf(prop), v);
        }
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
        return Number.isFinite(v) ? { k: 'num', v } : unknown('number');
      }
      case 'string': {
        let s = '';
        for (const c of n.children) if (c.type === 'string_fragment' || c.type === 'escape_sequence') s += textOf(c);
        return { k: 'str', v: s };
      }
      case 'template_string': {
        if (n.children.some((c) => c.type === 'template_substitution')) return unknown('template string');
        return { k: 'str', v: n.children.filter((c) => c.type === 'string_fragment').map(textOf).join('') };
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
        if (name === 'Math') return { k: 'ref', path: 'Math' };
        if (name === 'undefined') return UNDEF;
        return unknown(`'${name}' is not defined`);
      }
      case 'parenthesized_expression':
      case 'as_expression':
      case 'satisfies_expression':
      case 'non_null_expression':
      case 'type_assertion': {
        const inner = namedChildren(n).find((c) => !c.type.endsWith('type') && c.type !== 'type_arguments' && c.type !== 'predefined_type' && c.type !== 'type_identifier' && c.type !== 'generic_type');
        return inner ? this.eval(inner, scope) : unknown('empty expression');
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
            const k = key.type === 'string' ? this.eval(key, scope) : { k: 'str', v: textOf(key) } as TsValue;
            if (k.k === 'str') props.set(k.v, this.eval(value, scope));
          } else if (c.type === 'shorthand_property_identifier') {
            props.set(textOf(c), this.eval(c.as('identifier'), scope));
          } else if (c.type === 'spread_element') {
            const inner = namedChildren(c)[0];
            const v = inner ? this.eval(inner, scope) : UNDEF;
            if (v.k === 'obj') for (const [k, x] of v.props) props.set(k, x);
          }
        }
        return { k: 'obj', props };
      }
      case 'member_expression': {
        const obj = child(n, 'object');
        const prop = child(n, 'property');
        if (!obj || !prop) return unknown('incomplete member');
        return this.member(this.eval(obj, scope), textOf(prop));
      }
      case 'subscript_expression': {
        const obj = child(n, 'object');
        const idx = child(n, 'index');
        if (!obj || !idx) return unknown('incomplete subscript');
        const o = this.eval(obj, scope);
        const i = this.eval(idx, scope);
        if (o.k === 'arr' && i.k === 'num') return o.items[i.v] ?? UNDEF;
        if (o.k === 'obj' && i.k === 'str') return o.props.get(i.v) ?? UNDEF;
        return unknown(`'${textOf(n)}'`);
      }
      case 'call_expression':
        return this.call(n, scope);
      case 'new_expression': {
        const ctor = child(n, 'constructor');
        const argsNode = child(n, 'arguments');
        const c = ctor ? this.eval(ctor, scope) : UNDEF;
        if (c.k !== 'class') return this.fail(`'new ${ctor ? textOf(ctor) : ''}' is not interpreted`, n);
        const args = argsNode ? namedChildren(argsNode).map((a) => this.eval(a, scope)) : [];
        return this.construct(c.cls, args, n);
      }
      case 'arrow_function':
      case 'function_expression':
      case 'function':
        return { k: 'func', def: { name: this.declaring ?? '<anonymous>', node: n, closure: scope } };
      case 'binary_expression': {
        const l = child(n, 'left');
        const r = child(n, 'right');
        const op = child(n, 'operator');
        if (!l || !r || !op) return unknown('incomplete expression');
        const o = textOf(op);
        const lv = this.eval(l, scope);
        if (o === '&&' || o === '||' || o === '??') {
          const t = o === '??' ? lv.k !== 'null' && lv.k !== 'undef' : truthy(lv);
          if (t === undefined) return unknown(`'${textOf(n)}'`);
          if (o === '&&') return t ? this.eval(r, scope) : lv;
          return t ? lv : this.eval(r, scope);
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
            return v.k === 'num' ? { k: 'num', v: -v.v } : unknown('-');
          case '+':
            return v.k === 'num' ? v : unknown('+');
          case '!': {
            const t = truthy(v);
            return t === undefined ? unknown('!') : { k: 'bool', v: !t };
          }
          default:
            return unknown(textOf(op));
        }
      }
      case 'ternary_expression': {
        const c = child(n, 'condition');
        const a = child(n, 'consequence');
        const b = child(n, 'alternative');
        const t = c ? truthy(this.eval(c, scope)) : undefined;
        if (t === undefined || !a || !b) return this.fail(`condition '${c ? textOf(c) : ''}' is not known`, n);
        return this.eval(t ? a : b, scope);
      }
      case 'assignment_expression': {
        const l = child(n, 'left');
        const r = child(n, 'right');
        if (!l || !r) return unknown('incomplete assignment');
        const v = this.eval(r, scope);
        this.bind(l, v, scope, false);
        this.record(n, [textOf(l)], v);
        return v;
      }
      case 'augmented_assignment_expression': {
        const l = child(n, 'left');
        const r = child(n, 'right');
        const op = child(n, 'operator');
        if (!l || !r || !op) return unknown('incomplete assignment');
        const v = binary(textOf(op).slice(0, -1), this.eval(l, scope), this.eval(r, scope));
        this.bind(l, v, scope, false);
        return v;
      }
      case 'update_expression': {
        const arg = child(n, 'argument');
        const op = child(n, 'operator');
        if (!arg || !op) return unknown('update');
        const v = this.eval(arg, scope);
        if (v.k !== 'num') return unknown('update of a value that is not a number');
        const next: TsValue = { k: 'num', v: v.v + (textOf(op) === '++' ? 1 : -1) };
        this.bind(arg, next, scope, false);
        return v;
      }
      case 'this':
        return scope.get('this') ?? unknown('this');
      case 'ERROR':
        return unknown(`cannot read '${firstLine(textOf(n))}'`);
      default:
        return unknown(`'${firstLine(textOf(n))}' is not interpreted`);
    }
  }

  private member(o: TsValue, name: string): TsValue {
    switch (o.k) {
      case 'ref':
        return { k: 'ref', path: `${o.path}.${name}` };
      case 'obj':
        return o.props.get(name) ?? UNDEF;
      case 'arr':
        if (name === 'length') return { k: 'num', v: o.items.length };
        return { k: 'method', self: o, name };
      case 'str':
        if (name === 'length') return { k: 'num', v: o.v.length };
        return { k: 'method', self: o, name };
      case 'tensor': {
        if (name === 'shape') {
          const s = o.t.shape;
          // TF.js reports the batch dimension as null.
          return s ? { k: 'arr', items: s.map((d, i) => (i === 0 ? { k: 'null' } : typeof d === 'number' ? { k: 'num', v: d } : unknown('dimension'))) } : unknown('shape is not known');
        }
        if (name === 'rank') return o.t.shape ? { k: 'num', v: o.t.shape.length } : unknown('rank');
        return { k: 'method', self: o, name };
      }
      case 'layer':
      case 'seq':
      case 'model':
        return { k: 'method', self: o, name };
      case 'instance': {
        const p = o.props.get(name);
        if (p) return p;
        const m = o.cls.methods.get(name);
        return m ? { k: 'func', def: { name: o.cls.name, node: m, closure: o.cls.closure, self: o } } : UNDEF;
      }
      case 'unknown':
        return o;
      default:
        return unknown(`property '${name}'`);
    }
  }

  private call(n: Syn, scope: TsScope): TsValue {
    const fnNode = child(n, 'function');
    const argsNode = child(n, 'arguments');
    if (!fnNode) return unknown('incomplete call');
    const fn = this.eval(fnNode, scope);
    const args: TsValue[] = [];
    for (const a of argsNode ? namedChildren(argsNode) : []) {
      if (a.type === 'spread_element') {
        const inner = namedChildren(a)[0];
        const v = inner ? this.eval(inner, scope) : UNDEF;
        if (v.k === 'arr') args.push(...v.items);
        else args.push(unknown('spread'));
      } else args.push(this.eval(a, scope));
    }
    return this.invoke(fn, args, n);
  }

  invoke(fn: TsValue, args: TsValue[], n: Syn): TsValue {
    const tensors = args.flatMap((a) => (a.k === 'tensor' ? [a.t] : a.k === 'arr' ? a.items.flatMap((i) => (i.k === 'tensor' ? [i.t] : [])) : []));
    switch (fn.k) {
      case 'ref':
        return this.library(fn.path, args, n, tensors);
      case 'func':
        return this.callFunction(fn.def, args, n);
      case 'method':
        return this.method(fn.self, fn.name, args, n, tensors);
      default:
        // An unknown callee was reported where it came from; its call only needs the node.
        if (fn.k === 'unknown') return this.fail(fn.why, n, tensors);
        return this.fail(`cannot call '${firstLine(textOf(child(n, 'function') ?? n))}'`, n, tensors);
    }
  }

  /**
   * Calls a function of the file. Nodes made inside a nested builder call get the builder's name as
   * their scope (`squeezeExcite`, `convBlock.squeezeExcite`), the TF.js counterpart of a module path;
   * the unit's own function (`root`) adds none.
   */
  callFunction(def: TsFunc, args: TsValue[], n: Syn, root = false): TsValue {
    if (root) return this.runFunction(def, args, n);
    const path = this.b.scope ? `${this.b.scope}.${def.name}` : def.name;
    return this.b.within(path, () => this.runFunction(def, args, n));
  }

  private runFunction(def: TsFunc, args: TsValue[], n: Syn): TsValue {
    if (this.active.has(def.node)) return this.fail(`recursive call of '${def.name}' is not interpreted`, n);
    if (this.depth >= MAX_DEPTH) return this.fail(`calls nested deeper than ${MAX_DEPTH} are not interpreted`, n);
    if (args[0]?.k === 'tensor' && !this.callSites.some((s) => s.def.node === def.node)) this.callSites.push({ def, args });
    this.active.add(def.node);
    this.depth++;
    try {
      const scope = new TsScope(def.closure);
      if (def.self) scope.declare('this', def.self);
      this.bindParams(def.node, args, scope);
      const body = child(def.node, 'body');
      if (!body) return UNDEF;
      if (body.type !== 'statement_block') return this.eval(body, scope);
      const signal = this.execBlock(namedChildren(body), scope);
      return signal?.kind === 'return' ? signal.value : UNDEF;
    } finally {
      this.depth--;
      this.active.delete(def.node);
    }
  }

  /** `new C(args)`: field initialisers, parameter properties, then the constructor body. */
  construct(cls: TsClass, args: TsValue[], n: Syn): TsValue {
    if (!this.newSites.some((s) => s.cls === cls)) this.newSites.push({ cls, args });
    const self: TsValue = { k: 'instance', cls, props: new Map() };
    const body = child(cls.node, 'body');
    const fieldScope = new TsScope(cls.closure);
    fieldScope.declare('this', self);
    for (const member of body ? namedChildren(body) : []) {
      if (member.type !== 'public_field_definition') continue;
      const name = child(member, 'name');
      const value = child(member, 'value');
      if (name) self.props.set(textOf(name), value ? this.eval(value, fieldScope) : UNDEF);
    }
    const ctor = cls.methods.get('constructor');
    if (!ctor) return self;
    // Parameter properties (`constructor(private ratio = 16)`) become fields.
    const params = child(ctor, 'parameters');
    const scope = new TsScope(cls.closure);
    this.bindParams(ctor, args, scope);
    for (const p of params ? namedChildren(params) : []) {
      if (!p.children.some((c) => c.type === 'accessibility_modifier' || c.type === 'readonly')) continue;
      const pattern = child(p, 'pattern');
      if (pattern?.type === 'identifier') self.props.set(textOf(pattern), scope.get(textOf(pattern)) ?? UNDEF);
    }
    this.callFunction({ name: cls.name, node: ctor, closure: cls.closure, self }, args, n);
    return self;
  }

  bindParams(fn: Syn, args: TsValue[], scope: TsScope): void {
    const single = child(fn, 'parameter');
    if (single) {
      scope.declare(textOf(single), args[0] ?? UNDEF);
      return;
    }
    const params = child(fn, 'parameters');
    namedChildren(params ?? fn).forEach((p, i) => {
      if (p.type !== 'required_parameter' && p.type !== 'optional_parameter') return;
      const pattern = child(p, 'pattern') ?? child(p, 'name');
      const def = child(p, 'value');
      if (!pattern) return;
      if (pattern.type === 'rest_pattern') {
        const id = namedChildren(pattern)[0];
        if (id) scope.declare(textOf(id), { k: 'arr', items: args.slice(i) });
        return;
      }
      let v = args[i] ?? UNDEF;
      if (v.k === 'undef' && def) v = this.eval(def, scope);
      this.bind(pattern, v, scope, true);
    });
  }

  private newLayer(factory: string, cls: string, options: Map<string, LayerOption>, range: SourceRange): TfLayer {
    const given = options.get('name');
    let name: string;
    if (typeof given === 'string' && given) name = given;
    else {
      const base = snake(factory);
      const n = this.layerNames.get(base) ?? 0;
      this.layerNames.set(base, n + 1);
      name = n === 0 ? base : `${base}_${n}`;
    }
    const layer: TfLayer = { id: this.nextLayerId++, className: cls, name, options, range, params: 0, config: {}, nodeIds: [] };
    this.layers.push(layer);
    return layer;
  }

  private library(path: string, args: TsValue[], n: Syn, tensors: TensorRef[]): TsValue {
    const math = path.startsWith('Math.') ? path.slice(5) : undefined;
    if (math) {
      const xs = args.map(num);
      if (xs.some((x) => x === undefined) || xs.length === 0) return unknown(`Math.${math}() of values that are not known`);
      const v = xs as number[];
      const f = { floor: Math.floor, ceil: Math.ceil, round: Math.round, max: Math.max, min: Math.min, abs: Math.abs, sqrt: Math.sqrt, log2: Math.log2, log: Math.log, trunc: Math.trunc }[math];
      return f ? { k: 'num', v: (f as (...a: number[]) => number)(...v) } : unknown(`Math.${math}`);
    }
    const parts = path.split('.');
    const last = parts[parts.length - 1]!;
    const isTf = parts[0] === 'tf';
    if (isTf && parts.length === 3 && parts[1] === 'layers') {
      const cls = LAYER_CLASSES[last];
      if (!cls) return this.fail(`tf.layers.${last} is not interpreted`, n, tensors);
      const opts = args[0];
      const options = new Map<string, LayerOption>();
      if (opts?.k === 'obj') for (const [k, v] of opts.props) options.set(k, optionOf(v));
      else if (opts && opts.k !== 'undef') return this.fail(`tf.layers.${last} options are not known`, n);
      return { k: 'layer', layer: this.newLayer(last, cls, options, n.range) };
    }
    if (isTf && parts.length === 2) {
      const opts = args[0]?.k === 'obj' ? args[0].props : undefined;
      switch (last) {
        case 'input': {
          const shape = opts?.get('shape');
          const batchShape = opts?.get('batchShape');
          const dims = shape?.k === 'arr' ? [1, ...shape.items.map(num)] : batchShape?.k === 'arr' ? batchShape.items.map((d, i) => (i === 0 && d.k === 'null' ? 1 : num(d))) : undefined;
          if (!dims || dims.some((d) => d === undefined)) return this.fail('tf.input shape is not known', n);
          const name = this.declaring ?? `input_${this.b.graph.inputs.length}`;
          return { k: 'tensor', t: this.b.addInput(this.b.graph.values.has(name) ? `${name}_${this.b.graph.inputs.length}` : name, dims as number[]) };
        }
        case 'sequential': {
          const seq: TfSequential = { name: this.declaring ?? `sequential_${this.sequentials.length}`, range: n.range, layers: [] };
          const layers = opts?.get('layers');
          if (layers?.k === 'arr') for (const l of layers.items) if (l.k === 'layer') seq.layers.push(l.layer);
          this.sequentials.push(seq);
          return { k: 'seq', seq };
        }
        case 'model': {
          const ins = opts?.get('inputs');
          const outs = opts?.get('outputs');
          const list = (v: TsValue | undefined) => (v?.k === 'tensor' ? [v.t] : v?.k === 'arr' ? v.items.flatMap((i) => (i.k === 'tensor' ? [i.t] : [])) : []);
          const model: TfModel = { name: this.declaring ?? `model_${this.models.length}`, range: n.range, inputs: list(ins), outputs: list(outs) };
          if (model.outputs.length === 0) return this.fail('tf.model outputs are not known tensors', n);
          this.models.push(model);
          return { k: 'model', model };
        }
      }
    }
    return this.fail(`${path}() is not interpreted`, n, tensors);
  }

  private method(self: TsValue, name: string, args: TsValue[], n: Syn, tensors: TensorRef[]): TsValue {
    if (self.k === 'layer' && name === 'apply') return this.apply(self.layer, args[0], n.range);
    if (self.k === 'seq' && name === 'add') {
      if (args[0]?.k === 'layer') self.seq.layers.push(args[0].layer);
      else this.fail('sequential.add() of a value that is not a layer', n);
      return UNDEF;
    }
    if (self.k === 'seq' || self.k === 'model') {
      if (['compile', 'summary', 'fit', 'predict', 'save'].includes(name)) return UNDEF;
    }
    if (self.k === 'arr') {
      if (name === 'slice') {
        const a = num(args[0]) ?? 0;
        const b = num(args[1]);
        return { k: 'arr', items: self.items.slice(a, b) };
      }
      if (name === 'push') {
        self.items.push(...args);
        return { k: 'num', v: self.items.length };
      }
      if (name === 'at') {
        const i = num(args[0]);
        return i === undefined ? unknown('at()') : self.items.at(i) ?? UNDEF;
      }
    }
    return this.fail(`${name}() is not interpreted`, n, tensors);
  }

  private apply(layer: TfLayer, input: TsValue | undefined, range: SourceRange): TsValue {
    const inputs = input?.k === 'tensor' ? [input.t] : input?.k === 'arr' ? input.items.flatMap((i) => (i.k === 'tensor' ? [i.t] : [])) : [];
    const all = input?.k === 'tensor' ? 1 : input?.k === 'arr' ? input.items.length : 0;
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

  /** Runs a sequential model's layers on `x`, as `model.apply` would. */
  runSequential(seq: TfSequential, x: TensorRef): TensorRef {
    let t = x;
    for (const layer of seq.layers) {
      const out = this.apply(layer, { k: 'tensor', t }, layer.range);
      if (out.k !== 'tensor') return t;
      t = out.t;
    }
    return t;
  }
}


function optionOf(v: TsValue): LayerOption {
  switch (v.k) {
    case 'num':
    case 'str':
    case 'bool':
      return v.v;
    case 'null':
      return null;
    case 'arr': {
      const xs = v.items.map(num);
      return xs.every((x) => x !== undefined) ? (xs as number[]) : undefined;
    }
    default:
      return undefined;
  }
}

export function truthy(v: TsValue): boolean | undefined {
  switch (v.k) {
    case 'num':
      return v.v !== 0 && !Number.isNaN(v.v);
    case 'str':
      return v.v.length > 0;
    case 'bool':
      return v.v;
    case 'null':
    case 'undef':
      return false;
    case 'unknown':
      return undefined;
    default:
      return true;
  }
}

function binary(op: string, a: TsValue, b: TsValue): TsValue {
  if (a.k === 'str' || b.k === 'str') {
    if (op === '+' && (a.k === 'str' || a.k === 'num') && (b.k === 'str' || b.k === 'num')) return { k: 'str', v: `${a.v}${b.v}` };
    if (op === '===' || op === '==' || op === '!==' || op === '!=') {
      if (a.k === 'unknown' || b.k === 'unknown') return unknown('comparison');
      const eq = a.k === b.k && (a as { v: unknown }).v === (b as { v: unknown }).v;
      return { k: 'bool', v: op.startsWith('!') ? !eq : eq };
    }
    return unknown(`'${op}' on strings`);
  }
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined) return unknown(`'${op}' on values that are not known`);
  const r = (v: number): TsValue => ({ k: 'num', v });
  switch (op) {
    case '+': return r(x + y);
    case '-': return r(x - y);
    case '*': return r(x * y);
    case '/': return r(x / y);
    case '%': return r(x % y);
    case '**': return r(x ** y);
    case '<': return { k: 'bool', v: x < y };
    case '<=': return { k: 'bool', v: x <= y };
    case '>': return { k: 'bool', v: x > y };
    case '>=': return { k: 'bool', v: x >= y };
    case '===': case '==': return { k: 'bool', v: x === y };
    case '!==': case '!=': return { k: 'bool', v: x !== y };
    default: return unknown(`operator '${op}'`);
  }
}

/** A class statement: its methods by name; fields are read when an instance is made. */
export function readTsClass(s: Syn, scope: TsScope): TsClass | undefined {
  const name = child(s, 'name');
  const body = child(s, 'body');
  if (!name || !body) return undefined;
  const methods = new Map<string, Syn>();
  for (const m of namedChildren(body)) {
    const n = m.type === 'method_definition' ? child(m, 'name') : undefined;
    if (n) methods.set(textOf(n), m);
  }
  return { name: textOf(name), node: s, closure: scope, methods };
}

/** `import * as tf from '@tensorflow/tfjs'`, `import { layers, input } from '@tensorflow/tfjs-node'`. */
export function bindTsImport(s: Syn, scope: TsScope): void {
  const source = child(s, 'source');
  const from = source ? textOf(source).slice(1, -1) : '';
  if (!from.startsWith('@tensorflow/tfjs')) return;
  for (const clause of namedChildren(s)) {
    if (clause.type !== 'import_clause') continue;
    for (const c of namedChildren(clause)) {
      if (c.type === 'namespace_import' || c.type === 'identifier') {
        const id = c.type === 'identifier' ? c : namedChildren(c)[0];
        if (id) scope.declare(textOf(id), { k: 'ref', path: 'tf' });
      } else if (c.type === 'named_imports') {
        for (const spec of namedChildren(c)) {
          if (spec.type !== 'import_specifier') continue;
          const name = child(spec, 'name');
          const alias = child(spec, 'alias');
          if (name) scope.declare(textOf(alias ?? name), { k: 'ref', path: `tf.${textOf(name)}` });
        }
      }
    }
  }
}
