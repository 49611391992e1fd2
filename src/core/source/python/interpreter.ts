import type { SourceRange } from '../../ir/graph.js';
import { GraphBuilder } from '../graph-builder.js';
import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import { emitLayer } from './library/nn-layers.js';
import { dimValue, tensorArgs } from './library/host.js';
import { libraryCall } from './library/torch.js';
import { applyKeras } from './library/keras.js';
import { moduleMethod } from './library/module-methods.js';
import { tensorMethod } from './library/tensor-methods.js';
import { builtinMethod } from './builtin-methods.js';
import { arrayMethod, scalarMethod } from './library/arrays.js';
import { bindParams } from './parameters.js';
import { containerOf, dictItemsOf, DICT_ITEMS, findClassAttr, findMethod, isDictClass, isKerasLayerClass, layerBaseOf, methodValue, ownerOf, readClassWith } from './classes.js';
import type { PythonProgram } from './program.js';
import { BudgetExceeded, firstLine, isGenerator, type Frame } from './evaluator.js';
import { ExpressionInterpreter } from './expressions.js';
import { NONE, NO_KWARGS, Scope, dictKey, recordFields, unknown, type ClassDef, type FuncDef, type ModuleObj, type PyValue } from './values.js';

export { BudgetExceeded, type CallSite } from './evaluator.js';

const MAX_DEPTH = 48;
/** How deep one function may recurse: deeper than module trees nest, shallow enough that two-way recursion stays cheap. */
const MAX_RECURSION = 12;

/** The document's top-level code calling one of its functions on a tensor (`se_conv(x, 48, se_ratio=0.5)`). */
export interface FunctionCall {
  /** The tensor's shape, when all of it is known. */
  readonly input: number[] | undefined;
  /** The other arguments. */
  readonly args: PyValue[];
  readonly kwargs: Map<string, PyValue>;
}

/**
 * Abstract interpreter for the subset of Python that defines and runs PyTorch modules. It follows
 * values, not types: integers are computed, tensors are IR values with shapes, modules are objects
 * with registered children. It never evaluates strings or imports anything.
 *
 * This layer calls: functions and lambdas (arguments bound, recursion and depth bounded), classes (an
 * `nn.Module` built, a plain object made, a call site recorded at top level), modules (a layer's IR, a
 * container's children in turn, a user `forward`), and methods of values through the library catalogue.
 */
export class PyInterpreter extends ExpressionInterpreter {
  private depth = 0;
  private nextModuleId = 0;
  /** Calls under way, by function (or method on one module object), with how many times each is entered. */
  private readonly activeCalls = new Map<unknown, number>();
  private readonly activeClasses = new Set<ClassDef>();
  /** The first call the top-level code made of each function of the document on a tensor (`se_block(keras.Input((32, 32, 64)))`). */
  readonly functionCalls = new Map<Syn, FunctionCall>();

  protected call(node: Syn, scope: Scope, frame: Frame): PyValue {
    const fnNode = child(node, 'function');
    const argsNode = child(node, 'arguments');
    if (!fnNode) return unknown('incomplete call');
    const fn = this.eval(fnNode, scope, frame);
    const args: PyValue[] = [];
    // Most calls pass no keywords: they share one empty map.
    let kwargs = NO_KWARGS;
    if (argsNode?.type === 'generator_expression') args.push(this.eval(argsNode, scope, frame));
    else if (argsNode) {
      // Indexed: the for...of here allocated an iterator result per argument of every call expression (~150 KB per
      // analysis of the 5,000-line bench file in a heap profile).
      const argNodes = namedChildren(argsNode);
      for (let i = 0; i < argNodes.length; i++) {
        const a = argNodes[i]!;
        if (a.type === 'keyword_argument') {
          const k = child(a, 'name');
          const v = child(a, 'value');
          if (k && v) (kwargs = kwargs === NO_KWARGS ? new Map() : kwargs).set(this.text(k), this.eval(v, scope, frame));
        } else if (a.type === 'list_splat') {
          const inner = namedChildren(a)[0];
          const items = inner ? this.iterate(this.eval(inner, scope, frame)) : undefined;
          if (!items) return this.fail(`'${this.text(a)}' cannot be expanded`, a);
          args.push(...items);
        } else if (a.type === 'dictionary_splat') {
          const inner = namedChildren(a)[0];
          const d = inner ? this.eval(inner, scope, frame) : undefined;
          if (d?.k !== 'dict') return this.fail(`'${this.text(a)}' cannot be expanded`, a);
          if (kwargs === NO_KWARGS) kwargs = new Map();
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
        return applyKeras(this.keras, this.b, fn.layer, args[0], this.here(node));
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
          if (site && x?.k === 'tensor' && x.t.shape?.every((d) => typeof d === 'number') && !site.inputShape) {
            site.inputShape = x.t.shape as number[];
            const more = args.slice(1);
            const end = more.findIndex((a) => a.k !== 'tensor' || !a.t.shape?.every((d) => typeof d === 'number'));
            site.moreInputShapes = more.slice(0, end < 0 ? more.length : end).map((a) => (a as Extract<PyValue, { k: 'tensor' }>).t.shape as number[]);
          }
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
    // Functions recurse over trees (`named_apply(fn, child)` over a module's children), a little deeper than
    // models nest; a method re-entered on the same module object never ends.
    const active = this.activeCalls.get(key) ?? 0;
    if (active >= (typeof key === 'string' ? 1 : MAX_RECURSION)) return this.fail(`recursive call of ${what} is not interpreted`, node, tensorArgs(args));
    if (this.depth >= MAX_DEPTH) return this.fail(`calls nested deeper than ${MAX_DEPTH} are not interpreted`, node, tensorArgs(args));
    this.activeCalls.set(key, active + 1);
    this.depth++;
    try {
      return body();
    } finally {
      this.depth--;
      if (active) this.activeCalls.set(key, active);
      else this.activeCalls.delete(key);
    }
  }

  callFunction(def: FuncDef, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn, cls?: ClassDef): PyValue {
    const selfArg = args[0];
    if (this.mode === 'site' && selfArg?.k === 'tensor' && !this.functionCalls.get(def.node)?.input) {
      const shape = selfArg.t.shape?.every((d) => typeof d === 'number') ? (selfArg.t.shape as number[]) : undefined;
      this.functionCalls.set(def.node, { input: shape, args: args.slice(1), kwargs });
    }
    const key = selfArg?.k === 'module' ? `${def.name}:${def.node.range.startLine}:${def.node.range.startColumn}:${selfArg.obj.id}` : def.node;
    return this.enter(key, `'${def.name}'`, node, args, () => this.within(def.closure, node, () => {
      const scope = new Scope(def.closure);
      const params = child(def.node, 'parameters');
      const bound = bindParams(params, args, kwargs, scope, (n, sc) => this.eval(n, sc, {}), def.defaults);
      if (bound) this.fail(`call of '${def.name}': ${bound}`, node);
      const self = args[0];
      const owner = cls ?? (self?.k === 'module' && self.obj.def ? ownerOf(self.obj.def, def.node) : self?.k === 'object' ? ownerOf(self.def, def.node) : undefined);
      const yields = isGenerator(def.node) ? [] : undefined;
      // One literal, not spreads of three: a frame is made per call. No code lists a frame's keys.
      const frame: Frame = { cls: owner, self, yields };
      const body = child(def.node, 'body');
      if (def.node.type === 'lambda') return body ? this.eval(body, scope, frame) : NONE;
      const signal = this.execBlock(body, scope, frame);
      if (yields) return { k: 'list', items: yields };
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

  /** An instance of a plain class: fields bound for records, else `__init__` run on a fresh object. */
  private newObject(def: ClassDef, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const obj: Extract<PyValue, { k: 'object' }> = { k: 'object', def, attrs: new Map() };
    if (isDictClass(def)) {
      // A dict subclass holds its items as the dict it is; without an `__init__` of its own, dict's takes the arguments.
      obj.attrs.set(DICT_ITEMS, { k: 'dict', entries: new Map() });
      if (!findMethod(def, '__init__')) this.method(obj, 'dict.__init__', args, kwargs, node);
    }
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

  newModule(className: string, range: SourceRange, extra?: Partial<Pick<ModuleObj, 'layer' | 'def'>>): ModuleObj {
    // Every field from the start, in one order: all module objects share one shape, and no spread per module.
    return { id: this.nextModuleId++, className, range, layer: extra?.layer, def: extra?.def, children: new Map(), attrs: new Map(), ownParams: 0, path: undefined, weights: undefined };
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
          for (const c of obj.children.values()) v = this.callModule(c, [v], NO_KWARGS, node);
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

  method(self: PyValue, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
    const own = builtinMethod(self, name, args, kwargs, (v) => this.iterate(v));
    if (own) return own;
    if (self.k === 'array') return arrayMethod(self, name, args) ?? this.fail(`method '${name}' of an array is not interpreted`, node);
    if (self.k === 'int' || self.k === 'float') return scalarMethod(self, name) ?? this.fail(`method '${name}' of a number is not interpreted`, node);
    if (self.k === 'object' && self.def.record === 'namedtuple' && (name === '_replace' || name === '_asdict')) {
      if (name === '_asdict') return { k: 'dict', entries: new Map(self.attrs) };
      const attrs = new Map(self.attrs);
      for (const [k, v] of kwargs) attrs.set(k, v);
      return { k: 'object', def: self.def, attrs };
    }
    if (self.k === 'object' && name === 'dict.__init__') {
      const items = dictItemsOf(self);
      const first = args[0];
      const pairs = first?.k === 'dict' ? [...first.entries] : first?.k === 'object' && dictItemsOf(first) ? [...dictItemsOf(first)!.entries] : undefined;
      if (items && pairs) for (const [k, v] of pairs) items.entries.set(k, v);
      else if (items && first) for (const pair of this.iterate(first) ?? []) {
        const key = pair.k === 'tuple' || pair.k === 'list' ? dictKey(pair.items[0]) : undefined;
        if (key !== undefined && (pair as { items: PyValue[] }).items[1]) items.entries.set(key, (pair as { items: PyValue[] }).items[1]!);
      }
      if (items) for (const [k, v] of kwargs) items.entries.set(k, v);
      return NONE;
    }
    if (self.k === 'object' && name === 'object.__getattribute__') {
      const attr = args[0]?.k === 'str' ? args[0].v : undefined;
      return attr === undefined ? unknown('__getattribute__ of a name not known') : (self.attrs.get(attr) ?? methodValue(self.def, attr, self) ?? findClassAttr(self.def, attr) ?? this.fail(`'${self.def.name}' object has no attribute '${attr}'`, node));
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

  protected classStatement(node: Syn, scope: Scope, decorators: readonly string[]): ClassDef | undefined {
    return readClass(node, scope, undefined, decorators, this.program);
  }
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

