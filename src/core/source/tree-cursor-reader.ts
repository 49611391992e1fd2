import type { Node as TsNode, TreeCursor } from 'web-tree-sitter';

/**
 * What copying a subtree reads from a tree-sitter cursor, one node at a time.
 *
 * web-tree-sitter's `TreeCursor` copies its four handles into the runtime's transfer buffer before every call
 * and back after every move (eight `setValue`/`getValue` calls, each a type switch). The cursor functions of the
 * runtime read (and, when moving, write back) the cursor in that same buffer, so a walk that keeps its cursor
 * there calls them directly: its handles go in once and come back once. Copying the statements of the 5,000-line
 * bench file took 13.7 ms of CPU through `TreeCursor` and 5.6 ms this way (same process, interleaved).
 */
export interface CursorReader {
  /** Whether it calls the runtime's cursor functions directly. */
  readonly direct: boolean;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  typeId(): number;
  fieldId(): number;
  startIndex(): number;
  endIndex(): number;
  startPosition(): { row: number; column: number };
  isMissing(): boolean;
  /** Frees the cursor; the reader is not used afterwards. */
  delete(): void;
}

/** The runtime's cursor functions (C names of `lib/binding_web/lib/tree-sitter.c`), each taking the tree's address. */
interface CursorRuntime {
  readonly HEAP32: Int32Array;
  _ts_init(): number;
  _ts_tree_cursor_goto_first_child_wasm(tree: number): number;
  _ts_tree_cursor_goto_next_sibling_wasm(tree: number): number;
  _ts_tree_cursor_goto_parent_wasm(tree: number): number;
  _ts_tree_cursor_current_node_type_id_wasm(tree: number): number;
  _ts_tree_cursor_current_field_id_wasm(tree: number): number;
  _ts_tree_cursor_start_index_wasm(tree: number): number;
  _ts_tree_cursor_end_index_wasm(tree: number): number;
  /** Writes the row and column over the first two slots of the transfer buffer. */
  _ts_tree_cursor_start_position_wasm(tree: number): void;
  _ts_tree_cursor_current_node_is_missing_wasm(tree: number): number;
}

const FUNCTIONS = [
  '_ts_init',
  '_ts_tree_cursor_goto_first_child_wasm',
  '_ts_tree_cursor_goto_next_sibling_wasm',
  '_ts_tree_cursor_goto_parent_wasm',
  '_ts_tree_cursor_current_node_type_id_wasm',
  '_ts_tree_cursor_current_field_id_wasm',
  '_ts_tree_cursor_start_index_wasm',
  '_ts_tree_cursor_end_index_wasm',
  '_ts_tree_cursor_start_position_wasm',
  '_ts_tree_cursor_current_node_is_missing_wasm',
] as const;

let runtime: { readonly module: CursorRuntime; readonly transfer: number } | undefined;

/**
 * Takes the object given to `Parser.init` (Emscripten makes it the runtime's module): when it carries the cursor
 * functions and the heap, cursors are read directly. Anything else leaves the public API in use.
 */
export function useTreeSitterRuntime(module: unknown): void {
  const m = module as Partial<Record<(typeof FUNCTIONS)[number], unknown>> & { HEAP32?: unknown };
  if (!m || !(m.HEAP32 instanceof Int32Array) || !FUNCTIONS.every((f) => typeof m[f] === 'function')) return;
  const rt = m as unknown as CursorRuntime;
  runtime = { module: rt, transfer: rt._ts_init() >> 2 };
}

/** A reader over a cursor at `node`: direct when the runtime is known and agrees with the public API, else public. */
export function cursorReader(node: TsNode): CursorReader {
  const cursor = node.walk();
  const handles = (cursor as unknown as { handles?: unknown }).handles;
  const tree = (node.tree as unknown as Record<number, unknown>)[0];
  if (runtime && Array.isArray(handles) && handles.length === 4 && typeof tree === 'number') {
    // Read through the public API first: it uses the transfer buffer too.
    const expected = [node.typeId, node.startIndex, node.endIndex];
    const direct = new DirectReader(runtime.module, runtime.transfer, tree, cursor, handles as number[]);
    // The same node read both ways: a runtime whose layout is not the one expected falls back.
    if (direct.typeId() === expected[0] && direct.startIndex() === expected[1] && direct.endIndex() === expected[2]) return direct;
    direct.delete();
    return new PublicReader(node.walk());
  }
  return new PublicReader(cursor);
}

/** A reader through web-tree-sitter's public `TreeCursor` only. */
export function publicCursorReader(node: TsNode): CursorReader {
  return new PublicReader(node.walk());
}

class PublicReader implements CursorReader {
  readonly direct = false;
  constructor(private readonly cursor: TreeCursor) {}
  gotoFirstChild(): boolean {
    return this.cursor.gotoFirstChild();
  }
  gotoNextSibling(): boolean {
    return this.cursor.gotoNextSibling();
  }
  gotoParent(): boolean {
    return this.cursor.gotoParent();
  }
  typeId(): number {
    return this.cursor.nodeTypeId;
  }
  fieldId(): number {
    return this.cursor.currentFieldId;
  }
  startIndex(): number {
    return this.cursor.startIndex;
  }
  endIndex(): number {
    return this.cursor.endIndex;
  }
  startPosition(): { row: number; column: number } {
    return this.cursor.startPosition;
  }
  isMissing(): boolean {
    return this.cursor.nodeIsMissing;
  }
  delete(): void {
    this.cursor.delete();
  }
}

/**
 * Keeps the cursor in the transfer buffer for the whole walk. Nothing else may call into tree-sitter meanwhile
 * (the walk is synchronous); `delete` puts the moved handles back into the public cursor before freeing it, since
 * a move may have reallocated the cursor's stack.
 */
class DirectReader implements CursorReader {
  readonly direct = true;
  constructor(
    private readonly rt: CursorRuntime,
    private readonly transfer: number,
    private readonly tree: number,
    private readonly cursor: TreeCursor,
    private readonly handles: number[],
  ) {
    const heap = rt.HEAP32;
    for (let i = 0; i < 4; i++) heap[transfer + i] = handles[i]!;
  }
  gotoFirstChild(): boolean {
    return this.rt._ts_tree_cursor_goto_first_child_wasm(this.tree) === 1;
  }
  gotoNextSibling(): boolean {
    return this.rt._ts_tree_cursor_goto_next_sibling_wasm(this.tree) === 1;
  }
  gotoParent(): boolean {
    return this.rt._ts_tree_cursor_goto_parent_wasm(this.tree) === 1;
  }
  typeId(): number {
    return this.rt._ts_tree_cursor_current_node_type_id_wasm(this.tree);
  }
  fieldId(): number {
    return this.rt._ts_tree_cursor_current_field_id_wasm(this.tree);
  }
  startIndex(): number {
    return this.rt._ts_tree_cursor_start_index_wasm(this.tree);
  }
  endIndex(): number {
    return this.rt._ts_tree_cursor_end_index_wasm(this.tree);
  }
  startPosition(): { row: number; column: number } {
    // The point comes back where the cursor's first two handles are: they are put back after reading it.
    const t = this.transfer;
    const heap = this.rt.HEAP32;
    const h0 = heap[t]!;
    const h1 = heap[t + 1]!;
    this.rt._ts_tree_cursor_start_position_wasm(this.tree);
    const row = heap[t]! >>> 0;
    const column = heap[t + 1]! >>> 0;
    heap[t] = h0;
    heap[t + 1] = h1;
    return { row, column };
  }
  isMissing(): boolean {
    return this.rt._ts_tree_cursor_current_node_is_missing_wasm(this.tree) === 1;
  }
  delete(): void {
    // The heap may have grown (a new view) while the cursor's stack grew.
    const heap = this.rt.HEAP32;
    for (let i = 0; i < 4; i++) this.handles[i] = heap[this.transfer + i]!;
    this.cursor.delete();
  }
}
