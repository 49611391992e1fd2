import type { SourceRange } from '../../ir/graph.js';
import type { TensorRef } from '../graph-builder.js';
import type { Syn } from '../syntax.js';
import type { TfLayer } from '../typescript/layers.js';

/**
 * Abstract values of the Python interpreter. Anything the interpreter cannot know is `unknown` with a
 * reason; it never invents a number.
 */
export type PyValue =
  | { readonly k: 'int'; readonly v: number }
  | { readonly k: 'float'; readonly v: number }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'none' }
  | { readonly k: 'tuple'; readonly items: PyValue[] }
  | { readonly k: 'list'; readonly items: PyValue[] }
  | { readonly k: 'dict'; readonly entries: Map<string, PyValue> }
  | { readonly k: 'slice'; readonly start: PyValue; readonly stop: PyValue; readonly step: PyValue }
  /** `param`: made by `nn.Parameter`, so assigning it to a module registers parameters. */
  | { readonly k: 'tensor'; readonly t: TensorRef; readonly param?: boolean }
  /** A one-dimensional numeric array of known values (torch / numpy arithmetic on architecture tables). */
  | { readonly k: 'array'; readonly data: readonly number[]; readonly dtype: 'int' | 'f32' | 'f64' }
  | { readonly k: 'module'; readonly obj: ModuleObj }
  /** A dotted library name (`torch.nn.Linear`, `torch.nn.functional.relu`, `math.log2`). */
  | { readonly k: 'ref'; readonly path: string }
  | { readonly k: 'class'; readonly def: ClassDef }
  | { readonly k: 'func'; readonly def: FuncDef; readonly self?: PyValue }
  /** A method or attribute of a value, resolved when it is called (`x.view`, `inputs.shape`). */
  | { readonly k: 'method'; readonly self: PyValue; readonly name: string }
  /** `functools.partial(f, ...)`. */
  | { readonly k: 'partial'; readonly fn: PyValue; readonly args: PyValue[]; readonly kwargs: Map<string, PyValue> }
  /** A module read from another file (a sibling, a package in the workspace, site-packages). */
  | { readonly k: 'pymodule'; readonly ns: ModuleNamespace }
  /** An instance of a plain class: a config object, a dataclass, a named tuple. */
  | { readonly k: 'object'; readonly def: ClassDef; readonly attrs: Map<string, PyValue> }
  /** A Keras layer object (`layers.Dense(8)`), the same object the TF.js front-end builds. */
  | { readonly k: 'keras'; readonly layer: TfLayer }
  /** Top-level code only: an instance of a user class seen at the file's call site. */
  | { readonly k: 'stub'; readonly def: ClassDef; readonly args: PyValue[]; readonly kwargs: Map<string, PyValue> }
  | { readonly k: 'unknown'; readonly why: string };

/** The names of an imported module, interpreted when asked for. */
export interface ModuleNamespace {
  /** Dotted name as imported (`mypkg.helpers`, `.helpers`). */
  readonly name: string;
  /** The file holding the module's top level; undefined for a namespace package. */
  readonly file: string | undefined;
  /** A name of the module's top level, a sub-module, or undefined when it has neither. */
  get(name: string): PyValue | undefined;
  /** Names `from m import *` binds: `__all__` when given, else the public top-level names. */
  exported(): readonly string[];
  /** False when the module certainly does not export `name` (known without interpreting it). */
  mayExport?(name: string): boolean;
}

export interface FuncDef {
  readonly name: string;
  readonly node: Syn;
  /** Scope the function was defined in (module globals or an enclosing function). */
  readonly closure: Scope;
  /**
   * Default values evaluated where the function was defined, by their expression node: Python evaluates
   * them once, so `lambda layer=layer: layer` in a loop keeps each iteration's value.
   */
  readonly defaults?: ReadonlyMap<Syn, PyValue>;
}

export interface ClassDef {
  readonly name: string;
  readonly node: Syn;
  readonly bases: readonly PyValue[];
  readonly methods: Map<string, Syn>;
  /** `@staticmethod`, `@classmethod` and `@property` methods; the others bind `self`. */
  readonly methodKinds?: ReadonlyMap<string, 'static' | 'class' | 'property'>;
  /** Class-level assignments (`expansion = 4`). */
  readonly attrs: Map<string, PyValue>;
  readonly closure: Scope;
  /** Whether it derives (directly or through a class in the file) from `torch.nn.Module`. */
  readonly isModule: boolean;
  /** `# se-lens: input=[...]` directive on or just above the class line. */
  readonly inputDirective?: number[];
  /** Annotated class-level names in order: the constructor of a dataclass or NamedTuple takes them. */
  readonly fields?: readonly string[];
  /** Built from its fields (`@dataclass`, `NamedTuple`, `collections.namedtuple`); tuples also iterate. */
  readonly record?: 'dataclass' | 'namedtuple';
  /** Whether the class was read from another file than the analysed document. */
  readonly foreign?: boolean;
}

/** A leaf layer PyTorch provides: what it counts and how a call becomes IR. */
export interface LayerSpec {
  readonly kind: string;
  readonly params: number;
  readonly config: Record<string, number | boolean | string | number[]>;
}

/** An `nn.Module` object created while interpreting `__init__`. */
export interface ModuleObj {
  readonly id: number;
  readonly className: string;
  readonly range: SourceRange;
  /** Set for PyTorch's own layers, and by the layer constructor a subclass of one calls through `super()`. */
  layer?: LayerSpec;
  /** Set for modules defined in the file. */
  readonly def?: ClassDef;
  /** Registered submodules in registration order (PyTorch's `_modules`). */
  readonly children: Map<string, ModuleObj>;
  readonly attrs: Map<string, PyValue>;
  /** `nn.Parameter` elements registered directly on this module. */
  ownParams: number;
  /** Assigned after the root's `__init__`: the first name `named_modules()` gives this object. */
  path?: string;
  /** Weight initializer names, created at the first call so a module called twice shares its weights. */
  weights?: Map<string, string>;
}

export class Scope {
  private readonly vars = new Map<string, PyValue>();
  constructor(readonly parent?: Scope) {}

  get(name: string): PyValue | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }

  set(name: string, value: PyValue): void {
    this.vars.set(name, value);
  }

  has(name: string): boolean {
    return this.vars.has(name) || !!this.parent?.has(name);
  }

  /** The module-level scope this one is nested in. */
  root(): Scope {
    let s: Scope = this;
    while (s.parent) s = s.parent;
    return s;
  }
}

export const NONE: PyValue = { k: 'none' };

/** The keyword arguments of a call that passes none. Shared by every such call: never written. */
export const NO_KWARGS: Map<string, PyValue> = new Map();

/**
 * Counts changes made in place to lists, dicts and plain objects (`append`, `d[k] = v`, `obj.a = v`). An
 * analysis whose own code changed one may have changed a value of an imported module, which is then not
 * kept for the next analysis (analyses run one at a time: a plain counter is enough).
 */
export const inPlaceChanges = { count: 0 };

export function unknown(why: string): PyValue {
  return { k: 'unknown', why };
}

export function int(v: number): PyValue {
  return { k: 'int', v };
}

export function num(v: PyValue | undefined): number | undefined {
  if (!v) return undefined;
  if (v.k === 'int' || v.k === 'float') return v.v;
  if (v.k === 'bool') return v.v ? 1 : 0;
  return undefined;
}

export function intOf(v: PyValue | undefined): number | undefined {
  const n = num(v);
  return n !== undefined && Number.isInteger(n) ? n : undefined;
}

/** A known integer list from an int or a tuple/list of ints (`kernel_size=3` or `(3, 3)`). */
export function intsOf(v: PyValue | undefined): number[] | undefined {
  if (!v) return undefined;
  const single = intOf(v);
  if (single !== undefined) return [single];
  if (v.k === 'tuple' || v.k === 'list') {
    const out: number[] = [];
    for (const item of v.items) {
      const n = intOf(item);
      if (n === undefined) return undefined;
      out.push(n);
    }
    return out;
  }
  return undefined;
}

export function truthy(v: PyValue): boolean | undefined {
  switch (v.k) {
    case 'int':
    case 'float':
      return v.v !== 0;
    case 'bool':
      return v.v;
    case 'str':
      return v.v.length > 0;
    case 'none':
      return false;
    case 'tuple':
    case 'list':
      return v.items.length > 0;
    case 'dict':
      return v.entries.size > 0;
    case 'module':
    case 'class':
    case 'func':
    case 'ref':
    case 'stub':
    case 'pymodule':
    case 'object':
    case 'keras':
    case 'partial':
      return true;
    default:
      return undefined;
  }
}

/** A short description of a value for notes and for `SourceUnit.arguments`. */
export function describe(v: PyValue): number | string | boolean {
  switch (v.k) {
    case 'int':
    case 'float':
      return v.v;
    case 'bool':
      return v.v;
    case 'str':
      return v.v;
    case 'none':
      return 'None';
    case 'ref':
      return v.path;
    case 'class':
      return v.def.name;
    case 'pymodule':
      return v.ns.name;
    case 'tuple':
    case 'list':
      return `(${v.items.map((i) => String(describe(i))).join(', ')})`;
    default:
      return `<${v.k}>`;
  }
}

/**
 * Dict keys as strings: a str is itself; ints, bools and library names (`{1: 16, nn.ReLU: 'relu'}`) get a
 * prefix no identifier has, so lookups with the same value find them and `keys()` gives the values back.
 */
export function dictKey(v: PyValue | undefined): string | undefined {
  if (!v) return undefined;
  switch (v.k) {
    case 'str':
      return v.v;
    case 'int':
      return `\u0000int:${v.v}`;
    case 'bool':
      return `\u0000int:${v.v ? 1 : 0}`;
    case 'ref':
      return `\u0000ref:${v.path}`;
    case 'none':
      return '\u0000none';
    default:
      return undefined;
  }
}

export function keyValue(key: string): PyValue {
  if (!key.startsWith('\u0000')) return { k: 'str', v: key };
  if (key.startsWith('\u0000int:')) return int(Number(key.slice(5)));
  if (key.startsWith('\u0000ref:')) return { k: 'ref', path: key.slice(5) };
  return NONE;
}

/** `str(v)` of a known number, bool or string. */
export function strOf(v: PyValue): string | undefined {
  switch (v.k) {
    case 'str':
      return v.v;
    case 'int':
      return String(v.v);
    case 'float':
      return Number.isInteger(v.v) ? `${v.v}.0` : String(v.v);
    case 'bool':
      return v.v ? 'True' : 'False';
    case 'none':
      return 'None';
    default:
      return undefined;
  }
}

/** A record's fields, base classes' first (dataclass inheritance). */
export function recordFields(def: ClassDef, seen = new Set<ClassDef>()): string[] {
  if (seen.has(def)) return [];
  seen.add(def);
  const inherited = def.bases.flatMap((b) => (b.k === 'class' && b.def.record ? recordFields(b.def, seen) : []));
  const own = def.fields ?? [];
  return [...inherited.filter((f) => !own.includes(f)), ...own];
}
