import * as vscode from 'vscode';
import { SourceAnalyses } from '../analysis/source-analyses.js';
import { spacedShape } from '../format.js';
import { readSettings } from '../settings.js';

/** After each `forward` assignment: the shape it produces (`v = ...  [4, 32]`), from the front-end's line shapes. */
export class SeInlayHintsProvider implements vscode.InlayHintsProvider {
  readonly onDidChangeInlayHints: vscode.Event<void>;

  constructor(private readonly analyses: SourceAnalyses) {
    this.onDidChangeInlayHints = analyses.onDidChange;
  }

  async provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): Promise<vscode.InlayHint[]> {
    if (!readSettings(doc.uri).inlayHints) return [];
    const analysis = await this.analyses.analyze(doc);
    if (!analysis) return [];
    const hints: vscode.InlayHint[] = [];
    const done = new Set<number>();
    for (const unit of analysis.units) {
      for (const ls of unit.lineShapes) {
        if (ls.line < range.start.line || ls.line > range.end.line || ls.line >= doc.lineCount || done.has(ls.line)) continue;
        const known = ls.names.map((name, i) => ({ name, shape: ls.shapes[i] })).filter((x) => x.shape !== undefined);
        if (known.length === 0) continue;
        done.add(ls.line);
        const label = known.length === 1 ? spacedShape(known[0]!.shape) : known.map((x) => `${x.name}: ${spacedShape(x.shape)}`).join(', ');
        const end = doc.lineAt(ls.line).range.end;
        const hint = new vscode.InlayHint(end, label, vscode.InlayHintKind.Type);
        hint.paddingLeft = true;
        hint.tooltip = vscode.l10n.t('Tensor shape in {0} for input {1}', unit.name, spacedShape(unit.inputShape));
        hints.push(hint);
      }
    }
    return hints;
  }
}
