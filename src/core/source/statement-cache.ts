import type { Node as TsNode } from 'web-tree-sitter';
import { commentSyn, snapshot, type Syn } from './syntax.js';

export interface TopStatement {
  readonly syn: Syn;
  /**
   * Same text at the same column gives the same id across analyses of one document, also when lines were
   * inserted or removed above it (its ranges then follow its new row).
   */
  readonly id: number;
}

interface Entry extends TopStatement {
  readonly text: string;
  row: number;
}

/**
 * Snapshots of top-level statements, reused while a statement's text and column are unchanged. After an
 * edit only the edited statement is copied out of the tree again, also when the edit added or removed
 * lines (the statements below keep their snapshots, moved to their new rows). Each distinct statement
 * gets a small id, which result caches use as a dependency key.
 */
export class StatementCache {
  // The text itself is compared, not hashed (hashing every statement's text per keystroke costs more).
  /** The previous analysis' statements by place: row, column, type and length. */
  private byPlace = new Map<string, Entry>();
  /** The same, by column, type and length, in document order: where a statement moved is looked up. */
  private byShape = new Map<string, Entry[]>();
  private nextByPlace = new Map<string, Entry>();
  private nextByShape = new Map<string, Entry[]>();
  /** Statements the current analysis has taken. */
  private taken = new Set<Entry>();
  /** How far the last moved statement moved: the statements after it have usually moved as far. */
  private shift = 0;
  private nextId = 0;

  /** The root's named children, read with one cursor (cheaper than a wasm node object per child). */
  topStatements(root: TsNode, source: string): TopStatement[] {
    // An analysis that stopped before `commit`: what it took is still good.
    if (this.taken.size > 0) this.commit();
    this.shift = 0;
    const out: TopStatement[] = [];
    const cursor = root.walk();
    try {
      if (!cursor.gotoFirstChild()) return out;
      do {
        if (!cursor.nodeIsNamed) continue;
        const start = cursor.startIndex;
        const text = source.slice(start, cursor.endIndex);
        const pos = cursor.startPosition;
        const type = cursor.nodeType;
        const shape = `${pos.column}:${type}:${text.length}`;
        let entry = this.take(shape, text, pos.row);
        if (!entry) {
          const syn = type === 'comment' ? commentSyn(text, pos.row, pos.column) : snapshot(cursor.currentNode, text);
          entry = { syn, id: this.nextId++, text, row: pos.row };
          this.taken.add(entry);
        } else if (entry.row !== pos.row) {
          this.shift = pos.row - entry.row;
          entry.syn.moveTo(pos.row);
          entry.row = pos.row;
        }
        this.nextByPlace.set(`${pos.row}:${shape}`, entry);
        let list = this.nextByShape.get(shape);
        if (!list) this.nextByShape.set(shape, (list = []));
        list.push(entry);
        out.push(entry);
      } while (cursor.gotoNextSibling());
      return out;
    } finally {
      cursor.delete();
    }
  }

  /** Ends one analysis: statements not seen in it are dropped. */
  commit(): void {
    this.byPlace = this.nextByPlace;
    this.byShape = this.nextByShape;
    this.nextByPlace = new Map();
    this.nextByShape = new Map();
    this.taken.clear();
  }

  /**
   * The previous analysis' statement with this text: at this row, else moved as far as the last moved one,
   * else the first of a few with its shape (bounded, so that thousands of look-alike lines stay linear).
   */
  private take(shape: string, text: string, row: number): Entry | undefined {
    const fits = (e: Entry | undefined): e is Entry => e !== undefined && e.text === text && !this.taken.has(e);
    let found = this.byPlace.get(`${row}:${shape}`);
    if (!fits(found)) found = this.shift === 0 ? undefined : this.byPlace.get(`${row - this.shift}:${shape}`);
    if (!fits(found)) found = this.near(this.byShape.get(shape), row - this.shift, fits);
    if (!fits(found)) return undefined;
    this.taken.add(found);
    return found;
  }

  /** The statement of `list` (in row order) nearest to `row` that fits, among a few on each side. */
  private near(list: readonly Entry[] | undefined, row: number, fits: (e: Entry) => boolean): Entry | undefined {
    if (!list) return undefined;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.row < row) lo = mid + 1;
      else hi = mid;
    }
    for (let k = 0; k < MAX_CANDIDATES; k++) {
      const after = list[lo + k];
      if (after && fits(after)) return after;
      const before = list[lo - 1 - k];
      if (before && fits(before)) return before;
      if (!after && !before) return undefined;
    }
    return undefined;
  }
}

/** Statements of one shape compared on each side of where a statement is looked for. */
const MAX_CANDIDATES = 16;
