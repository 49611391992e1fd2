import type { Parser } from 'web-tree-sitter';
import { snapshot, type Syn } from '../syntax.js';
import type { SourceFileSystem } from './source-files.js';

/** One imported Python file, parsed once: its top-level statements as plain-JavaScript trees. */
export interface ParsedPythonFile {
  readonly path: string;
  readonly version: string;
  readonly statements: readonly Syn[];
}

/** Files above this many statements are not read as modules (generated tables, vendored bundles). */
const MAX_STATEMENTS = 20_000;

/**
 * Imported files parsed at most once per version, shared by every document an analyzer sees: a package's
 * helpers are parsed on the first analysis and re-used while their `version()` is unchanged, so an edit in
 * the open file re-interprets it without re-reading its imports.
 */
export class PythonFileCache {
  private readonly parsed = new Map<string, ParsedPythonFile>();

  constructor(
    private readonly parser: Parser,
    private readonly capacity = 4096,
  ) {}

  /** The parsed file, or undefined when it cannot be read; re-parsed when its version changed. */
  get(files: SourceFileSystem, path: string): ParsedPythonFile | undefined {
    const version = files.version(path);
    if (version === undefined) return undefined;
    const cached = this.parsed.get(path);
    if (cached && cached.version === version) return cached;
    const text = files.readText(path);
    if (text === undefined) return undefined;
    const file = { path, version, statements: this.parse(text) };
    this.parsed.delete(path);
    this.parsed.set(path, file);
    while (this.parsed.size > this.capacity) this.parsed.delete(this.parsed.keys().next().value as string);
    return file;
  }

  private parse(text: string): Syn[] {
    const tree = this.parser.parse(text);
    if (!tree) return [];
    const out: Syn[] = [];
    const cursor = tree.rootNode.walk();
    try {
      if (!cursor.gotoFirstChild()) return out;
      do {
        if (!cursor.nodeIsNamed || cursor.nodeType === 'comment') continue;
        const node = cursor.currentNode;
        out.push(snapshot(node, text.slice(cursor.startIndex, cursor.endIndex)));
        if (out.length >= MAX_STATEMENTS) break;
      } while (cursor.gotoNextSibling());
      return out;
    } finally {
      cursor.delete();
      tree.delete();
    }
  }
}
