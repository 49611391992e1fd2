import type { SourceRange } from '../ir/graph.js';
import type { SourceAnalysis, SourceUnit } from './analysis.js';
import { describeCellLine, type NotebookModule } from './notebook.js';

/**
 * A notebook's analysis (one module, all code cells) seen from one cell: the units defined in that cell,
 * with every line and range in the cell's own coordinates, so that the editor surfaces of a cell document
 * (lenses, hovers, inlay shapes, strips) work on it unchanged. Ranges that point into other cells (a layer
 * created by a helper in an earlier cell) are dropped where they are optional; a note's range moves to its
 * unit's first line and the note says the cell and line it came from.
 */
export function cellView<A extends SourceAnalysis>(analysis: A, module: NotebookModule, cell: number): A {
  const toCell = (r: SourceRange): SourceRange | undefined => {
    const start = module.lines[r.startLine];
    const end = module.lines[r.endLine];
    if (!start || start.cell !== cell) return undefined;
    const endLine = end && end.cell === cell ? end.line : start.line;
    return { startLine: start.line, startColumn: r.startColumn, endLine, endColumn: end && end.cell === cell ? r.endColumn : r.startColumn };
  };
  const units = analysis.units.filter((u) => toCell(u.range) !== undefined).map((u) => unitInCell(u, toCell, module));
  const syntaxErrors = analysis.syntaxErrors.map(toCell).filter((r): r is SourceRange => r !== undefined);
  return { ...analysis, units, syntaxErrors };
}

function unitInCell(unit: SourceUnit, toCell: (r: SourceRange) => SourceRange | undefined, module: NotebookModule): SourceUnit {
  const range = toCell(unit.range)!;
  const unknowns = unit.unknowns.map((k) => {
    const inCell = toCell(k.range);
    if (inCell) return { ...k, range: inCell };
    return { ...k, range: { ...range, endLine: range.startLine }, note: `${k.note} (${describeCellLine(module, k.range.startLine)})` };
  });
  const lineShapes = unit.lineShapes.flatMap((ls) => {
    const at = toCell({ startLine: ls.line, startColumn: 0, endLine: ls.line, endColumn: 0 });
    return at ? [{ ...ls, line: at.startLine }] : [];
  });
  const { model, blocks, table } = remapRanges({ model: unit.model, blocks: unit.blocks, table: unit.table }, toCell);
  return { ...unit, range, unknowns, lineShapes, model, blocks, table };
}

/** A copy of `value` with every `range` mapped; a range that does not map is left out (those fields are optional). */
function remapRanges<T>(value: T, toCell: (r: SourceRange) => SourceRange | undefined): T {
  const visit = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(visit);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, visit(x)]));
    if (v instanceof Set) return new Set([...v].map(visit));
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v) || v instanceof ArrayBuffer) return v;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(v)) {
      if (key === 'range' && isRange(child)) {
        const mapped = toCell(child);
        if (mapped) out[key] = mapped;
      } else out[key] = visit(child);
    }
    return out;
  };
  return visit(value) as T;
}

function isRange(v: unknown): v is SourceRange {
  return typeof v === 'object' && v !== null && typeof (v as SourceRange).startLine === 'number' && typeof (v as SourceRange).endLine === 'number';
}
