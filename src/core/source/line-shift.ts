import type { SourceRange } from '../ir/graph.js';
import type { SourceUnit } from './analysis.js';
import type { TopStatement } from './statement-cache.js';

/** Where each top-level statement of one analysis stood: its id and first and last line, in document order. */
export interface StatementLines {
  readonly ids: readonly number[];
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

export function statementLines(tops: readonly TopStatement[]): StatementLines {
  const ids: number[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  for (const t of tops) {
    const r = t.syn.range;
    ids.push(t.id);
    starts.push(r.startLine);
    ends.push(r.endLine);
  }
  return { ids, starts, ends };
}

/** Old line → new line; undefined where the old line is in no statement that is still there. */
export type LineMap = (line: number) => number | undefined;

/**
 * How lines of `before` moved in `now`, where both hold the same statements (by id) at other rows: lines
 * inserted or removed between statements. `undefined` when nothing moved.
 */
export function lineMap(before: StatementLines, now: StatementLines): LineMap | undefined {
  const startNow = new Map<number, number>();
  for (let i = 0; i < now.ids.length; i++) if (!startNow.has(now.ids[i]!)) startNow.set(now.ids[i]!, now.starts[i]!);
  let moved = false;
  const delta = before.ids.map((id, i) => {
    const s = startNow.get(id);
    if (s === undefined) return undefined;
    if (s !== before.starts[i]) moved = true;
    return s - before.starts[i]!;
  });
  if (!moved) return undefined;
  return (line) => {
    // The last statement starting at or above the line.
    let lo = 0;
    let hi = before.starts.length - 1;
    if (hi < 0 || line < before.starts[0]!) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (before.starts[mid]! <= line) lo = mid;
      else hi = mid - 1;
    }
    // Statements on one line (`a = 1; b = 2`) share it: any of them that still holds the line will do.
    for (let i = lo; i >= 0 && before.starts[i]! <= line; i--) {
      const d = delta[i];
      if (d !== undefined && line <= before.ends[i]!) return line + d;
      if (before.starts[i]! < line) break;
    }
    return undefined;
  };
}

const isRange = (v: Record<string, unknown>): boolean =>
  typeof v.startLine === 'number' && typeof v.endLine === 'number' && typeof v.startColumn === 'number' && typeof v.endColumn === 'number';

/**
 * A cached unit with every line it holds moved by `map` (ranges of nodes, modules, blocks, rows and notes;
 * the lines of its shapes); undefined when a line is in no statement that is still there (the unit is then
 * analysed again); `unit` itself when no line moved. Plain objects and arrays are copied, keeping which of them are shared; anything else
 * (graph value maps, weight arrays) holds no line and is kept as is.
 */
export function moveUnitLines(unit: SourceUnit, map: LineMap): SourceUnit | undefined {
  const copies = new Map<object, unknown>();
  let lost = false;
  let changed = false;
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v !== 'object' || lost) return v;
    const done = copies.get(v);
    if (done !== undefined) return done;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      copies.set(v, out);
      for (const item of v) out.push(copy(item));
      return out;
    }
    if (Object.getPrototypeOf(v) !== Object.prototype) return v;
    const o = v as Record<string, unknown>;
    if (isRange(o)) {
      const startLine = map(o.startLine as number);
      const endLine = map(o.endLine as number);
      if (startLine === undefined || endLine === undefined) {
        lost = true;
        return v;
      }
      if (startLine !== o.startLine || endLine !== o.endLine) changed = true;
      const moved: SourceRange = { startLine, startColumn: o.startColumn as number, endLine, endColumn: o.endColumn as number };
      copies.set(v, moved);
      return moved;
    }
    const out: Record<string, unknown> = {};
    copies.set(v, out);
    for (const k of Object.keys(o)) out[k] = copy(o[k]);
    return out;
  };
  const moved = copy(unit) as SourceUnit & { lineShapes: { line: number }[] };
  if (lost) return undefined;
  for (const shapes of moved.lineShapes) {
    const line = map(shapes.line);
    if (line === undefined) return undefined;
    if (line !== shapes.line) changed = true;
    shapes.line = line;
  }
  // A unit above every moved line is kept as it is, nothing copied.
  return changed ? moved : unit;
}
