import type { Parser } from 'web-tree-sitter';
import { isNamedType, namedChildren, snapshotAt, type Syn } from '../syntax.js';
import { cursorReader } from '../tree-cursor-reader.js';
import type { SourceFileSystem } from './source-files.js';

/** One imported Python file, parsed once: its top-level statements as plain-JavaScript trees. */
export interface ParsedPythonFile {
  readonly path: string;
  readonly version: string;
  readonly statements: readonly Syn[];
  /** The parser had to recover somewhere: names after the error may be missing. */
  readonly syntaxErrors: boolean;
}

const STATEMENT = /^(class_definition|function_definition|decorated_definition|.*_statement)$/;

/** Files above this many statements are not read as modules (generated tables, vendored bundles). */
const MAX_STATEMENTS = 20_000;

/**
 * Imported files parsed at most once per version, shared by every document an analyzer sees: a package's
 * helpers are parsed on the first analysis and re-used while their `version()` is unchanged, so an edit in
 * the open file re-interprets it without re-reading its imports.
 */
export class PythonFileCache {
  private readonly parsed = new Map<string, ParsedPythonFile>();
  /** One id per file system, so two hosts (or two in-memory trees) with the same paths never share entries. */
  private readonly systems = new WeakMap<object, number>();
  private nextSystem = 0;

  constructor(
    private readonly parser: Parser,
    private readonly capacity = 4096,
  ) {}

  /**
   * The parsed file, or undefined when it cannot be read; re-parsed when its version changed. `system` is the
   * file system's identity (the host's object, not a per-analysis wrapper); `files` is what reads it.
   */
  get(system: object, files: SourceFileSystem, path: string): ParsedPythonFile | undefined {
    const version = files.version(path);
    if (version === undefined) return undefined;
    let id = this.systems.get(system);
    if (id === undefined) this.systems.set(system, (id = this.nextSystem++));
    const key = `${id}:${path}`;
    const cached = this.parsed.get(key);
    if (cached && cached.version === version) return cached;
    const text = files.readText(path);
    if (text === undefined) return undefined;
    const file = { path, version, ...this.parse(text) };
    this.parsed.delete(key);
    this.parsed.set(key, file);
    while (this.parsed.size > this.capacity) this.parsed.delete(this.parsed.keys().next().value as string);
    return file;
  }

  private parse(text: string): { statements: Syn[]; syntaxErrors: boolean } {
    const tree = this.parser.parse(text);
    if (!tree) return { statements: [], syntaxErrors: true };
    const out: Syn[] = [];
    // Read before the cursor exists: a direct cursor owns the runtime's transfer buffer until it is deleted.
    const syntaxErrors = tree.rootNode.hasError;
    const { language } = tree;
    const cursor = cursorReader(tree.rootNode);
    try {
      if (!cursor.gotoFirstChild()) return { statements: out, syntaxErrors };
      do {
        const typeId = cursor.typeId();
        if (!isNamedType(language, typeId) || language.types[typeId] === 'comment') continue;
        // One cursor reads the statements and copies each in place.
        const syn = snapshotAt(cursor, language, text.slice(cursor.startIndex(), cursor.endIndex()), cursor.startPosition(), syntaxErrors);
        // A statement the parser could not finish: the complete statements it kept inside still count.
        if (syn.type === 'ERROR') out.push(...namedChildren(syn).filter((c) => STATEMENT.test(c.type)));
        else out.push(syn);
        if (out.length >= MAX_STATEMENTS) break;
      } while (cursor.gotoNextSibling());
      return { statements: out, syntaxErrors };
    } finally {
      cursor.delete();
      tree.delete();
    }
  }
}
