import type { Node as TsNode } from 'web-tree-sitter';
import { commentSyn, isNamedType, snapshotAt, type SnapshotOptions, type Syn } from './syntax.js';
import { cursorReader } from './tree-cursor-reader.js';

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
  /** The analysis that took it last (each statement is taken once per analysis). */
  taken: number;
}

/**
 * Snapshots of top-level statements, reused while a statement's text and column are unchanged. After an
 * edit only the edited statement is copied out of the tree again, also when the edit added or removed
 * lines (the statements below keep their snapshots, moved to their new rows). Each distinct statement
 * gets a small id, which result caches use as a dependency key.
 */
export class StatementCache {
  // The text itself is compared, not hashed (hashing every statement's text per keystroke costs more).
  /** The previous analysis' statements by place: `row:column:type:length`, in document order. */
  private byPlace = new Map<string, Entry>();
  private nextByPlace = new Map<string, Entry>();
  /** The previous analysis' statements by `column:type:length`, in row order: made when a statement moved. */
  private byShape: Map<string, Entry[]> | undefined;
  private analysis = 0;
  private open = false;
  /** How far the last moved statement moved: the statements after it have usually moved as far. */
  private shift = 0;
  private nextId = 0;

  /**
   * The root's named children, read with one cursor that also copies each changed statement, with `options`
   * (see `snapshot`); a document keeps the same options.
   */
  topStatements(root: TsNode, source: string, options?: SnapshotOptions): TopStatement[] {
    // An analysis that stopped before `commit`: what it took is still good.
    if (this.open) this.commit();
    this.open = true;
    this.analysis++;
    this.shift = 0;
    const out: TopStatement[] = [];
    // Read before the cursor exists: a direct cursor owns the runtime's transfer buffer until it is deleted.
    const { language } = root.tree;
    const checkMissing = root.hasError;
    const cursor = cursorReader(root);
    try {
      if (!cursor.gotoFirstChild()) return out;
      do {
        const typeId = cursor.typeId();
        if (!isNamedType(language, typeId)) continue;
        const start = cursor.startIndex();
        const text = source.slice(start, cursor.endIndex());
        const pos = cursor.startPosition();
        const type = language.types[typeId] || 'ERROR';
        const place = `${pos.row}:${pos.column}:${type}:${text.length}`;
        let entry = this.take(place, text, pos.row);
        if (!entry) {
          const syn = type === 'comment' ? commentSyn(text, pos.row, pos.column) : snapshotAt(cursor, language, text, pos, checkMissing, options);
          entry = { syn, id: this.nextId++, text, row: pos.row, taken: this.analysis };
        } else if (entry.row !== pos.row) {
          this.shift = pos.row - entry.row;
          entry.syn.moveTo(pos.row);
          entry.row = pos.row;
        }
        this.nextByPlace.set(place, entry);
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
    this.nextByPlace = new Map();
    this.byShape = undefined;
    this.open = false;
  }

  /**
   * The previous analysis' statement with this text: at this row, else moved as far as the last moved one,
   * else the nearest of a few with its shape (bounded, so that thousands of look-alike lines stay linear).
   */
  private take(place: string, text: string, row: number): Entry | undefined {
    const analysis = this.analysis;
    let found = this.byPlace.get(place);
    if (!fits(found, text, analysis)) {
      const shape = place.slice(place.indexOf(':') + 1);
      found = this.shift === 0 ? undefined : this.byPlace.get(`${row - this.shift}:${shape}`);
      if (!fits(found, text, analysis)) found = nearest(this.shapes().get(shape), row - this.shift, text, analysis);
      if (!fits(found, text, analysis)) return undefined;
    }
    found.taken = analysis;
    return found;
  }

  private shapes(): Map<string, Entry[]> {
    if (!this.byShape) {
      this.byShape = new Map();
      for (const [place, e] of this.byPlace) {
        const shape = place.slice(place.indexOf(':') + 1);
        let list = this.byShape.get(shape);
        if (!list) this.byShape.set(shape, (list = []));
        list.push(e);
      }
    }
    return this.byShape;
  }
}

/** Statements of one shape compared on each side of where a statement is looked for. */
const MAX_CANDIDATES = 16;

/** Whether `e` has this text and was not taken yet by this analysis. */
function fits(e: Entry | undefined, text: string, analysis: number): e is Entry {
  return e !== undefined && e.taken !== analysis && e.text === text;
}

/** The statement of `list` (in row order) nearest to `row` that fits, among a few on each side. */
function nearest(list: readonly Entry[] | undefined, row: number, text: string, analysis: number): Entry | undefined {
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
    if (fits(after, text, analysis)) return after;
    const before = list[lo - 1 - k];
    if (fits(before, text, analysis)) return before;
    if (!after && !before) return undefined;
  }
  return undefined;
}
