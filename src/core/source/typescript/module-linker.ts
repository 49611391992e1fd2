import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import type { Signal, TsInterpreter } from './interpreter.js';
import { keyText } from './syntax-values.js';
import { tfModulePath } from './tf-library.js';
import { fromJson, TsScope, UNDEF, unknown, type TsValue } from './values.js';

/**
 * `import` / `export` / `require` between the files of the program: each file runs once per
 * interpreter, in a module scope of its own; its exports are an object (ES exports and CommonJS
 * `module.exports` alike). TF.js packages are the library (`tf`), never read.
 */
export class TsModuleLinker {
  /** Exports of the files run so far, by path; a file still running is present (a cycle sees it partial, as in ES modules). */
  private readonly exports = new Map<string, Map<string, TsValue>>();
  /** Files that re-export TF.js (`export * from '@tensorflow/tfjs-node'`, a project's own `tf.ts`): what they do not export themselves is `tf`'s. */
  private readonly tfReexports = new Set<string>();

  constructor(private readonly interp: TsInterpreter) {}

  importStatement(s: Syn, scope: TsScope): void {
    const source = child(s, 'source');
    const from = source ? textOf(source).slice(1, -1) : '';
    // `import tf = require('@tensorflow/tfjs')`
    const requireClause = namedChildren(s).find((c) => c.type === 'import_require_clause');
    if (requireClause) {
      const id = namedChildren(requireClause).find((c) => c.type === 'identifier');
      const spec = child(requireClause, 'source');
      const path = spec ? textOf(spec).slice(1, -1) : '';
      if (id) scope.declare(textOf(id), tfModulePath(path) ? { k: 'ref', path: 'tf' } : this.load(path, s));
      return;
    }
    const clause = namedChildren(s).find((c) => c.type === 'import_clause');
    if (!clause) {
      if (!tfModulePath(from)) this.load(from, s);
      return;
    }
    const tf = tfModulePath(from);
    const exports = tf ? undefined : this.load(from, s);
    const exported = (name: string): TsValue =>
      tf
        ? name === 'default'
          ? { k: 'ref', path: 'tf' }
          : { k: 'ref', path: `tf.${name}` }
        : exports?.k === 'obj'
          ? exports.props.get(name) ?? (exports.base ? this.interp.member(exports, name) : unknown(`'${name}' is not exported by '${from}'`))
          : exports ?? unknown(`'${from}'`);
    for (const c of namedChildren(clause)) {
      if (c.type === 'identifier') scope.declare(textOf(c), tf ? { k: 'ref', path: 'tf' } : exports?.k === 'obj' && exports.props.has('default') ? exports.props.get('default')! : exports ?? UNDEF);
      else if (c.type === 'namespace_import') {
        const id = namedChildren(c)[0];
        if (id) scope.declare(textOf(id), tf ? { k: 'ref', path: 'tf' } : exports ?? UNDEF);
      } else if (c.type === 'named_imports') {
        for (const spec of namedChildren(c)) {
          if (spec.type !== 'import_specifier') continue;
          const name = child(spec, 'name');
          const alias = child(spec, 'alias');
          if (name) scope.declare(textOf(alias ?? name), exported(keyText(name)));
        }
      }
    }
  }

  /**
   * Runs another file of the program once per interpreter and gives its exports as an object:
   * ES `export`s, and CommonJS `module.exports` / `exports.x`. Unresolved: a note naming the places tried.
   */
  load(specifier: string, at: Syn): TsValue {
    if (!this.interp.modules) return this.interp.contextFail(`'${specifier}' is not read (the document's location is not known)`, at);
    const from = this.interp.file ?? this.interp.modules.documentPath;
    const resolved = this.interp.modules.resolve(specifier, from);
    if (!('path' in resolved)) {
      const tried = resolved.tried.length ? `; tried ${resolved.tried.slice(0, 3).join(', ')}${resolved.tried.length > 3 ? ', ...' : ''}` : '';
      return this.interp.contextFail(`${resolved.why}${tried}`, at);
    }
    const path = resolved.path;
    if (path === this.interp.modules.documentPath) return this.interp.contextFail(`'${specifier}' imports the document itself`, at);
    if (path.endsWith('.json')) {
      const json = this.interp.modules.json(path);
      return json === undefined ? this.interp.contextFail(`${path} is not JSON that can be read`, at) : fromJson(json);
    }
    const running = this.exports.get(path);
    if (running) return this.exportsObject(path, running);
    const statements = this.interp.modules.statements(path);
    if (!statements) return this.interp.contextFail(`${path} cannot be read`, at);
    const exports = new Map<string, TsValue>();
    this.exports.set(path, exports);
    return this.interp.inFile(path, at, () => {
        const scope = new TsScope();
        const cjs: TsValue = { k: 'obj', props: new Map() };
        const moduleObj: TsValue = { k: 'obj', props: new Map([['exports', cjs]]) };
        scope.declare('module', moduleObj);
        scope.declare('exports', cjs);
        scope.declare('%exports', { k: 'obj', props: exports });
        this.interp.execBlock(statements, scope);
        const final = moduleObj.props.get('exports');
        if (final?.k === 'obj') {
          for (const [k, v] of final.props) if (!exports.has(k)) exports.set(k, v);
        } else if (final && final.k !== 'undef') {
          // `module.exports = build` exports one function or class.
          exports.set('default', final);
          if (final.k === 'func' || final.k === 'class') return final;
        }
        return this.exportsObject(path, exports);
    });
  }

  private exportsObject(path: string, props: Map<string, TsValue>): TsValue {
    return this.tfReexports.has(path) ? { k: 'obj', props, base: { k: 'ref', path: 'tf' } } : { k: 'obj', props };
  }

  exportStatement(s: Syn, scope: TsScope): Signal {
    const exports = scope.get('%exports');
    const table = exports?.k === 'obj' ? exports.props : undefined;
    const decl = child(s, 'declaration');
    if (decl) {
      const signal = this.interp.exec(decl, scope);
      const names = declaredNames(decl);
      if (table) for (const name of names) table.set(name, scope.get(name) ?? UNDEF);
      // `export default class X` / `export default function f` (the keyword is not kept in the tree copy).
      if (table && names.length === 1 && /^export\s+default\b/.test(textOf(s))) table.set('default', scope.get(names[0]!) ?? UNDEF);
      return signal;
    }
    const value = child(s, 'value');
    if (value) {
      const saved = this.interp.declaring;
      this.interp.declaring ??= 'default';
      const v = this.interp.eval(value, scope);
      this.interp.declaring = saved;
      table?.set('default', v);
      return undefined;
    }
    // `export = build` (TypeScript's CommonJS export)
    const assigned = namedChildren(s).find((c) => c.type === 'identifier' || c.type === 'object');
    if (assigned && !child(s, 'source') && /^export\s*=/.test(textOf(s))) {
      const v = this.interp.eval(assigned, scope);
      const moduleObj = scope.get('module');
      if (moduleObj?.k === 'obj') moduleObj.props.set('exports', v);
      return undefined;
    }
    const source = child(s, 'source');
    const specifier = source ? textOf(source).slice(1, -1) : undefined;
    // Re-exporting TF.js: the package is the library, never read.
    const reexportsTf = specifier !== undefined && tfModulePath(specifier);
    if (reexportsTf && !namedChildren(s).some((c) => c.type === 'export_clause') && this.interp.file) this.tfReexports.add(this.interp.file);
    const from = specifier === undefined ? undefined : reexportsTf ? ({ k: 'ref', path: 'tf' } as TsValue) : this.load(specifier, s);
    const clause = namedChildren(s).find((c) => c.type === 'export_clause');
    if (clause) {
      for (const spec of namedChildren(clause)) {
        const name = child(spec, 'name');
        const alias = child(spec, 'alias');
        if (!name) continue;
        const v = from ? this.interp.member(from, keyText(name)) : scope.get(textOf(name)) ?? UNDEF;
        table?.set(keyText(alias ?? name), v);
      }
    } else if (from?.k === 'obj' && table) for (const [k, v] of from.props) if (k !== 'default') table.set(k, v);
    return undefined;
  }
}

/** Names an exported declaration introduces. */
function declaredNames(decl: Syn): string[] {
  if (decl.type === 'lexical_declaration' || decl.type === 'variable_declaration') {
    return namedChildren(decl).flatMap((d) => {
      const name = d.type === 'variable_declarator' ? child(d, 'name') : undefined;
      return name?.type === 'identifier' ? [textOf(name)] : [];
    });
  }
  const name = child(decl, 'name');
  return name ? [textOf(name)] : [];
}
