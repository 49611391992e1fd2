import type { Syn } from '../syntax.js';
import { dirnamePath, isInside, joinPath, normalizePath, type SourceFileSystem, type SourceLocation } from './source-files.js';

/** Extensions tried for a specifier without one, in TypeScript's order (sources before JavaScript); JSON last, as `require` does. */
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs', '.json'];
/** `./x.js` written in TypeScript ESM means `./x.ts` (and `.mjs` → `.mts`, `.cjs` → `.cts`). */
const SOURCE_FOR_OUTPUT: Readonly<Record<string, readonly string[]>> = { '.js': ['.ts', '.tsx'], '.mjs': ['.mts'], '.cjs': ['.cts'], '.jsx': ['.tsx'] };

export type ModuleResolution = { readonly path: string } | { readonly tried: readonly string[]; readonly why: string };

interface TsConfigPaths {
  readonly baseUrl: string;
  readonly paths: readonly (readonly [string, readonly string[]])[];
}

/** Parsed top-level statements of a file, kept while its version is unchanged. */
interface ParsedFile {
  readonly version: string | undefined;
  readonly statements: readonly Syn[];
}

const parsedFiles = new WeakMap<SourceFileSystem, Map<string, ParsedFile>>();
const MAX_CACHED_FILES = 256;
const MAX_MODULE_CHARS = 512 * 1024;

/**
 * TS/JS module resolution for the TF.js front-end: relative specifiers (`./x`, `./x.js` for `x.ts`,
 * folders with `index.ts`), `tsconfig.json` `paths`, and a parse cache keyed by path and file version,
 * shared by every analysis over the same file system. Bare package names other than TF.js are not read.
 */
export class TypeScriptModules {
  private readonly tsconfigs = new Map<string, TsConfigPaths | undefined>();

  constructor(
    private readonly location: SourceLocation,
    private readonly parse: (text: string) => Syn[],
  ) {}

  get documentPath(): string {
    return normalizePath(this.location.path);
  }

  /** Every resolution made, with the version of the file found: what a cached result depends on. */
  readonly trace: { readonly specifier: string; readonly from: string; readonly path: string | undefined; readonly version: string | undefined }[] = [];

  /** True when every recorded resolution still finds the same file at the same version. */
  static unchanged(location: SourceLocation, trace: TypeScriptModules['trace'], parse: (text: string) => Syn[]): boolean {
    const again = new TypeScriptModules(location, parse);
    return trace.every((t) => {
      const r = again.resolve(t.specifier, t.from);
      const path = 'path' in r ? r.path : undefined;
      return path === t.path && (path === undefined || location.files.version(path) === t.version);
    });
  }

  resolve(specifier: string, fromFile: string): ModuleResolution {
    const result = this.find(specifier, fromFile);
    const path = 'path' in result ? result.path : undefined;
    this.trace.push({ specifier, from: fromFile, path, version: path === undefined ? undefined : this.location.files.version(path) });
    return result;
  }

  private find(specifier: string, fromFile: string): ModuleResolution {
    const files = this.location.files;
    const tried: string[] = [];
    const bases: string[] = [];
    if (specifier.startsWith('.') || specifier.startsWith('/')) bases.push(specifier.startsWith('/') ? normalizePath(specifier) : joinPath(dirnamePath(fromFile), specifier));
    else bases.push(...this.pathsCandidates(specifier, fromFile), ...this.packageCandidates(specifier, fromFile, tried));
    if (bases.length === 0) return { tried, why: `package '${specifier}' is not read (not in a node_modules folder of the workspace)` };
    for (const base of bases) {
      for (const candidate of candidatesFor(base)) {
        tried.push(candidate);
        if (files.kind(candidate) === 'file') return { path: candidate };
      }
    }
    return { tried, why: `'${specifier}' was not found` };
  }

  /** Top-level statements of a resolved file; undefined when it cannot be read or is too large to be model code. */
  statements(path: string): readonly Syn[] | undefined {
    const files = this.location.files;
    let cache = parsedFiles.get(files);
    if (!cache) parsedFiles.set(files, (cache = new Map()));
    const version = files.version(path);
    const hit = cache.get(path);
    if (hit && version !== undefined && hit.version === version) return hit.statements;
    const text = files.readText(path);
    // A bundled library (lodash, a minified build) is not model code: not parsed.
    if (text === undefined || text.length > MAX_MODULE_CHARS) return undefined;
    const statements = this.parse(text);
    cache.delete(path);
    cache.set(path, { version, statements });
    while (cache.size > MAX_CACHED_FILES) cache.delete(cache.keys().next().value as string);
    return statements;
  }

  /** A JSON file's value (`require('./config.json')`, `import config from './config.json'`); undefined when it cannot be read or parsed. */
  json(path: string): unknown {
    const text = this.location.files.readText(path);
    if (text === undefined || text.length > MAX_MODULE_CHARS) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }

  /**
   * `pkg` or `@scope/pkg/sub` from the nearest `node_modules` above the importing file, inside the
   * workspace: the package's entry (`module`, `main`, a string `exports` or its `.` entry), else `index`.
   */
  private packageCandidates(specifier: string, fromFile: string, tried: string[]): string[] {
    const parts = specifier.split('/');
    const nameLength = specifier.startsWith('@') ? 2 : 1;
    const name = parts.slice(0, nameLength).join('/');
    const subpath = parts.slice(nameLength).join('/');
    if (!name || name.startsWith('@') && parts.length < 2) return [];
    const files = this.location.files;
    const roots = this.location.searchRoots;
    for (let dir = dirnamePath(fromFile); ; dir = dirnamePath(dir)) {
      if (roots.length > 0 && !roots.some((r) => isInside(dir, r))) return [];
      const folder = joinPath(dir, 'node_modules', name);
      tried.push(folder);
      if (files.kind(folder) === 'directory') {
        if (subpath) return [joinPath(folder, subpath)];
        const entry = packageEntry(files.readText(joinPath(folder, 'package.json')));
        return entry ? [joinPath(folder, entry), joinPath(folder, 'index')] : [joinPath(folder, 'index')];
      }
      if (dir === dirnamePath(dir)) return [];
    }
  }

  private pathsCandidates(specifier: string, fromFile: string): string[] {
    const config = this.tsconfigFor(dirnamePath(fromFile));
    if (!config) return [];
    const out: string[] = [];
    for (const [pattern, targets] of config.paths) {
      const star = pattern.indexOf('*');
      let captured: string | undefined;
      if (star === -1) captured = pattern === specifier ? '' : undefined;
      else {
        const prefix = pattern.slice(0, star);
        const suffix = pattern.slice(star + 1);
        if (specifier.startsWith(prefix) && specifier.endsWith(suffix) && specifier.length >= prefix.length + suffix.length) captured = specifier.slice(prefix.length, specifier.length - suffix.length);
      }
      if (captured === undefined) continue;
      for (const t of targets) out.push(joinPath(config.baseUrl, t.replace('*', captured)));
    }
    return out;
  }

  /** The nearest `tsconfig.json` above `dir` that has `paths`, not leaving the workspace folders. */
  private tsconfigFor(dir: string): TsConfigPaths | undefined {
    if (this.tsconfigs.has(dir)) return this.tsconfigs.get(dir);
    let found: TsConfigPaths | undefined;
    const path = joinPath(dir, 'tsconfig.json');
    const text = this.location.files.kind(path) === 'file' ? this.location.files.readText(path) : undefined;
    if (text !== undefined) found = readTsConfigPaths(text, dir);
    const parent = dirnamePath(dir);
    const inRoots = this.location.searchRoots.length === 0 || this.location.searchRoots.some((r) => isInside(parent, r));
    if (!found && parent !== dir && inRoots) found = this.tsconfigFor(parent);
    this.tsconfigs.set(dir, found);
    return found;
  }
}

/** The implementation entry a package.json names; type declarations (`.d.ts`) build no layers and are skipped. */
function packageEntry(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const pkg = json as { module?: unknown; main?: unknown; exports?: unknown } | null;
  const exportsEntry = (e: unknown): unknown => {
    if (typeof e === 'string') return e;
    if (e && typeof e === 'object') {
      const o = e as Record<string, unknown>;
      return exportsEntry(o['.'] ?? o['import'] ?? o['require'] ?? o['default']);
    }
    return undefined;
  };
  const entry = [pkg?.module, pkg?.main, exportsEntry(pkg?.exports)].find((e): e is string => typeof e === 'string' && !e.endsWith('.d.ts'));
  return entry;
}

function candidatesFor(base: string): string[] {
  const out: string[] = [];
  const dot = base.lastIndexOf('.');
  const ext = dot > base.lastIndexOf('/') ? base.slice(dot) : '';
  for (const source of SOURCE_FOR_OUTPUT[ext] ?? []) out.push(base.slice(0, -ext.length) + source);
  if (EXTENSIONS.includes(ext)) out.push(base);
  for (const e of EXTENSIONS) out.push(base + e);
  for (const e of EXTENSIONS) out.push(`${base}/index${e}`);
  return out;
}

/** `compilerOptions.baseUrl` and `paths` of a tsconfig (JSON with comments and trailing commas). */
export function readTsConfigPaths(text: string, dir: string): TsConfigPaths | undefined {
  let json: unknown;
  try {
    json = JSON.parse(stripJsonComments(text));
  } catch {
    return undefined;
  }
  const options = (json as { compilerOptions?: { baseUrl?: unknown; paths?: unknown } } | null)?.compilerOptions;
  if (!options || typeof options.paths !== 'object' || options.paths === null) return undefined;
  const baseUrl = typeof options.baseUrl === 'string' ? joinPath(dir, options.baseUrl) : dir;
  const paths = Object.entries(options.paths as Record<string, unknown>)
    .filter((e): e is [string, string[]] => Array.isArray(e[1]) && e[1].every((t) => typeof t === 'string'))
    .map(([k, v]) => [k, v] as const);
  return { baseUrl, paths };
}

function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i === -1) break;
      i++;
    } else out += c;
  }
  return out.replace(/,\s*([}\]])/g, '$1');
}
