import { Edit, Language, Parser, type Tree } from 'web-tree-sitter';
import { useTreeSitterRuntime } from './tree-cursor-reader.js';

/** The three WebAssembly files the source front-ends need; the host knows where they live. */
export type GrammarFile = 'web-tree-sitter.wasm' | 'tree-sitter-python.wasm' | 'tree-sitter-typescript.wasm';

/** Host-provided byte loader: Node reads node_modules, the extension reads its dist folder, a webview fetches. */
export interface GrammarLoader {
  load(file: GrammarFile): Promise<Uint8Array>;
}

export type SourceLanguage = 'python' | 'typescript';

/** One text change, in the document's coordinates before the change (0-based rows, UTF-16 columns). */
export interface TextEdit {
  readonly startIndex: number;
  readonly oldEndIndex: number;
  readonly newEndIndex: number;
  readonly startPosition: { row: number; column: number };
  readonly oldEndPosition: { row: number; column: number };
  readonly newEndPosition: { row: number; column: number };
}

/** Loaded parsers, one per language. Holding one means the grammars are in memory. */
export interface SourceParsers {
  readonly python: Parser;
  readonly typescript: Parser;
}

const loaded = new WeakMap<GrammarLoader, Promise<SourceParsers>>();
let runtimeReady: Promise<void> | undefined;

/** Loads the tree-sitter runtime and both grammars once per loader; later calls share the promise. */
export function loadSourceParsers(loader: GrammarLoader): Promise<SourceParsers> {
  let pending = loaded.get(loader);
  if (!pending) {
    pending = createParsers(loader);
    loaded.set(loader, pending);
    // A failed load must not poison later attempts (the host may fix a path and retry).
    pending.catch(() => loaded.delete(loader));
  }
  return pending;
}

async function createParsers(loader: GrammarLoader): Promise<SourceParsers> {
  if (!runtimeReady) {
    runtimeReady = loader.load('web-tree-sitter.wasm').then(async (wasmBinary) => {
      // Emscripten makes this object the runtime's module: cursors can then be read without the per-call glue.
      const moduleOptions = { wasmBinary };
      await Parser.init(moduleOptions as Parameters<typeof Parser.init>[0]);
      useTreeSitterRuntime(moduleOptions);
    });
    runtimeReady.catch(() => (runtimeReady = undefined));
  }
  await runtimeReady;
  const [pythonBytes, typescriptBytes] = await Promise.all([
    loader.load('tree-sitter-python.wasm'),
    loader.load('tree-sitter-typescript.wasm'),
  ]);
  const python = new Parser().setLanguage(await Language.load(pythonBytes));
  const typescript = new Parser().setLanguage(await Language.load(typescriptBytes));
  return { python, typescript };
}

/**
 * The edit that turns `oldText` into `newText`, found from their common prefix and suffix.
 * Used when the host did not say what changed; a single typed character gives a one-character edit.
 */
export function diffEdit(oldText: string, newText: string): TextEdit | undefined {
  if (oldText === newText) return undefined;
  const max = Math.min(oldText.length, newText.length);
  // Whole blocks first (string comparison is a memory compare), then characters.
  const BLOCK = 512;
  let start = 0;
  while (start + BLOCK <= max && oldText.slice(start, start + BLOCK) === newText.slice(start, start + BLOCK)) start += BLOCK;
  while (start < max && oldText.charCodeAt(start) === newText.charCodeAt(start)) start++;
  let suffix = 0;
  const room = max - start;
  while (suffix + BLOCK <= room && oldText.slice(oldText.length - suffix - BLOCK, oldText.length - suffix) === newText.slice(newText.length - suffix - BLOCK, newText.length - suffix)) suffix += BLOCK;
  while (suffix < room && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) suffix++;
  const oldEnd = oldText.length - suffix;
  const newEnd = newText.length - suffix;
  return {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: newEnd,
    startPosition: pointAt(oldText, start),
    oldEndPosition: pointAt(oldText, oldEnd),
    newEndPosition: pointAt(newText, newEnd),
  };
}

function pointAt(text: string, index: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

interface DocumentTree {
  text: string;
  tree: Tree;
}

/**
 * Keeps the last tree per document so a re-analysis after an edit reparses incrementally.
 * Trees are WebAssembly memory: evicting a document deletes its tree.
 */
export class DocumentTrees {
  private readonly docs = new Map<string, DocumentTree>();

  constructor(private readonly maxDocuments = 32) {}

  parse(parser: Parser, key: string | undefined, text: string, edit?: TextEdit): Tree | null {
    const previous = key === undefined ? undefined : this.docs.get(key);
    let oldTree: Tree | null = null;
    if (previous && previous.tree.language === parser.language) {
      const change = edit ?? diffEdit(previous.text, text);
      if (!change) return previous.tree;
      previous.tree.edit(new Edit(change));
      oldTree = previous.tree;
    }
    const tree = parser.parse(text, oldTree);
    if (key !== undefined && tree) {
      if (previous) previous.tree.delete();
      this.docs.delete(key);
      this.docs.set(key, { text, tree });
      this.evict();
    }
    return tree;
  }

  forget(key: string): void {
    const doc = this.docs.get(key);
    if (doc) doc.tree.delete();
    this.docs.delete(key);
  }

  private evict(): void {
    while (this.docs.size > this.maxDocuments) {
      const oldest = this.docs.keys().next().value as string;
      this.forget(oldest);
    }
  }
}
