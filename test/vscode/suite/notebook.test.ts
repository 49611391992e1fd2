import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import { REFERENCE_LENS } from './source.test.js';
import type { SeLensApi } from '../../../src/extension/extension.js';
import { codeLenses, EXTENSION_ID, hoverText, inlayHints, label, until, workspaceUri } from './util.js';

async function lensTable(doc: vscode.TextDocument): Promise<[number, string][]> {
  return (await codeLenses(doc)).map((l) => [l.range.start.line, l.command?.title ?? '']);
}

/** Just after a notebook opens, the workbench may not hold a cell's text model yet: providers answer 'Illegal argument'. */
async function settled<T>(probe: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await probe();
  } catch (e) {
    if (e instanceof Error && e.message === 'Illegal argument') return undefined;
    throw e;
  }
}

async function openNotebook(name: string): Promise<vscode.NotebookDocument> {
  const notebook = await vscode.workspace.openNotebookDocument(workspaceUri(name));
  await vscode.window.showNotebookDocument(notebook);
  return notebook;
}

function cellWith(notebook: vscode.NotebookDocument, text: string): vscode.TextDocument {
  const cell = notebook.getCells().find((c) => c.document.getText().includes(text));
  assert.ok(cell, `a cell with "${text}"`);
  return cell.document;
}

function lineIn(doc: vscode.TextDocument, text: string): number {
  const i = doc.getText().indexOf(text);
  assert.ok(i >= 0, `"${text}" in the cell`);
  return doc.positionAt(i).line;
}

suite('notebooks', () => {
  test('the class in one cell, SEBlock(channels=32) called on [4,32,16,16] in a later one: the reference lens on the class cell', async () => {
    // se_notebook.ipynb: markdown, the reference class after `%load_ext`, `!nvidia-smi`, then the model built and called.
    const notebook = await openNotebook('se_notebook.ipynb');
    const classCell = cellWith(notebook, 'class SEBlock');
    assert.equal(classCell.uri.scheme, 'vscode-notebook-cell');
    const classLine = lineIn(classCell, 'class SEBlock');
    const lenses = await until('the reference lens on the class cell', () => settled(async () => {
      const table = await lensTable(classCell);
      return table.some(([, t]) => t === REFERENCE_LENS) ? table : undefined;
    }), 200);
    assert.deepEqual(lenses.filter(([, t]) => t.startsWith('SE block')), [[classLine, REFERENCE_LENS]]);
    // The cells that only build the model, or hold shell lines, have no unit (the workbench may not have
    // rendered them, so their lenses are not asked for through the command).
    const sources = vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.exports.services.sources;
    for (const other of ['model = SEBlock(channels=32)', '!nvidia-smi']) {
      const analysis = await sources.analyze(cellWith(notebook, other));
      assert.deepEqual(analysis?.units, [], other);
    }
    assert.deepEqual((await sources.analyze(classCell))?.units.map((u) => [u.name, u.range.startLine, u.inputShapeSource]), [['SEBlock', classLine, 'call-site']]);
    // Inlay shapes at the call-site input, on the cell's own lines.
    const hints = (await until('inlay hints', () => settled(() => inlayHints(classCell)), 200)).map((h) => [h.position.line, label(h)]);
    assert.deepEqual(hints, [
      [lineIn(classCell, 'v = self.global_pooling(X)'), '[4, 32]'],
      [lineIn(classCell, 'v = self.fc_layers(v)'), '[4, 32, 1, 1]'],
      [lineIn(classCell, 'v = self.sigmoid(v)'), '[4, 32, 1, 1]'],
      [lineIn(classCell, 'return X * v'), '[4, 32, 16, 16]'],
    ]);
    const hover = await until('the hover', () => settled(() => hoverText(classCell, new vscode.Position(classLine, 'class SE'.length))), 200);
    assert.ok(hover.includes(`- ${REFERENCE_LENS}`), hover);
    assert.ok(hover.includes('| **total** | | | | **512** | **992** | **520** |'), hover);
  });

  test('editing the cell that builds the model changes the lens of the class cell', async () => {
    const notebook = await openNotebook('se_notebook.ipynb');
    const classCell = cellWith(notebook, 'class SEBlock');
    const mainCell = cellWith(notebook, 'model = SEBlock(channels=32)');
    const edit = new vscode.WorkspaceEdit();
    const text = mainCell.getText();
    edit.replace(mainCell.uri, new vscode.Range(mainCell.positionAt(0), mainCell.positionAt(text.length)), text.replace('torch.rand(4, 32, 16, 16)', 'torch.rand(2, 64, 8, 8)').replace('channels=32', 'channels=64'));
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      const lens = await until('the lens at the new call site', async () => (await lensTable(classCell)).find(([, t]) => t.startsWith('SE block') && t.endsWith('@ [2,64,8,8]')), 200);
      assert.match(lens[1], /^SE block · C 64 → 16 \(r 4\) · avg · /);
    } finally {
      const back = new vscode.WorkspaceEdit();
      back.replace(mainCell.uri, new vscode.Range(mainCell.positionAt(0), mainCell.positionAt(mainCell.getText().length)), text);
      await vscode.workspace.applyEdit(back);
    }
    await until('the reference lens again', async () => ((await lensTable(classCell)).some(([, t]) => t === REFERENCE_LENS) ? true : undefined), 200);
  });
});

suite('notebooks (input shape)', () => {
  test('Set Input Shape on a cell: the shape is the notebook\'s, the lens follows', async () => {
    const reference = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri('se_block.py')));
    const classText = reference.slice(0, reference.indexOf('if __name__')).trimEnd();
    const data = new vscode.NotebookData([
      new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, '# no call site', 'markdown'),
      new vscode.NotebookCellData(vscode.NotebookCellKind.Code, classText, 'python'),
    ]);
    const notebook = await vscode.workspace.openNotebookDocument('jupyter-notebook', data);
    await vscode.window.showNotebookDocument(notebook);
    const cell = notebook.cellAt(1).document;
    const classLine = lineIn(cell, 'class SEBlock');
    const titles = async () => (await lensTable(cell)).filter(([l]) => l === classLine).map(([, t]) => t);
    const before = await until('the default-shape lens', () => settled(async () => {
      const t = await titles();
      return t.includes('Set input shape…') ? t : undefined;
    }), 200);
    assert.match(before[0]!, /@ \[1,64,56,56\]$/);
    assert.deepEqual(await vscode.commands.executeCommand('seLens.setInputShape', cell.uri, 'SEBlock', '[4, 32, 16, 16]'), [4, 32, 16, 16]);
    const sources = vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.exports.services.sources;
    assert.deepEqual(sources.overridesFor(notebook.uri), { SEBlock: [4, 32, 16, 16] });
    await until('the reference lens at the set shape', async () => ((await titles())[0] === REFERENCE_LENS ? true : undefined), 200);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });
});

suite('notebooks (inline strips)', () => {
  test('Run gates on the class cell: a 32-cell strip on the cell\'s gate line', async () => {
    const notebook = await openNotebook('se_notebook.ipynb');
    const classCell = cellWith(notebook, 'class SEBlock');
    const inline = vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.exports.inline;
    const lens = await until('a Run gates lens on the class cell', () => settled(async () => (await codeLenses(classCell)).find((l) => l.command?.title === 'Run gates')), 200);
    try {
      const state = (await vscode.commands.executeCommand<{ blockId: string; gateLine: number; cells: number; stale: boolean }[]>(lens.command!.command, ...(lens.command!.arguments ?? []))) ?? [];
      assert.deepEqual(state.map((s) => [s.blockId, s.gateLine, s.cells, s.stale]), [['', lineIn(classCell, 'v = self.sigmoid(v)'), 32, false]]);
      assert.equal(inline.state(classCell.uri).length, 1);
    } finally {
      await vscode.commands.executeCommand('seLens.clearInlineHeatmaps');
    }
  });
});
