import { MemoryFileSystem, joinPath, type SourceLocation } from '../../modules/source-files.js';
import { TIMM_MODULES } from './timm-modules.js';
import { TORCHVISION_MODULES } from './torchvision-modules.js';

/**
 * Library knowledge: which imported names the evaluator answers from its catalogue instead of reading
 * source. `torch` and the standard library are always the catalogue (their source is C extensions and
 * dispatch code, not model definitions); torchvision and timm are read from disk when their source is
 * found, else their catalogue entries stand in.
 */
const CATALOGUE_ONLY = new Set([
  'torch', 'math', 'collections', 'functools', 'typing', 'typing_extensions', 'dataclasses', 'itertools', 'operator',
  'enum', 'abc', 'numbers', 'warnings', 'copy', 'types', 'os', 'sys', 're', 'logging', 'numpy', 'builtins', 'inspect',
  'torchstat',
]);

const CATALOGUE_FALLBACK = new Set(['torchvision', 'timm']);

function rootOf(name: string): string {
  return name.split('.', 1)[0]!;
}

/** Imports never read from disk. */
export function isCatalogueOnly(moduleName: string): boolean {
  return CATALOGUE_ONLY.has(rootOf(moduleName));
}

/** Libraries whose catalogue entries stand in when their source is not found. */
export function hasCatalogueEntries(moduleName: string): boolean {
  return CATALOGUE_FALLBACK.has(rootOf(moduleName));
}

/** Where the catalogue's Python modules live: a folder no real path can name. */
export const CATALOGUE_ROOT = '/@se-lens-catalogue';

let catalogue: SourceLocation | undefined;

/** The catalogue's modules as a search location of their own, read by the same evaluator as user code. */
export function catalogueLocation(): SourceLocation {
  if (!catalogue) {
    const files = new MemoryFileSystem();
    for (const [path, text] of Object.entries({ ...TORCHVISION_MODULES, ...TIMM_MODULES })) files.write(joinPath(CATALOGUE_ROOT, path), text);
    catalogue = { path: joinPath(CATALOGUE_ROOT, '__main__.py'), files, searchRoots: [CATALOGUE_ROOT], pythonPaths: [] };
  }
  return catalogue;
}
