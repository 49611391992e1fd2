import { MemoryFileSystem, type SourceFileSystem } from '../../core/source/modules/source-files.js';
import type { SourceLocationFactory } from '../engine/source-front-ends.js';

/**
 * The files the web host fetched ahead of a synchronous analysis (the document's workspace folder, unsaved
 * editors over them), as the front-ends read them. A file's version is a hash of its text: the front-ends keep
 * parsed helpers across analyses while the version stays, and every analysis gets a new set of fetched texts.
 */
export class FetchedSourceFiles implements SourceFileSystem {
  private readonly files: MemoryFileSystem;
  private readonly hashes = new Map<string, string>();

  constructor(texts: Readonly<Record<string, string>>) {
    this.files = new MemoryFileSystem(texts);
  }

  kind(path: string): 'file' | 'directory' | undefined {
    return this.files.kind(path);
  }

  readText(path: string): string | undefined {
    return this.files.readText(path);
  }

  list(path: string): readonly string[] | undefined {
    return this.files.list(path);
  }

  version(path: string): string | undefined {
    const text = this.files.readText(path);
    if (text === undefined) return undefined;
    let hash = this.hashes.get(path);
    if (hash === undefined) this.hashes.set(path, (hash = `${text.length}:${fnv1a(text)}`));
    return hash;
  }
}

/** 32-bit FNV-1a over UTF-16 code units: enough to tell one version of a source file from the next. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16);
}

/** The front-ends' location for a request whose files the web host fetched (they travel as its unsaved texts). */
export const fetchedLocation: SourceLocationFactory = (spec, texts) => ({
  path: spec.path,
  searchRoots: spec.searchRoots,
  pythonPaths: spec.pythonPaths,
  files: new FetchedSourceFiles(Object.fromEntries(texts)),
});
