import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { suite, test } from './harness.js';
import type { SeLensApi } from '../../../src/extension/extension.js';
import { codeLenses, EXTENSION_ID, hoverText, inlayHints, label, lineOf, openDoc, positionOf, until } from './util.js';

/** Issue 4's lens for the reference block (C 32, r 4, avg; 512 params, 992 MAdd at the file's call-site shape). */
export const REFERENCE_LENS = 'SE block · C 32 → 8 (r 4) · avg · 512 params · 992 MAdd @ [4,32,16,16]';

async function lensTable(doc: vscode.TextDocument): Promise<[number, string][]> {
  return (await codeLenses(doc)).map((l) => [l.range.start.line, l.command?.title ?? '']);
}

async function setConfig(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('seLens').update(key, value, vscode.ConfigurationTarget.Workspace);
}

suite('PyTorch source', () => {
  test('code lenses: the reference block, Inspect, and the params lens of a plain module', async () => {
    const doc = await openDoc('se_block.py');
    const classLine = lineOf(doc, 'class SEBlock');
    const stemLine = lineOf(doc, 'class Stem');
    assert.deepEqual(await lensTable(doc), [
      [classLine, REFERENCE_LENS],
      [classLine, 'Inspect'],
      [classLine, 'Run gates'],
      // Stem has no call site: default input [1, C_in, 56, 56]; conv 5,318,656 + BN 401,408 + ReLU 100,352 MAdd.
      [stemLine, '928 params · 5,820,416 MAdd @ [1,3,56,56]'],
    ]);
    const inspect = (await codeLenses(doc)).find((l) => l.command?.title === 'Inspect')!;
    assert.equal(inspect.command!.command, 'seLens.inspectBlock');
    assert.deepEqual(inspect.command!.arguments?.slice(1), ['SEBlock', '']);
  });

  test('SE overhead: one row per unit with blocks; the reference block is all of its unit', async () => {
    const doc = await openDoc('se_block.py');
    const tree = (await vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.activate()).services.tree;
    const found = await until('the overhead rows', async () => {
      const o = await tree.activeOverheads();
      return o.length ? o : undefined;
    });
    assert.equal(doc.uri.toString(), vscode.window.activeTextEditor?.document.uri.toString());
    // Stem has no block, so no row; SEBlock's 512 params (torchstat's) are all of the unit's.
    assert.deepEqual(found.map((f) => [f.unitName, f.overhead.blocks, f.overhead.seParams, f.overhead.totalParams]), [['SEBlock', 1, 512, 512]]);
    assert.equal(found[0]!.overhead.seMacs, found[0]!.overhead.totalMacs);
    const rows = await tree.getChildren();
    const row = rows.find((n) => n.type === 'overhead');
    assert.ok(row);
    assert.equal(tree.getTreeItem(row).label, 'SE overhead · SEBlock');
    assert.equal(tree.getTreeItem(row).description, 'params 100.00 % · MACs 100.00 %');
  });

  test('hover on the class name: the torchstat table in module order, totals and the block', async () => {
    const doc = await openDoc('se_block.py');
    const text = await hoverText(doc, positionOf(doc, 'class SEBlock', 'class '.length + 2));
    assert.ok(text.includes(`- ${REFERENCE_LENS}`), text);
    assert.ok(text.includes('input [4, 32, 16, 16] from the call site in this file'), text);
    assert.ok(text.includes('torchstat'), text);
    const rows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| module') && !l.startsWith('| ---') && !l.startsWith('| **'));
    assert.deepEqual(rows.map((r) => r.split('|')[1]!.trim()), ['avg_pooling', 'max_polling', 'fc_layers.0', 'fc_layers.1', 'fc_layers.2', 'sigmoid']);
    // Linear 32→8 without bias: 256 params; MAdd 32·8 multiplications + 31·8 additions = 504.
    assert.ok(rows.includes('| fc_layers.0 | Linear | [32] | [8] | 256 | 504 | 256 | 1,152 | 32 | 1,184 |'), rows.join('\n'));
    // max_polling is defined but never called: zero shapes, as torchstat prints it.
    assert.ok(rows[1]!.startsWith('| max_polling | AdaptiveMaxPool2d | [0, 0, 0] | [0, 0, 0] | 0 | 0 |'), rows[1]);
    const total = text.split('\n').find((l) => l.startsWith('| **total**'));
    assert.equal(total, '| **total** | | | | **512** | **992** | **520** | **2,240** | **192** | **2,432** |');
  });

  test('hover on self.fc_layers and on a layer line: those rows only', async () => {
    const doc = await openDoc('se_block.py');
    const attr = await hoverText(doc, positionOf(doc, 'self.fc_layers(v)', 'self.'.length + 1));
    const attrRows = attr.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| module') && !l.startsWith('| ---')).map((r) => r.split('|')[1]!.trim());
    assert.deepEqual(attrRows, ['fc_layers.0', 'fc_layers.1', 'fc_layers.2']);
    const line = await hoverText(doc, positionOf(doc, 'nn.Linear(channels // ratio', 3));
    const lineRows = line.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| module') && !l.startsWith('| ---'));
    // Linear 8→32: 8·32 multiplications + 7·32 additions = 480 MAdd.
    assert.deepEqual(lineRows, ['| fc_layers.2 | Linear | [8] | [32] | 256 | 480 | 256 | 1,056 | 128 | 1,184 |']);
  });

  test('inlay hints: the shape after each forward assignment', async () => {
    const doc = await openDoc('se_block.py');
    const hints = (await inlayHints(doc)).map((h) => [h.position.line, h.position.character, label(h)]);
    const at = (text: string) => {
      const line = lineOf(doc, text);
      return [line, doc.lineAt(line).text.length];
    };
    assert.deepEqual(hints, [
      [...at('v = self.global_pooling(X).view(b, c)'), '[4, 32]'],
      [...at('v = self.fc_layers(v).view(b, c, 1, 1)'), '[4, 32, 1, 1]'],
      [...at('v = self.sigmoid(v)'), '[4, 32, 1, 1]'],
      [...at('return X * v'), '[4, 32, 16, 16]'],
      [...at('x = self.conv(x)'), '[1, 32, 56, 56]'],
      [...at('x = self.bn(x)'), '[1, 32, 56, 56]'],
      [...at('return self.act(x)'), '[1, 32, 56, 56]'],
    ]);
  });

  test('settings: inlay hints off, other-module lenses off', async () => {
    const doc = await openDoc('se_block.py');
    try {
      await setConfig('inlayHints.enabled', false);
      assert.deepEqual(await inlayHints(doc), []);
      await setConfig('codeLens.otherModules', false);
      assert.deepEqual((await lensTable(doc)).map(([, t]) => t), [REFERENCE_LENS, 'Inspect', 'Run gates']);
    } finally {
      await setConfig('inlayHints.enabled', undefined);
      await setConfig('codeLens.otherModules', undefined);
    }
    assert.equal((await inlayHints(doc)).length, 7);
  });

  test('Choose Counting Convention: the lens follows (macs: 256 + 256 MACs)', async () => {
    const doc = await openDoc('se_block.py');
    try {
      assert.equal(await vscode.commands.executeCommand('seLens.chooseConvention', 'macs'), 'macs');
      assert.equal(vscode.workspace.getConfiguration('seLens').get('convention'), 'macs');
      assert.equal((await lensTable(doc))[0]![1], 'SE block · C 32 → 8 (r 4) · avg · 512 params · 512 MACs @ [4,32,16,16]');
      assert.equal(await vscode.commands.executeCommand('seLens.chooseConvention', 'nonsense'), undefined, 'bad input is refused, not thrown');
    } finally {
      await setConfig('convention', undefined);
    }
    assert.equal((await lensTable(doc))[0]![1], REFERENCE_LENS);
  });

  test('Set Input Shape: a default shape gets a lens; setting it moves lens, hover and hints', async () => {
    const doc = await openDoc('conv_se.py');
    const line = lineOf(doc, 'class SqueezeExcite');
    // 1x1 convs with bias: 64·4+4 + 4·64+64 = 580 params; MAdd (64+63+1)·4 + 4 + (4+3+1)·64 = 1,028 per sample.
    assert.deepEqual(await lensTable(doc), [
      [line, 'SE block · C 64 → 4 (r 16) · avg · 580 params · 1,028 MAdd @ [1,64,56,56]'],
      [line, 'Inspect'],
      [line, 'Set input shape…'],
      [line, 'Run gates'],
    ]);
    try {
      assert.deepEqual(await vscode.commands.executeCommand('seLens.setInputShape', doc.uri, 'SqueezeExcite', '[2, 64, 8, 8]'), [2, 64, 8, 8]);
      assert.equal((await lensTable(doc))[0]![1], 'SE block · C 64 → 4 (r 16) · avg · 580 params · 1,028 MAdd @ [2,64,8,8]');
      const hints = (await inlayHints(doc)).map((h) => label(h));
      assert.deepEqual(hints, ['[2, 64, 1, 1]', '[2, 4, 1, 1]', '[2, 4, 1, 1]', '[2, 64, 1, 1]', '[2, 64, 8, 8]']);
      assert.equal(await vscode.commands.executeCommand('seLens.setInputShape', doc.uri, 'SqueezeExcite', 'not a shape'), undefined);
    } finally {
      await vscode.commands.executeCommand('seLens.setInputShape', doc.uri, 'SqueezeExcite', '');
    }
    assert.equal((await lensTable(doc))[0]![1], 'SE block · C 64 → 4 (r 16) · avg · 580 params · 1,028 MAdd @ [1,64,56,56]');
  });

  test('bad input: a syntax error and a half-typed class give a partial lens, no exception', async () => {
    const doc = await openDoc('broken.py');
    const lenses = await lensTable(doc);
    assert.deepEqual(lenses, [[lineOf(doc, 'class HalfTyped'), '0 params · 0 MAdd @ [1,64,56,56] · partial']]);
    const hover = await hoverText(doc, positionOf(doc, 'HalfTyped', 2));
    assert.ok(hover.includes('Partial: 2 line(s) could not be interpreted'), hover);
    // Every prefix of the reference file, as while typing: providers answer, never throw.
    const full = (await vscode.workspace.openTextDocument(doc.uri.with({ path: doc.uri.path.replace('broken.py', 'se_block.py') }))).getText();
    const scratch = await vscode.workspace.openTextDocument({ language: 'python', content: '' });
    const editor = await vscode.window.showTextDocument(scratch);
    for (let cut = 0; cut <= full.length; cut += 97) {
      await editor.edit((e) => e.replace(new vscode.Range(0, 0, scratch.lineCount, 0), full.slice(0, cut)));
      await codeLenses(scratch);
      await inlayHints(scratch);
    }
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('blocks made on one line (an nn.Sequential of two) share one lens that counts them', async () => {
    const text = [
      'import torch', 'import torch.nn as nn', '', '',
      'class SE(nn.Module):', '    def __init__(self, c, r=4):', '        super().__init__()', '        self.pool = nn.AdaptiveAvgPool2d(1)',
      '        self.fc1 = nn.Conv2d(c, c // r, 1)', '        self.fc2 = nn.Conv2d(c // r, c, 1)', '',
      '    def forward(self, x):', '        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))', '', '',
      'class Net(nn.Module):', '    def __init__(self):', '        super().__init__()', '        self.stem = nn.Conv2d(3, 16, 3)',
      '        self.se = nn.Sequential(SE(16), SE(16, r=2))', '',
      '    def forward(self, x):', '        return self.se(self.stem(x))', '', '',
      'if __name__ == "__main__":', '    Net()(torch.rand(1, 3, 32, 32))', '',
    ].join('\n');
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: text });
    const line = lineOf(doc, 'self.se = nn.Sequential');
    const titles = await until('the lenses of the nn.Sequential line', async () => {
      const t = (await lensTable(doc)).filter(([l]) => l === line).map(([, title]) => title);
      return t.length ? t : undefined;
    });
    assert.equal(titles.length, 2, JSON.stringify(titles));
    // The lens adds up the two blocks the analysis found on that line.
    const api = vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID)!.exports;
    const net = (await api.services.sources.analyze(doc))!.units.find((u) => u.name === 'Net')!;
    assert.deepEqual(net.blocks.map((b) => b.channels), [16, 16]);
    const sum = net.blocks.reduce((n, b) => n + b.params, 0);
    assert.equal(titles[0], `2 SE blocks · C 16, 16 · ${sum.toLocaleString('en-US')} params @ [1,3,32,32]`);
    assert.equal(titles[1], 'Inspect');
  });

  test('a 10,000-line file: every class gets its lens', async () => {
    const classes = 400;
    const body = (i: number) => [
      `class Block${i}(nn.Module):`,
      '    def __init__(self, channels=16):',
      '        super().__init__()',
      '        self.fc = nn.Linear(channels, channels)',
      '        self.act = nn.ReLU()',
      '',
      '    def forward(self, x):',
      '        x = self.fc(x)',
      '        return self.act(x)',
      ...Array.from({ length: 16 }, (_, k) => `# filler ${k}`),
    ];
    const lines = ['import torch.nn as nn', ...Array.from({ length: classes }, (_, i) => body(i)).flat()];
    assert.ok(lines.length >= 10_000, `${lines.length} lines`);
    const doc = await vscode.workspace.openTextDocument({ language: 'python', content: lines.join('\n') });
    const lenses = await codeLenses(doc);
    assert.equal(lenses.length, classes);
    // Linear 16→16 with bias: 272 params.
    assert.ok(lenses.every((l) => l.command!.title.startsWith('272 params · ')), lenses[0]!.command!.title);
  });
});

suite('TF.js source', () => {
  // The model is the entry point: the front-end follows `seBlock(input)` into the helper, so the block is
  // reported once, at the channel count the model gives it, with its lens on the helper.
  test('a builder function: lens, inlay shapes in NHWC, hover table; the tf.model that uses it', async () => {
    const doc = await openDoc('se_block.ts');
    const fnLine = lineOf(doc, 'export function seBlock');
    const modelLine = lineOf(doc, 'export const model');
    // Opening the first TF.js file may activate the extension: its providers answer from the next request.
    const lenses = await until('the TF.js lenses', async () => {
      const table = await lensTable(doc);
      return table.length ? table : undefined;
    });
    assert.deepEqual(lenses.map(([l]) => l), [fnLine, fnLine, modelLine, modelLine]);
    // Dense layers have bias by default: 64·4 + 4 + 4·64 + 64 = 580 params. The shape comes from tf.input.
    assert.match(lenses[0]![1], /^SE block · C 64 → 4 \(r 16\) · avg · 580 params · .* @ \[1,32,32,64\] · in model$/);
    assert.equal(lenses[1]![1], 'Inspect');
    assert.match(lenses[2]![1], /^1 SE block\(s\) inside · 580 params · .* @ \[1,32,32,64\]$/);
    assert.equal(lenses[3]![1], 'Run gates');
    const hints = (await inlayHints(doc)).map((h) => [h.position.line, label(h)]);
    assert.deepEqual(hints, [
      [lineOf(doc, 'const squeezed'), '[1, 64]'],
      [lineOf(doc, 'const reduced'), '[1, 4]'],
      [lineOf(doc, 'const gate'), '[1, 64]'],
      [lineOf(doc, 'const reshaped'), '[1, 1, 1, 64]'],
      [lineOf(doc, 'return tf.layers.multiply()'), '[1, 32, 32, 64]'],
    ]);
    const hover = await hoverText(doc, positionOf(doc, 'function seBlock', 'function '.length + 1));
    assert.match(hover, /\*\*model\*\* · 1 call\(s\) of this helper/);
    const rows = hover.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| module') && !l.startsWith('| ---') && !l.startsWith('| **'));
    assert.deepEqual(rows.map((r) => r.split('|').slice(1, 3).map((c) => c.trim())), [
      ['global_average_pooling2d', 'GlobalAveragePooling2D'], ['dense', 'Dense'], ['dense_1', 'Dense'], ['reshape', 'Reshape'], ['multiply', 'Multiply'],
    ]);
    assert.deepEqual(rows.map((r) => r.split('|')[5]!.trim()), ['0', '260', '320', '0', '0']);
  });
});
