import * as assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import { api, root } from './model-runs.js';
import { placeInWorkspace, until, workspaceUri } from './util.js';
import { parseNpy } from '../../../src/core/inputs/npy.js';
import type { Inspection } from '../../../src/core/inspect/inspection.js';

// The inspector for a source unit paired with a checkpoint: it runs the model with the checkpoint's values, says
// which file they came from, and its gates are PyTorch's (test/fixtures/formats/pytorch/make_pytorch.py: forward
// hooks for input.npy). The gates here come from running the bytes the panel sent to its webview.
const pytorch = (...parts: string[]) => join(root(), 'test', 'fixtures', 'formats', ...parts);
const DIR = 'inspector-weights';

const place = (from: string, name: string, edit?: (text: string) => string) => placeInWorkspace(from, [DIR, name], edit);

const withComment = (path: string) => (text: string) => text.replace('class SEBlock(nn.Module):', `# se-lens: weights=${path}\nclass SEBlock(nn.Module):`);


/** The inspection behind the heatmap the inspector drew for `file` (its weights' file names it). */
async function inspected(uri: vscode.Uri, file: string | undefined, unit = 'SEBlock'): Promise<Inspection> {
  await vscode.commands.executeCommand('seLens.inspectBlock', uri, unit);
  return until(`the inspector's heatmap with weights ${file ?? 'defaults'}`, () => {
    const r = api().services.inspector.lastRender;
    const w = r?.title === unit ? r.inspection?.weights : undefined;
    return w && (w.kind === 'trained' ? w.file === file : file === undefined) ? r!.inspection : undefined;
  }, 600);
}

/** Every block's gates, in block order, one after the other. */
async function gatesOf(inspection: Inspection, x: Float32Array): Promise<number[]> {
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = await readFile(join(root(), 'dist', 'webview', 'ort', 'ort-wasm-simd-threaded.wasm'));
  const session = await ort.InferenceSession.create(inspection.modelBytes, { executionProviders: ['wasm'] });
  try {
    const input = inspection.inputs[0]!;
    const out = await session.run({ [input.name]: new ort.Tensor('float32', x, input.shape as number[]) });
    return inspection.blocks.flatMap((b) => Array.from(out[b.tensors.gate]!.data as Float32Array));
  } finally {
    await session.release();
  }
}

suite('the inspector with trained weights', () => {
  test('a unit with a weights comment: the inspector names the file, runs PyTorch\'s gates (within 1e-4, spread far from 0.5), and defaults say their seed', async () => {
    const truth = (JSON.parse(await readFile(pytorch('pytorch', 'pytorch.truth.json'), 'utf8')) as { se_block: { input: number[]; blocks: { gates: number[][] }[] } }).se_block;
    await place(pytorch('pytorch', 'se_block_state_dict.pth'), 'trained.pth');
    const uri = await place(join(root(), 'test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_commented.py', withComment('trained.pth'));
    const x = parseNpy(await readFile(pytorch('pytorch', 'input.npy'))).data;
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

  test('a sharded checkpoint\'s index as the weights: the shards are read from its folder, same gates; a shard changed alone is read again under a new model key', async () => {
    const truth = (JSON.parse(await readFile(pytorch('sharded', 'sharded.truth.json'), 'utf8')) as Record<string, { blocks: { gates: number[][] }[] }>)['se_block_st']!;
    for (const f of ['model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) await place(pytorch('sharded', 'se_block_st', f), `shards/${f}`);
    const uri = await place(join(root(), 'test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_sharded.py', withComment('shards/model.safetensors.index.json'));
    try {
      const trained = await inspected(uri, `${DIR}/shards/model.safetensors.index.json`);
      const x = parseNpy(await readFile(pytorch('pytorch', 'input.npy'))).data;
      const gates = await gatesOf(trained, x);
      const expected = truth.blocks[0]!.gates.flat();
      assert.ok(Math.max(...gates.map((g, i) => Math.abs(g - expected[i]!))) < 1e-4);

      // One shard changes alone (its weights negated: the sign bit of every float32 flipped): the inspector reads
      // it again, under another model key, and the gates follow.
      const shard = workspaceUri(DIR, 'shards', 'model-00002-of-00002.safetensors');
      const bytes = new Uint8Array(await readFile(shard.fsPath));
      const dataStart = 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
      for (let i = dataStart + 3; i < bytes.length; i += 4) bytes[i]! ^= 0x80;
      const before = await vscode.workspace.fs.stat(shard);
      await writeFile(shard.fsPath, bytes);
      // The file keeps its size, so only its mtime tells the rewrite apart; on a file system whose clock ticks
      // coarsely the rewrite can carry the old one, and a user's later save would not: write again until it differs.
      await until('a new mtime on the rewritten shard', async () => {
        if ((await vscode.workspace.fs.stat(shard)).mtime !== before.mtime) return true;
        await writeFile(shard.fsPath, bytes);
        return undefined;
      }, 100, 50);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      // One request, then the render it leads to: a fresh panel loads its webview first, and asking again meanwhile
      // would only restart that wait.
      await vscode.commands.executeCommand('seLens.inspectBlock', uri, 'SEBlock');
      const changed = await until('an inspection of the changed shard', () => {
        const r = api().services.inspector.lastRender;
        const w = r?.title === 'SEBlock' ? r.inspection?.weights : undefined;
        return w?.kind === 'trained' && w.file === `${DIR}/shards/model.safetensors.index.json` && r!.inspection!.modelKey !== trained.modelKey ? r!.inspection : undefined;
      }, 600);
      const after = await gatesOf(changed, x);
      assert.ok(Math.max(...after.map((g, i) => Math.abs(g - expected[i]!))) > 1e-2, 'the negated weights give other gates');
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

  test('a notebook: `# se-lens: weights=` in the class\'s cell (relative to the notebook\'s folder) drives the strip and the inspector', async () => {
    const truth = (JSON.parse(await readFile(pytorch('pytorch', 'pytorch.truth.json'), 'utf8')) as { se_block: { blocks: { gates: number[][] }[] } }).se_block.blocks[0]!.gates;
    await place(pytorch('pytorch', 'se_block_state_dict.pth'), 'nb/trained.pth');
    await place(pytorch('pytorch', 'input.npy'), 'nb/input.npy');
    const nbUri = await place(workspaceUri('se_notebook.ipynb').fsPath, 'nb/se_notebook_trained.ipynb', (text) => {
      const nb = JSON.parse(text) as { cells: { source: string[] | string }[] };
      for (const cell of nb.cells) {
        const src = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
        cell.source = src.replace('class SEBlock(nn.Module):', '# se-lens: weights=trained.pth\nclass SEBlock(nn.Module):');
      }
      return JSON.stringify(nb);
    });
    const inline = vscode.workspace.getConfiguration('seLens.inline');
    await inline.update('inputFile', `${DIR}/nb/input.npy`, vscode.ConfigurationTarget.Workspace);
    try {
      const notebook = await vscode.workspace.openNotebookDocument(nbUri);
      await vscode.window.showNotebookDocument(notebook);
      const cell = notebook.getCells().find((c) => c.document.getText().includes('class SEBlock'))!.document;
      const [state] = await until('a strip on the class cell', async () => {
        const s = (await vscode.commands.executeCommand<{ weightsFile?: string; gates: number[][] }[]>('seLens.runGates', cell.uri, 'SEBlock')) ?? [];
        return s.length ? s : undefined;
      }, 50, 300);
      assert.equal(state!.weightsFile, `${DIR}/nb/trained.pth`);
      const worst = Math.max(...state!.gates.flatMap((row, s) => row.map((g, c) => Math.abs(g - truth[s]![c]!))));
      assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
      const inspection = await inspected(cell.uri, `${DIR}/nb/trained.pth`);
      assert.equal(inspection.weights?.label, `weights: ${DIR}/nb/trained.pth (trained)`);
    } finally {
      await inline.update('inputFile', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('seLens.clearInlineHeatmaps');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('a TF.js builder with `// se-lens: weights=model.json`: the layers model\'s weights pair by layer name, TF.js\'s gates', async () => {
    const truth = (JSON.parse(await readFile(pytorch('tfjs-source', 'tfjs-source.truth.json'), 'utf8')) as Record<string, { unit: string; input: string; blocks: { gates: number[] }[] }>)['se_resnet']!;
    for (const f of ['model.json', 'weights.bin']) await place(pytorch('tfjs-source', 'se_resnet', f), `tfjs/se_resnet/${f}`);
    const uri = await place(pytorch('tfjs-source', 'se_resnet.ts'), 'tfjs/se_resnet.ts');
    try {
      const inspection = await inspected(uri, `${DIR}/tfjs/se_resnet/model.json`, truth.unit);
      assert.ok(inspection.weights?.kind === 'trained' && inspection.weights.notes.some((n) => /37 tensors paired/.test(n)), JSON.stringify(inspection.weights));
      const raw = await readFile(join(pytorch('tfjs-source'), truth.input));
      const gates = await gatesOf(inspection, new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
      const expected = truth.blocks.flatMap((b) => b.gates);
      assert.equal(gates.length, expected.length);
      const worst = Math.max(...gates.map((g, i) => Math.abs(g - expected[i]!)));
      assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});
