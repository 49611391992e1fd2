import type { Node as TsNode } from 'web-tree-sitter';
import { commentSyn, snapshot, type Syn } from './syntax.js';

export interface TopStatement {
  readonly syn: Syn;
  /** Same text at the same place gives the same id across analyses of one document. */
  readonly id: number;
}

interface Entry extends TopStatement {
  readonly text: string;
}

/**
 * Snapshots of top-level statements, reused while a statement's text and position are unchanged.
 * After a one-line edit only the edited statement is copied out of the tree again. Each distinct
 * statement gets a small id, which result caches use as a dependency key.
 */
export class StatementCache {
  // Keyed by place and length; the text itself is compared, not hashed (hashing every statement's text per keystroke costs more).
  private entries = new Map<string, Entry>();
  private next = new Map<string, Entry>();
  private nextId = 0;

  /** The root's named children, read with one cursor (cheaper than a wasm node object per child). */
  topStatements(root: TsNode, source: string): TopStatement[] {
    const out: TopStatement[] = [];
    const cursor = root.walk();
    try {
      if (!cursor.gotoFirstChild()) return out;
      do {
        if (!cursor.nodeIsNamed) continue;
        const start = cursor.startIndex;
        const text = source.slice(start, cursor.endIndex);
        const pos = cursor.startPosition;
        const key = `${pos.row}:${pos.column}:${cursor.nodeType}:${text.length}`;
        let entry = this.next.get(key) ?? this.entries.get(key);
        if (!entry || entry.text !== text) {
          const syn = cursor.nodeType === 'comment' ? commentSyn(text, pos.row, pos.column) : snapshot(cursor.currentNode, text);
          entry = { syn, id: this.nextId++, text };
        }
        this.next.set(key, entry);
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
}
