import type { Language, Node as TsNode } from 'web-tree-sitter';
import type { SourceRange } from '../ir/graph.js';

/** Row and column of an index into a top-level statement's text, from its start position. */
class LineIndex {
  private starts: number[] | undefined;
  constructor(
    private readonly src: string,
    /** Changes when lines are inserted or removed above an unchanged statement (its snapshot is kept). */
    public row: number,
    private readonly column: number,
  ) {}

  at(index: number): { line: number; column: number } {
    if (!this.starts) {
      this.starts = [0];
      for (let i = this.src.indexOf('\n'); i !== -1; i = this.src.indexOf('\n', i + 1)) this.starts.push(i + 1);
    }
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return { line: this.row + lo, column: lo === 0 ? this.column + index : index - this.starts[lo]! };
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
  /** Set once, when the snapshot leaves this node; read-only afterwards. */
  children: Syn[] = NO_CHILDREN;
  private cachedRange: SourceRange | undefined;
  /** The statement's row `cachedRange` was computed for. */
  private rangeRow = -1;
  private cachedNamed: Syn[] | undefined;

  constructor(
    readonly type: string,
    /** Text the indices point into: the top-level statement this node belongs to. */
    readonly src: string,
    readonly named: boolean,
    /** Field name under the parent (`name`, `body`, `left`, ...), `null` when it has none. */
    readonly field: string | null,
    /** UTF-16 offsets into `src`. */
    readonly startIndex: number,
    readonly endIndex: number,
    /** A token the parser invented to recover from a syntax error. */
    readonly missing: boolean,
    private readonly lines: LineIndex,
  ) {}

  /** Lines are absolute (0-based), computed on first use. */
  get range(): SourceRange {
    if (!this.cachedRange || this.rangeRow !== this.lines.row) {
      this.rangeRow = this.lines.row;
      const s = this.lines.at(this.startIndex);
      const e = this.lines.at(this.endIndex);
      this.cachedRange = { startLine: s.line, startColumn: s.column, endLine: e.line, endColumn: e.column };
    }
    return this.cachedRange;
  }

  /**
   * Named children without comments; computed once, since the interpreters ask again on every visit. Most
   * nodes keep no anonymous token and no comment: their children array itself, not a copy.
   */
  get namedChildren(): Syn[] {
    if (this.cachedNamed === undefined) {
      const kept = this.children.every((c) => c.named && c.type !== 'comment');
      this.cachedNamed = kept ? this.children : this.children.filter((c) => c.named && c.type !== 'comment');
    }
    return this.cachedNamed;
  }

  /** The same node under another type name (TS shorthand properties read as identifiers). */
  as(type: string): Syn {
    const copy = new Syn(type, this.src, this.named, this.field, this.startIndex, this.endIndex, this.missing, this.lines);
    copy.children = this.children;
    return copy;
  }

  /** The statement this node belongs to now starts at `row` (same text, same column): every range of it follows. */
  moveTo(row: number): void {
    this.lines.row = row;
  }
}

/** A top-level comment as a leaf, without a cursor of its own (files have many of them). */
export function commentSyn(src: string, row: number, column: number): Syn {
  return new Syn('comment', src, true, null, 0, src.length, false, new LineIndex(src, row, column));
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
  const base = node.startIndex;
  const start = node.startPosition;
  const lines = new LineIndex(src, start.row, start.column);
  const checkMissing = node.hasError;
  const language = node.tree.language;
  const { types, fields } = language;
  const namedTypes = namedTypesOf(language);
  const leafTypes = options.leafTypes;
  const cursor = node.walk();
  try {
    // Each cursor property is a call into WebAssembly: the type id is read once per node, and whether
    // it is named comes from a per-grammar table, not from another call.
    let typeId = cursor.nodeTypeId;
    const current = (field: string | null): Syn =>
      new Syn(types[typeId] || 'ERROR', src, isNamed(namedTypes, language, typeId), field, cursor.startIndex - base, cursor.endIndex - base, checkMissing && cursor.nodeIsMissing, lines);
    const root = current(null);
    // Iterative so that pathological nesting in user code cannot exhaust the JS stack. `kids[d]` collects
    // the children of `stack[d]`, copied into an array of their exact size when the node is left (an
    // array grown by `push` keeps room for 17: most of a snapshot's memory, and of its GC time).
    const stack: (Syn | undefined)[] = [root];
    const kids: Syn[][] = [[]];
    for (;;) {
      // Tokens, skipped subtrees and leaf types: no children worth a call.
      const top = stack[stack.length - 1];
      if (top && !leafTypes?.has(top.type) && cursor.gotoFirstChild()) {
        enter(visit(top));
        continue;
      }
      for (;;) {
        leave();
        if (stack.length === 0) return root;
        if (cursor.gotoNextSibling()) {
          enter(visit(stack[stack.length - 1]));
          break;
        }
        cursor.gotoParent();
      }
    }
    function enter(syn: Syn | undefined): void {
      stack.push(syn);
      const depth = stack.length - 1;
      if (kids.length === depth) kids.push([]);
      else kids[depth]!.length = 0;
    }
    function leave(): void {
      const list = kids[stack.length - 1]!;
      const syn = stack.pop();
      if (syn && list.length > 0) syn.children = list.slice();
    }
    /** Copies the cursor's node under `parent` when it is kept; `undefined` for a skipped token (and its subtree). */
    function visit(parent: Syn | undefined): Syn | undefined {
      if (!parent) return undefined;
      typeId = cursor.nodeTypeId;
      const field = fields[cursor.currentFieldId] ?? null;
      if (!field && !isNamed(namedTypes, language, typeId) && parent.type !== 'slice' && types[typeId] !== 'readonly') return undefined;
      const syn = current(field);
      kids[stack.length - 1]!.push(syn);
      return syn;
    }
  } finally {
    cursor.delete();
  }
}

const namedTypeTables = new WeakMap<Language, Map<number, boolean>>();

function namedTypesOf(language: Language): Map<number, boolean> {
  let table = namedTypeTables.get(language);
  if (!table) namedTypeTables.set(language, (table = new Map()));
  return table;
}

/** Whether a node type is named is a property of the grammar's symbol: asked once per type id. */
function isNamed(table: Map<number, boolean>, language: Language, typeId: number): boolean {
  let named = table.get(typeId);
  if (named === undefined) table.set(typeId, (named = language.nodeTypeIsNamed(typeId)));
  return named;
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
