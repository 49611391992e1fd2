import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import { isLayerClass } from './custom-layers.js';
import type { TsInterpreter } from './interpreter.js';
import { isTypeNode, keyText } from './syntax-values.js';
import { TsScope, UNDEF, type TsClass, type TsValue } from './values.js';

/** Classes of the program: reading a class statement, `new C(...)` with fields, parameter properties and `super(...)`. */

type Instance = TsValue & { k: 'instance' };

/** A class statement or expression: methods by name, static fields, its base class. */
export function readClass(interp: TsInterpreter, s: Syn, scope: TsScope, fallbackName?: string): TsClass | undefined {
  const name = child(s, 'name');
  const body = child(s, 'body');
  if (!body) return undefined;
  const methods = new Map<string, Syn>();
  const statics = new Map<string, TsValue>();
  const heritage = namedChildren(s).find((c) => c.type === 'class_heritage');
  const extendsClause = heritage ? namedChildren(heritage).find((c) => c.type === 'extends_clause') ?? heritage : undefined;
  const baseExpr = extendsClause ? namedChildren(extendsClause).find((c) => !isTypeNode(c)) : undefined;
  const base = baseExpr ? interp.eval(baseExpr, scope) : undefined;
  const getters = new Set<string>();
  const cls: TsClass = { name: name ? textOf(name) : fallbackName ?? '<class>', node: s, closure: scope, methods, base, statics, getters, ...(interp.file !== undefined ? { file: interp.file } : {}) };
  for (const m of namedChildren(body)) {
    if (m.type === 'method_definition') {
      const n = child(m, 'name');
      if (!n) continue;
      // Keywords are not kept in the tree copy: `get x()` / `static get x()` are read from the text.
      const head = textOf(m).slice(0, n.startIndex - m.startIndex);
      if (/\bset\s*$/.test(head)) continue;
      if (/\bget\s*$/.test(head)) getters.add(keyText(n));
      methods.set(keyText(n), m);
    } else if (m.type === 'public_field_definition' && isStatic(m)) {
      const n = child(m, 'name');
      const value = child(m, 'value');
      if (n) statics.set(keyText(n), value ? interp.eval(value, scope) : UNDEF);
    }
  }
  return cls;
}

/** `static x = ...`: the keyword is not kept in the tree copy, so it is read from the text before the name. */
function isStatic(field: Syn): boolean {
  const name = child(field, 'name');
  return name !== undefined && /\bstatic\b/.test(textOf(field).slice(0, name.startIndex - field.startIndex));
}

/** `new C(args)`: field initialisers, parameter properties, then the constructor body (and `super(...)`). */
export function construct(interp: TsInterpreter, cls: TsClass, args: TsValue[], n: Syn): TsValue {
  if (!interp.newSites.some((s) => s.cls === cls)) interp.newSites.push({ cls, args });
  const self: TsValue = { k: 'instance', cls, props: new Map(), state: { built: false, weights: [], nodeIds: [], layerName: undefined } };
  runConstructor(interp, cls, self, args, n);
  return self;
}

export function runConstructor(interp: TsInterpreter, cls: TsClass, self: Instance, args: TsValue[], n: Syn): void {
  const ctor = cls.methods.get('constructor');
  // Without a constructor of its own, a derived class passes its arguments to its base's.
  if (!ctor && cls.base?.k === 'class') runConstructor(interp, cls.base.cls, self, args, n);
  else if (!ctor && isLayerClass(cls)) layerConfig(self, args[0]);
  const body = child(cls.node, 'body');
  const fieldScope = new TsScope(cls.closure);
  fieldScope.declare('this', self);
  for (const member of body ? namedChildren(body) : []) {
    if (member.type !== 'public_field_definition' || isStatic(member)) continue;
    const name = child(member, 'name');
    const value = child(member, 'value');
    if (name) self.props.set(keyText(name), value ? interp.eval(value, fieldScope) : UNDEF);
  }
  if (!ctor) return;
  // Parameter properties (`constructor(private ratio = 16)`) become fields.
  const params = child(ctor, 'parameters');
  const scope = new TsScope(cls.closure);
  interp.bindParams(ctor, args, scope);
  for (const p of params ? namedChildren(params) : []) {
    if (!p.children.some((c) => c.type === 'accessibility_modifier' || c.type === 'readonly' || c.type === 'override_modifier')) continue;
    const pattern = child(p, 'pattern');
    if (pattern?.type === 'identifier') self.props.set(textOf(pattern), scope.get(textOf(pattern)) ?? UNDEF);
  }
  interp.callFunction(interp.func(cls.name, ctor, cls.closure, { self, owner: cls, ...(cls.file !== undefined ? { file: cls.file } : {}) }), args, n, true);
}

/** A custom layer's `super(config)`: its name. */
export function layerConfig(self: Instance, config: TsValue | undefined): void {
  const name = config?.k === 'obj' ? config.props.get('name') : undefined;
  if (name?.k === 'str') self.state.layerName = name.v;
}

/** A method found on a class or its bases, with the class that defines it. */
export function findMethod(cls: TsClass, name: string): { node: Syn; cls: TsClass } | undefined {
  for (let c: TsClass | undefined = cls, hops = 0; c && hops < 32; c = c.base?.k === 'class' ? c.base.cls : undefined, hops++) {
    const m = c.methods.get(name);
    if (m) return { node: m, cls: c };
  }
  return undefined;
}
