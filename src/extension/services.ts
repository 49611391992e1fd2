import type * as vscode from 'vscode';
import type { ModelAnalyses } from './analysis/model-analyses.js';
import type { SourceAnalyses } from './analysis/source-analyses.js';
import type { Engine } from './engine/api.js';
import type { InspectorBridge } from './inspector-bridge.js';
import type { BlocksTreeProvider } from './tree/blocks-tree.js';

/** The long-lived parts every command and provider shares. */
export interface Services {
  readonly context: vscode.ExtensionContext;
  readonly engine: () => Promise<Engine>;
  readonly sources: SourceAnalyses;
  readonly models: ModelAnalyses;
  readonly tree: BlocksTreeProvider;
  readonly inspector: InspectorBridge;
}
