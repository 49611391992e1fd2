// The location the source front-ends resolve a file's imports from, as the CLI and the extension's source
// worker build it on Node.
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { isInside, normalizePath, type SourceFileSystem, type SourceLocation } from '../core/source/modules/source-files.js';
import { pathInterpreterSitePackages, projectVenvSitePackages, sitePackagesOf } from './python-environment.js';
import { NodeSourceFileSystem } from './source-file-system.js';

/** Files or folders whose presence marks a project's root folder. */
const PROJECT_MARKERS = ['.git', 'pyproject.toml', 'setup.py', 'setup.cfg', 'package.json', 'tsconfig.json'];

/** The nearest folder upward from `file` that holds a project marker; else the file's own folder. */
export function projectRootOf(file: string): string {
  const start = dirname(resolve(file));
  for (let dir = start; ; ) {
    if (PROJECT_MARKERS.some((m) => existsSync(join(dir, m)))) return dir;
    const up = dirname(dir);
    if (up === dir) return start;
    dir = up;
  }
}

/** What a host knows about where a document's imports live; plain data, so it crosses a worker boundary. */
export interface SourceLocationSpec {
  readonly path: string;
  readonly searchRoots: readonly string[];
  readonly pythonPaths: readonly string[];
}

/**
 * The CLI's location for `file`. Search roots: the file's project root; the file's own folder (Python puts a
 * script's folder first on `sys.path`); the working folder when it holds the file (`python -m pkg.mod` run
 * from a checkout without a project marker). Python paths, in the order Python itself searches them:
 * `--python-path` folders, `PYTHONPATH`, the site-packages of the activated environment (`VIRTUAL_ENV`),
 * then the project's `.venv` / `venv`; when neither `--python-path` nor an environment is there, the packages of
 * the interpreter on `PATH`.
 */
export function cliLocationSpec(
  file: string,
  pythonPaths: readonly string[],
  cwd = process.cwd(),
  env: Readonly<Record<string, string | undefined>> = process.env,
): SourceLocationSpec {
  const work = resolve(cwd);
  const path = resolve(work, file);
  const root = projectRootOf(path);
  // Not a drive or filesystem root: that would make every folder of the machine an import root.
  const workHolds = isInside(path, work) && dirname(work) !== work;
  const roots = [root, dirname(path), ...(workHolds ? [work] : [])];
  const fromEnv = (env['PYTHONPATH'] ?? '').split(delimiter).filter(Boolean).map((p) => resolve(work, p));
  const activated = env['VIRTUAL_ENV'] ? sitePackagesOf(resolve(env['VIRTUAL_ENV'])) : [];
  const environment = [...activated, ...projectVenvSitePackages(root)];
  // No environment named, activated or kept in the project: the interpreter on PATH's own packages.
  const installed = environment.length || pythonPaths.length ? [] : pathInterpreterSitePackages(env['PATH'] ?? '');
  const paths = [...pythonPaths.map((p) => resolve(work, p)), ...fromEnv, ...environment, ...installed];
  return { path, searchRoots: unique(roots), pythonPaths: unique(paths) };
}

function unique(paths: readonly string[]): string[] {
  return paths.filter((p, i) => paths.indexOf(p) === i);
}

/**
 * The location the front-ends get: '/'-separated paths and a file system that reads only inside the
 * document's folder, the search roots and the Python paths (symlinks leaving them read as absent).
 * `overlay` holds texts that win over the disk (unsaved editor buffers).
 */
export function sourceLocation(spec: SourceLocationSpec, overlay?: ReadonlyMap<string, string>): SourceLocation {
  const allowed = [dirname(spec.path), ...spec.searchRoots, ...spec.pythonPaths];
  const files: SourceFileSystem = new NodeSourceFileSystem(allowed, overlay);
  return {
    path: normalizePath(spec.path),
    files,
    searchRoots: spec.searchRoots.map(normalizePath),
    pythonPaths: spec.pythonPaths.map(normalizePath),
  };
}
