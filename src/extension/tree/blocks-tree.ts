import * as vscode from 'vscode';
import type { SEBlock } from '../../core/detect/block.js';
import type { SourceRange } from '../../core/ir/graph.js';
import { SourceAnalyses } from '../analysis/source-analyses.js';
import type { ModelAnalyses } from '../analysis/model-analyses.js';
import { COMMANDS } from '../commands/ids.js';
import { blockShapeSummary, formatCount, variantLabel } from '../format.js';
import { log } from '../log.js';
import { isModelFile } from '../editor/model-editor.js';
import { overheadItem, overheadsOf, overheadTooltip, type FoundOverhead } from './overhead-item.js';

/** One SE block found in a file, ready to show: where it is and how to open it. */
export interface FoundBlock {
  readonly uri: vscode.Uri;
  /** Source unit (class, builder) that holds it; undefined for model files. */
  readonly unitName?: string;
  readonly block: SEBlock;
  /** In the document, or for a notebook in its cell `cell`. */
  readonly range?: SourceRange;
  /** Index of the notebook cell that holds the block, when `uri` is a notebook. */
  readonly cell?: number;
}

type Node =
  | { readonly type: 'block'; readonly found: FoundBlock }
  | { readonly type: 'workspace'; readonly files: ReadonlyMap<string, FoundBlock[]> }
  | { readonly type: 'file'; readonly uri: vscode.Uri; readonly blocks: FoundBlock[] }
  | { readonly type: 'overhead'; readonly found: FoundOverhead }
  | { readonly type: 'empty'; readonly message: string };

/**
 * The "SE Blocks" view: blocks of the active editor (source file or model file), then the last workspace scan.
 * Source blocks reveal their range on click; model blocks open the inspector.
 */
export class BlocksTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private active: vscode.Uri | undefined;
  private workspace: Map<string, FoundBlock[]> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly sources: SourceAnalyses, private readonly models: ModelAnalyses) {
    this.subscriptions.push(
      vscode.window.onDidChangeActiveTextEditor(() => this.followActive()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.followActive()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.document.uri.toString() === this.active?.toString()) this.changed.fire();
      }),
      sources.onDidChange(() => this.changed.fire()),
    );
    this.followActive();
  }

  /** The file whose blocks the view shows: the active text editor's, or the active custom editor's model. */
  private followActive(): void {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    const input = tab?.input;
    let uri: vscode.Uri | undefined;
    if (input instanceof vscode.TabInputCustom || input instanceof vscode.TabInputText) uri = input.uri;
    uri ??= vscode.window.activeTextEditor?.document.uri;
    if (uri?.toString() === this.active?.toString()) return;
    this.active = uri;
    this.changed.fire();
  }

  setWorkspaceResults(found: readonly FoundBlock[]): void {
    const files = new Map<string, FoundBlock[]>();
    for (const f of found) {
      const key = f.uri.toString();
      files.set(key, [...(files.get(key) ?? []), f]);
    }
    this.workspace = files;
    this.changed.fire();
  }

  /** Blocks the view shows for the active file (what the tests read). */
  async activeBlocks(): Promise<FoundBlock[]> {
    const uri = this.active;
    if (!uri) return [];
    if (isModelFile(uri)) {
      try {
        const view = await this.models.get(uri);
        return view.blocks.map((block) => ({ uri, block }));
      } catch (e) {
        log().warn(`tree: ${uri.toString()}: ${e instanceof Error ? e.message : e}`);
        return [];
      }
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!doc) return [];
    const analysis = await this.sources.analyze(doc);
    if (!analysis) return [];
    const found: FoundBlock[] = [];
    for (const unit of analysis.units) {
      for (const block of unit.blocks) found.push({ uri, unitName: unit.name, block, range: block.range ?? unit.range });
    }
    return dedupe(found);
  }

  /** The active file's SE overhead, one per source unit with blocks (what the tests read). */
  async activeOverheads(): Promise<FoundOverhead[]> {
    const uri = this.active;
    if (!uri) return [];
    const doc = isModelFile(uri) ? undefined : vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (!isModelFile(uri) && !doc) return [];
    return overheadsOf(uri, this.models, this.sources, doc);
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      const [blocks, overheads] = await Promise.all([this.activeBlocks(), this.activeOverheads()]);
      const nodes: Node[] = blocks.map((found) => ({ type: 'block', found }));
      for (const found of overheads) nodes.push({ type: 'overhead', found });
      if (this.active && blocks.length === 0) nodes.push({ type: 'empty', message: vscode.l10n.t('No SE blocks in this file') });
      if (this.workspace) nodes.push({ type: 'workspace', files: this.workspace });
      return nodes;
    }
    if (node.type === 'workspace') return [...node.files.values()].map((blocks) => ({ type: 'file', uri: blocks[0]!.uri, blocks }));
    if (node.type === 'file') return node.blocks.map((found) => ({ type: 'block', found }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.type) {
      case 'empty':
        return new vscode.TreeItem(node.message);
      case 'workspace': {
        const count = [...node.files.values()].reduce((n, b) => n + b.length, 0);
        const item = new vscode.TreeItem(vscode.l10n.t('Workspace: {0} blocks in {1} files', count, node.files.size), vscode.TreeItemCollapsibleState.Expanded);
        item.contextValue = 'workspace';
        return item;
      }
      case 'file': {
        const item = new vscode.TreeItem(node.uri, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = vscode.l10n.t('{0} blocks', node.blocks.length);
        return item;
      }
      case 'block':
        return blockItem(node.found);
      case 'overhead':
        return overheadItem(node.found);
    }
  }

  /** A workspace file's SE overhead, read when its row is hovered: the scan itself stays as cheap as it was. */
  async resolveTreeItem(item: vscode.TreeItem, node: Node): Promise<vscode.TreeItem> {
    if (node.type !== 'file' || item.tooltip !== undefined) return item;
    const overheads = await overheadsOf(node.uri, this.models, this.sources);
    if (overheads.length) item.tooltip = overheadTooltip(overheads);
    return item;
  }

  dispose(): void {
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

export function blockLabel(found: FoundBlock): string {
  if (found.unitName !== undefined && found.block.id === '') return found.unitName;
  if (found.unitName !== undefined) return `${found.unitName} · ${found.block.id}`;
  return found.block.id || variantLabel(found.block.variant);
}

function blockItem(found: FoundBlock): vscode.TreeItem {
  const item = new vscode.TreeItem(blockLabel(found));
  const { block } = found;
  const ratio = block.reductionRatio === null ? '' : ` · r ${formatCount(block.reductionRatio)}`;
  item.description = `C ${block.channels}${ratio} · ${vscode.l10n.t('{0} params', formatCount(block.params))}`;
  item.tooltip = `${variantLabel(block.variant)} · ${blockShapeSummary(block)}`;
  item.iconPath = new vscode.ThemeIcon('symbol-class');
  item.contextValue = found.unitName === undefined ? 'modelBlock' : 'sourceBlock';
  item.command = found.unitName === undefined
    ? { title: vscode.l10n.t('Inspect'), command: COMMANDS.inspectBlock, arguments: [found.uri, undefined, block.id] }
    : { title: vscode.l10n.t('Reveal'), command: COMMANDS.revealBlock, arguments: [found.uri, found.range, found.cell] };
  return item;
}

function dedupe(found: FoundBlock[]): FoundBlock[] {
  const seen = new Set<string>();
  return found.filter((f) => {
    const key = `${f.cell ?? ''}:${f.range?.startLine}:${f.block.id}:${f.block.channels}`;
    if (f.range && seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
