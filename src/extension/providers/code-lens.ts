import * as vscode from 'vscode';
import type { SEBlock } from '../../core/detect/block.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import type { StatsTable } from '../../core/stats/table.js';
import type { Engine } from '../engine/api.js';
import { SourceAnalyses } from '../analysis/source-analyses.js';
import { blockTitle, compactShape, formatCount, headline } from '../format.js';
import { log } from '../log.js';
import { readSettings } from '../settings.js';
import { COMMANDS } from '../commands/ids.js';
import { toRange } from '../ranges.js';

/**
 * Above each SE block: its summary (click: choose the counting convention), `Inspect`, and `Set input shape…`
 * when the shape is a default. Above other modules: their params, unless the setting turns that off.
 */
export class SeCodeLensProvider implements vscode.CodeLensProvider {
  readonly onDidChangeCodeLenses: vscode.Event<void>;

  constructor(private readonly analyses: SourceAnalyses, private readonly engine: () => Promise<Engine>) {
    this.onDidChangeCodeLenses = analyses.onDidChange;
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const analysis = await this.analyses.analyze(doc);
    if (!analysis) return [];
    const engine = await this.engine();
    const settings = readSettings(doc.uri);
    const lenses: vscode.CodeLens[] = [];
    const seen = new Set<string>();
    const push = (line: number, command: vscode.Command) => {
      const key = `${line}\u0000${command.title}`;
      if (seen.has(key)) return;
      seen.add(key);
      lenses.push(new vscode.CodeLens(new vscode.Range(line, 0, line, 0), command));
    };
    for (const unit of analysis.units) {
      const table = (blockId?: string) => tableOf(engine, unit, settings.convention, blockId);
      const partial = unit.partial ? ` · ${vscode.l10n.t('partial')}` : '';
      const inUnit = (b: SEBlock) => !b.range || (b.range.startLine >= unit.range.startLine && b.range.startLine <= unit.range.endLine);
      const own = unit.blocks.filter(inUnit);
      for (const block of own) {
        const line = block.range ? toRange(block.range).start.line : unit.range.startLine;
        push(line, {
          title: blockTitle(block, table(block.id), unit.inputShape) + partial,
          tooltip: vscode.l10n.t('Counted with the {0} convention; click to choose another', settings.convention),
          command: COMMANDS.chooseConvention,
        });
        push(line, {
          title: vscode.l10n.t('Inspect'),
          tooltip: vscode.l10n.t('Open the SE Lens inspector on this block'),
          command: COMMANDS.inspectBlock,
          arguments: [doc.uri, unit.name, block.id],
        });
        if (unit.inputShapeSource === 'default') {
          push(line, {
            title: vscode.l10n.t('Set input shape…'),
            tooltip: vscode.l10n.t('The input shape {0} is a default; set the real one', compactShape(unit.inputShape)),
            command: COMMANDS.setInputShape,
            arguments: [doc.uri, unit.name],
          });
        }
      }
      // Blocks a helper function builds for this unit (a TF.js builder calling `squeezeExcite(x, 4)`): the lens
      // goes on the helper, with the first call's numbers and how many calls there are.
      for (const [line, calls] of byStartLine(unit.blocks.filter((b) => !inUnit(b)))) {
        const first = calls[0]!;
        const count = calls.length > 1 ? ` · ${vscode.l10n.t('{0} calls', calls.length)}` : '';
        push(line, {
          title: `${blockTitle(first, table(first.id), unit.inputShape)}${count} · ${vscode.l10n.t('in {0}', unit.name)}${partial}`,
          tooltip: vscode.l10n.t('Counted with the {0} convention; click to choose another', settings.convention),
          command: COMMANDS.chooseConvention,
        });
        push(line, {
          title: vscode.l10n.t('Inspect'),
          tooltip: vscode.l10n.t('Open the SE Lens inspector on this block'),
          command: COMMANDS.inspectBlock,
          arguments: [doc.uri, unit.name, first.id],
        });
      }
      if (own.length === 0 && (unit.blocks.length > 0 || settings.codeLensForOtherModules)) {
        const t = table();
        const parts = [vscode.l10n.t('{0} params', formatCount(t?.totals.params ?? 0))];
        const count = t && headline(t);
        if (count) parts.push(count);
        if (unit.blocks.length > 0) parts.unshift(vscode.l10n.t('{0} SE block(s) inside', unit.blocks.length));
        push(unit.range.startLine, {
          title: parts.join(' · ') + ` @ ${compactShape(unit.inputShape)}` + (unit.partial ? ` · ${vscode.l10n.t('partial')}` : ''),
          command: COMMANDS.chooseConvention,
        });
      }
    }
    return lenses;
  }
}

/** Blocks with a source range, grouped by their first line, in order of appearance. */
function byStartLine(blocks: readonly SEBlock[]): Map<number, SEBlock[]> {
  const groups = new Map<number, SEBlock[]>();
  for (const b of blocks) {
    if (!b.range) continue;
    const line = toRange(b.range).start.line;
    groups.set(line, [...(groups.get(line) ?? []), b]);
  }
  return groups;
}

/** A table for a unit, or undefined (logged) when the counters cannot count it. */
export function tableOf(engine: Engine, unit: SourceUnit, convention: StatsTable['convention'], blockId?: string): StatsTable | undefined {
  try {
    return engine.unitTable(unit, convention, blockId);
  } catch (e) {
    log().warn(`no ${convention} table for ${unit.name}${blockId ? `/${blockId}` : ''}: ${e instanceof Error ? e.message : e}`);
    return undefined;
  }
}
