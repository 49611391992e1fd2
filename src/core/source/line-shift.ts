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

/**
 * A cached unit with every line it holds moved by `map`: its range, the ranges of its graph's nodes and
 * modules, blocks, table rows, notes and call sites, and the lines of its shapes. Undefined when a line is
 * in no statement that is still there (the unit is then analysed again); `unit` itself when no line moved.
 * Only the objects that hold a moved line are copied.
 */
export function moveUnitLines(unit: SourceUnit, map: LineMap): SourceUnit | undefined {
  let lost = false;
  let changed = false;
  const range = (r: SourceRange): SourceRange => {
    const startLine = map(r.startLine);
    const endLine = map(r.endLine);
    if (startLine === undefined || endLine === undefined) {
      lost = true;
      return r;
    }
    if (startLine === r.startLine && endLine === r.endLine) return r;
    changed = true;
    return { startLine, startColumn: r.startColumn, endLine, endColumn: r.endColumn };
  };
  /** Items with their `range` moved; the same array when none moved. */
  const ranged = <T extends { readonly range?: SourceRange | undefined }>(items: readonly T[]): T[] => {
    let out: T[] | undefined;
    items.forEach((item, i) => {
      const r = item.range && range(item.range);
      if (r === item.range) return;
      out ??= items.slice();
      out[i] = { ...item, range: r };
    });
    return out ?? (items as T[]);
  };
  const graph = unit.model.graph;
  const nodes = ranged(graph.nodes);
  const modules = graph.modules && ranged(graph.modules);
  const model = nodes === graph.nodes && modules === graph.modules ? unit.model : { ...unit.model, graph: { ...graph, nodes, ...(modules ? { modules } : {}) } };
  const table = unit.table && ranged(unit.table.rows) !== unit.table.rows ? { ...unit.table, rows: ranged(unit.table.rows) } : unit.table;
  let lineShapes = unit.lineShapes;
  for (const [i, shapes] of unit.lineShapes.entries()) {
    const line = map(shapes.line);
    if (line === undefined) return undefined;
    if (line === shapes.line) continue;
    changed = true;
    if (lineShapes === unit.lineShapes) lineShapes = unit.lineShapes.slice();
    (lineShapes as SourceUnit['lineShapes'][number][])[i] = { ...shapes, line };
  }
  const callSites = unit.callSites && Object.fromEntries(Object.entries(unit.callSites).map(([id, rs]) => [id, rs.map(range)]));
  const moved: SourceUnit = {
    ...unit,
    range: range(unit.range),
    model,
    blocks: ranged(unit.blocks),
    table,
    unknowns: ranged(unit.unknowns),
    lineShapes,
    ...(callSites ? { callSites } : {}),
  };
  if (lost) return undefined;
  return changed ? moved : unit;
}
