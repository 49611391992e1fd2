import * as vscode from 'vscode';
import type { SEBlock } from '../../core/detect/block.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import type { StatsRow, StatsTable } from '../../core/stats/table.js';
import type { Engine } from '../engine/api.js';
import { SourceAnalyses } from '../analysis/source-analyses.js';
import { blockTitle, conventionName, markdownTable, spacedShape } from '../format.js';
import { containsLine } from '../ranges.js';
import { readSettings } from '../settings.js';
import { tableOf } from './code-lens.js';

function shapeSource(source: SourceUnit['inputShapeSource']): string {
  switch (source) {
    case 'comment': return vscode.l10n.t('the se-lens comment');
    case 'call-site': return vscode.l10n.t('the call site in this file');
    case 'default': return vscode.l10n.t('the default setting');
  }
}

/**
 * On a unit's name: its whole table and its blocks. On `self.<attr>` or a layer's line: that layer's rows.
 */
export class SeHoverProvider implements vscode.HoverProvider {
  constructor(private readonly analyses: SourceAnalyses, private readonly engine: () => Promise<Engine>) {}

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const wordRange = doc.getWordRangeAtPosition(pos, /[A-Za-z_][A-Za-z0-9_]*/);
    if (!wordRange) return undefined;
    const analysis = await this.analyses.analyze(doc);
    if (!analysis) return undefined;
    const engine = await this.engine();
    const convention = readSettings(doc.uri).convention;
    const word = doc.getText(wordRange);

    const named = analysis.units.find((u) => u.name === word);
    if (named) {
      const table = tableOf(engine, named, convention);
      return new vscode.Hover(unitMarkdown(engine, named, table, convention, analysis.overridden.includes(named.name)), wordRange);
    }
    const unit = SourceAnalyses.unitAt(analysis, pos.line) ?? unitWithBlockAt(analysis.units, pos.line);
    if (!unit) return undefined;
    const helperBlock = unit.blocks.find((b) => b.range?.startLine === pos.line && !containsLine(unit.range, pos.line));
    if (helperBlock) return new vscode.Hover(helperMarkdown(engine, unit, helperBlock, convention), wordRange);
    const table = tableOf(engine, unit, convention);
    if (!table) return undefined;
    const before = doc.lineAt(pos.line).text.slice(0, wordRange.start.character);
    let rows: readonly StatsRow[] = [];
    if (/\bself\.$/.test(before)) rows = table.rows.filter((r) => r.name === word || r.name.startsWith(`${word}.`));
    if (rows.length === 0) rows = table.rows.filter((r) => containsLine(r.range, pos.line) && r.range!.startLine === r.range!.endLine);
    if (rows.length === 0) rows = table.rows.filter((r) => containsLine(r.range, pos.line));
    if (rows.length === 0) return undefined;
    const md = new vscode.MarkdownString();
    md.appendMarkdown(`**${rows.map((r) => r.name).join(', ')}** · ${conventionName(convention)}\n\n`);
    md.appendMarkdown(markdownTable(table, rows));
    return new vscode.Hover(md, wordRange);
  }
}

/** The unit whose blocks a helper at this line builds (a TF.js builder calling the helper): its range is elsewhere. */
function unitWithBlockAt(units: readonly SourceUnit[], line: number): SourceUnit | undefined {
  return units.find((u) => u.blocks.some((b) => containsLine(b.range, line)));
}

/** On a helper that builds a block for a unit: each call's block, then the first call's table. */
function helperMarkdown(engine: Engine, unit: SourceUnit, first: SEBlock, convention: StatsTable['convention']): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const calls = unit.blocks.filter((b) => b.range?.startLine === first.range?.startLine);
  md.appendMarkdown(`**${unit.name}** · ${vscode.l10n.t('{0} call(s) of this helper', calls.length)}\n\n`);
  for (const block of calls) md.appendMarkdown(`- ${blockTitle(block, tableOf(engine, unit, convention, block.id), unit.inputShape)}\n`);
  const table = tableOf(engine, unit, convention, first.id);
  if (table) {
    md.appendMarkdown(`\n${vscode.l10n.t('Statistics of {0}, {1} convention:', first.id || unit.name, conventionName(convention))}\n\n`);
    md.appendMarkdown(markdownTable(table));
  }
  return md;
}

export function unitMarkdown(engine: Engine, unit: SourceUnit, table: StatsTable | undefined, convention: StatsTable['convention'], overridden: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString();
  const source = overridden ? vscode.l10n.t('Set Input Shape') : shapeSource(unit.inputShapeSource);
  md.appendMarkdown(`**${unit.name}** · ${vscode.l10n.t('input {0} from {1}', spacedShape(unit.inputShape), source)}\n\n`);
  for (const block of unit.blocks) md.appendMarkdown(`- ${blockTitle(block, tableOf(engine, unit, convention, block.id), unit.inputShape)}\n`);
  if (unit.blocks.length) md.appendMarkdown('\n');
  if (table) {
    md.appendMarkdown(`${vscode.l10n.t('Statistics, {0} convention:', conventionName(convention))}\n\n`);
    md.appendMarkdown(markdownTable(table));
    md.appendMarkdown('\n\n');
    for (const line of table.summary) md.appendMarkdown(`${line}  \n`);
    for (const note of table.footnotes) md.appendMarkdown(`\n_${note}_\n`);
  }
  if (unit.partial) {
    md.appendMarkdown(`\n\n${vscode.l10n.t('Partial: {0} line(s) could not be interpreted:', unit.unknowns.length)}\n`);
    for (const u of unit.unknowns.slice(0, 8)) md.appendMarkdown(`- ${vscode.l10n.t('line {0}: {1}', u.range.startLine + 1, u.note)}\n`);
  }
  return md;
}
