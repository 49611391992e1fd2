import * as vscode from 'vscode';
import type { SourceRange } from '../../core/ir/graph.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import type { SourceAnalyses } from '../analysis/source-analyses.js';
import { log } from '../log.js';
import type { BlockGates, GateRunResult } from './ort-gate-runner.js';
import { heatmapPngUri } from './heatmap-png.js';
import { CELL_WIDTH, STRIP_HEIGHT, stripSvgUri } from './strip-image.js';

/** One block's strip in one document: where it is drawn and what it shows. */
export interface InlineEntry {
  readonly unitName: string;
  readonly blockId: string;
  /** The line of the gate (sigmoid / hard-sigmoid call, or the TF.js gate layer). */
  gateLine: number;
  /** The unit's first line (class name, builder function): the hover shows the heatmap there too. */
  nameLine: number;
  /** Lines the block spans; an edit inside them makes the strip stale. */
  blockStart: number;
  blockEnd: number;
  readonly gates: BlockGates;
  readonly inputLabel: string;
  readonly weightSeed: number;
  readonly weights: GateRunResult['weights'];
  /** Document version the gates were computed on. */
  readonly version: number;
  stale: boolean;
}

/** What the extension-host tests read: the strips of a document as drawn. */
export interface InlineState {
  readonly blockId: string;
  readonly gateLine: number;
  readonly cells: number;
  readonly stale: boolean;
  readonly min: number;
  readonly max: number;
  /** The gates drawn: one row of channels per sample. */
  readonly gates: readonly (readonly number[])[];
  /** The weights file the block ran with (workspace-relative), absent for framework defaults. */
  readonly weightsFile?: string;
}

export type GateRunner = (unit: SourceUnit, uri: vscode.Uri) => Promise<GateRunResult>;

export const INLINE_SECTION = 'seLens.inline';

/**
 * Channel-gate strips in the editor: after `Run gates` (code lens) the gate line of each SE block gets a
 * colour strip (one cell per channel, ≤ 128 cells, batch mean, the inspector's colour scale), and the
 * block's name and gate line get a hover with the samples × channels heatmap. Results belong to a
 * document version: an edit inside a block greys its strip; saving re-runs when `autoRun` is on.
 */
export class InlineHeatmaps implements vscode.Disposable, vscode.HoverProvider, vscode.CodeLensProvider {
  private readonly entries = new Map<string, InlineEntry[]>();
  private readonly decoration = vscode.window.createTextEditorDecorationType({});
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly sources: SourceAnalyses, private readonly runGates: GateRunner) {
    this.subscriptions.push(
      vscode.workspace.onDidChangeTextDocument((e) => this.onEdit(e)),
      vscode.workspace.onDidSaveTextDocument((doc) => void this.onSave(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.entries.delete(doc.uri.toString())),
      vscode.window.onDidChangeVisibleTextEditors(() => this.renderAll()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(INLINE_SECTION)) {
          this.renderAll();
          this.lensesChanged.fire();
        }
      }),
    );
  }

  private static enabled(uri: vscode.Uri): boolean {
    return vscode.workspace.getConfiguration(INLINE_SECTION, uri).get<boolean>('enabled', true);
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!InlineHeatmaps.enabled(doc.uri)) return [];
    const analysis = await this.sources.analyze(doc);
    if (!analysis) return [];
    return analysis.units
      .filter((u) => u.blocks.length > 0)
      .map((u) => new vscode.CodeLens(new vscode.Range(u.range.startLine, 0, u.range.startLine, 0), {
        title: vscode.l10n.t('Run gates'),
        tooltip: vscode.l10n.t('Run this block on seeded inputs and draw its channel gates beside the code'),
        command: 'seLens.runGates',
        arguments: [doc.uri, u.name],
      }));
  }

  /** Runs a unit's blocks and draws their strips; errors become one message, never a rejection. */
  async run(uri: vscode.Uri, unitName?: string): Promise<InlineState[]> {
    const doc = await vscode.workspace.openTextDocument(uri);
    const version = doc.version;
    const analysis = await this.sources.analyze(doc);
    const units = analysis?.units.filter((u) => u.blocks.length > 0 && (unitName === undefined || u.name === unitName)) ?? [];
    if (!units.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No SE block to run in this file.'));
      return [];
    }
    const fresh: InlineEntry[] = [];
    for (const unit of units) {
      try {
        const result = await this.runGates(unit, uri);
        for (const gates of result.blocks) {
          const block = unit.blocks.find((b) => b.id === gates.blockId);
          if (!block) continue;
          const span: SourceRange = block.range ?? unit.range;
          fresh.push({
            unitName: unit.name,
            blockId: block.id,
            gateLine: gateLineOf(unit, block.tensors.gate) ?? span.startLine,
            nameLine: unit.range.startLine,
            blockStart: span.startLine,
            blockEnd: span.endLine,
            gates,
            inputLabel: result.inputLabel,
            weightSeed: result.weightSeed,
            weights: result.weights,
            version,
            stale: false,
          });
        }
        log().info(`gates of ${unit.name}: session ${result.createMs.toFixed(0)} ms, run ${result.runMs.toFixed(0)} ms`);
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        log().error(`Run gates on ${unit.name} failed:`, e instanceof Error ? (e.stack ?? message) : message);
        void vscode.window.showErrorMessage(vscode.l10n.t('SE Lens could not run {0}: {1}', unit.name, message));
      }
    }
    const key = uri.toString();
    const kept = (this.entries.get(key) ?? []).filter((e) => !fresh.some((f) => f.unitName === e.unitName && f.blockId === e.blockId));
    this.entries.set(key, [...kept, ...fresh]);
    this.render(key);
    return this.state(uri);
  }

  clear(uri?: vscode.Uri): void {
    if (uri) this.entries.delete(uri.toString());
    else this.entries.clear();
    this.renderAll();
  }

  state(uri: vscode.Uri): InlineState[] {
    return (this.entries.get(uri.toString()) ?? []).map((e) => {
      const { values, samples, channels } = e.gates;
      const gates = Array.from({ length: samples }, (_, s) => Array.from(values.subarray(s * channels, (s + 1) * channels)));
      return { blockId: e.blockId, gateLine: e.gateLine, cells: e.gates.strip.cells.length, stale: e.stale, min: e.gates.strip.min, max: e.gates.strip.max, gates, ...(e.weights ? { weightsFile: e.weights.file } : {}) };
    });
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    if (!InlineHeatmaps.enabled(doc.uri)) return undefined;
    const hits = (this.entries.get(doc.uri.toString()) ?? []).filter((e) => e.gateLine === pos.line || e.nameLine === pos.line);
    if (!hits.length) return undefined;
    const md = new vscode.MarkdownString();
    for (const e of hits) {
      const { strip, samples, channels } = e.gates;
      md.appendMarkdown(`**${vscode.l10n.t('Channel gates')}** · ${e.blockId || e.unitName} · ${samples} × ${channels}${e.stale ? ` · _${vscode.l10n.t('stale: the code changed since this run')}_` : ''}\n\n`);
      md.appendMarkdown(`![${vscode.l10n.t('gate heatmap, rows = samples, columns = channels')}](${heatmapPngUri(e.gates.values, samples, channels)})\n\n`);
      md.appendMarkdown(`${vscode.l10n.t('min {0} · mean {1} · max {2}', strip.min.toFixed(4), strip.mean.toFixed(4), strip.max.toFixed(4))}  \n`);
      if (e.weights) {
        md.appendMarkdown(`${vscode.l10n.t('input: {0}; weights: trained, from {1}', e.inputLabel, e.weights.file)}\n\n`);
        for (const note of e.weights.notes) md.appendText(`${note}\n\n`);
      } else {
        md.appendMarkdown(`${vscode.l10n.t('input: {0}; weights: framework defaults, seed {1}', e.inputLabel, String(e.weightSeed))}\n\n`);
      }
    }
    return new vscode.Hover(md);
  }

  private onEdit(e: vscode.TextDocumentChangeEvent): void {
    const list = this.entries.get(e.document.uri.toString());
    if (!list?.length || !e.contentChanges.length) return;
    for (const change of e.contentChanges) {
      const added = change.text.split('\n').length - 1;
      const removed = change.range.end.line - change.range.start.line;
      const delta = added - removed;
      // A change that ends at or before the start of a line moves that line by the lines it adds or removes.
      const shifts = (line: number) => change.range.end.line < line || (change.range.end.line === line && change.range.end.character === 0);
      for (const entry of list) {
        const inside = change.range.start.line <= entry.blockEnd && change.range.end.line >= entry.blockStart;
        if (inside) entry.stale = true;
        if (shifts(entry.gateLine)) entry.gateLine += delta;
        if (shifts(entry.nameLine)) entry.nameLine += delta;
        if (shifts(entry.blockStart)) entry.blockStart += delta;
        if (shifts(entry.blockEnd + 1)) entry.blockEnd += delta;
      }
    }
    this.render(e.document.uri.toString());
  }

  private async onSave(doc: vscode.TextDocument): Promise<void> {
    const list = this.entries.get(doc.uri.toString());
    if (!list?.some((e) => e.stale)) return;
    if (!vscode.workspace.getConfiguration(INLINE_SECTION, doc.uri).get<boolean>('autoRun', false)) return;
    const units = [...new Set(list.filter((e) => e.stale).map((e) => e.unitName))];
    for (const unit of units) await this.run(doc.uri, unit);
  }

  private renderAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.render(editor.document.uri.toString());
  }

  private render(key: string): void {
    for (const editor of vscode.window.visibleTextEditors) {
      if (editor.document.uri.toString() !== key) continue;
      const list = InlineHeatmaps.enabled(editor.document.uri) ? (this.entries.get(key) ?? []) : [];
      editor.setDecorations(this.decoration, list.filter((e) => e.gateLine < editor.document.lineCount).map((e) => {
        const end = editor.document.lineAt(e.gateLine).range.end;
        return {
          range: new vscode.Range(end, end),
          renderOptions: {
            after: {
              contentIconPath: vscode.Uri.parse(stripSvgUri(e.gates.strip, e.stale)),
              width: `${e.gates.strip.cells.length * CELL_WIDTH}px`,
              height: `${STRIP_HEIGHT}px`,
              margin: '0 0 0 1.5em',
            },
          },
        };
      }));
    }
  }

  dispose(): void {
    this.decoration.dispose();
    this.lensesChanged.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** The source line of the node producing the gate tensor. */
function gateLineOf(unit: SourceUnit, gateTensor: string): number | undefined {
  const node = unit.model.graph.nodes.find((n) => n.outputs.includes(gateTensor));
  return node?.range?.startLine;
}
