import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { SeLensApi } from '../../../src/extension/extension.js';
import type { InlineState } from '../../../src/extension/inline/inline-heatmaps.js';
import { suite, test } from './harness.js';
import { codeLenses, EXTENSION_ID, hoverText, lineOf, openDoc, positionOf, until } from './util.js';

function api(): SeLensApi {
  return vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.exports;
}

async function runGatesLens(doc: vscode.TextDocument): Promise<InlineState[]> {
  // The first analysis waits for the engine worker to start.
  const lens = await until('a Run gates lens above the SE block', async () => (await codeLenses(doc)).find((l) => l.command?.title === 'Run gates'));
  assert.ok(lens.command);
  return (await vscode.commands.executeCommand<InlineState[]>(lens.command.command, ...(lens.command.arguments ?? []))) ?? [];
}

suite('inline heatmaps', () => {
  test('Run gates: a 32-cell strip on the gate line, a heatmap image in the hovers, stale after an edit inside the block', async () => {
    const doc = await openDoc('se_block.py');
    const gateLine = lineOf(doc, 'v = self.sigmoid(v)');
    const state = await runGatesLens(doc);
    assert.deepEqual(state.map((s) => [s.blockId, s.gateLine, s.cells, s.stale]), [['', gateLine, 32, false]]);
    assert.ok(state[0]!.min > 0 && state[0]!.max < 1 && state[0]!.max > state[0]!.min, 'sigmoid gates of seeded normal input vary inside (0, 1)');

    for (const pos of [new vscode.Position(gateLine, 10), positionOf(doc, 'SEBlock(nn.Module)', 2)]) {
      const hover = await hoverText(doc, pos);
      assert.match(hover, /!\[[^\]]*\]\(data:image\/png;base64,[A-Za-z0-9+/=]+\)/, 'the samples × channels heatmap as a PNG');
      assert.match(hover, /4 × 32/);
      assert.match(hover, /seeded normal \(seed 0\), batch 4/);
    }

    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(gateLine, 0), '        # gate follows\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.deepEqual(api().inline.state(doc.uri).map((s) => [s.gateLine, s.stale]), [[gateLine + 1, true]], 'the strip moves with its line and greys out');
    const stale = await hoverText(doc, new vscode.Position(gateLine + 1, 10));
    assert.match(stale, /stale/);

    await vscode.commands.executeCommand('workbench.action.files.revert');
    await vscode.commands.executeCommand('seLens.clearInlineHeatmaps');
    assert.deepEqual(api().inline.state(doc.uri), []);
  });

  test('zero input: a block without biases gates every channel at exactly 0.5', async () => {
    const config = vscode.workspace.getConfiguration('seLens.inline');
    await config.update('input', 'zeros', vscode.ConfigurationTarget.Workspace);
    try {
      const doc = await openDoc('se_block.py');
      const [s] = await runGatesLens(doc);
      assert.deepEqual([s!.cells, s!.min, s!.max], [32, 0.5, 0.5]);
      const hover = await hoverText(doc, new vscode.Position(s!.gateLine, 10));
      assert.match(hover, /constant 0, batch 4/);
    } finally {
      await config.update('input', undefined, vscode.ConfigurationTarget.Workspace);
      await vscode.commands.executeCommand('seLens.clearInlineHeatmaps');
    }
  });

  test('with inline heatmaps turned off, no Run gates lens and no strip hover', async () => {
    const config = vscode.workspace.getConfiguration('seLens.inline');
    await config.update('enabled', false, vscode.ConfigurationTarget.Workspace);
    try {
      const doc = await openDoc('se_block.py');
      assert.equal((await codeLenses(doc)).some((l) => l.command?.title === 'Run gates'), false);
    } finally {
      await config.update('enabled', undefined, vscode.ConfigurationTarget.Workspace);
    }
  });
});
