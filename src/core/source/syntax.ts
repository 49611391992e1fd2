import type { Language, Node as TsNode } from 'web-tree-sitter';
import type { SourceRange } from '../ir/graph.js';
import { cursorReader, type CursorReader } from './tree-cursor-reader.js';

/** Where the lines of a statement without line breaks start. */
const ONE_LINE: readonly number[] = Object.freeze([0]);

/** Row and column of an index into a top-level statement's text, from its start position. */
class LineIndex {
  private starts: readonly number[] | undefined;
  constructor(
    /** The top-level statement's text. */
    readonly src: string,
    /** Changes when lines are inserted or removed above an unchanged statement (its snapshot is kept). */
    public row: number,
    private readonly column: number,
  ) {}

  /** The range from `start` to `end`, without an object per end (ranges are read for most nodes a unit touches). */
  range(start: number, end: number): SourceRange {
    const s = this.lineOf(start);
    const e = this.lineOf(end);
    const starts = this.starts!;
    return {
      startLine: this.row + s,
      startColumn: s === 0 ? this.column + start : start - starts[s]!,
      endLine: this.row + e,
      endColumn: e === 0 ? this.column + end : end - starts[e]!,
    };
  }

  /** Which line of the statement's text `index` is on, counted from its first. */
  private lineOf(index: number): number {
    if (!this.starts) {
      const first = this.src.indexOf('\n');
      // Most top-level statements of a file are one-line comments: they share one table.
      if (first === -1) this.starts = ONE_LINE;
      else {
        const starts = [0];
        for (let i = first; i !== -1; i = this.src.indexOf('\n', i + 1)) starts.push(i + 1);
        this.starts = starts;
      }
    }
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * A plain-JavaScript copy of a tree-sitter subtree. Reading a wasm-backed node costs a boundary
 * crossing per property; the interpreters visit nodes many times, so each analysed subtree is copied
 * once with a cursor and the copy is what they walk. Anonymous tokens are kept only where the
 * interpreters read them: under a field (`operator`), inside a slice (`a:b`), TS `readonly`.
 */
/** Shared by every leaf (most nodes of a tree): frozen, so that a leaf is never given children by mistake. */
const NO_CHILDREN: Syn[] = Object.freeze([]) as unknown as Syn[];

export class Syn {
  /** Set once, when the snapshot has visited all of them. */
  children: Syn[] = NO_CHILDREN;
  private cachedRange: SourceRange | undefined;
  /** The statement's row `cachedRange` was computed for. */
  private rangeRow = -1;
  private cachedNamed: Syn[] | undefined;

  constructor(
    readonly type: string,
    /** `NAMED` and `MISSING` bits: one field instead of two on every node of every snapshot. */
    private readonly flags: number,
    /** Field name under the parent (`name`, `body`, `left`, ...), `null` when it has none. */
    readonly field: string | null,
    /** UTF-16 offsets into `src`. */
    readonly startIndex: number,
    readonly endIndex: number,
    /** The top-level statement this node belongs to: its text and where it starts. */
    private readonly lines: LineIndex,
  ) {}

  /** Text the indices point into: the top-level statement this node belongs to. */
  get src(): string {
    return this.lines.src;
  }

  get named(): boolean {
    return (this.flags & NAMED) !== 0;
  }

  /** A token the parser invented to recover from a syntax error. */
  get missing(): boolean {
    return (this.flags & MISSING) !== 0;
  }

  /** Lines are absolute (0-based), computed on first use. */
  get range(): SourceRange {
    if (!this.cachedRange || this.rangeRow !== this.lines.row) {
      this.rangeRow = this.lines.row;
      this.cachedRange = this.lines.range(this.startIndex, this.endIndex);
    }
    return this.cachedRange;
  }

  /** Named children without comments; computed once, since the interpreters ask again on every visit. */
  get namedChildren(): Syn[] {
    // Most nodes keep only named children: the same array then serves both.
    this.cachedNamed ??= this.children.every(isNamedNode) ? this.children : this.children.filter(isNamedNode);
    return this.cachedNamed;
  }

  /** The same node under another type name (TS shorthand properties read as identifiers). */
  as(type: string): Syn {
    const copy = new Syn(type, this.flags, this.field, this.startIndex, this.endIndex, this.lines);
    copy.children = this.children;
    return copy;
  }

  /** The statement this node belongs to now starts at `row` (same text, same column): every range of it follows. */
  moveTo(row: number): void {
    this.lines.row = row;
  }
}

const NAMED = 1;
const MISSING = 2;

function isNamedNode(c: Syn): boolean {
  return c.named && c.type !== 'comment';
}

/** A top-level comment as a leaf, without a cursor of its own (files have many of them). */
export function commentSyn(src: string, row: number, column: number): Syn {
  return new Syn('comment', NAMED, null, 0, src.length, new LineIndex(src, row, column));
}

export interface SnapshotOptions {
  /**
   * Nodes copied without their subtrees: a front-end that never reads inside them (TypeScript type
   * annotations) does not pay WebAssembly calls for the nodes there.
   */
  readonly leafTypes?: ReadonlySet<string>;
}

/**
 * Copies `node`'s subtree. Indices become relative to `node` and `src` is `node`'s own text, so a
 * snapshot stays valid when text before it changes length (rows and columns are kept absolute).
 */
export function snapshot(node: TsNode, src: string, options: SnapshotOptions = {}): Syn {
  // Read before the cursor exists: a direct cursor owns the runtime's transfer buffer until it is deleted.
  const { language } = node.tree;
  const start = node.startPosition;
  const checkMissing = node.hasError;
  const cursor = cursorReader(node);
  try {
    return snapshotAt(cursor, language, src, start, checkMissing, options);
  } finally {
    cursor.delete();
  }
}

/**
 * Copies the subtree at the cursor's node (whose text is `src` and which starts at `start`) and leaves the cursor
 * there, so that one cursor can copy a file's statements in turn. `checkMissing`: whether the tree has errors
 * (only then can a node be missing).
 */
export function snapshotAt(cursor: CursorReader, language: Language, src: string, start: { row: number; column: number }, checkMissing: boolean, options: SnapshotOptions = {}): Syn {
  const leafTypes = options.leafTypes;
  const base = cursor.startIndex();
  const lines = new LineIndex(src, start.row, start.column);
  const { types, fields, named } = grammarTables(language);
  // The type id is read once per node, and whether it is named comes from a per-grammar table.
  let typeId = cursor.typeId();
  const current = (field: string | null): Syn =>
    new Syn(types[typeId] || 'ERROR', (isNamed(named, language, typeId) ? NAMED : 0) | (checkMissing && cursor.isMissing() ? MISSING : 0), field, cursor.startIndex() - base, cursor.endIndex() - base, lines);
  const root = current(null);
  // Iterative so that pathological nesting in user code cannot exhaust the JS stack. `stack[d]` is the node at
  // depth d (undefined for a skipped token), `pending[d]` its children so far: an array of the right size is made
  // when the node is left, rather than one grown by pushes (most of its slots empty).
  const stack: (Syn | undefined)[] = [root];
  const pending: Syn[][] = [[]];
  // How many of `pending[d]` are in use: the arrays are kept (emptying one would free its backing store).
  const counts: number[] = [0];
  for (;;) {
    // Tokens, skipped subtrees and leaf types: no children worth a call.
    const top = stack[stack.length - 1];
    if (top && !leafTypes?.has(top.type) && cursor.gotoFirstChild()) {
      stack.push(visit(top));
      continue;
    }
    for (;;) {
      leave();
      // Back at the node it started from: the cursor stays there.
      if (stack.length === 0) return root;
      if (cursor.gotoNextSibling()) {
        stack.push(visit(stack[stack.length - 1]));
        break;
      }
      cursor.gotoParent();
    }
  }
  /** Copies the cursor's node under `parent` when it is kept; `undefined` for a skipped token (and its subtree). */
  function visit(parent: Syn | undefined): Syn | undefined {
    if (!parent) return undefined;
    typeId = cursor.typeId();
    const field = fields[cursor.fieldId()] ?? null;
    if (!field && !isNamed(named, language, typeId) && parent.type !== 'slice' && types[typeId] !== 'readonly') return undefined;
    const syn = current(field);
    const depth = stack.length - 1;
    (pending[depth] ??= [])[(counts[depth] = (counts[depth] ?? 0) + 1) - 1] = syn;
    return syn;
  }
  /** Pops the deepest node, giving it its children. */
  function leave(): void {
    const depth = stack.length - 1;
    const node = stack.pop();
    const count = counts[depth] ?? 0;
    if (node && count > 0) {
      node.children = pending[depth]!.slice(0, count);
      counts[depth] = 0;
    }
  }
}

/** What a snapshot reads of a grammar per node, looked up in arrays made once per grammar. */
interface GrammarTables {
  /** Whether each node type is named, asked once per grammar (not during a walk: see tree-cursor-reader). */
  readonly named: readonly boolean[];
  /** Type and field names, internalized (see `internalized`). */
  readonly types: readonly string[];
  readonly fields: readonly (string | null)[];
}

const grammarTableCache = new WeakMap<Language, GrammarTables>();

function grammarTables(language: Language): GrammarTables {
  let tables = grammarTableCache.get(language);
  if (!tables) {
    tables = {
      named: language.types.map((_, id) => language.nodeTypeIsNamed(id)),
      types: Array.from(language.types, (t) => (t ? internalized(t) : t)),
      fields: Array.from(language.fields, (f) => (f ? internalized(f) : null)),
    };
    grammarTableCache.set(language, tables);
  }
  return tables;
}

/**
 * The same string as the engine's internalized copy. web-tree-sitter decodes type and field names from the
 * runtime's memory, so each is a string of its own: every `node.type === 'call'` in the interpreters then compares
 * characters. Property keys are internalized, as are the literals they are compared with, and two internalized
 * strings compare by identity.
 */
function internalized(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}

/** ERROR (id 65535) and other ids past the grammar's symbols are asked directly (that call leaves cursors alone). */
function isNamed(table: readonly boolean[], language: Language, typeId: number): boolean {
  return typeId < table.length ? table[typeId]! : language.nodeTypeIsNamed(typeId);
}

/** Whether nodes of this type are named (not punctuation or keywords). */
export function isNamedType(language: Language, typeId: number): boolean {
  return isNamed(grammarTables(language).named, language, typeId);
}

export function child(node: Syn, field: string): Syn | undefined {
  for (const c of node.children) if (c.field === field) return c;
  return undefined;
}

export function childrenOf(node: Syn, field: string): Syn[] {
  return node.children.filter((c) => c.field === field);
}

/** Named children, skipping comments (they may sit anywhere in a statement list). */
export function namedChildren(node: Syn): Syn[] {
  return node.namedChildren;
}

export function textOf(node: Syn): string {
  return node.src.slice(node.startIndex, node.endIndex);
}

/** Where the parser recovered from errors; descends only into subtrees that contain one. */
export function errorRanges(node: TsNode, out: SourceRange[] = []): SourceRange[] {
  if (node.isError || node.isMissing) {
    const s = node.startPosition;
    const e = node.endPosition;
    out.push({ startLine: s.row, startColumn: s.column, endLine: e.row, endColumn: e.column });
    return out;
  }
  for (const c of node.children) if (c?.hasError || c?.isMissing) errorRanges(c, out);
  return out;
}
