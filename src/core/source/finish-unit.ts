import { detectBlocks } from '../detect/detect.js';
import type { SEBlock } from '../detect/block.js';
import type { SourceRange } from '../ir/graph.js';
import { computeStats } from '../stats/stats.js';
import type { StatsTable } from '../stats/table.js';
import type { SourceUnit } from './analysis.js';

export type UnitDraft = Omit<SourceUnit, 'blocks' | 'table' | 'partial'>;

/**
 * Runs the engine's detector on a unit's graph. A block gets the source range the front-end gives for it (the
 * module object it sits in, the function that builds it), else the unit's range. The torchstat table is made
 * when first read: a lens needs the blocks, and most units' tables are never opened.
 */
export function finishUnit(
  draft: UnitDraft,
  rangeOf: (modulePath: string, nodeRanges: SourceRange[]) => SourceRange | undefined = () => undefined,
): SourceUnit {
  const unknowns = [...draft.unknowns];
  let blocks: SEBlock[] = [];
  // The engine is written for ONNX graphs; a graph from half-typed code must not take the analysis down.
  try {
    // An indexed loop, not a map of entries: a 3,000-line model has thousands of nodes, and this runs a few times
    // per analysis, before the JIT compiles it (an entry array, or an iterator result, per node).
    const nodes = draft.model.graph.nodes;
    const byId = new Map<string, (typeof nodes)[number]>();
    for (let i = 0; i < nodes.length; i++) byId.set(nodes[i]!.id, nodes[i]!);
    blocks = detectBlocks(draft.model).map((b) => {
      const nodeRanges = b.nodes.flatMap((id) => byId.get(id)?.range ?? []);
      return { ...b, range: rangeOf(b.id, nodeRanges) ?? draft.range };
    });
  } catch (e) {
    unknowns.push({ nodeId: '', note: `SE detection failed: ${e instanceof Error ? e.message : String(e)}`, range: draft.range });
  }
  return withLazyTable({ ...draft, unknowns, partial: unknowns.length > 0, blocks } as Omit<SourceUnit, 'table'>, unknowns);
}

/**
 * A copy of a finished unit with some fields replaced, its table still made on first read: a spread
 * (`{ ...unit, blocks }`) reads the getter, and so would compute every unit's table during the analysis.
 * The model is not among the fields: the table is the original model's.
 */
export function withUnitFields(unit: SourceUnit, fields: Partial<Omit<SourceUnit, 'table' | 'model'>>): SourceUnit {
  return Object.assign(Object.defineProperties({}, Object.getOwnPropertyDescriptors(unit)) as SourceUnit, fields);
}

/**
 * A unit as it crosses to another thread: its fields without the table, so that the structured clone does not
 * compute it (a clone reads getters); `withTableOnRead` gives it back, made where it is first read.
 */
export function withoutTable(unit: SourceUnit): Omit<SourceUnit, 'table'> {
  const descriptors = Object.getOwnPropertyDescriptors(unit) as Record<string, PropertyDescriptor>;
  delete descriptors['table'];
  return Object.defineProperties({}, descriptors) as Omit<SourceUnit, 'table'>;
}

/** A unit received without its table (`withoutTable`): the table is made on first read, on this side. */
export function withTableOnRead(unit: Omit<SourceUnit, 'table'>): SourceUnit {
  return withLazyTable(unit, unit.unknowns as SourceUnit['unknowns'][number][]);
}

/**
 * Gives `unit` its torchstat table, made on first read. A function of its own, so that the getter's closure holds
 * only the unit: one made inside `finishUnit` would share its context, and with it `rangeOf` (which reaches the
 * interpreter that built the unit, its scopes and values), for as long as the unit lives.
 */
function withLazyTable(unit: Omit<SourceUnit, 'table'>, unknowns: SourceUnit['unknowns'][number][]): SourceUnit {
  let table: StatsTable | undefined | null = null;
  // Enumerable, so that copies (JSON, structured clone, spread) carry the table like any field.
  return Object.defineProperty(unit, 'table', {
    enumerable: true,
    get(): StatsTable | undefined {
      if (table === null) {
        try {
          table = computeStats(unit.model, 'torchstat');
        } catch (e) {
          table = undefined;
          unknowns.push({ nodeId: '', note: `statistics failed: ${e instanceof Error ? e.message : String(e)}`, range: unit.range });
        }
      }
      return table;
    },
  }) as SourceUnit;
}
