import type { TensorRef } from '../graph-builder.js';
import { child, childrenOf, namedChildren, type Syn } from '../syntax.js';
import { layerTensor } from './library/nn-layers.js';
import { dimValue } from './library/host.js';
import { binaryOp, compareValues, sliceBounds, sliceIndices } from './operators.js';
import { containerOf, derivesFrom, dictItemsOf, dunderAttr, findClassAttr, findMethod, isDictClass, isProperty, layerBaseOf, methodValue } from './classes.js';
import { ModuleScope } from './program.js';
import { evaluateDefaults } from './parameters.js';
import { firstLine, MAX_LOOP, type Frame } from './evaluator.js';
import { StatementInterpreter } from './statements.js';
import { NONE, NO_KWARGS, Scope, describe, dictKey, int, intOf, recordFields, strOf, truthy, unknown, type PyValue } from './values.js';

const BUILTINS = new Set([
  'set', 'all', 'any', 'callable', 'issubclass', 'dir',
  'int', 'float', 'round', 'max', 'min', 'abs', 'len', 'range', 'print', 'super', 'tuple', 'list', 'isinstance',
  'bool', 'str', 'sum', 'enumerate', 'zip', 'getattr', 'hasattr', 'setattr', 'dict', 'reversed', 'divmod', 'pow',
  'type', 'sorted',
]);

/** Python expressions: literals, names, operators, comprehensions, attributes and subscripts. */
export abstract class ExpressionInterpreter extends StatementInterpreter {
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
        return this.stringValue(node, scope, frame);
      case 'concatenated_string': {
        let s = '';
        for (const part of namedChildren(node)) {
          const v = this.stringValue(part, scope, frame);
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
          if (pair.type === 'dictionary_splat') {
            // `{**defaults, **cfg}`: later keys win, as Python merges them.
            const inner = namedChildren(pair)[0];
            const value = inner ? this.eval(inner, scope, frame) : undefined;
            const from = value?.k === 'dict' ? value : value?.k === 'object' ? dictItemsOf(value) : undefined;
            if (!from) return unknown(`'${this.text(pair)}' cannot be expanded`);
            for (const [k, v] of from.entries) entries.set(k, v);
            continue;
          }
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
      case 'yield': {
        // `yield v` / `yield from items` inside a generator function: collected, the generator's caller gets them all.
        const values = namedChildren(node).filter((c) => c.type !== 'comment');
        const from = /^yield\s+from\b/.test(this.text(node));
        if (!frame.yields) return unknown('yield outside a generator function');
        // `yield name, module` yields one tuple.
        const v = values.length > 1 ? { k: 'tuple', items: this.evalItems(values, scope, frame) } as PyValue : values[0] ? this.eval(values[0], scope, frame) : NONE;
        const items = from ? this.iterate(v) : [v];
        if (!items) return this.fail(`'yield from' of a value that is not known: '${firstLine(this.text(node))}'`, node);
        frame.yields.push(...items);
        return NONE;
      }
      case 'lambda': {
        const defaults = evaluateDefaults(child(node, 'parameters'), (d) => this.eval(d, scope, frame));
        return { k: 'func', def: { name: '<lambda>', node, closure: scope, ...(defaults ? { defaults } : {}) } };
      }
      case 'ERROR':
        return unknown(`cannot read '${firstLine(this.text(node))}'`);
      default:
        return unknown(`'${firstLine(this.text(node))}' is not interpreted`);
    }
  }

  /** A string literal; an f-string's `{expr}` parts are formatted as `str()` would (conversions and format specs are not). */
  private stringValue(node: Syn, scope: Scope, frame: Frame): PyValue {
    if (node.type !== 'string') return unknown('string');
    let s = '';
    for (const part of node.children) {
      if (part.type === 'interpolation') {
        const expr = child(part, 'expression');
        if (!expr || child(part, 'type_conversion') || child(part, 'format_specifier')) return unknown('f-string');
        const text = strOf(this.eval(expr, scope, frame));
        if (text === undefined) return unknown(`f-string part '${this.text(expr)}' is not known`);
        s += text;
      }
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
    // A dict subclass's `super().__getitem__(key)`, `super().__init__(...)`: dict's own, on the items it holds.
    const items = frame.self.k === 'object' && isDictClass(cls) ? dictItemsOf(frame.self) : undefined;
    if (items && name === '__init__') return { k: 'method', self: frame.self, name: 'dict.__init__' };
    if (items) return { k: 'method', self: items, name };
    // `object.__getattribute__`, which a `__getattr__` hook falls back to: lookup without the hook.
    if (name === '__getattribute__' && frame.self.k === 'object') return { k: 'method', self: frame.self, name: 'object.__getattribute__' };
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
        if (name === '__name__') return { k: 'str', v: owner.path.slice(owner.path.lastIndexOf('.') + 1) };
        return { k: 'ref', path: `${owner.path}.${name}` };
      case 'partial':
        // functools.partial's public attributes: code that rebinds a partial's arguments unwraps it with them.
        if (name === 'func') return owner.fn;
        if (name === 'args') return { k: 'tuple', items: owner.args };
        if (name === 'keywords') return { k: 'dict', entries: new Map(owner.kwargs) };
        return unknown(`attribute '${name}' of a functools.partial`);
      case 'module': {
        const obj = owner.obj;
        const c = obj.children.get(name);
        if (c) return { k: 'module', obj: c };
        const a = obj.attrs.get(name);
        if (a) return a;
        if (obj.def) {
          const m = methodValue(obj.def, name, owner);
          if (m) return isProperty(obj.def, name) ? this.invoke(m, [], NO_KWARGS, at) : m;
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
        const m = methodValue(owner.def, name, owner);
        if (m) return isProperty(owner.def, name) ? this.invoke(m, [], NO_KWARGS, at) : m;
        const items = dictItemsOf(owner);
        if (items && !findClassAttr(owner.def, name)) return { k: 'method', self: items, name };
        return findClassAttr(owner.def, name) ?? this.missingAttr(owner, name, at);
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
      case 'int':
      case 'float':
      case 'tuple':
      case 'list':
      case 'dict':
      case 'str':
        return { k: 'method', self: owner, name };
      case 'array':
        return name === 'shape' ? { k: 'tuple', items: [int(owner.data.length)] } : { k: 'method', self: owner, name };
      case 'unknown':
        return owner;
      default:
        return unknown(`attribute '${name}'`);
    }
  }

  /** Objects whose `__getattr__` is running: a lookup it makes on its own missing names does not recurse. */
  private readonly inGetattr = new Set<PyValue>();

  /** Python calls `__getattr__` only for names normal lookup does not find (`Norm.BATCH` on a layer factory). */
  private missingAttr(owner: Extract<PyValue, { k: 'object' }>, name: string, at: Syn): PyValue {
    const hook = methodValue(owner.def, '__getattr__', owner);
    const missing = unknown(`'${owner.def.name}' object has no attribute '${name}'`);
    if (!hook || this.inGetattr.has(owner)) return missing;
    this.inGetattr.add(owner);
    try {
      return this.invoke(hook, [{ k: 'str', v: name }], NO_KWARGS, at);
    } finally {
      this.inGetattr.delete(owner);
    }
  }

  private subscript(node: Syn, scope: Scope, frame: Frame): PyValue {
    const valueNode = child(node, 'value');
    const subs = childrenOf(node, 'subscript');
    if (!valueNode || subs.length === 0) return unknown('incomplete subscript');
    const owner = this.eval(valueNode, scope, frame);
    const keys = subs.map((s) => (s.type === 'slice' ? this.slice(s, scope, frame) : this.eval(s, scope, frame)));
    if (owner.k === 'tensor') return this.indexTensor(owner.t, keys, node);
    // A class of the program's own that defines `__getitem__` (a layer factory, a registry): `f[a, b]` passes `(a, b)`.
    const getItem = owner.k === 'object' || (owner.k === 'module' && owner.obj.def) ? methodValue(owner.k === 'object' ? owner.def : owner.obj.def!, '__getitem__', owner) : undefined;
    if (getItem) return this.invoke(getItem, [keys.length === 1 ? keys[0]! : { k: 'tuple', items: keys }], NO_KWARGS, node);
    const items = owner.k === 'object' ? dictItemsOf(owner) : undefined;
    if (items && keys.length === 1) return this.method(items, '__getitem__', keys, NO_KWARGS, node);
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
        const at = sliceIndices(key, owner.v.length);
        return at ? { k: 'str', v: at.map((i) => owner.v[i]).join('') } : unknown('slice');
      }
      const i = intOf(key);
      return i === undefined ? unknown(`index '${this.text(node)}'`) : (chars.items[i < 0 ? owner.v.length + i : i] ?? this.fail(`index ${i} out of range in '${this.text(node)}'`, node));
    }
    if (owner.k === 'tuple' || owner.k === 'list') {
      if (key.k === 'slice') {
        const at = sliceIndices(key, owner.items.length);
        if (!at) return unknown('slice');
        return { k: owner.k, items: at.map((i) => owner.items[i]!) };
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

  /**
   * `y[:, :, None, None]`, `y[..., None]`, `out[:, :self.oup]`, `w[0]`: slices with step 1 and integer
   * indices on known dimensions, and new axes.
   */
  private indexTensor(t: TensorRef, keys: PyValue[], node: Syn): PyValue {
    const newAxes: number[] = [];
    const sliced: { axis: number; start: number; end: number }[] = [];
    /** Axes of `t` an integer picked one element of: sliced to it, then dropped. */
    const picked: number[] = [];
    const rank = t.shape?.length;
    const ellipsisAt = keys.findIndex((k) => k.k === 'ref' && k.path === 'Ellipsis');
    // `pos`: the axis in the result (new axes count); `axis`: the axis of `t` a key applies to.
    let pos = 0;
    let axis = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k.k === 'none') newAxes.push(pos++);
      else if (k.k === 'slice' && k.start.k === 'none' && k.stop.k === 'none' && k.step.k === 'none') {
        pos++;
        axis++;
      } else if (i === ellipsisAt) {
        if (rank === undefined) return this.fail(`'${this.text(node)}' on a tensor of unknown rank`, node, [t]);
        const consumed = keys.filter((x, j) => j !== ellipsisAt && x.k !== 'none').length;
        pos += rank - consumed;
        axis += rank - consumed;
      } else if (k.k === 'slice') {
        const dim = t.shape?.[axis];
        const [start, end] = typeof dim === 'number' ? sliceBounds(k, dim) : [undefined, undefined];
        if (start === undefined || end === undefined) return this.fail(`tensor slice '${this.text(node)}' is not interpreted`, node, [t]);
        sliced.push({ axis, start, end });
        pos++;
        axis++;
      } else if ((k.k === 'int' || k.k === 'bool') && newAxes.length === 0) {
        const dim = t.shape?.[axis];
        const index = intOf(k)!;
        const at = typeof dim === 'number' ? (index < 0 ? dim + index : index) : undefined;
        if (at === undefined || at < 0 || at >= (dim as number)) return this.fail(`tensor index '${this.text(node)}' is out of range or on an axis that is not known`, node, [t]);
        sliced.push({ axis, start: at, end: at + 1 });
        picked.push(axis);
        axis++;
      } else return this.fail(`tensor indexing '${this.text(node)}' is not interpreted`, node, [t]);
    }
    let out = t;
    if (sliced.length > 0) out = this.ops(node).slice(t, sliced.map((x) => x.axis), sliced.map((x) => x.start), sliced.map((x) => x.end));
    if (picked.length > 0) out = this.ops(node).squeeze(out, picked);
    if (newAxes.length === 0) return { k: 'tensor', t: out };
    return { k: 'tensor', t: this.ops(node).unsqueeze(out, newAxes) };
  }

  binaryOp(op: string, a: PyValue, b: PyValue, node: Syn): PyValue {
    return binaryOp(this, op, a, b, node);
  }
}
