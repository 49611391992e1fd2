import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, StringStringEntryProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import { suite, test } from './harness.js';
import { EXTENSION_ID, until, workspaceUri } from './util.js';
import { writeWithBigInitializer } from './big-model.js';
import type { SeLensApi } from '../../../src/extension/extension.js';
import { seOverheadLines } from '../../../src/core/stats/se-overhead.js';

function api(): SeLensApi {
  return vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.exports;
}

interface TruthBlock { channels: number; squeeze_channels: number | null; params: number; pooling: string }
interface Truth { total_params: number; onnx_initializer_numel: number; num_se_blocks: number; se_blocks: TruthBlock[] }

async function truth(name: string): Promise<Truth> {
  return JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri('models', `${name}.truth.json`)))) as Truth;
}

function activeCustomEditor(): vscode.TabInputCustom | undefined {
  const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  return input instanceof vscode.TabInputCustom ? input : undefined;
}

suite('ONNX models', () => {
  test('an .onnx file opens in the SE Lens editor by default; the tree lists its block', async () => {
    const uri = workspaceUri('models', 'seed_se_c32_r4_avg.onnx');
    await vscode.commands.executeCommand('vscode.open', uri);
    const input = await until('the custom editor', () => activeCustomEditor());
    assert.equal(input.viewType, 'seLens.onnxInspector');
    assert.equal(input.uri.toString(), uri.toString());
    const t = await truth('seed_se_c32_r4_avg');
    const blocks = await until('tree blocks', async () => {
      const b = await api().services.tree.activeBlocks();
      return b.length ? b : undefined;
    });
    assert.deepEqual(blocks.map((b) => [b.block.channels, b.block.squeezeChannels, b.block.params, b.block.pooling]),
      t.se_blocks.map((b) => [b.channels, b.squeeze_channels, b.params, b.pooling]));
    const json = JSON.parse(await vscode.commands.executeCommand<string>('seLens.copyStatsJson')) as { totals: Record<string, number> };
    assert.equal(json.totals.params, t.total_params, 'Copy Stats acts on the active model');
    const render = await until('the heatmap in the editor', () => {
      const r = api().services.inspector.lastRender;
      return r?.title === 'seed_se_c32_r4_avg.onnx' ? r : undefined;
    }, 600);
    assert.deepEqual([render.rows, render.cols], [4, 32]);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Inspect Model File… and a model block from the tree: the inspector runs that block', async () => {
    const uri = workspaceUri('models', 'var_se_conv1x1_bias.onnx');
    assert.deepEqual(await vscode.commands.executeCommand('seLens.inspectModelFile', uri), { model: uri.toString() });
    const input = await until('the custom editor', () => activeCustomEditor());
    assert.equal(input.uri.toString(), uri.toString());
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    const t = await truth('var_se_conv1x1_bias');
    const view = await api().services.models.get(uri);
    const blockId = view.blocks[0]!.id;
    // What a click on the block's tree item runs.
    assert.deepEqual(await vscode.commands.executeCommand('seLens.inspectBlock', uri, undefined, blockId), { model: uri.toString(), blockId });
    const render = await until('the block heatmap', () => {
      const r = api().services.inspector.lastRender;
      return r?.title === 'var_se_conv1x1_bias.onnx' && r.blockId === blockId ? r : undefined;
    }, 600);
    assert.deepEqual([render.rows, render.cols], [4, t.se_blocks[0]!.channels]);
    assert.equal(await vscode.commands.executeCommand('seLens.inspectBlock', uri, undefined, 'no-such-block'), undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('weights stored beside the model (external data) are read; a location leaving the folder is refused', async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)!.activate();
    const proto = fromBinary(ModelProtoSchema, await vscode.workspace.fs.readFile(workspaceUri('models', 'seed_se_c32_r4_avg.onnx')));
    const weights: Uint8Array[] = [];
    let offset = 0;
    const entry = (key: string, value: string) => create(StringStringEntryProtoSchema, { key, value });
    for (const t of proto.graph!.initializer.filter((i) => i.rawData.length > 64)) {
      weights.push(t.rawData);
      t.externalData = [entry('location', 'weights.bin'), entry('offset', String(offset)), entry('length', String(t.rawData.length))];
      offset += t.rawData.length;
      t.rawData = new Uint8Array();
      t.dataLocation = TensorProto_DataLocation.EXTERNAL;
    }
    const data = new Uint8Array(offset);
    weights.reduce((at, w) => (data.set(w, at), at + w.length), 0);
    await vscode.workspace.fs.writeFile(workspaceUri('external', 'weights.bin'), data);
    await vscode.workspace.fs.writeFile(workspaceUri('external', 'se.onnx'), toBinary(ModelProtoSchema, proto));
    const view = await api().services.models.get(workspaceUri('external', 'se.onnx'));
    assert.deepEqual(view.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]), [[32, 8, 512]]);
    for (const t of proto.graph!.initializer) for (const e of t.externalData) if (e.key === 'location') e.value = '../se_block.py';
    await vscode.workspace.fs.writeFile(workspaceUri('external', 'escape.onnx'), toBinary(ModelProtoSchema, proto));
    await assert.rejects(api().services.models.get(workspaceUri('external', 'escape.onnx')), /Refused external data location "\.\.\/se_block\.py"/);
  });

  test('every fixture: blocks, channels and params as the ground truth says', async () => {
    for (const name of ['seed_se_c32_r4_max', 'var_eca', 'var_se_conv1x1_bias', 'mobilenet_v3_small', 'mobilenet_v2']) {
      const t = await truth(name);
      const view = await api().services.models.get(workspaceUri('models', `${name}.onnx`));
      assert.equal(view.blocks.length, t.num_se_blocks, `${name}: blocks`);
      assert.deepEqual(view.blocks.map((b) => [b.channels, b.params]), t.se_blocks.map((b) => [b.channels, b.params]), name);
      // The exporter folded BatchNorm into the convs, so the file holds fewer elements than PyTorch's count.
      assert.equal(view.params, t.onnx_initializer_numel, `${name}: params`);
    }
  });

  test('SE overhead: the SE Blocks view shows mobilenet_v3_small\'s row, its tooltip worded as the CLI words it', async () => {
    const uri = workspaceUri('models', 'mobilenet_v3_small.onnx');
    const t = await truth('mobilenet_v3_small');
    await vscode.commands.executeCommand('vscode.open', uri);
    const tree = api().services.tree;
    const [found] = await until('the overhead row', async () => {
      const o = await tree.activeOverheads();
      return o.length ? o : undefined;
    });
    assert.equal(found!.overhead.blocks, t.num_se_blocks);
    assert.equal(found!.overhead.seParams, t.se_blocks.reduce((n, b) => n + b.params, 0), 'SE params are the blocks\' own (PyTorch\'s count)');
    assert.ok(found!.overhead.notes.some((n) => n.includes('BatchNorm looks folded')), 'the exported file folds BatchNorm: a note says so');
    const rows = await tree.getChildren();
    const row = rows.find((n) => n.type === 'overhead');
    assert.ok(row, 'an overhead row follows the blocks');
    const item = tree.getTreeItem(row);
    assert.equal(item.tooltip, seOverheadLines(found!.overhead).join('\n'));
    assert.match(String(item.description), /^params \d+\.\d\d % · MACs \d+\.\d\d %$/);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('a model over the size threshold is read in a worker thread, with the same result', async () => {
    const uri = workspaceUri('models', 'mobilenet_v3_small.onnx');
    const t = await truth('mobilenet_v3_small');
    await vscode.workspace.getConfiguration('seLens').update('largeModelThresholdMB', 1, vscode.ConfigurationTarget.Workspace);
    try {
      api().services.models.forget(uri);
      const view = await api().services.models.get(uri);
      assert.equal(view.inWorker, true);
      assert.deepEqual(view.blocks.map((b) => [b.channels, b.params]), t.se_blocks.map((b) => [b.channels, b.params]));
      const table = await view.table('torchstat', view.blocks[0]!.id);
      assert.equal(table.totals.params, t.se_blocks[0]!.params);
      const fromWorker = await view.overhead();
      api().services.models.forget(uri);
      await vscode.workspace.getConfiguration('seLens').update('largeModelThresholdMB', undefined, vscode.ConfigurationTarget.Workspace);
      const inHost = await api().services.models.get(uri);
      assert.equal(inHost.inWorker, false);
      assert.deepEqual(fromWorker, await inHost.overhead(), 'the worker answers the SE overhead as the host computes it');
    } finally {
      await vscode.workspace.getConfiguration('seLens').update('largeModelThresholdMB', undefined, vscode.ConfigurationTarget.Workspace);
      api().services.models.forget(uri);
    }
  });

  test('a corrupt .onnx: one clear error, no rejection, the editor shows the message', async () => {
    const uri = workspaceUri('models', 'corrupt.onnx');
    await assert.rejects(api().services.models.get(uri), (e: Error) => e.name === 'SeLensError' && !e.message.includes('\n'));
    assert.equal(await vscode.commands.executeCommand('seLens.copyStatsJson', uri), undefined, 'the command reports and resolves');
    await vscode.commands.executeCommand('vscode.open', uri);
    await until('the custom editor', () => activeCustomEditor());
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });
});

suite('large model', () => {
  test('a 250 MB .onnx: read in a worker, the editor opens, blocks and params as expected', async () => {
    const seed = await vscode.workspace.fs.readFile(workspaceUri('models', 'seed_se_c32_r4_avg.onnx'));
    const uri = workspaceUri('models', 'big_250mb.onnx');
    const elements = 62_500_000;
    const size = writeWithBigInitializer(seed, elements, uri.fsPath);
    assert.ok(size > 250_000_000, `${size} B`);
    try {
      // The host thread keeps running while the worker reads: timer callbacks fire before the answer arrives.
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const view = await api().services.models.get(uri);
      clearInterval(timer);
      assert.equal(view.inWorker, true);
      assert.ok(ticks > 0, 'the host event loop ran during the read');
      assert.deepEqual(view.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]), [[32, 8, 512]]);
      assert.equal(view.params, 512 + elements);
      await vscode.commands.executeCommand('vscode.open', uri);
      const input = await until('the custom editor', () => activeCustomEditor());
      assert.equal(input.uri.toString(), uri.toString());
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      api().services.models.forget(uri);
      await vscode.workspace.fs.delete(uri);
    }
  });
});
