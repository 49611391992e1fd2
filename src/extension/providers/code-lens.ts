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

/** Channel counts a lens lists for blocks sharing a line before it elides the rest. */
const MAX_LISTED_CHANNELS = 5;

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
      // Blocks that share a line (a model built from another file's class, a ModuleList comprehension) get one lens.
      for (const [line, blocks] of byStartLine(own, unit.range.startLine)) {
        const first = blocks[0]!;
        push(line, {
          title: (blocks.length === 1 ? blockTitle(first, table(first.id), unit.inputShape) : blocksTitle(blocks, unit.inputShape)) + partial,
          tooltip: vscode.l10n.t('Counted with the {0} convention; click to choose another', settings.convention),
          command: COMMANDS.chooseConvention,
        });
        push(line, {
          title: vscode.l10n.t('Inspect'),
          tooltip: vscode.l10n.t('Open the SE Lens inspector on this block'),
          command: COMMANDS.inspectBlock,
          arguments: [doc.uri, unit.name, first.id],
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

/** Blocks grouped by their first line, in order of appearance; a block without a range goes to `fallbackLine`. */
function byStartLine(blocks: readonly SEBlock[], fallbackLine?: number): Map<number, SEBlock[]> {
  const groups = new Map<number, SEBlock[]>();
  for (const b of blocks) {
    const line = b.range ? toRange(b.range).start.line : fallbackLine;
    if (line === undefined) continue;
    groups.set(line, [...(groups.get(line) ?? []), b]);
  }
  return groups;
}

/** Several blocks on one line: how many, their channel counts, their parameters together. */
function blocksTitle(blocks: readonly SEBlock[], inputShape: SourceUnit['inputShape']): string {
  const channels = blocks.slice(0, MAX_LISTED_CHANNELS).map((b) => b.channels).join(', ') + (blocks.length > MAX_LISTED_CHANNELS ? ', …' : '');
  const params = blocks.reduce((n, b) => n + b.params, 0);
  return `${vscode.l10n.t('{0} SE blocks', blocks.length)} · C ${channels} · ${vscode.l10n.t('{0} params', formatCount(params))} @ ${compactShape(inputShape)}`;
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
