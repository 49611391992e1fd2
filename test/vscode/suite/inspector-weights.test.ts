import * as assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import { api, root } from './model-runs.js';
import { until, workspaceUri } from './util.js';
import type { Inspection } from '../../../src/core/inspect/inspection.js';

// The inspector for a source unit paired with a checkpoint: it runs the model with the checkpoint's values, says
// which file they came from, and its gates are PyTorch's (test/fixtures/formats/pytorch/make_pytorch.py: forward
// hooks for input.npy). The gates here come from running the bytes the panel sent to its webview.
const pytorch = (...parts: string[]) => join(root(), 'test', 'fixtures', 'formats', ...parts);
const DIR = 'inspector-weights';

async function place(from: string, name: string, edit?: (text: string) => string): Promise<vscode.Uri> {
  const uri = workspaceUri(DIR, name);
  await mkdir(join(uri.fsPath, '..'), { recursive: true });
  if (edit) await writeFile(uri.fsPath, edit(await readFile(from, 'utf8')));
  else await copyFile(from, uri.fsPath);
  return uri;
}

const withComment = (path: string) => (text: string) => text.replace('class SEBlock(nn.Module):', `# se-lens: weights=${path}\nclass SEBlock(nn.Module):`);

/** A float32 C-order .npy's values. */
function npyFloat32(bytes: Uint8Array): Float32Array {
  const headerLength = bytes[8]! | (bytes[9]! << 8);
  const data = bytes.subarray(10 + headerLength);
  return new Float32Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

/** The inspection behind the heatmap the inspector drew for `file` (its weights' file names it). */
async function inspected(uri: vscode.Uri, file: string | undefined): Promise<Inspection> {
  await vscode.commands.executeCommand('seLens.inspectBlock', uri, 'SEBlock');
  return until(`the inspector's heatmap with weights ${file ?? 'defaults'}`, () => {
    const r = api().services.inspector.lastRender;
    const w = r?.title === 'SEBlock' ? r.inspection?.weights : undefined;
    return w && (w.kind === 'trained' ? w.file === file : file === undefined) ? r!.inspection : undefined;
  }, 600);
}

async function gatesOf(inspection: Inspection, x: Float32Array): Promise<number[]> {
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = await readFile(join(root(), 'dist', 'webview', 'ort', 'ort-wasm-simd-threaded.wasm'));
  const session = await ort.InferenceSession.create(inspection.modelBytes, { executionProviders: ['wasm'] });
  try {
    const input = inspection.inputs[0]!;
    const out = await session.run({ [input.name]: new ort.Tensor('float32', x, input.shape as number[]) });
    return Array.from(out[inspection.blocks[0]!.tensors.gate]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

suite('the inspector with trained weights', () => {
  test('a unit with a weights comment: the inspector names the file, runs PyTorch\'s gates (within 1e-4, spread far from 0.5), and defaults say their seed', async () => {
    const truth = (JSON.parse(await readFile(pytorch('pytorch', 'pytorch.truth.json'), 'utf8')) as { se_block: { input: number[]; blocks: { gates: number[][] }[] } }).se_block;
    await place(pytorch('pytorch', 'se_block_state_dict.pth'), 'trained.pth');
    const uri = await place(join(root(), 'test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_commented.py', withComment('trained.pth'));
    const x = npyFloat32(await readFile(pytorch('pytorch', 'input.npy')));
    try {
      const trained = await inspected(uri, `${DIR}/trained.pth`);
      assert.deepEqual(trained.inputs[0]!.shape, truth.input);
      assert.equal(trained.weights?.label, `weights: ${DIR}/trained.pth (trained)`);
      assert.ok(trained.weights?.kind === 'trained' && trained.weights.notes.some((n) => /2 tensors paired/.test(n)), JSON.stringify(trained.weights));
      const gates = await gatesOf(trained, x);
      const expected = truth.blocks[0]!.gates.flat();
      assert.equal(gates.length, expected.length);
      const worst = Math.max(...gates.map((g, i) => Math.abs(g - expected[i]!)));
      assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
      assert.ok(Math.max(...gates) - Math.min(...gates) > 0.5, `gates spread ${Math.min(...gates)}…${Math.max(...gates)}`);

      // The same class without the comment: framework defaults, another model key (no stale session reused).
      const plain = await place(join(root(), 'test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_plain.py');
      const seeded = await inspected(plain, undefined);
      assert.equal(seeded.weights?.label, 'framework-default weights, seed 0');
      assert.notEqual(seeded.modelKey, trained.modelKey);
      const worstSeeded = Math.max(...(await gatesOf(seeded, x)).map((g, i) => Math.abs(g - expected[i]!)));
      assert.ok(worstSeeded > 1e-2, 'default weights are not the trained ones');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('a sharded checkpoint\'s index as the weights: the shards are read from its folder, same gates', async () => {
    const truth = (JSON.parse(await readFile(pytorch('sharded', 'sharded.truth.json'), 'utf8')) as Record<string, { blocks: { gates: number[][] }[] }>)['se_block_st']!;
    for (const f of ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) await place(pytorch('sharded', 'se_block_st', f), `shards/${f}`);
    const uri = await place(join(root(), 'test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_sharded.py', withComment('shards/model.safetensors.index.json'));
    try {
      const trained = await inspected(uri, `${DIR}/shards/model.safetensors.index.json`);
      const gates = await gatesOf(trained, npyFloat32(await readFile(pytorch('pytorch', 'input.npy'))));
      const expected = truth.blocks[0]!.gates.flat();
      assert.ok(Math.max(...gates.map((g, i) => Math.abs(g - expected[i]!))) < 1e-4);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('a weights comment that cannot be honoured: the panel says why in one line, no heatmap from defaults under a trained label', async () => {
    const uri = await place(join(root(), 'test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_missing.py', withComment('nowhere.pth'));
    const before = api().services.inspector.lastRender;
    await vscode.commands.executeCommand('seLens.inspectBlock', uri, 'SEBlock');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(api().services.inspector.lastRender, before, 'nothing rendered');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
