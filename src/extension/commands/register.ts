import * as vscode from 'vscode';
import { notebookModule, readJupyterNotebook } from '../../core/source/notebook.js';
import { cellView } from '../../core/source/notebook-view.js';
import type { SourceAnalysis, SourceUnit } from '../../core/source/analysis.js';
import { CONVENTIONS, type Convention, type StatsTable } from '../../core/stats/table.js';
import { SourceAnalyses } from '../analysis/source-analyses.js';
import type { Engine, StatsFormat } from '../engine/api.js';
import { conventionName } from '../format.js';
import { guarded, log } from '../log.js';
import { tableOf } from '../providers/code-lens.js';
import { toRange } from '../ranges.js';
import type { Services } from '../services.js';
import { SECTION, parseShape, readSettings } from '../settings.js';
import type { FoundBlock } from '../tree/blocks-tree.js';
import { COMMANDS, MODEL_OPTION_EDITOR, ONNX_EDITOR } from './ids.js';
import { isModelFile, isOpenAsModel } from '../editor/model-editor.js';
import { isModelPath, PICKER_EXTENSIONS } from '../editor/model-files.js';
import type { SourceRange } from '../../core/ir/graph.js';
import { inspectUnit } from '../weights/inspect-unit.js';

const isModel = isModelFile;

/** A source unit named in a command's arguments, or the one under the cursor. */
interface UnitRef {
  readonly doc: vscode.TextDocument;
  readonly analysis: SourceAnalysis;
  readonly unit: SourceUnit;
}

async function unitRef(s: Services, uri?: vscode.Uri, unitName?: string): Promise<UnitRef | undefined> {
  const editor = vscode.window.activeTextEditor;
  const doc = uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
  if (!doc) return undefined;
  const analysis = await s.sources.analyze(doc);
  if (!analysis) return undefined;
  let unit = unitName !== undefined ? analysis.units.find((u) => u.name === unitName) : undefined;
  if (!unit && unitName === undefined) {
    const line = editor && editor.document === doc ? editor.selection.active.line : 0;
    unit = SourceAnalyses.unitAt(analysis, line) ?? analysis.units.find((u) => u.blocks.length > 0);
  }
  return unit ? { doc, analysis, unit } : undefined;
}

/** The active custom editor's model file, if the active tab is one. */
function activeModelUri(): vscode.Uri | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom && isOpenAsModel(input.uri) ? input.uri : undefined;
}

function info(message: string): undefined {
  void vscode.window.showInformationMessage(message);
  return undefined;
}

export function registerCommands(s: Services): vscode.Disposable[] {
  const reg = <A extends unknown[], R>(id: string, fn: (...args: A) => Promise<R> | R) => vscode.commands.registerCommand(id, guarded(id, fn));

  const inspectSource = async (ref: UnitRef, blockId?: string) => {
    const engine = await s.engine();
    const unit = ref.unit;
    const block = unit.blocks.find((b) => b.id === blockId) ?? unit.blocks[0];
    s.inspector.open({
      title: unit.name,
      modelFolder: vscode.Uri.joinPath(ref.doc.uri, '..'),
      ...(block ? { focusBlockId: block.id } : {}),
      modelId: `${ref.doc.uri.toString()}#${unit.name}`,
      prepare: (convention, sizes) => inspectUnit(engine, unit, ref.doc.uri, convention, sizes),
    });
    return { unit: unit.name, blockId: block?.id };
  };

  const inspectModel = async (uri: vscode.Uri, blockId?: string) => {
    if (blockId === undefined) {
      // A `.json` or `.bin` not named like a model opens in the option editor: same inspector, chosen explicitly.
      await vscode.commands.executeCommand('vscode.openWith', uri, isModelPath(uri.path) ? ONNX_EDITOR : MODEL_OPTION_EDITOR);
      return { model: uri.toString() };
    }
    const view = await s.models.get(uri);
    if (!view.blocks.some((b) => b.id === blockId)) return info(vscode.l10n.t('SE Lens: no block "{0}" in {1}.', blockId, uri.path.split('/').pop() ?? ''));
    s.inspector.open({
      title: uri.path.split('/').pop() ?? '',
      modelFolder: vscode.Uri.joinPath(uri, '..'),
      focusBlockId: blockId,
      modelId: uri.toString(),
      prepare: (convention, sizes) => view.inspection(convention, sizes),
    });
    return { model: uri.toString(), blockId };
  };

  const statsFor = async (uri?: vscode.Uri, unitName?: string, blockId?: string): Promise<{ table: StatsTable; name: string } | undefined> => {
    const modelUri = uri && isModel(uri) ? uri : !uri ? activeModelUri() : undefined;
    if (modelUri) {
      const view = await s.models.get(modelUri);
      return { table: await view.table(readSettings(modelUri).convention, blockId), name: modelUri.path.split('/').pop() ?? '' };
    }
    const ref = await unitRef(s, uri, unitName);
    if (!ref) return undefined;
    const table = tableOf(await s.engine(), ref.unit, readSettings(ref.doc.uri).convention, blockId);
    return table && { table, name: ref.unit.name };
  };

  const copyStats = (format: StatsFormat) => async (uri?: vscode.Uri, unitName?: string, blockId?: string) => {
    const stats = await statsFor(uri, unitName, blockId);
    if (!stats) return info(vscode.l10n.t('SE Lens: no module or model to copy statistics from.'));
    const text = (await s.engine()).formatTable(stats.table, format);
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(vscode.l10n.t('SE Lens: copied {0} statistics of {1}', format.toUpperCase(), stats.name), 3000);
    return text;
  };

  return [
    reg(COMMANDS.inspectBlockAtCursor, async () => {
      const model = activeModelUri();
      if (model) return inspectModel(model);
      const ref = await unitRef(s);
      if (!ref || ref.unit.blocks.length === 0) return info(vscode.l10n.t('SE Lens: no SE block at the cursor.'));
      const line = vscode.window.activeTextEditor?.selection.active.line ?? 0;
      const block = ref.unit.blocks.find((b) => b.range && line >= b.range.startLine && line <= b.range.endLine);
      return inspectSource(ref, block?.id);
    }),

    reg(COMMANDS.inspectBlock, async (uri?: vscode.Uri, unitName?: string, blockId?: string) => {
      if (uri && isModel(uri)) return inspectModel(uri, blockId);
      const ref = await unitRef(s, uri, unitName);
      if (!ref) return info(vscode.l10n.t('SE Lens: no SE block at the cursor.'));
      return inspectSource(ref, blockId);
    }),

    reg(COMMANDS.inspectModelFile, async (uri?: vscode.Uri) => {
      const target = uri ?? (await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Models')]: [...PICKER_EXTENSIONS] }, openLabel: vscode.l10n.t('Inspect') }))?.[0];
      if (!target) return undefined;
      return inspectModel(target);
    }),

    reg(COMMANDS.findBlocksInWorkspace, () => findInWorkspace(s)),

    reg(COMMANDS.setInputShape, async (uri?: vscode.Uri, unitName?: string, shapeText?: string) => {
      const ref = await unitRef(s, uri, unitName);
      if (!ref) return info(vscode.l10n.t('SE Lens: put the cursor in a module class or builder first.'));
      const text = shapeText ?? (await vscode.window.showInputBox({
        title: vscode.l10n.t('Input shape of {0}', ref.unit.name),
        value: `[${ref.unit.inputShape.join(', ')}]`,
        prompt: vscode.l10n.t('Dimensions such as [1, 64, 56, 56]; empty to go back to the default'),
        validateInput: (v) => (v.trim() === '' || parseShape(v)?.length === 4 ? undefined : vscode.l10n.t('Expected positive integers, like [1, 64, 56, 56]')),
      }));
      if (text === undefined) return undefined;
      const shape = text.trim() === '' ? undefined : parseShape(text);
      if (text.trim() !== '' && shape?.length !== 4) return info(vscode.l10n.t('SE Lens: "{0}" is not a shape; expected positive integers, like [1, 64, 56, 56].', text));
      await s.sources.setInputOverride(ref.doc.uri, ref.unit.name, shape);
      return shape;
    }),

    reg(COMMANDS.chooseConvention, async (choice?: Convention) => {
      const current = readSettings().convention;
      const picked = choice ?? (await vscode.window.showQuickPick(
        CONVENTIONS.map((c) => ({ label: conventionName(c), description: c === current ? vscode.l10n.t('current') : undefined, convention: c })),
        { title: vscode.l10n.t('Counting convention for SE Lens statistics') },
      ))?.convention;
      if (!picked) return undefined;
      if (!CONVENTIONS.includes(picked)) return info(vscode.l10n.t('SE Lens: unknown convention "{0}".', String(picked)));
      const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
      await vscode.workspace.getConfiguration(SECTION).update('convention', picked, target);
      return picked;
    }),

    reg(COMMANDS.exportBlockOnnx, async (uri?: vscode.Uri, unitName?: string, target?: vscode.Uri) => {
      const ref = await unitRef(s, uri, unitName);
      if (!ref || ref.unit.blocks.length === 0) return info(vscode.l10n.t('SE Lens: no SE block at the cursor to export.'));
      const dest = target ?? (await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(ref.doc.uri, '..', `${ref.unit.name}.onnx`),
        filters: { [vscode.l10n.t('ONNX models')]: ['onnx'] },
      }));
      if (!dest) return undefined;
      const bytes = (await s.engine()).exportOnnx(ref.unit);
      await vscode.workspace.fs.writeFile(dest, bytes);
      log().info(`exported ${ref.unit.name} to ${dest.toString()} (${bytes.length} B)`);
      vscode.window.setStatusBarMessage(vscode.l10n.t('SE Lens: wrote {0}', dest.path.split('/').pop() ?? ''), 3000);
      return dest.toString();
    }),

    reg(COMMANDS.copyStatsMarkdown, copyStats('markdown')),
    reg(COMMANDS.copyStatsCsv, copyStats('csv')),
    reg(COMMANDS.copyStatsJson, copyStats('json')),

    reg(COMMANDS.revealBlock, async (uri: vscode.Uri, range?: SourceRange, cell?: number) => {
      const editor = cell === undefined ? await vscode.window.showTextDocument(uri, { preview: true }) : await revealCell(uri, cell);
      if (range && editor) {
        const r = toRange(range);
        editor.selection = new vscode.Selection(r.start, r.start);
        editor.revealRange(r, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      }
      return uri.toString();
    }),

    reg(COMMANDS.refreshTree, () => s.sources.invalidate()),
  ];
}

/** Opens a notebook with cell `index` selected and in view; its editor, when the workbench shows one. */
async function revealCell(uri: vscode.Uri, index: number): Promise<vscode.TextEditor | undefined> {
  const notebook = await vscode.workspace.openNotebookDocument(uri);
  const cells = new vscode.NotebookRange(index, index + 1);
  await vscode.window.showNotebookDocument(notebook, { preview: true, selections: [cells] });
  vscode.window.activeNotebookEditor?.revealRange(cells, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
  const cellDoc = notebook.cellAt(index).document;
  return vscode.window.visibleTextEditors.find((e) => e.document === cellDoc);
}

/** Scans the workspace with the include/exclude settings; cancellable; results go to the tree. */
async function findInWorkspace(s: Services): Promise<{ files: number; blocks: number; cancelled: boolean }> {
  const settings = readSettings();
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('SE Lens: finding SE blocks'), cancellable: true },
    async (progress, token) => {
      const uris = await vscode.workspace.findFiles(settings.scanInclude, settings.scanExclude, 10_000, token);
      const found: FoundBlock[] = [];
      const engine = await s.engine();
      let done = 0;
      for (const uri of uris) {
        if (token.isCancellationRequested) break;
        progress.report({ message: vscode.workspace.asRelativePath(uri), increment: 100 / uris.length });
        done++;
        try {
          if (isModel(uri)) {
            const view = await s.models.get(uri);
            for (const block of view.blocks) found.push({ uri, block });
            // A large model holds a worker thread; keep it only while an editor shows the model.
            if (!isOpenInTab(uri)) s.models.forget(uri);
            continue;
          }
          if (isNotebook(uri)) {
            found.push(...(await notebookBlocks(s, engine, uri)));
            continue;
          }
          const language = languageOfPath(uri.path);
          if (!language) continue;
          const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
          const [batch, channels, height, width] = settings.defaultInputShape;
          const location = await s.sources.locationOf(uri);
          const analysis = await engine.analyzeSource({
            key: `scan:${uri.toString()}`, text, language, defaultInput: { batch, channels, height, width }, inputOverrides: s.sources.overridesFor(uri),
            ...(location ? { location } : {}),
          });
          engine.forget(`scan:${uri.toString()}`);
          const seen = new Set<number>();
          for (const unit of analysis.units) {
            for (const block of unit.blocks) {
              const range = block.range ?? unit.range;
              if (seen.has(range.startLine)) continue;
              seen.add(range.startLine);
              found.push({ uri, unitName: unit.name, block, range });
            }
          }
        } catch (e) {
          log().warn(`scan: ${uri.toString()}: ${e instanceof Error ? e.message : e}`);
        }
      }
      s.tree.setWorkspaceResults(found);
      const files = new Set(found.map((f) => f.uri.toString())).size;
      log().info(`workspace scan: ${done}/${uris.length} files read, ${found.length} blocks in ${files} files${token.isCancellationRequested ? ' (cancelled)' : ''}`);
      return { files, blocks: found.length, cancelled: token.isCancellationRequested };
    },
  );
}

function isOpenInTab(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === key));
}

const isNotebook = (uri: vscode.Uri) => uri.path.toLowerCase().endsWith('.ipynb');

/** A Jupyter notebook file's blocks: its Python cells read as one module, each block placed in its cell. */
async function notebookBlocks(s: Services, engine: Engine, uri: vscode.Uri): Promise<FoundBlock[]> {
  const nb = readJupyterNotebook(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)));
  if (nb.language !== 'python') return [];
  const module = notebookModule(nb.cells);
  const [batch, channels, height, width] = readSettings(uri).defaultInputShape;
  const location = await s.sources.locationOf(uri);
  const key = `scan:${uri.toString()}`;
  const analysis = await engine.analyzeSource({
    key, text: module.text, language: 'python', defaultInput: { batch, channels, height, width }, inputOverrides: s.sources.overridesFor(uri),
    ...(location ? { location } : {}),
  });
  engine.forget(key);
  const found: FoundBlock[] = [];
  for (const unit of analysis.units) {
    const cell = module.lines[unit.range.startLine]?.cell;
    if (cell === undefined) continue;
    for (const block of cellView({ ...analysis, units: [unit] }, module, cell).units[0]?.blocks ?? []) {
      found.push({ uri, unitName: unit.name, block, cell, ...(block.range ? { range: block.range } : {}) });
    }
  }
  return found;
}

function languageOfPath(path: string): 'python' | 'typescript' | undefined {
  if (/\.py$/i.test(path)) return 'python';
  if (/\.(m|c)?[jt]sx?$/i.test(path) && !/\.d\.ts$/i.test(path)) return 'typescript';
  return undefined;
}
