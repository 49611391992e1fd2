// Where a Python environment keeps its installed packages, found from its folder layout alone: Python is
// never run (the interpreter may be slow to start, missing on this machine, or not trusted).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, delimiter, dirname, join } from 'node:path';

/** Environment folders looked for under a project root, in the order Python tools create them. */
const VENV_NAMES = ['.venv', 'venv'];

/**
 * The package folders of the environment rooted at `prefix`: `lib/python3.X/site-packages` (POSIX venvs,
 * conda), `lib/python3/dist-packages` (Debian), `Lib/site-packages` (Windows). Newest Python first.
 */
export function sitePackagesOf(prefix: string): string[] {
  const out: string[] = [];
  for (const lib of ['lib', 'lib64']) {
    const versions = listDir(join(prefix, lib)).filter((n) => /^python3(\.\d+)?$/.test(n)).sort(byPythonVersionDescending);
    for (const v of versions) {
      for (const leaf of ['site-packages', 'dist-packages']) {
        const dir = join(prefix, lib, v, leaf);
        if (existsSync(dir) && !out.includes(dir)) out.push(dir);
      }
    }
  }
  const windows = join(prefix, 'Lib', 'site-packages');
  if (existsSync(windows) && !out.includes(windows)) out.push(windows);
  return out;
}

/** `.venv` / `venv` folders (with a `pyvenv.cfg`) directly under `root`, as their package folders. */
export function projectVenvSitePackages(root: string): string[] {
  const out: string[] = [];
  for (const name of VENV_NAMES) {
    const prefix = join(root, name);
    if (existsSync(join(prefix, 'pyvenv.cfg'))) out.push(...sitePackagesOf(prefix));
  }
  return out;
}

/**
 * The package folders of the environment an interpreter path belongs to (`…/bin/python3`,
 * `…\Scripts\python.exe`, `…\python.exe`), or of an environment folder given as such (the Python extension
 * names a venv without an interpreter by its folder). A venv's `pyvenv.cfg` with
 * `include-system-site-packages = true` adds its base installation's folders after its own.
 */
export function interpreterSitePackages(interpreter: string): string[] {
  const bin = isDirectory(interpreter) ? join(interpreter, 'bin') : dirname(interpreter);
  const prefix = /^(bin|Scripts)$/i.test(basename(bin)) ? dirname(bin) : bin;
  const own = sitePackagesOf(prefix);
  const cfg = readVenvConfig(prefix);
  if (!cfg) return own;
  const home = cfg.get('home');
  if (cfg.get('include-system-site-packages')?.toLowerCase() !== 'true' || !home) return own;
  // `home` is the base interpreter's folder (its bin/ on POSIX, the install folder on Windows).
  const basePrefix = /^(bin|Scripts)$/i.test(basename(home)) ? dirname(home) : home;
  return [...own, ...sitePackagesOf(basePrefix).filter((d) => !own.includes(d))];
}

/**
 * The package folders of the first `python3` / `python` on `PATH` whose installation has any, read from its
 * layout (a pyenv shim has none, so the next interpreter is asked): where `python3 script.py` would import
 * torch and torchvision from when no environment is named, activated or kept in the project.
 */
export function pathInterpreterSitePackages(pathVariable: string): string[] {
  for (const dir of pathVariable.split(delimiter).filter(Boolean)) {
    for (const name of ['python3', 'python']) {
      const interpreter = join(dir, name);
      if (!existsSync(interpreter)) continue;
      const found = interpreterSitePackages(interpreter);
      if (found.length) return found;
    }
  }
  return [];
}

function readVenvConfig(prefix: string): Map<string, string> | undefined {
  let text: string;
  try {
    text = readFileSync(join(prefix, 'pyvenv.cfg'), 'utf8');
  } catch {
    return undefined;
  }
  const cfg = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([\w.-]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) cfg.set(m[1]!.toLowerCase(), m[2]!);
  }
  return cfg;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function byPythonVersionDescending(a: string, b: string): number {
  const minor = (n: string) => Number(/\.(\d+)$/.exec(n)?.[1] ?? -1);
  return minor(b) - minor(a);
}
