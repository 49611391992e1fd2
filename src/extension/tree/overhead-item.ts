import * as vscode from 'vscode';
import { seOverheadLines, type SeOverhead } from '../../core/stats/se-overhead.js';
import type { ModelAnalyses } from '../analysis/model-analyses.js';
import type { SourceAnalyses } from '../analysis/source-analyses.js';
import { isModelFile } from '../editor/model-editor.js';
import { log } from '../log.js';

/** The SE overhead of a model file, or of one source unit (`unitName`) with blocks. */
export interface FoundOverhead {
  readonly unitName?: string;
  readonly overhead: SeOverhead;
}

/**
 * A file's overheads: the model's, or one per source unit that has blocks (each unit is its own network).
 * A file that cannot be read gives none (logged): the view shows its blocks, or its note, already.
 */
export async function overheadsOf(uri: vscode.Uri, models: ModelAnalyses, sources: SourceAnalyses, doc?: vscode.TextDocument): Promise<FoundOverhead[]> {
  try {
    if (isModelFile(uri)) {
      const view = await models.get(uri);
      return view.blocks.length ? [{ overhead: await view.overhead() }] : [];
    }
    const document = doc ?? (await vscode.workspace.openTextDocument(uri));
    const analysis = await sources.analyze(document);
    const units = analysis?.units.filter((u) => u.blocks.length > 0) ?? [];
    return Promise.all(units.map(async (unit) => ({ unitName: unit.name, overhead: await sources.overhead(unit) })));
  } catch (e) {
    log().warn(`tree: SE overhead of ${uri.toString()}: ${e instanceof Error ? e.message : e}`);
    return [];
  }
}

/** SENet Table 2's shares, short enough for a tree row. */
function shares(o: SeOverhead): string {
  const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(2)} %` : '-');
  return vscode.l10n.t('params {0} · MACs {1}', pct(o.seParams, o.totalParams), pct(o.seMacs, o.totalMacs));
}

/** The lines a tooltip shows: one block of lines per unit, each worded as the CLI words it. */
export function overheadTooltip(found: readonly FoundOverhead[]): string {
  return found.map((f) => [...(f.unitName === undefined ? [] : [f.unitName]), ...seOverheadLines(f.overhead)].join('\n')).join('\n\n');
}

export function overheadItem(found: FoundOverhead): vscode.TreeItem {
  const label = found.unitName === undefined ? vscode.l10n.t('SE overhead') : vscode.l10n.t('SE overhead · {0}', found.unitName);
  const item = new vscode.TreeItem(label);
  item.description = shares(found.overhead);
  item.tooltip = overheadTooltip([found]);
  item.iconPath = new vscode.ThemeIcon('graph');
  item.contextValue = 'seOverhead';
  return item;
}
