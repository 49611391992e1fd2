/**
 * The files a source front-end may read besides the document itself: sibling modules, packages in the
 * workspace, a Python environment's site-packages, node_modules. Synchronous, so that interpretation stays
 * synchronous and lazy (a module is read when a name is asked of it): Node hosts implement it with `fs`,
 * tests with a map, a web host with a cache filled ahead of the analysis. Paths are absolute and
 * '/'-separated on every platform.
 */
export interface SourceFileSystem {
  /** 'file', 'directory', or undefined when absent, unreadable or refused (a symlink leaving the allowed folders). */
  kind(path: string): 'file' | 'directory' | undefined;
  /** UTF-8 text of a file; undefined when absent, unreadable, too large or refused. */
  readText(path: string): string | undefined;
  /** Entry names of a directory; undefined when absent or refused. */
  list(path: string): readonly string[] | undefined;
  /** A token that changes when the file changes (size and mtime, or a content hash); undefined when absent. */
  version(path: string): string | undefined;
}

/** Where the analysed document lives and where its imports are looked for. */
export interface SourceLocation {
  /** Absolute '/'-separated path of the analysed document (for a notebook, the notebook's path). */
  readonly path: string;
  readonly files: SourceFileSystem;
  /** Folders searched for absolute imports after the document's own package chain: the workspace folders, in order. */
  readonly searchRoots: readonly string[];
  /** Python environment folders (site-packages, `--python-path`), searched after the workspace. */
  readonly pythonPaths: readonly string[];
}

/** Files held in memory, for tests and for hosts that fetched the files ahead of the analysis. */
export class MemoryFileSystem implements SourceFileSystem {
  private readonly files = new Map<string, string>();
  private readonly dirs = new Map<string, Set<string>>();
  private readonly versions = new Map<string, number>();

  constructor(files: Readonly<Record<string, string>> = {}) {
    for (const [path, text] of Object.entries(files)) this.write(path, text);
  }

  write(path: string, text: string): void {
    const p = normalizePath(path);
    this.files.set(p, text);
    this.versions.set(p, (this.versions.get(p) ?? 0) + 1);
    let child = p;
    for (let dir = dirnamePath(p); ; dir = dirnamePath(dir)) {
      let entries = this.dirs.get(dir);
      if (!entries) this.dirs.set(dir, (entries = new Set()));
      entries.add(basenamePath(child));
      if (dir === '/') break;
      child = dir;
    }
  }

  kind(path: string): 'file' | 'directory' | undefined {
    const p = normalizePath(path);
    return this.files.has(p) ? 'file' : this.dirs.has(p) ? 'directory' : undefined;
  }

  readText(path: string): string | undefined {
    return this.files.get(normalizePath(path));
  }

  list(path: string): readonly string[] | undefined {
    const entries = this.dirs.get(normalizePath(path));
    return entries ? [...entries] : undefined;
  }

  version(path: string): string | undefined {
    const v = this.versions.get(normalizePath(path));
    return v === undefined ? undefined : String(v);
  }
}

/** Collapses `.`, `..` and repeated separators; backslashes become '/'. The result starts with '/' (or a drive letter). */
export function normalizePath(path: string): string {
  const parts = path.replace(/\\/g, '/').split('/');
  const out: string[] = [];
  for (const part of parts) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  const drive = /^[A-Za-z]:$/.test(out[0] ?? '');
  return drive ? `${out.join('/')}${out.length === 1 ? '/' : ''}` : `/${out.join('/')}`;
}

export function dirnamePath(path: string): string {
  const p = normalizePath(path);
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

export function basenamePath(path: string): string {
  const p = normalizePath(path);
  return p.slice(p.lastIndexOf('/') + 1);
}

export function joinPath(base: string, ...parts: string[]): string {
  return normalizePath([base, ...parts].join('/'));
}

/** True when `path` is `folder` or lies inside it. */
export function isInside(path: string, folder: string): boolean {
  const p = normalizePath(path);
  const f = normalizePath(folder);
  return p === f || p.startsWith(f.endsWith('/') ? f : `${f}/`);
}
