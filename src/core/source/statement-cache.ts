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
  // Keyed by column, type and length; the text itself is compared, not hashed (hashing every statement's
  // text per keystroke costs more). Statements with the same key, in document order.
  private entries = new Map<string, Entry[]>();
  private next = new Map<string, Entry[]>();
  private nextId = 0;

  /** The root's named children, read with one cursor (cheaper than a wasm node object per child). */
  topStatements(root: TsNode, source: string): TopStatement[] {
    // An analysis that stopped before `commit`: what it claimed is still good.
    if (this.next.size > 0) this.commit();
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
        const key = `${pos.column}:${type}:${text.length}`;
        let entry = this.claim(key, text, pos.row);
        if (!entry) {
          const syn = type === 'comment' ? commentSyn(text, pos.row, pos.column) : snapshot(cursor.currentNode, text);
          entry = { syn, id: this.nextId++, text, row: pos.row };
        } else if (entry.row !== pos.row) {
          entry.syn.moveTo(pos.row);
          entry.row = pos.row;
        }
        let list = this.next.get(key);
        if (!list) this.next.set(key, (list = []));
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
    this.entries = this.next;
    this.next = new Map();
  }

  /** The previous analysis' statement with this text, at this row if one is, else the first; each is taken once. */
  private claim(key: string, text: string, row: number): Entry | undefined {
    const list = this.entries.get(key);
    if (!list) return undefined;
    let at = -1;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.text !== text) continue;
      if (e.row === row) {
        at = i;
        break;
      }
      if (at === -1) at = i;
    }
    if (at === -1) return undefined;
    return list.splice(at, 1)[0];
  }
}
