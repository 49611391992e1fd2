import type { Syn } from '../syntax.js';
import { dirnamePath, isInside, joinPath, normalizePath, type SourceFileSystem, type SourceLocation } from './source-files.js';

/** Extensions tried for a specifier without one, in TypeScript's order (sources before JavaScript). */
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];
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

  resolve(specifier: string, fromFile: string): ModuleResolution {
    const files = this.location.files;
    const tried: string[] = [];
    const bases: string[] = [];
    if (specifier.startsWith('.') || specifier.startsWith('/')) bases.push(specifier.startsWith('/') ? normalizePath(specifier) : joinPath(dirnamePath(fromFile), specifier));
    else bases.push(...this.pathsCandidates(specifier, fromFile));
    if (bases.length === 0) return { tried, why: `package '${specifier}' is not read (only TF.js, relative imports and tsconfig paths are)` };
    for (const base of bases) {
      for (const candidate of candidatesFor(base)) {
        tried.push(candidate);
        if (files.kind(candidate) === 'file') return { path: candidate };
      }
    }
    return { tried, why: `'${specifier}' was not found` };
  }

  /** Top-level statements of a resolved file; undefined when it cannot be read. */
  statements(path: string): readonly Syn[] | undefined {
    const files = this.location.files;
    let cache = parsedFiles.get(files);
    if (!cache) parsedFiles.set(files, (cache = new Map()));
    const version = files.version(path);
    const hit = cache.get(path);
    if (hit && version !== undefined && hit.version === version) return hit.statements;
    const text = files.readText(path);
    if (text === undefined) return undefined;
    const statements = this.parse(text);
    cache.delete(path);
    cache.set(path, { version, statements });
    while (cache.size > MAX_CACHED_FILES) cache.delete(cache.keys().next().value as string);
    return statements;
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
