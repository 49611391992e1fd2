import { readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { isInside, normalizePath, type SourceFileSystem } from '../core/source/modules/source-files.js';

/** Files larger than this are not read as source (a generated or data file, not a module). */
const MAX_SOURCE_BYTES = 4 * 1024 * 1024;

/**
 * The disk as the source front-ends see it. Symlinks are followed only while their target stays inside one
 * of `allowed` (the workspace and the Python paths); anything else reads as absent, so an import never
 * leaves the folders the user opened or named. Errors read as absent: the front-end notes the unresolved name.
 */
export class NodeSourceFileSystem implements SourceFileSystem {
  private readonly allowed: readonly string[];
  private overlay: ReadonlyMap<string, { readonly text: string; readonly version: string }>;

  /** `overlay`: texts by path that win over the disk (an editor's unsaved buffers); they are not symlink-checked, the host chose them. */
  constructor(allowed: readonly string[], overlay: ReadonlyMap<string, string> = new Map()) {
    this.allowed = allowed.map((a) => {
      try {
        return normalizePath(realpathSync(a));
      } catch {
        return normalizePath(a);
      }
    });
    this.overlay = normalizedKeys(overlay);
  }

  /** Replaces the unsaved texts (the editor's dirty buffers as of the next analysis). */
  setUnsaved(overlay: ReadonlyMap<string, string>): void {
    this.overlay = normalizedKeys(overlay);
  }

  kind(path: string): 'file' | 'directory' | undefined {
    if (this.overlay.has(normalizePath(path))) return 'file';
    const real = this.resolve(path);
    if (!real) return undefined;
    try {
      const s = statSync(real);
      return s.isFile() ? 'file' : s.isDirectory() ? 'directory' : undefined;
    } catch {
      return undefined;
    }
  }

  readText(path: string): string | undefined {
    const unsaved = this.overlay.get(normalizePath(path));
    if (unsaved !== undefined) return unsaved.text;
    const real = this.resolve(path);
    if (!real) return undefined;
    try {
      if (statSync(real).size > MAX_SOURCE_BYTES) return undefined;
      return readFileSync(real, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** One directory's names, read when asked: a site-packages of 10,000 entries is never walked as a whole. */
  list(path: string): readonly string[] | undefined {
    const real = this.resolve(path);
    if (!real) return undefined;
    try {
      return readdirSync(real);
    } catch {
      return undefined;
    }
  }

  version(path: string): string | undefined {
    const unsaved = this.overlay.get(normalizePath(path));
    if (unsaved !== undefined) return unsaved.version;
    const real = this.resolve(path);
    if (!real) return undefined;
    try {
      const s = statSync(real);
      return `${s.size}:${s.mtimeMs}`;
    } catch {
      return undefined;
    }
  }

  private resolve(path: string): string | undefined {
    let real: string;
    try {
      real = normalizePath(realpathSync(path));
    } catch {
      return undefined;
    }
    if (this.allowed.length && !this.allowed.some((a) => isInside(real, a))) return undefined;
    return real;
  }
}

/** Paths normalised, and each text's version token computed once (the front-ends ask for it per import). */
function normalizedKeys(overlay: ReadonlyMap<string, string>): Map<string, { text: string; version: string }> {
  return new Map([...overlay].map(([path, text]) => [normalizePath(path), { text, version: `unsaved:${textHash(text)}` }]));
}

/** FNV-1a over UTF-16 code units: a version token for a text held in memory. */
function textHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return `${text.length}:${(h >>> 0).toString(16)}`;
}
