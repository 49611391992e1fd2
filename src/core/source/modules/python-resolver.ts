import { dirnamePath, joinPath, type SourceFileSystem, type SourceLocation } from './source-files.js';

/** Where a Python module name led: a file (`x.py`, `pkg/__init__.py`) or a namespace folder, and every place tried. */
export interface PythonModuleResolution {
  /** The file that holds the module's top level; undefined for a namespace package (a folder without `__init__.py`). */
  readonly file?: string;
  /** The package folder, for `pkg/__init__.py` and namespace packages: sub-modules are looked for there. */
  readonly packageDir?: string;
  /** Every candidate looked at, in order, so an unresolved import can say where it looked. */
  readonly tried: readonly string[];
  readonly found: boolean;
}

/**
 * Python's import search, read from the file system and never executed. The order is fixed and written
 * here only: relative imports from the importing file's package (one folder up per extra dot); absolute
 * imports from the importing file's own folder (a script's `sys.path[0]`), then the folder above its
 * top-most package (so `import mypkg.helpers` works from inside `mypkg`), then the workspace folders, then
 * the Python environment's folders. Within one root a regular package (`pkg/__init__.py`) wins over a
 * module (`pkg.py`); a folder without `__init__.py` is a namespace package only when no root has a regular
 * package or module of that name, as in CPython's `PathFinder`.
 */
export class PythonImportResolver {
  private readonly cache = new Map<string, PythonModuleResolution>();
  private readonly rootsByDir = new Map<string, string[]>();

  constructor(private readonly location: SourceLocation) {}

  private get files(): SourceFileSystem {
    return this.location.files;
  }

  /** `level` is the number of leading dots (0 for an absolute import); `name` may be empty (`from . import x`). */
  resolve(name: string, level: number, fromFile: string): PythonModuleResolution {
    const key = `${level}|${name}|${level > 0 || !name ? dirnamePath(fromFile) : this.rootsKey(fromFile)}`;
    let r = this.cache.get(key);
    if (!r) {
      r = level > 0 ? this.resolveRelative(name, level, fromFile) : this.resolveAbsolute(name, fromFile);
      this.cache.set(key, r);
    }
    return r;
  }

  /** The folders absolute imports are searched in, for a file, in order and without repeats. */
  roots(fromFile: string): string[] {
    const dir = dirnamePath(fromFile);
    let roots = this.rootsByDir.get(dir);
    if (!roots) {
      const out = [dir, this.aboveTopPackage(dir), ...this.location.searchRoots, ...this.location.pythonPaths];
      roots = [...new Set(out.map((p) => joinPath(p)))];
      this.rootsByDir.set(dir, roots);
    }
    return roots;
  }

  private rootsKey(fromFile: string): string {
    return dirnamePath(fromFile);
  }

  private aboveTopPackage(dir: string): string {
    const isPackage = (d: string) => this.files.kind(joinPath(d, '__init__.py')) === 'file';
    if (!isPackage(dir)) return dir;
    let top = dir;
    for (let up = dirnamePath(top); up !== top && isPackage(up); up = dirnamePath(top)) top = up;
    return dirnamePath(top);
  }

  private resolveRelative(name: string, level: number, fromFile: string): PythonModuleResolution {
    let base = dirnamePath(fromFile);
    for (let i = 1; i < level; i++) base = dirnamePath(base);
    const tried: string[] = [];
    if (!name) {
      const init = joinPath(base, '__init__.py');
      tried.push(init);
      if (this.files.kind(init) === 'file') return { file: init, packageDir: base, tried, found: true };
      tried.push(base);
      return this.files.kind(base) === 'directory' ? { packageDir: base, tried, found: true } : { tried, found: false };
    }
    return this.walk([base], name.split('.'), tried);
  }

  private resolveAbsolute(name: string, fromFile: string): PythonModuleResolution {
    return this.walk(this.roots(fromFile), name.split('.'), []);
  }

  /** Resolves `parts` one segment at a time; each segment is looked for in every folder of the package found so far. */
  private walk(roots: readonly string[], parts: readonly string[], tried: string[]): PythonModuleResolution {
    let dirs = [...roots];
    let found: (PythonModuleResolution & { packageDirs?: string[] }) | undefined;
    for (const part of parts) {
      found = this.step(dirs, part, tried);
      if (!found.found) return { tried, found: false };
      if (!found.packageDir) {
        // A plain module has no sub-modules: `a.b` where `a` is `a.py` is not a module path.
        if (part !== parts[parts.length - 1]) return { tried, found: false };
        break;
      }
      dirs = found.packageDirs ?? [found.packageDir];
    }
    return found ? { ...(found.file ? { file: found.file } : {}), ...(found.packageDir ? { packageDir: found.packageDir } : {}), tried, found: true } : { tried, found: false };
  }

  private step(dirs: readonly string[], part: string, tried: string[]): PythonModuleResolution & { packageDirs?: string[] } {
    const namespaces: string[] = [];
    for (const dir of dirs) {
      const pkg = joinPath(dir, part);
      const init = joinPath(pkg, '__init__.py');
      tried.push(init);
      if (this.files.kind(init) === 'file') return { file: init, packageDir: pkg, tried, found: true };
      const mod = joinPath(dir, `${part}.py`);
      tried.push(mod);
      if (this.files.kind(mod) === 'file') return { file: mod, tried, found: true };
      if (this.files.kind(pkg) === 'directory') namespaces.push(pkg);
    }
    if (namespaces.length > 0) return { packageDir: namespaces[0]!, packageDirs: namespaces, tried, found: true };
    return { tried, found: false };
  }
}

/** `tried` as a note: the first few places, then how many more. */
export function describeTried(tried: readonly string[], limit = 4): string {
  const shown = tried.slice(0, limit).join(', ');
  return tried.length > limit ? `${shown} and ${tried.length - limit} more` : shown || 'nowhere (no location)';
}
