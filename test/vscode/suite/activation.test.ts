import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import { EXTENSION_ID } from './util.js';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    customEditors: { viewType: string; priority: string; selector: { filenamePattern: string }[] }[];
    views: Record<string, { id: string }[]>;
    configuration: { properties: Record<string, { default: unknown }> };
  };
  capabilities: { untrustedWorkspaces: { supported: boolean }; virtualWorkspaces: { supported: boolean } };
}

const PALETTE = [
  'seLens.inspectBlockAtCursor', 'seLens.inspectModelFile', 'seLens.findBlocksInWorkspace', 'seLens.setInputShape',
  'seLens.chooseConvention', 'seLens.exportBlockOnnx', 'seLens.copyStatsMarkdown', 'seLens.copyStatsCsv', 'seLens.copyStatsJson',
  'seLens.runGates', 'seLens.clearInlineHeatmaps',
];

suite('activation', () => {
  test('activates on a Python document and registers every command', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is loaded`);
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: 'x = 1\n' });
    await vscode.window.showTextDocument(doc);
    for (let i = 0; i < 100 && !ext.isActive; i++) await new Promise((r) => setTimeout(r, 50));
    assert.equal(ext.isActive, true, 'activated by onLanguage:python');
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const id of [...PALETTE, 'seLens.inspectBlock', 'seLens.revealBlock']) assert.ok(commands.has(id), `${id} registered`);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('manifest: palette commands in category SE Lens, model file editor by default (.json through Open With…), settings, trust', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as Manifest;
    const byId = new Map(pkg.contributes.commands.map((c) => [c.command, c]));
    assert.equal(byId.get('seLens.inspectBlockAtCursor')?.title, 'Inspect Block at Cursor', 'titles come from package.nls.json');
    for (const id of PALETTE) assert.equal(byId.get(id)?.category, 'SE Lens', `${id} category`);
    assert.deepEqual(pkg.contributes.customEditors.map((e) => [e.viewType, e.priority, e.selector[0]!.filenamePattern]), [['seLens.onnxInspector', 'default', '*.onnx'], ['seLens.modelInspector', 'option', '*.json']]);
    assert.deepEqual(pkg.contributes.views.explorer!.map((v) => v.id), ['seLens.blocks']);
    assert.deepEqual(Object.keys(pkg.contributes.configuration.properties).sort(), [
      'seLens.backend', 'seLens.codeLens.otherModules', 'seLens.convention', 'seLens.defaultInputShape', 'seLens.defaultInputSize', 'seLens.inlayHints.enabled',
      'seLens.inline.autoRun', 'seLens.inline.enabled', 'seLens.inline.input', 'seLens.inline.inputFile', 'seLens.largeModelThresholdMB', 'seLens.scan.exclude', 'seLens.scan.include', 'seLens.weights', 'seLens.weightsPrefix',
    ]);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, true);
    assert.equal(pkg.capabilities.virtualWorkspaces.supported, true);
    assert.deepEqual(pkg.activationEvents.filter((e) => e.startsWith('onLanguage:')).sort(), [
      'onLanguage:javascript', 'onLanguage:javascriptreact', 'onLanguage:python', 'onLanguage:typescript', 'onLanguage:typescriptreact',
    ]);
  });
});
