import * as vscode from 'vscode';
import { ModelAnalyses } from './analysis/model-analyses.js';
import { SOURCE_SELECTOR, SourceAnalyses } from './analysis/source-analyses.js';
import { MODEL_OPTION_EDITOR, ONNX_EDITOR, VIEW_BLOCKS } from './commands/ids.js';
import { registerCommands } from './commands/register.js';
import { ModelEditorProvider } from './editor/model-editor.js';
import { InspectorBridge } from './inspector-bridge.js';
import { log } from './log.js';
import type { HostPlatform } from './platform.js';
import { SeCodeLensProvider } from './providers/code-lens.js';
import { SeHoverProvider } from './providers/hover.js';
import { SeInlayHintsProvider } from './providers/inlay-hints.js';
import type { Services } from './services.js';
import { BlocksTreeProvider } from './tree/blocks-tree.js';
import type { InlineHeatmaps } from './inline/inline-heatmaps.js';
import { registerInlineHeatmaps } from './inline/register.js';

/** What activate returns: the test suites read the tree, the strips and the host through it. */
export interface SeLensApi {
  readonly services: Services;
  /** Inline gate strips, for the tests to read what is drawn. */
  readonly inline: InlineHeatmaps;
  /** Which extension host runs the extension. */
  readonly host: HostPlatform['name'];
}

/**
 * Registers every surface, the same on both hosts; `platform` holds what differs. Nothing heavy happens here:
 * the engine (tree-sitter, ONNX reader, counters) loads on the first analysis.
 */
export function activateSeLens(context: vscode.ExtensionContext, platform: HostPlatform): SeLensApi {
  const started = Date.now();
  const engine = () => platform.engine();
  const sources = new SourceAnalyses(engine, context.workspaceState, platform.importLocations((doc) => SourceAnalyses.languageOf(doc) !== undefined));
  const models = new ModelAnalyses(engine, platform.models);
  const tree = new BlocksTreeProvider(sources, models);
  const inline = registerInlineHeatmaps(context, sources, () => platform.gateRunner(), engine);
  // The Node host's runner paints a fresh panel's first heatmap; in the web host the webview runs alone.
  const inspector = new InspectorBridge(context, platform.name === 'node' ? inline.runner : undefined);
  const services: Services = { context, engine, sources, models, tree, inspector };
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
    // The default editor for model file names, and the same editor offered through Open With… for any JSON or .bin.
    ...[ONNX_EDITOR, MODEL_OPTION_EDITOR].map((viewType) =>
      vscode.window.registerCustomEditorProvider(viewType, new ModelEditorProvider(services), {
        webviewOptions: { retainContextWhenHidden: true },
        supportsMultipleEditorsPerDocument: true,
      })),
    ...registerCommands(services),
    ...inline.disposables,
  );
  log().info(`SE Lens activated in the ${platform.name} extension host in ${Date.now() - started} ms (${vscode.env.appName} ${vscode.version}, mode ${context.extensionMode})`);
  return { services, inline: inline.inline, host: platform.name };
}
