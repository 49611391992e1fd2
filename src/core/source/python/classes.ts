import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import { isKnownLayer } from './library/nn-layers.js';
import { canonical } from './library/host.js';
import { ModuleScope } from './program.js';
import type { ClassDef, FuncDef, ModuleObj, PyValue, Scope } from './values.js';

/*
 * Python's class model as the evaluator reads it: a class statement becomes a ClassDef (bases, methods,
 * class attributes, record fields), and lookups follow the bases in order. Deriving from torch.nn's
 * module classes is the one piece of library knowledge here: it decides what is a module.
 */

/** `__class__`, `__name__` and `__module__` of user classes and their instances. */
export function dunderAttr(owner: PyValue, name: string): PyValue | undefined {
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


/** `nn.Module`, a container or a layer: a class user code may derive its modules from. */
export function isTorchModuleClass(path: string): boolean {
  if (!path.startsWith('nn.')) return false;
  const kind = path.slice(3);
  return kind === 'Module' || kind === 'Sequential' || kind === 'ModuleList' || kind === 'ModuleDict' || isKnownLayer(kind);
}

/** The torch.nn container a module is or derives from: its children are its items. */
export function containerOf(obj: Pick<ModuleObj, 'def'> & { className?: string }, seen = new Set<ClassDef>()): 'Sequential' | 'ModuleList' | 'ModuleDict' | undefined {
  if (!obj.def && (obj.className === 'Sequential' || obj.className === 'ModuleList' || obj.className === 'ModuleDict')) return obj.className;
  const def = obj.def;
  if (!def || seen.has(def)) return undefined;
  seen.add(def);
  for (const b of def.bases) {
    if (b.k === 'ref') {
      const p = canonical(b.path);
      if (p === 'nn.Sequential' || p === 'nn.ModuleList' || p === 'nn.ModuleDict') return p.slice(3) as 'Sequential' | 'ModuleList' | 'ModuleDict';
    } else if (b.k === 'class') {
      const found = containerOf({ def: b.def }, seen);
      if (found) return found;
    }
  }
  return undefined;
}

/** The torch.nn layer a user class derives from (`class SameConv(nn.Conv2d)` → `Conv2d`). */
export function layerBaseOf(def: ClassDef, seen = new Set<ClassDef>()): string | undefined {
  if (seen.has(def)) return undefined;
  seen.add(def);
  for (const b of def.bases) {
    if (b.k === 'ref') {
      const p = canonical(b.path);
      if (p.startsWith('nn.') && isKnownLayer(p.slice(3))) return p.slice(3);
    } else if (b.k === 'class') {
      const found = layerBaseOf(b.def, seen);
      if (found) return found;
    }
  }
  return undefined;
}

export function findMethod(def: ClassDef, name: string, seen?: Set<ClassDef>): { node: Syn; cls: ClassDef } | undefined {
  // Found on the class itself (most lookups: `forward`, `__init__`), no set of visited bases is needed.
  if (!seen) {
    const own = def.methods.get(name);
    if (own) return { node: own, cls: def };
    seen = new Set<ClassDef>();
  }
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

export function findClassAttr(def: ClassDef, name: string, seen = new Set<ClassDef>()): PyValue | undefined {
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

export function ownerOf(def: ClassDef, method: Syn, seen = new Set<ClassDef>()): ClassDef | undefined {
  if (seen.has(def)) return undefined;
  seen.add(def);
  for (const m of def.methods.values()) if (m === method) return def;
  for (const base of def.bases) if (base.k === 'class') {
    const found = ownerOf(base.def, method, seen);
    if (found) return found;
  }
  return undefined;
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
export function readClassWith(evaluate: (node: Syn, scope: Scope) => PyValue, node: Syn, scope: Scope, directive?: number[], decorators: readonly string[] = []): ClassDef | undefined {
  const nameNode = child(node, 'name');
  if (!nameNode) return undefined;
  const bases: PyValue[] = [];
  const supers = child(node, 'superclasses');
  for (const b of supers ? namedChildren(supers) : []) {
    if (b.type === 'keyword_argument') continue;
    bases.push(evaluate(b, scope));
  }
  const methods = new Map<string, Syn>();
  const methodKinds = new Map<string, 'static' | 'class' | 'property'>();
  const attrs = new Map<string, PyValue>();
  const fields: string[] = [];
  const body = child(node, 'body');
  for (const stmt of body ? namedChildren(body) : []) {
    const def = stmt.type === 'decorated_definition' ? child(stmt, 'definition') : stmt;
    if (def?.type === 'function_definition') {
      const n = child(def, 'name');
      if (!n) continue;
      const kinds = stmt.type === 'decorated_definition' ? decoratorNames(stmt) : [];
      // A property's setter and deleter (`@hidden.setter`) share its name: the getter is what reads see.
      if (kinds.includes('setter') || kinds.includes('deleter')) continue;
      methods.set(textOf(n), def);
      if (kinds.includes('staticmethod')) methodKinds.set(textOf(n), 'static');
      else if (kinds.includes('classmethod')) methodKinds.set(textOf(n), 'class');
      else if (kinds.includes('property') || kinds.includes('cached_property')) methodKinds.set(textOf(n), 'property');
    } else if (stmt.type === 'expression_statement') {
      const a = namedChildren(stmt)[0];
      const left = a?.type === 'assignment' ? child(a, 'left') : undefined;
      const right = a?.type === 'assignment' ? child(a, 'right') : undefined;
      if (left?.type === 'identifier' && a && child(a, 'type')) fields.push(textOf(left));
      if (left?.type === 'identifier' && right) {
        attrs.set(textOf(left), evaluate(right, scope));
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
/** Whether `name` is a `@property` of the class (or of a base it inherits it from). */
export function isProperty(def: ClassDef, name: string): boolean {
  const m = findMethod(def, name);
  return m?.cls.methodKinds?.get(name) === 'property';
}

export function methodValue(def: ClassDef, name: string, self: PyValue | undefined): PyValue | undefined {
  const m = findMethod(def, name);
  if (!m) return undefined;
  const fn: FuncDef = { name, node: m.node, closure: m.cls.closure };
  const kind = m.cls.methodKinds?.get(name);
  if (kind === 'static') return { k: 'func', def: fn };
  if (kind === 'class') return { k: 'func', def: fn, self: { k: 'class', def: self?.k === 'object' || self?.k === 'stub' ? self.def : self?.k === 'module' && self.obj.def ? self.obj.def : def } };
  return self ? { k: 'func', def: fn, self } : { k: 'func', def: fn };
}

/** A `keras.layers.Layer` (or `keras.Model`) subclass: built from its input shape, then called. */
export function isKerasLayerClass(def: ClassDef, seen = new Set<ClassDef>()): boolean {
  if (seen.has(def)) return false;
  seen.add(def);
  return def.bases.some((b) => (b.k === 'ref' && /^(keras|tensorflow\.keras|tf\.keras)\.(layers\.Layer|Layer|Model|models\.Model)$/.test(b.path)) || (b.k === 'class' && isKerasLayerClass(b.def, seen)));
}

/** Whether a class derives (through classes of the program) from the library class at `path`. */
export function derivesFrom(def: ClassDef, path: string, seen = new Set<ClassDef>()): boolean {
  if (seen.has(def)) return false;
  seen.add(def);
  return def.bases.some((b) => (b.k === 'ref' && (b.path === path || b.path.replace(/\.function\./, '.') === path)) || (b.k === 'class' && derivesFrom(b.def, path, seen)));
}

const DICT_BASES = new Set(['builtins.dict', 'collections.OrderedDict', 'typing.OrderedDict', 'typing.Dict', 'collections.UserDict']);

/** Whether a plain class derives from `dict` / `OrderedDict` (a registry such as transformers' `ClassInstantier`). */
export function isDictClass(def: ClassDef, seen = new Set<ClassDef>()): boolean {
  if (seen.has(def)) return false;
  seen.add(def);
  return def.bases.some((b) => (b.k === 'ref' && DICT_BASES.has(b.path)) || (b.k === 'class' && isDictClass(b.def, seen)));
}

/** Where an instance of a dict subclass keeps its items: a name no identifier can be. */
export const DICT_ITEMS = '<dict items>';

/** The items of an instance of a dict subclass. */
export function dictItemsOf(obj: { readonly def: ClassDef; readonly attrs: Map<string, PyValue> }): Extract<PyValue, { k: 'dict' }> | undefined {
  const items = obj.attrs.get(DICT_ITEMS);
  return items?.k === 'dict' ? items : undefined;
}
