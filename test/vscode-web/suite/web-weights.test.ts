import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import * as vscode from 'vscode';
import { suite, test } from '../../vscode/suite/harness.js';
import { equal, ok } from './check.js';
import { api, until, workspaceUri } from './util.js';

// Files beside a model or a checkpoint, read in the web worker extension host through workspace.fs only:
// a TF.js layers model's weight shard, a sharded checkpoint's shards. scripts/vscode-test-web.mjs copies the
// fixtures (test/fixtures/formats: written by @tensorflow/tfjs and PyTorch 1.13) into the workspace's formats/.

async function json<T>(...parts: string[]): Promise<T> {
  return JSON.parse(new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri(...parts)))) as T;
}

suite('web extension host: files beside models and checkpoints', () => {
  test('a TF.js layers model (model.json + weights.bin) opens in the SE Lens editor: its blocks as TF.js counts them, a heatmap drawn', async () => {
    const truth = (await json<Record<string, { blocks: { channels: number; squeezeChannels: number; params: number }[] }>>('formats', 'tfjs-layers.truth.json'))['se_resnet_tiny']!;
    const uri = workspaceUri('formats', 'se_resnet_tiny', 'model.json');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'seLens.onnxInspector');
    const view = await api().services.models.get(uri);
    equal(view.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]), truth.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]));
    const render = await until('the heatmap in the editor', () => {
      const r = api().services.inspector.lastRender;
      return r?.title === 'model.json' ? r : undefined;
    }, 900);
    equal(render.cols, truth.blocks.find((b) => b.channels === render.cols)?.channels);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a weights comment naming a sharded checkpoint\'s index: the strip runs PyTorch\'s gates from the fetched shards', async () => {
    const truth = (await json<Record<string, { blocks: { gates: number[][] }[] }>>('formats', 'sharded.truth.json'))['se_block_st']!.blocks[0]!.gates;
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri('se_block.py')));
    const uri = workspaceUri('formats', 'se_block_sharded.py');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text.replace('class SEBlock(nn.Module):', '# se-lens: weights=se_block_st/model.safetensors.index.json\nclass SEBlock(nn.Module):')));
    const inline = vscode.workspace.getConfiguration('seLens.inline');
    await inline.update('inputFile', 'formats/input.npy', vscode.ConfigurationTarget.Workspace);
    try {
      const [state] = (await vscode.commands.executeCommand<{ weightsFile?: string; gates: number[][] }[]>('seLens.runGates', uri, 'SEBlock')) ?? [];
      ok(state, 'a strip was drawn');
      equal(state.weightsFile, 'formats/se_block_st/model.safetensors.index.json');
      equal(state.gates.length, truth.length);
      const worst = Math.max(...state.gates.flatMap((row, s) => row.map((g, c) => Math.abs(g - truth[s]![c]!))));
      ok(worst < 1e-4, `max |Δ| ${worst}`);
    } finally {
      await inline.update('inputFile', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('seLens.clearInlineHeatmaps');
    }
  });

  test('an ONNX model whose weights are external data: the file it names is fetched, the model runs as the embedded one does', async () => {
    // The seed SE block exported by PyTorch, every initializer moved to one file beside it (ONNX's external data layout).
    const original = await vscode.workspace.fs.readFile(workspaceUri('models', 'seed_se_c32_r4_avg.onnx'));
    const proto = fromBinary(ModelProtoSchema, original);
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (const init of proto.graph!.initializer) {
      const raw = init.rawData.length ? init.rawData : new Uint8Array(Float32Array.from(init.floatData).buffer);
      if (raw.length === 0) continue;
      init.rawData = new Uint8Array();
      init.floatData = [];
      init.dataLocation = TensorProto_DataLocation.EXTERNAL;
      init.externalData = [['location', 'seed_ext.weights'], ['offset', String(offset)], ['length', String(raw.length)]].map(([key, value]) => ({ key: key!, value: value!, $typeName: 'onnx.StringStringEntryProto' as const }));
      parts.push(raw);
      offset += raw.length;
    }
    ok(parts.length > 0, 'weights moved out');
    const data = new Uint8Array(offset);
    parts.reduce((at, p) => (data.set(p, at), at + p.length), 0);
    await vscode.workspace.fs.writeFile(workspaceUri('formats', 'ext', 'seed_ext.weights'), data);
    const uri = workspaceUri('formats', 'ext', 'seed_ext.onnx');
    await vscode.workspace.fs.writeFile(uri, toBinary(ModelProtoSchema, proto));

    await vscode.commands.executeCommand('vscode.open', uri);
    const render = await until('the heatmap in the editor', () => {
      const r = api().services.inspector.lastRender;
      return r?.title === 'seed_ext.onnx' ? r : undefined;
    }, 900);
    equal([render.rows, render.cols], [4, 32]);
    // The model the inspector runs is the one it runs for the embedded original, byte for byte.
    const external = await (await api().services.models.get(uri)).inspection('torchstat');
    const embedded = await (await api().services.models.get(workspaceUri('models', 'seed_se_c32_r4_avg.onnx'))).inspection('torchstat');
    equal(external.modelBytes.length, embedded.modelBytes.length);
    ok(external.modelBytes.every((b, i) => b === embedded.modelBytes[i]), 'same gate model bytes');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
