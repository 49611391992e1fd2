import * as assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { InlineState } from '../../../src/extension/inline/inline-heatmaps.js';
import { suite, test } from './harness.js';
import { EXTENSION_ID, hoverText, placeInWorkspace } from './util.js';

// Trained weights in the inline strips: the reference SEBlock's state dict, written by PyTorch 1.13
// (test/fixtures/formats/pytorch/make_pytorch.py), paired with its source by a comment or the setting;
// the gates drawn must be PyTorch's own (forward hooks on the same input.npy, pytorch.truth.json).
const repo = (...parts: string[]) => join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, ...parts);
const pytorch = (name: string) => repo('test', 'fixtures', 'formats', 'pytorch', name);
const DIR = 'inline-weights';

const place = (from: string, name: string, edit?: (text: string) => string) => placeInWorkspace(from, [DIR, name], edit);

async function runGates(uri: vscode.Uri): Promise<InlineState[]> {
  return (await vscode.commands.executeCommand<InlineState[]>('seLens.runGates', uri, 'SEBlock')) ?? [];
}

function worstDifference(got: readonly (readonly number[])[], expected: readonly (readonly number[])[]): number {
  assert.equal(got.length, expected.length, 'one row per sample of input.npy');
  let worst = 0;
  got.forEach((row, s) => {
    assert.equal(row.length, expected[s]!.length);
    row.forEach((g, c) => (worst = Math.max(worst, Math.abs(g - expected[s]![c]!))));
  });
  return worst;
}

/** A class line with a weights comment above it. */
const withComment = (path: string) => (text: string) => text.replace('class SEBlock(nn.Module):', `# se-lens: weights=${path}\nclass SEBlock(nn.Module):`);

suite('inline heatmaps with trained weights', () => {
  const inline = vscode.workspace.getConfiguration('seLens.inline');
  const lens = vscode.workspace.getConfiguration('seLens');

  test('a `# se-lens: weights=` comment: the strip\'s gates equal PyTorch\'s for the fixture\'s input.npy within 1e-4, and the hover names the file', async () => {
    const truth = (JSON.parse(await readFile(pytorch('pytorch.truth.json'), 'utf8')) as { se_block: { blocks: { gates: number[][] }[] } }).se_block.blocks[0]!.gates;
    await place(pytorch('se_block_state_dict.pth'), 'trained.pth');
    await place(pytorch('input.npy'), 'input.npy');
    const uri = await place(repo('test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_commented.py', withComment('trained.pth'));
    await inline.update('inputFile', `${DIR}/input.npy`, vscode.ConfigurationTarget.Workspace);
    try {
      const [state, ...rest] = await runGates(uri);
      assert.equal(rest.length, 0);
      assert.ok(state, 'a strip was drawn');
      assert.equal(state.weightsFile, `${DIR}/trained.pth`);
      assert.equal(state.cells, 32);
      const worst = worstDifference(state.gates, truth);
      assert.ok(worst < 1e-4, `max |Δ| ${worst}`);

      const doc = await vscode.workspace.openTextDocument(uri);
      await vscode.window.showTextDocument(doc);
      // The pairing notes are appended as plain text, which VS Code escapes into markdown (`&nbsp;`, `\-`).
      const hover = (await hoverText(doc, new vscode.Position(state.gateLine, 10))).replace(/&nbsp;/g, ' ').replace(/\\([-_.*])/g, '$1');
      assert.match(hover, /weights: trained, from inline-weights\/trained\.pth/);
      assert.match(hover, /2 tensors paired/);
      assert.match(hover, /input\.npy, batch 4/);
      assert.doesNotMatch(hover, /not in the file|not in the source|shape mismatch/);
    } finally {
      await inline.update('inputFile', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('seLens.clearInlineHeatmaps');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });

  test('the seLens.weights setting (safetensors) gives the same gates; the comment wins over it; seeded defaults without either', async () => {
    const truth = (JSON.parse(await readFile(pytorch('pytorch.truth.json'), 'utf8')) as { se_block: { blocks: { gates: number[][] }[] } }).se_block.blocks[0]!.gates;
    await place(pytorch('se_block.safetensors'), 'trained.safetensors');
    await place(pytorch('se_basic_block_state_dict.pth'), 'other.pth');
    await place(pytorch('input.npy'), 'input.npy');
    const plain = await place(repo('test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_plain.py');
    await inline.update('inputFile', `${DIR}/input.npy`, vscode.ConfigurationTarget.Workspace);
    try {
      const [untrained] = await runGates(plain);
      assert.equal(untrained?.weightsFile, undefined, 'no weights named: framework defaults');
      assert.ok(worstDifference(untrained!.gates, truth) > 1e-2, 'seeded default weights are not the trained ones');

      await lens.update('weights', `${DIR}/trained.safetensors`, vscode.ConfigurationTarget.Workspace);
      const [fromSetting] = await runGates(plain);
      assert.equal(fromSetting?.weightsFile, `${DIR}/trained.safetensors`);
      assert.ok(worstDifference(fromSetting!.gates, truth) < 1e-4);

      // The residual block's state dict names nothing of SEBlock's: the comment wins, and a file that pairs
      // nothing is refused with a message rather than run on defaults under a trained label.
      const commented = await place(repo('test', 'fixtures', 'source', 'se_block_reference.py'), 'se_block_other.py', withComment('other.pth'));
      assert.deepEqual(await runGates(commented), []);
    } finally {
      await lens.update('weights', undefined, vscode.ConfigurationTarget.Workspace);
      await inline.update('inputFile', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('seLens.clearInlineHeatmaps');
    }
  });

  test('a weights path that leaves the workspace folder, or is missing, draws nothing (one message, no rejection)', async () => {
    for (const [i, path] of ['../../../etc/passwd', '/etc/passwd', 'nowhere.pth'].entries()) {
      const uri = await place(repo('test', 'fixtures', 'source', 'se_block_reference.py'), `se_block_refused_${i}.py`, withComment(path));
      assert.deepEqual(await runGates(uri), [], path);
    }
    await vscode.commands.executeCommand('seLens.clearInlineHeatmaps');
  });
});
