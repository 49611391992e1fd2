import * as vscode from 'vscode';
import { ModelAnalyses } from './analysis/model-analyses.js';
import { SOURCE_SELECTOR, SourceAnalyses } from './analysis/source-analyses.js';
import { MODEL_OPTION_EDITOR, ONNX_EDITOR, VIEW_BLOCKS } from './commands/ids.js';
import { registerCommands } from './commands/register.js';
import { ModelEditorProvider } from './editor/model-editor.js';
import { loadEngine } from './engine/load.js';
import { InspectorBridge } from './inspector-bridge.js';
import { log } from './log.js';
import { SeCodeLensProvider } from './providers/code-lens.js';
import { SeHoverProvider } from './providers/hover.js';
import { SeInlayHintsProvider } from './providers/inlay-hints.js';
import type { Services } from './services.js';
import { BlocksTreeProvider } from './tree/blocks-tree.js';
import type { InlineHeatmaps } from './inline/inline-heatmaps.js';
import { registerInlineHeatmaps } from './inline/register.js';

/** What activate returns: the test suite reads the tree through it. */
export interface SeLensApi {
  readonly services: Services;
  /** Inline gate strips, for the tests to read what is drawn. */
  readonly inline: InlineHeatmaps;
}

/**
 * Registers every surface. Nothing heavy happens here: the engine bundle (tree-sitter, ONNX reader,
 * counters) loads on the first analysis.
 */
export function activate(context: vscode.ExtensionContext): SeLensApi {
  const started = Date.now();
  const engine = () => loadEngine(context.extensionUri);
  const sources = new SourceAnalyses(engine, context.workspaceState);
  const models = new ModelAnalyses(engine, context.extensionUri);
  const tree = new BlocksTreeProvider(sources, models);
  const inspector = new InspectorBridge(context);
  const services: Services = { context, engine, sources, models, tree, inspector };
  const inline = registerInlineHeatmaps(context, sources);
  context.subscriptions.push(
    log(),
    sources,
    models,
    tree,
    inspector,
    vscode.languages.registerCodeLensProvider(SOURCE_SELECTOR, new SeCodeLensProvider(sources, engine)),
    vscode.languages.registerHoverProvider(SOURCE_SELECTOR, new SeHoverProvider(sources, engine)),
    vscode.languages.registerInlayHintsProvider(SOURCE_SELECTOR, new SeInlayHintsProvider(sources)),
    vscode.window.createTreeView(VIEW_BLOCKS, { treeDataProvider: tree, showCollapseAll: true }),
    ...[ONNX_EDITOR, MODEL_OPTION_EDITOR].map((viewType) =>
      vscode.window.registerCustomEditorProvider(viewType, new ModelEditorProvider(services), {
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: true,
      })),
    ...registerCommands(services),
    ...inline.disposables,
  );
  log().info(`SE Lens activated in ${Date.now() - started} ms (${vscode.env.appName} ${vscode.version}, mode ${context.extensionMode})`);
  return { services, inline: inline.inline };
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}
