import type { SourceRange } from '../../ir/graph.js';
import type { DefaultInput } from '../analysis.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import type { TypeScriptModules } from '../modules/typescript-modules.js';
import { child, namedChildren, Syn, textOf } from '../syntax.js';
import { bind, bindParams } from './binding.js';
import { applyCustomLayer, customLayerMethod } from './custom-layers.js';
import { evalArgs, evaluate } from './expressions.js';
import { applyLayer, TfLayerError, type TfLayer } from './layers.js';
import { member } from './members.js';
import { TsModuleLinker } from './module-linker.js';
import { execBlock, execStatement } from './statements.js';
import { callLibrary, libraryMethod } from './tf-library.js';
import {
  ANONYMOUS, firstLine, tensorsOf, truthy, TsScope, UNDEF, unknown,
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

/**
 * Abstract interpreter for TF.js code, TypeScript or JavaScript: numbers, strings and option objects
 * are computed, `tf.input` gives symbolic tensors (batch 1), `tf.layers.*` layer objects whose `apply`
 * becomes channels-last IR, calls are followed into the program's functions with their arguments.
 * This class is the machine: its state, budgets, calls and call paths, layers and failures. The
 * language is in `statements.ts`, `expressions.ts`, `binding.ts` and `members.ts`; library knowledge
 * in `tf-library.ts`, custom layers in `custom-layers.ts`; other files are found through `TypeScriptModules`.
 */
export class TsInterpreter {
  steps = 0;
  /** How deep in calls of the program's functions the interpreter is (0: top level). */
  depth = 0;
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
  functionName: string | undefined;
  recordLines: { readonly startLine: number; readonly endLine: number } | undefined;
  readonly lineShapes = new Map<number, { names: string[]; shapes: (TensorRef['shape'])[] }>();
  readonly linker = new TsModuleLinker(this);
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

  // ------------------------------------------------------------ the language: statements.ts, binding.ts, expressions.ts, members.ts

  execBlock(nodes: readonly Syn[], scope: TsScope): Signal {
    return execBlock(this, nodes, scope);
  }

  exec(s: Syn, scope: TsScope): Signal {
    return execStatement(this, s, scope);
  }

  bind(target: Syn, v: TsValue, scope: TsScope, declare: boolean): void {
    bind(this, target, v, scope, declare);
  }

  bindParams(fn: Syn, args: TsValue[], scope: TsScope): void {
    bindParams(this, fn, args, scope);
  }

  eval(n: Syn, scope: TsScope): TsValue {
    return evaluate(this, n, scope);
  }

  evalArgs(argsNode: Syn, scope: TsScope): TsValue[] {
    return evalArgs(this, argsNode, scope);
  }

  /** `o.name`: data, methods of library objects and of the program's classes. */
  member(o: TsValue, name: string, at?: Syn): TsValue {
    return member(this, o, name, at);
  }

  /** A function value of the program, defined now (in the file running now). */
  func(name: string, node: Syn, closure: TsScope, extra: Partial<TsFunc> = {}): TsFunc {
    return { name, node, closure, ...(this.currentFile !== undefined ? { file: this.currentFile } : {}), ...extra };
  }

  /**
   * Shapes per line inside functions of the document (top-level lines, as before whole-program analysis, get none).
   * `name`: the variable (its text read only when the line is recorded: most assignments are not), or `return`.
   */
  record(node: Syn, name: Syn | string, v: TsValue): void {
    if (!this.recordLines || this.currentFile !== undefined || this.depth === 0) return;
    const line = node.range.startLine;
    if (line < this.recordLines.startLine || line > this.recordLines.endLine || this.lineShapes.has(line)) return;
    const ts = tensorsOf(v);
    if (ts.length) this.lineShapes.set(line, { names: [typeof name === 'string' ? name : textOf(name)], shapes: ts.map((t) => t.shape) });
  }

  // ------------------------------------------------------------ calls

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

  /** A new `tf.layers.*` layer object, named as TF.js would name it unless the options give a name. */
  newLayer(factory: string, cls: string, options: TfLayer['options'], range: SourceRange, inner: TfLayer[] = [], unknownOptions?: TfLayer['unknownOptions']): TfLayer {
    const given = options.get('name');
    let name: string;
    if (typeof given === 'string' && given && !this.layerNames.has(`=${given}`)) {
      name = given;
      this.layerNames.set(`=${given}`, 1);
    } else name = this.uniqueLayerName(factory.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase());
    // Every field written here, absent ones as undefined: layers then share one object shape, and `weightOf`'s
    // first weight does not move each layer to a new one.
    const layer: TfLayer = {
      id: this.nextLayerId++, className: cls, name, options, range: this.here(range), params: 0, config: {}, weights: undefined, nodeIds: [],
      inner: inner.length > 0 ? inner : undefined, unknownOptions: unknownOptions?.size ? unknownOptions : undefined,
    };
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
      // `filters is not known` says where; the option's own reason says why (the parameter no call gives).
      const why = [...(layer.unknownOptions ?? [])].find(([key]) => e.message.includes(`${key} is not known`))?.[1];
      // Its first clause: the cause's own note (the paths tried) is printed where the cause is.
      out = { k: 'tensor', t: this.b.unknown(why ? `${e.message}: ${why.split(';')[0]}` : e.message, range, inputs) };
    }
    const nodes = this.b.graph.nodes;
    for (let i = start; i < nodes.length; i++) layer.nodeIds.push(nodes[i]!.id);
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

