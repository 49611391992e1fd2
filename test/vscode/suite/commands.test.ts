import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import { EXTENSION_ID, openDoc, positionOf, until, workspaceUri } from './util.js';
import type { SeLensApi } from '../../../src/extension/extension.js';

function api(): SeLensApi {
  return vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.exports;
}

function webviewTabs(): string[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview).map((t) => t.label);
}

interface TruthBlock { channels: number; squeeze_channels: number | null; params: number }
interface Truth { total_params: number; num_se_blocks: number; se_blocks: TruthBlock[] }

async function truth(name: string): Promise<Truth> {
  return JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri('models', `${name}.truth.json`)))) as Truth;
}

suite('commands', () => {
  test('Inspect Block at Cursor opens the inspector on the block under the cursor', async () => {
    const doc = await openDoc('se_block.py');
    const editor = vscode.window.activeTextEditor!;
    const pos = positionOf(doc, 'self.fc_layers = nn.Sequential');
    editor.selection = new vscode.Selection(pos, pos);
    const result = await vscode.commands.executeCommand('seLens.inspectBlockAtCursor');
    assert.deepEqual(result, { unit: 'SEBlock', blockId: '' });
    await until(`an SEBlock inspector tab (tabs: ${webviewTabs()})`, () => webviewTabs().includes('SEBlock') || undefined);
    // The webview ran the block with onnxruntime-web and drew its gate heatmap: 4 samples × 32 channels.
    const render = await until('the inspector heatmap', () => (api().services.inspector.lastRender?.title === 'SEBlock' ? api().services.inspector.lastRender : undefined), 600);
    assert.deepEqual([render.blockId, render.rows, render.cols], ['', 4, 32]);
    // Outside any module: the file's first block.
    const again = await vscode.window.showTextDocument(doc);
    again.selection = new vscode.Selection(0, 0, 0, 0);
    const top = await vscode.commands.executeCommand('seLens.inspectBlockAtCursor');
    assert.deepEqual(top, { unit: 'SEBlock', blockId: '' }, 'falls back to the file\'s first block');
  });

  test('Copy Stats as Markdown / CSV / JSON: same numbers as the table, on the clipboard', async () => {
    const doc = await openDoc('se_block.py');
    const md = await vscode.commands.executeCommand<string>('seLens.copyStatsMarkdown', doc.uri, 'SEBlock');
    assert.equal(await vscode.env.clipboard.readText(), md);
    assert.ok(md.includes('| fc_layers.0 | Linear | 32 | 8 | 256 |'), md);
    assert.ok(md.includes('Convention: **torchstat**'), md);
    const csv = await vscode.commands.executeCommand<string>('seLens.copyStatsCsv', doc.uri, 'SEBlock');
    const csvRows = csv.split('\n').map((l) => l.split(','));
    assert.deepEqual(csvRows.map((r) => r[1]), ['module name', 'avg_pooling', 'max_polling', 'fc_layers.0', 'fc_layers.1', 'fc_layers.2', 'sigmoid', 'total']);
    const json = JSON.parse(await vscode.commands.executeCommand<string>('seLens.copyStatsJson', doc.uri, 'SEBlock')) as {
      convention: string; totals: Record<string, number>; layers: { name: string; params: number }[];
    };
    assert.equal(json.convention, 'torchstat');
    assert.deepEqual([json.totals.params, json.totals.MAdd, json.totals.Flops, json.totals.MemRW], [512, 992, 520, 2432]);
    assert.deepEqual(json.layers.map((l) => l.params), [0, 0, 256, 0, 256, 0]);
  });

  test('Export Block as ONNX writes a model the ONNX reader finds the same block in', async () => {
    const doc = await openDoc('se_block.py');
    const target = workspaceUri('exported', 'SEBlock.onnx');
    assert.equal(await vscode.commands.executeCommand('seLens.exportBlockOnnx', doc.uri, 'SEBlock', target), target.toString());
    const stat = await vscode.workspace.fs.stat(target);
    assert.ok(stat.size > 512 * 4, `weights are written (${stat.size} B)`);
    const json = JSON.parse(await vscode.commands.executeCommand<string>('seLens.copyStatsJson', target)) as { totals: Record<string, number> };
    assert.equal(json.totals.params, 512);
    const view = await api().services.models.get(target);
    assert.deepEqual(view.blocks.map((b) => [b.variant, b.channels, b.squeezeChannels, b.pooling, b.params]), [['se', 32, 8, 'avg', 512]]);
  });

  test('Find SE Blocks in Workspace: every fixture, the corrupt model skipped, results in the tree', async () => {
    const result = await vscode.commands.executeCommand<{ files: number; blocks: number; cancelled: boolean }>('seLens.findBlocksInWorkspace');
    const models = ['seed_se_c32_r4_avg', 'seed_se_c32_r4_max', 'var_eca', 'var_se_conv1x1_bias', 'mobilenet_v3_small', 'mobilenet_v2'];
    let modelBlocks = 0;
    let modelFiles = 0;
    for (const m of models) {
      const n = (await truth(m)).num_se_blocks;
      modelBlocks += n;
      if (n > 0) modelFiles++;
    }
    const roots = await api().services.tree.getChildren();
    const workspaceNode = roots.find((n) => n.type === 'workspace');
    assert.ok(workspaceNode, 'a Workspace node in the tree');
    const files = await api().services.tree.getChildren(workspaceNode);
    const names = files.map((f) => (f.type === 'file' ? f.uri.path.split('/').pop() : '')).sort();
    // Source files with blocks: se_block.py, conv_se.py, the exported SEBlock.onnx of the test above.
    assert.ok(names.includes('se_block.py') && names.includes('conv_se.py'), names.join(','));
    assert.ok(!names.includes('corrupt.onnx') && !names.includes('broken.py'), names.join(','));
    // The notebook's class cell holds the reference block, built and called in a later cell.
    const notebook = files.find((f) => f.type === 'file' && f.uri.path.endsWith('/se_notebook.ipynb'));
    assert.ok(notebook?.type === 'file', names.join(','));
    assert.deepEqual(notebook.blocks.map((b) => [b.unitName, b.cell, b.block.channels, b.block.params, b.block.inputShape]), [['SEBlock', 1, 32, 512, [4, 32, 16, 16]]]);
    // Reveal opens the notebook on that cell, the cursor on the block's first line.
    const item = api().services.tree.getTreeItem({ type: 'block', found: notebook.blocks[0]! });
    await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
    assert.equal(vscode.window.activeNotebookEditor?.notebook.uri.path, notebook.uri.path);
    assert.equal(vscode.window.activeNotebookEditor?.selection.start, 1);
    const fromModels = files.filter((f) => f.type === 'file' && models.some((m) => f.uri.path.endsWith(`/${m}.onnx`)));
    assert.equal(fromModels.length, modelFiles);
    assert.equal(fromModels.reduce((n, f) => n + (f.type === 'file' ? f.blocks.length : 0), 0), modelBlocks);
    assert.equal(result.cancelled, false);
    assert.equal(result.files, names.length);
  });

  test('the SE Blocks tree follows the active editor: C, r and params per block', async () => {
    await openDoc('se_block.py');
    const tree = api().services.tree;
    const blocks = await tree.activeBlocks();
    assert.deepEqual(blocks.map((b) => [b.unitName, b.block.channels, b.block.reductionRatio, b.block.params]), [['SEBlock', 32, 4, 512]]);
    const roots = await tree.getChildren();
    const item = tree.getTreeItem(roots[0]!);
    assert.equal(item.label, 'SEBlock');
    assert.equal(item.description, 'C 32 · r 4 · 512 params');
    assert.equal(item.command?.command, 'seLens.revealBlock');
    const revealed = await vscode.commands.executeCommand('seLens.revealBlock', ...(item.command!.arguments ?? []));
    assert.equal(revealed, blocks[0]!.uri.toString());
    assert.equal(vscode.window.activeTextEditor?.selection.active.line, blocks[0]!.range!.startLine);
  });
});
