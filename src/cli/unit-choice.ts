import { SeLensError } from '../core/errors.js';
import type { SourceUnit } from '../core/source/analysis.js';

export interface UnitChoice {
  readonly unit: SourceUnit;
  /** One line each, printed under the report's title: why this unit, and what else holds SE blocks. */
  readonly notes: readonly string[];
}

/**
 * Which unit of a source file the CLI reports. `--unit NAME` names it (and `--block ID` a block in it), or
 * `--block ID` alone names the unit holding that block. Otherwise the file's entry point wins:
 * the unit its top level builds and calls (`SEBlock(32)(torch.rand(...))` under `__main__`, a TF.js model
 * built at top level), else the unit it only constructs (`model = SEBlock(32)`). When that unit has no SE block it is still the one reported, with one line saying so
 * and naming the units that have blocks: the user asked about that model, so another class is never swapped
 * in silently. Without an entry point the first unit with blocks is reported, and the others are named.
 */
export function chooseUnit(units: readonly SourceUnit[], pick: { readonly unit?: string | undefined; readonly block?: string | undefined }, where: (line: number) => string): UnitChoice {
  const { block } = pick;
  if (pick.unit !== undefined) {
    const named = units.filter((u) => u.name === pick.unit);
    if (!named.length) throw new SeLensError('bad-argument', `No unit "${pick.unit}" in this file; units: ${[...new Set(units.map((u) => u.name))].join(', ')}.`);
    const unit = (block !== undefined ? named.find((u) => u.blocks.some((b) => b.id === block)) : undefined) ?? named[0]!;
    if (block !== undefined && !unit.blocks.some((b) => b.id === block)) throw new SeLensError('bad-argument', `No SE block "${block}" in ${pick.unit}.`);
    return { unit, notes: [] };
  }
  if (block !== undefined) {
    const owner = units.find((u) => u.blocks.some((b) => b.id === block));
    if (!owner) throw new SeLensError('bad-argument', `No SE block "${block}" in this file.`);
    return { unit: owner, notes: [] };
  }
  const named = (us: readonly SourceUnit[]) => us.map((u) => `${u.name} (${where(u.range.startLine)}${u.partial ? ', partial' : ''})`).join(', ');
  const withBlocks = units.filter((u) => u.blocks.length > 0);
  // Called on a tensor first; a model only constructed (`model = X()`, never called) is still what the file builds.
  const called = units.filter((u) => u.inputShapeSource === 'call-site');
  const entries = called.length ? called : units.filter((u) => u.builtAtTopLevel);
  if (entries.length) {
    const unit = entries.find((u) => u.blocks.length > 0) ?? entries[0]!;
    const notes: string[] = [];
    if (!unit.blocks.length) {
      // A partial unit may hold a block behind the code that stopped it: say so rather than "none".
      const none = unit.partial ? 'has no SE block that could be traced (it is partial, see below)' : 'has no SE block';
      notes.push(withBlocks.length
        ? `${unit.name}, the model this file builds, ${none}; units with SE blocks: ${named(withBlocks)}.`
        : `${unit.name}, the model this file builds, ${none}, and no other unit in the file has one.`);
    }
    const others = entries.filter((u) => u !== unit);
    if (others.length) notes.push(`also built at the top level: ${named(others)} (pick one with --unit NAME).`);
    return { unit, notes };
  }
  const unit = withBlocks[0] ?? units[0]!;
  const rest = withBlocks.filter((u) => u !== unit);
  return { unit, notes: rest.length ? [`other units with SE blocks: ${named(rest)} (pick one with --unit NAME).`] : [] };
}
