import type { PythonFileCache } from '../modules/python-files.js';
import { describeTried, PythonImportResolver, type PythonModuleResolution } from '../modules/python-resolver.js';
import { basenamePath, isInside, normalizePath, type SourceFileSystem, type SourceLocation } from '../modules/source-files.js';
import { child, childrenOf, namedChildren, textOf, type Syn } from '../syntax.js';
import { CATALOGUE_ROOT, catalogueLocation, hasCatalogueEntries, isCatalogueOnly } from './library/catalogue.js';
import { Scope, unknown, type ModuleNamespace, type PyValue } from './values.js';

/** Runs one top-level statement of an imported module (the language lives in the interpreter, not here). */
export type StatementRunner = (stmt: Syn, scope: ModuleScope) => void;

/** Module top levels running inside each other (`a` imports from `b` imports from `c`...) before the chain is cut. */
const MAX_IMPORT_DEPTH = 200;

/**
 * A module's global scope. The analysed document's scope is filled by running its statements in order;
 * an imported module's scope is lazy: a name is bound by running only the statements that bind it, the
 * first time it is asked for. `from m import *` falls back to `m`'s exported names.
 */
export class ModuleScope extends Scope {
  private readonly stars: ModuleNamespace[] = [];
  /** Why `from m import *` statements bound nothing: an undefined name may have been meant to come from them. */
  readonly missingStars: string[] = [];

  constructor(
    /** The module's file, for relative imports; undefined for a document without a location. */
    readonly file: string | undefined,
    /** Whether the module is another file than the analysed document. */
    readonly foreign: boolean,
    /** `__name__` of the module: `__main__` for the document, the dotted import path for the others. */
    readonly moduleName = '__main__',
  ) {
    super();
  }

  addStar(ns: ModuleNamespace): void {
    this.stars.push(ns);
  }

  protected starModules(): readonly ModuleNamespace[] {
    return this.stars;
  }

  override get(name: string): PyValue | undefined {
    return super.get(name) ?? this.fromStars(name);
  }

  private readonly lookingUp = new Set<string>();

  protected fromStars(name: string): PyValue | undefined {
    // A star import of a module that star-imports this one back: each name is looked for once.
    if (this.lookingUp.has(name)) return undefined;
    this.lookingUp.add(name);
    try {
      for (const ns of this.stars) if (ns.mayExport?.(name) !== false && ns.exported().includes(name)) return ns.get(name);
      return undefined;
    } finally {
      this.lookingUp.delete(name);
    }
  }
}

/** Which top-level statements bind each name, and which are star imports: read once per parsed file. */
interface StatementIndex {
  readonly byName: ReadonlyMap<string, readonly number[]>;
  readonly stars: readonly number[];
  /** `__all__` when it is written as a literal list or tuple of strings (undefined otherwise). */
  readonly literalAll: readonly string[] | undefined;
}

const indexes = new WeakMap<readonly Syn[], StatementIndex>();

function indexOf(statements: readonly Syn[]): StatementIndex {
  let index = indexes.get(statements);
  if (index) return index;
  const byName = new Map<string, number[]>();
  const stars: number[] = [];
  let literalAll: string[] | undefined;
  statements.forEach((stmt, i) => {
    for (const name of boundNames(stmt)) {
      if (name === '*') stars.push(i);
      else {
        let list = byName.get(name);
        if (!list) byName.set(name, (list = []));
        list.push(i);
      }
    }
  });
  const allAt = byName.get('__all__');
  if (allAt?.length === 1) literalAll = literalStrings(statements[allAt[0]!]!);
  index = { byName, stars, literalAll };
  indexes.set(statements, index);
  return index;
}

/** `__all__ = ["a", "b"]` → ['a', 'b']; anything computed → undefined. */
function literalStrings(stmt: Syn): string[] | undefined {
  const assignment = stmt.type === 'expression_statement' ? namedChildren(stmt)[0] : undefined;
  const right = assignment?.type === 'assignment' ? child(assignment, 'right') : undefined;
  if (!right || (right.type !== 'list' && right.type !== 'tuple')) return undefined;
  const out: string[] = [];
  for (const item of namedChildren(right)) {
    if (item.type !== 'string' || item.children.some((c) => c.type === 'interpolation')) return undefined;
    out.push(item.children.filter((c) => c.type === 'string_content').map(textOf).join(''));
  }
  return out;
}

/** An imported module's scope, interpreted lazily statement by statement. */
class LazyModuleScope extends ModuleScope {
  private readonly byName: ReadonlyMap<string, readonly number[]>;
  private readonly starStatements: readonly number[];
  readonly literalAll: readonly string[] | undefined;
  private readonly done = new Set<number>();
  private readonly running = new Set<number>();
  /** A statement was not run because the import chain was too deep. */
  cutOff = false;

  constructor(
    file: string,
    moduleName: string,
    private readonly statements: readonly Syn[],
    private readonly program: PythonProgram,
  ) {
    super(file, true, moduleName);
    const index = indexOf(statements);
    this.byName = index.byName;
    this.starStatements = index.stars;
    this.literalAll = index.literalAll;
  }

  /** Top-level names in source order. */
  topNames(): string[] {
    return [...this.byName.keys()];
  }

  /** Names this module's own star imports bind (a module that star-imports this one back gives none while it is asked). */
  starNames(): string[] {
    this.runAll(this.starStatements);
    return this.starModules().flatMap((ns) => ns.exported());
  }

  override get(name: string): PyValue | undefined {
    const own = this.ownValue(name);
    if (own) return own;
    this.runAll(this.starStatements);
    return this.fromStars(name);
  }

  private ownValue(name: string): PyValue | undefined {
    const indices = this.byName.get(name);
    if (indices) this.runAll(indices);
    return this.getOwn(name);
  }

  private getOwn(name: string): PyValue | undefined {
    // The parent chain of a module scope is empty: Scope.get reads only this module's names.
    return Scope.prototype.get.call(this, name);
  }

  private runAll(indices: readonly number[]): void {
    for (const i of indices) {
      if (this.done.has(i) || this.running.has(i)) continue;
      if (this.program.importDepth >= MAX_IMPORT_DEPTH) {
        this.cutOff = true;
        continue;
      }
      this.running.add(i);
      this.program.importDepth++;
      try {
        this.program.run(this.statements[i]!, this);
      } finally {
        this.program.importDepth--;
        this.running.delete(i);
        this.done.add(i);
      }
    }
  }
}

/** Names a top-level statement binds; `*` for a star import. Compound statements bind what their bodies bind. */
function boundNames(stmt: Syn): string[] {
  switch (stmt.type) {
    case 'class_definition':
    case 'function_definition': {
      const n = child(stmt, 'name');
      return n ? [textOf(n)] : [];
    }
    case 'decorated_definition': {
      // `@Act.factory_function("swish")` registers the function in `Act`: the statement runs with that name too.
      const d = child(stmt, 'definition');
      const registries = d?.type === 'function_definition' ? namedChildren(stmt).filter((c) => c.type === 'decorator').flatMap((dec) => {
        const e = namedChildren(dec)[0];
        return e && e.type !== 'identifier' ? [headName(e)].filter((h): h is string => !!h) : [];
      }) : [];
      return [...(d ? boundNames(d) : []), ...registries];
    }
    case 'expression_statement':
      return namedChildren(stmt).flatMap((e) => {
        if (e.type === 'assignment' || e.type === 'augmented_assignment') return assignedNames(e);
        // `REGISTRY.update(...)`, `LAYERS.append(...)`: statements that change a name run with its binding.
        const head = headName(e);
        return head ? [head] : [];
      });
    case 'import_statement':
      return childrenOf(stmt, 'name').map((n) => {
        if (n.type === 'aliased_import') return textOf(child(n, 'alias') ?? n);
        return textOf(n).split('.')[0]!;
      });
    case 'import_from_statement': {
      if (namedChildren(stmt).some((c) => c.type === 'wildcard_import')) return ['*'];
      return childrenOf(stmt, 'name').map((n) => textOf((n.type === 'aliased_import' ? child(n, 'alias') : n) ?? n));
    }
    case 'if_statement':
    case 'try_statement':
    case 'with_statement':
    case 'for_statement':
    case 'while_statement':
    case 'block':
    case 'else_clause':
    case 'elif_clause':
    case 'except_clause':
    case 'finally_clause':
    case 'ERROR':
      return [...new Set(namedChildren(stmt).flatMap(boundNames))];
    default:
      return [];
  }
}

function assignedNames(assignment: Syn): string[] {
  const left = child(assignment, 'left');
  const right = child(assignment, 'right');
  const out = left ? targetIdentifiers(left) : [];
  if (out.length === 0 && left) {
    const head = headName(left);
    if (head) out.push(head);
  }
  if (right?.type === 'assignment') out.push(...assignedNames(right));
  return out;
}

function targetIdentifiers(target: Syn): string[] {
  if (target.type === 'identifier') return [textOf(target)];
  if (['pattern_list', 'tuple_pattern', 'list_pattern', 'tuple', 'list', 'expression_list', 'parenthesized_expression'].includes(target.type)) {
    return namedChildren(target).flatMap(targetIdentifiers);
  }
  return [];
}

/** The identifier an attribute, subscript or call chain starts from: `A` in `A.b[c].d()`. */
function headName(e: Syn): string | undefined {
  let n: Syn | undefined = e;
  while (n) {
    if (n.type === 'identifier') return textOf(n);
    n = n.type === 'call' ? child(n, 'function') : n.type === 'attribute' ? child(n, 'object') : n.type === 'subscript' ? child(n, 'value') : undefined;
  }
  return undefined;
}

/** What reading a module's file gave: its lazily interpreted scope and whether reading it went wrong. */
interface LoadedModule {
  readonly scope: LazyModuleScope | undefined;
  /** The file exists but could not be read (too large, unreadable, refused). */
  readonly unreadable: boolean;
  /** The file has syntax errors: names after them may be missing. */
  readonly syntaxErrors: boolean;
}

/**
 * A module's namespace. Its file is parsed the first time a name is asked of it, not when it is imported: a
 * package `__init__.py` of a hundred `from .x import *` lines costs only the modules a lookup reaches.
 */
class FileNamespace implements ModuleNamespace {
  private exportedNames: readonly string[] | undefined;
  private loaded: LoadedModule | undefined;

  constructor(
    readonly name: string,
    readonly file: string | undefined,
    private readonly packageDir: string | undefined,
    private readonly load: () => LoadedModule,
    private readonly program: PythonProgram,
    /** The file's text, for `mayExport`; undefined when it has none or cannot be read. */
    private readonly text: () => string | undefined,
  ) {}

  private get scope(): LazyModuleScope | undefined {
    return (this.loaded ??= this.load()).scope;
  }

  get unreadable(): boolean {
    return (this.loaded ??= this.load()).unreadable;
  }

  get syntaxErrors(): boolean {
    return (this.loaded ??= this.load()).syntaxErrors;
  }

  /** False when `from m import *` cannot bind `name`: the text neither spells it nor star-imports in turn. */
  mayExport(name: string): boolean {
    if (this.loaded) return true;
    const text = this.text();
    return text === undefined || text.includes(name) || /\bimport\s+\*/.test(text);
  }

  get(name: string): PyValue | undefined {
    return this.scope?.get(name) ?? this.program.submodule(this, this.packageDir, name);
  }

  get cutOff(): boolean {
    return this.scope?.cutOff ?? false;
  }

  exported(): readonly string[] {
    if (!this.exportedNames) {
      this.exportedNames = [];
      if (this.scope?.literalAll) return (this.exportedNames = this.scope.literalAll);
      const all = this.scope?.get('__all__');
      if (all && (all.k === 'list' || all.k === 'tuple')) this.exportedNames = all.items.flatMap((v) => (v.k === 'str' ? [v.v] : []));
      // Without __all__, every public name the module's namespace holds: its own and those its star imports bound.
      else if (this.scope) this.exportedNames = [...new Set([...this.scope.topNames(), ...this.scope.starNames()])].filter((n) => !n.startsWith('_'));
    }
    return this.exportedNames;
  }
}

/** Where the files an analysis read stood: path → version (or kind, or '-' when absent). */
export type FileStamps = ReadonlyMap<string, string>;

/**
 * The modules of one analysis: import resolution, lazy module namespaces and the files they read. Parsed
 * files come from a cache that outlives the analysis; namespaces (interpreted values) do not.
 */
export class PythonProgram {
  readonly resolver: PythonImportResolver | undefined;
  private readonly catalogue = new PythonImportResolver(catalogueLocation());
  private readonly namespaces = new Map<string, FileNamespace>();
  /** Every path the analysis looked at, with its stamp: results that read them are valid while these hold. */
  readonly stamps = new Map<string, string>();
  /** Stamps read in this analysis, so each path is asked once however many cached results depend on it. */
  private readonly current = new Map<string, string>();
  private readonly files: SourceFileSystem | undefined;
  run: StatementRunner = () => undefined;
  /** How many imported modules' statements are running inside each other now. */
  importDepth = 0;

  constructor(
    readonly location: SourceLocation | undefined,
    private readonly fileCache: PythonFileCache | undefined,
  ) {
    if (location) {
      this.files = recording(location.files, this.stamps);
      this.resolver = new PythonImportResolver({ ...location, files: this.files });
    }
  }

  /**
   * Starts another analysis with this program's interpreted modules: true when every file it read still
   * reads as it did, so its module scopes (and what they bound) hold; false when it must be replaced.
   */
  reuse(): boolean {
    this.current.clear();
    this.importDepth = 0;
    return this.unchanged(this.stamps);
  }

  /** Whether every file in `stamps` still reads as it did (re-checked once per analysis). */
  unchanged(stamps: FileStamps): boolean {
    if (stamps.size === 0) return true;
    const files = this.files;
    if (!files) return false;
    for (const [path, stamp] of stamps) {
      let now = this.current.get(path);
      if (now === undefined) this.current.set(path, (now = stampOf(files, path)));
      if (now !== stamp) return false;
    }
    return true;
  }

  /** The value `import name` (level 0) or `from <dots>name import ...` refers to. */
  moduleValue(name: string, level: number, fromFile: string | undefined): PyValue {
    if (level === 0 && isCatalogueOnly(name)) return { k: 'ref', path: name };
    const dotted = `${'.'.repeat(level)}${name}`;
    const inCatalogue = fromFile !== undefined && isInside(fromFile, CATALOGUE_ROOT);
    const resolver = inCatalogue ? this.catalogue : this.resolver;
    const r = resolver && fromFile !== undefined ? resolver.resolve(name, level, fromFile) : undefined;
    if (r?.found) return { k: 'pymodule', ns: this.namespace(dotted, r) };
    if (level === 0 && hasCatalogueEntries(name) && !inCatalogue) {
      // The library's source is not where the document's imports are looked for: its catalogue entries stand in.
      const fromCatalogue = this.catalogue.resolve(name, 0, catalogueLocation().path);
      if (fromCatalogue.found) return { k: 'pymodule', ns: this.namespace(name, fromCatalogue) };
      return { k: 'ref', path: name };
    }
    if (!r) return level === 0 ? { k: 'ref', path: name } : unknown(`relative import '${dotted}' needs the file's location`);
    return unknown(`module '${dotted}' was not found (looked in ${describeTried(r.tried)})`);
  }

  /** `from module import name`. */
  importFrom(module: PyValue, name: string): PyValue {
    if (module.k === 'ref') return { k: 'ref', path: `${module.path}.${name}` };
    if (module.k === 'pymodule') {
      const ns = module.ns;
      const value = ns.get(name);
      if (value) return value;
      const where = ns.file ? basenamePath(ns.file) : 'a namespace package';
      const file = ns instanceof FileNamespace ? ns : undefined;
      const why = file?.unreadable
        ? `${where} could not be read`
        : file?.cutOff
          ? `imports nested deeper than ${MAX_IMPORT_DEPTH} modules`
          : file?.syntaxErrors
            ? `${where}, which has syntax errors`
            : where;
      return unknown(`cannot import '${name}' from '${ns.name}' (${why})`);
    }
    return module;
  }

  submodule(parent: FileNamespace, packageDir: string | undefined, name: string): PyValue | undefined {
    const resolver = packageDir && isInside(packageDir, CATALOGUE_ROOT) ? this.catalogue : this.resolver;
    if (!packageDir || !resolver) return undefined;
    const r = resolver.resolve(name, 1, `${packageDir}/__init__.py`);
    return r.found ? { k: 'pymodule', ns: this.namespace(`${parent.name}.${name}`, r) } : undefined;
  }

  /** `pkg.sub.mod` for `<root>/pkg/sub/mod.py` (or its `__init__.py`), from the first search folder holding the file. */
  private dottedName(file: string): string | undefined {
    const location = this.location ?? { searchRoots: [], pythonPaths: [] };
    for (const root of [...location.searchRoots, ...location.pythonPaths, CATALOGUE_ROOT]) {
      const r = normalizePath(root);
      if (!isInside(file, r) || file === r) continue;
      const parts = file.slice(r.length + 1).replace(/\.py$/, '').split('/');
      if (parts[parts.length - 1] === '__init__') parts.pop();
      return parts.join('.');
    }
    return undefined;
  }

  private namespace(name: string, r: PythonModuleResolution): FileNamespace {
    const key = r.file ?? r.packageDir ?? name;
    let ns = this.namespaces.get(key);
    if (!ns) {
      const inCatalogue = r.file !== undefined && isInside(r.file, CATALOGUE_ROOT);
      const files = inCatalogue ? catalogueLocation().files : this.files;
      const system = inCatalogue ? catalogueLocation().files : this.location?.files;
      const file = r.file;
      const load = (): LoadedModule => {
        const parsed = file && files && system ? this.fileCache?.get(system, files, file) : undefined;
        const scope = file ? new LazyModuleScope(file, this.dottedName(file) ?? name, parsed?.statements ?? [], this) : undefined;
        return { scope, unreadable: Boolean(file) && !parsed, syntaxErrors: parsed?.syntaxErrors ?? false };
      };
      ns = new FileNamespace(name, file, r.packageDir, load, this, () => (file && files ? files.readText(file) : undefined));
      this.namespaces.set(key, ns);
    }
    return ns;
  }
}

/** The file system, recording each path's stamp the first time it is looked at. */
function recording(files: SourceFileSystem, stamps: Map<string, string>): SourceFileSystem {
  const stamp = (path: string) => {
    if (!stamps.has(path)) stamps.set(path, stampOf(files, path));
  };
  return {
    kind: (p) => (stamp(p), files.kind(p)),
    readText: (p) => (stamp(p), files.readText(p)),
    list: (p) => (stamp(p), files.list(p)),
    version: (p) => (stamp(p), files.version(p)),
  };
}

export function stampOf(files: SourceFileSystem, path: string): string {
  return files.version(path) ?? files.kind(path) ?? '-';
}
