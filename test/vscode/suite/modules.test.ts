import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import { REFERENCE_LENS } from './source.test.js';
import { codeLenses, lineOf, openDoc, until, workspaceUri } from './util.js';

async function seLens(doc: vscode.TextDocument, line: number): Promise<string | undefined> {
  return (await codeLenses(doc)).find((l) => l.range.start.line === line && l.command?.title.startsWith('SE block'))?.command?.title;
}

suite('imports', () => {
  // sepkg/se.py builds HelperSE(32) on [4,32,16,16]; its squeeze width comes from `from .helpers import squeeze_channels`.
  test('a block whose channel helper lives in a sibling file: the lens follows edits of the helper file', async () => {
    const doc = await openDoc('sepkg', 'se.py');
    const classLine = lineOf(doc, 'class HelperSE');
    const first = await until('the HelperSE lens', () => seLens(doc, classLine), 200);
    assert.match(first, /^SE block · C 32 → 8 \(r 4\) · /);
    assert.ok(first.endsWith('@ [4,32,16,16]'), first);
    const helpers = await vscode.workspace.openTextDocument(workspaceUri('sepkg', 'helpers.py'));
    const original = helpers.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.replace(helpers.uri, new vscode.Range(helpers.positionAt(0), helpers.positionAt(original.length)), original.replace('channels // ratio', 'channels // (2 * ratio)'));
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      // Unsaved: the open buffer is what se.py imports.
      const edited = await until('the lens after the helper edit', async () => {
        const t = await seLens(doc, classLine);
        return t && /C 32 → 4 \(r 8\)/.test(t) ? t : undefined;
      }, 200);
      assert.ok(edited.endsWith('@ [4,32,16,16]'), edited);
      // Saved: the same, now read from disk.
      assert.ok(await helpers.save());
      await new Promise((r) => setTimeout(r, 1000));
      assert.match((await seLens(doc, classLine)) ?? '', /C 32 → 4 \(r 8\)/);
    } finally {
      const back = new vscode.WorkspaceEdit();
      back.replace(helpers.uri, new vscode.Range(helpers.positionAt(0), helpers.positionAt(helpers.getText().length)), original);
      await vscode.workspace.applyEdit(back);
      await helpers.save();
    }
    await until('the first lens again', async () => ((await seLens(doc, classLine)) === first ? true : undefined), 200);
  });

  test('an untitled document is not on disk: no imports are resolved, it is still analysed alone', async () => {
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(workspaceUri('se_block.py')));
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: text });
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.uri.scheme, 'untitled');
    const lens = await until('the reference lens on the untitled document', () => seLens(doc, lineOf(doc, 'class SEBlock')), 200);
    assert.equal(lens, REFERENCE_LENS);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  // tfpkg/model.ts builds a TF.js SE model whose squeeze ratio comes from `import { SQUEEZE_RATIO } from './config'`.
  test('TF.js: a constant imported from a sibling module; editing it moves the lens', async () => {
    const doc = await openDoc('tfpkg', 'model.ts');
    const anyLens = async () => (await codeLenses(doc)).find((l) => l.command?.title.startsWith('SE block'))?.command?.title;
    const first = await until('the TF.js SE lens', anyLens, 300);
    assert.match(first, /C 32 → 8 \(r 4\)/);
    const config = await vscode.workspace.openTextDocument(workspaceUri('tfpkg', 'config.ts'));
    const original = config.getText();
    const edit = new vscode.WorkspaceEdit();
    edit.replace(config.uri, new vscode.Range(config.positionAt(0), config.positionAt(original.length)), original.replace('= 4', '= 8'));
    assert.ok(await vscode.workspace.applyEdit(edit));
    try {
      await until('the lens after the edit', async () => ((await anyLens())?.match(/C 32 → 4 \(r 8\)/) ? true : undefined), 200);
    } finally {
      const back = new vscode.WorkspaceEdit();
      back.replace(config.uri, new vscode.Range(config.positionAt(0), config.positionAt(config.getText().length)), original);
      await vscode.workspace.applyEdit(back);
      await config.save();
    }
  });

  // usesvendor/se_vendor.py imports `sewidth`, which lives in vendor/: found only through python.analysis.extraPaths.
  test('python.analysis.extraPaths (Pylance\'s setting) is searched for imports', async () => {
    const settingsUri = workspaceUri('.vscode', 'settings.json');
    const original = new TextDecoder().decode(await vscode.workspace.fs.readFile(settingsUri));
    try {
      const settings = { ...(JSON.parse(original) as Record<string, unknown>), 'python.analysis.extraPaths': ['vendor'] };
      await vscode.workspace.fs.writeFile(settingsUri, new TextEncoder().encode(JSON.stringify(settings, null, 2)));
      await until('the setting to be read', () => (vscode.workspace.getConfiguration('python.analysis').get<string[]>('extraPaths')?.[0] === 'vendor' ? true : undefined), 100);
      // Opened after the setting is in place: without Pylance the setting is not registered, and VS Code may not announce its change.
      const doc = await openDoc('usesvendor', 'se_vendor.py');
      const classLine = lineOf(doc, 'class VendorSE');
      const lens = await until('the VendorSE lens', async () => {
        const t = await seLens(doc, classLine);
        return t && /C 64 → 16 \(r 4\)/.test(t) ? t : undefined;
      }, 200);
      assert.ok(lens.endsWith('@ [2,64,8,8]'), lens);
    } finally {
      await vscode.workspace.fs.writeFile(settingsUri, new TextEncoder().encode(original));
    }
  });
});
