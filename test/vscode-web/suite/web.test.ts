import * as vscode from 'vscode';
import { suite, say, test } from '../../vscode/suite/harness.js';
import { equal, match, ok } from './check.js';
import { api, codeLenses, EXTENSION_ID, hoverText, lineOf, openDoc, until, workspaceUri } from './util.js';

/**
 * The same lens the Node-host suite asserts (test/vscode/suite/source.test.ts): SEBlock(32, ratio=4) at its
 * call-site shape, numbers as torchstat gives them (512 params, 992 MAdd).
 */
const REFERENCE_LENS = 'SE block · C 32 → 8 (r 4) · avg · 512 params · 992 MAdd @ [4,32,16,16]';

interface TruthBlock { channels: number; squeeze_channels: number | null; params: number; pooling: string }
interface Truth { total_params: number; num_se_blocks: number; se_blocks: TruthBlock[] }

async function truth(name: string): Promise<Truth> {
  const bytes = await vscode.workspace.fs.readFile(workspaceUri('models', `${name}.truth.json`));
  return JSON.parse(new TextDecoder().decode(bytes)) as Truth;
}

async function truthBlocks(name: string): Promise<TruthBlock[]> {
  return (await truth(name)).se_blocks;
}

suite('web extension host', () => {
  test('the extension runs in the web worker host: no process, no require of Node modules', async () => {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    ok(extension, 'SE Lens is installed');
    const wasActive = extension.isActive;
    const started = performance.now();
    await extension.activate();
    // A measurement for the bench notes, not a limit.
    say(`  activation: ${wasActive ? 'already active' : `${Math.round(performance.now() - started)} ms`}`);
    equal(typeof process, 'undefined', 'typeof process in the extension host');
    equal(api().host, 'web', 'the entry that activated');
    equal(vscode.env.uiKind, vscode.UIKind.Web, 'vscode.env.uiKind');
    say(`  host: typeof process = ${typeof process}, SE Lens entry = ${api().host}, extensionUri = ${extension.extensionUri.scheme}:`);
  });

  test('code lenses of the reference block: the lens text and its numbers', async () => {
    const started = performance.now();
    const doc = await openDoc('se_block.py');
    const classLine = lineOf(doc, 'class SEBlock');
    const lenses = await until('the SE lens', async () => {
      const all = await codeLenses(doc);
      return all.some((l) => l.command?.title.startsWith('SE block')) ? all : undefined;
    }, 300);
    say(`  first code lens on the reference file, cold (engine, source worker and grammars load on this request): ${Math.round(performance.now() - started)} ms`);
    const titles = lenses.filter((l) => l.range.start.line === classLine).map((l) => l.command?.title);
    equal(titles, [REFERENCE_LENS, 'Inspect', 'Run gates']);
  });

  test('hover on the class name: the torchstat table with the max_polling row and the totals', async () => {
    const doc = await openDoc('se_block.py');
    const at = doc.getText().indexOf('class SEBlock') + 'class '.length + 2;
    const text = await hoverText(doc, doc.positionAt(at));
    ok(text.includes(`- ${REFERENCE_LENS}`), text);
    const rows = text.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| module') && !l.startsWith('| ---') && !l.startsWith('| **'));
    equal(rows.map((r) => r.split('|')[1]!.trim()), ['avg_pooling', 'max_polling', 'fc_layers.0', 'fc_layers.1', 'fc_layers.2', 'sigmoid']);
    ok(rows[1]!.startsWith('| max_polling | AdaptiveMaxPool2d | [0, 0, 0] | [0, 0, 0] | 0 | 0 |'), rows[1]);
    equal(text.split('\n').find((l) => l.startsWith('| **total**')), '| **total** | | | | **512** | **992** | **520** | **2,240** | **192** | **2,432** |');
  });

  test('the engine analyses the reference file in the web host (tree-sitter WASM from the extension files)', async () => {
    const doc = await openDoc('se_block.py');
    const engine = await api().services.engine();
    const analysis = await engine.analyzeSource({
      key: 'web-suite', text: doc.getText(), language: 'python', defaultInput: { batch: 1, channels: 64, height: 56, width: 56 }, inputOverrides: {},
    });
    const unit = analysis.units.find((u) => u.name === 'SEBlock');
    ok(unit, `units: ${analysis.units.map((u) => u.name).join(', ')}`);
    equal([unit.blocks.length, unit.table?.totals.params], [1, 512]);
    engine.forget('web-suite');
  });

  test('imports on the web: a block whose channel helper lives in a sibling file (fetched through workspace.fs)', async () => {
    const doc = await openDoc('sepkg', 'se.py');
    const classLine = lineOf(doc, 'class HelperSE');
    const lens = await until('the HelperSE lens', async () =>
      (await codeLenses(doc)).find((l) => l.range.start.line === classLine && l.command?.title.startsWith('SE block'))?.command?.title, 300);
    match(lens, /^SE block · C 32 → 8 \(r 4\) · .*@ \[4,32,16,16\]$/);
  });

  test('the .onnx custom editor opens a workspace model, the tree lists its block, the heatmap is drawn', async () => {
    const name = 'seed_se_c32_r4_avg';
    const uri = workspaceUri('models', `${name}.onnx`);
    await vscode.commands.executeCommand('vscode.open', uri);
    const input = await until('the custom editor', () => {
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return tab instanceof vscode.TabInputCustom ? tab : undefined;
    });
    equal(input.viewType, 'seLens.onnxInspector');
    const blocks = await until('tree blocks', async () => {
      const b = await api().services.tree.activeBlocks();
      return b.length ? b : undefined;
    });
    equal(blocks.map((b) => [b.block.channels, b.block.squeezeChannels, b.block.params, b.block.pooling]),
      (await truthBlocks(name)).map((b) => [b.channels, b.squeeze_channels, b.params, b.pooling]));
    const render = await until('the heatmap in the editor', () => {
      const r = api().services.inspector.lastRender;
      return r?.title === `${name}.onnx` ? r : undefined;
    }, 900);
    equal([render.rows, render.cols], [4, 32]);
    const json = JSON.parse(await vscode.commands.executeCommand<string>('seLens.copyStatsJson')) as { totals: Record<string, number> };
    equal(json.totals.params, (await truth(name)).total_params, 'Copy Stats (JSON) of the active model');
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Find SE Blocks in Workspace: the fixtures\' blocks (as their truth files count them) and the source files, the corrupt model skipped', async () => {
    const result = await vscode.commands.executeCommand<{ files: number; blocks: number; cancelled: boolean }>('seLens.findBlocksInWorkspace');
    equal(result.cancelled, false);
    const tree = api().services.tree;
    const workspaceNode = (await tree.getChildren()).find((n) => n.type === 'workspace');
    ok(workspaceNode, 'a Workspace node in the tree');
    const files = await tree.getChildren(workspaceNode);
    const names = files.map((f) => (f.type === 'file' ? f.uri.path.split('/').pop()! : '')).sort();
    ok(names.includes('se_block.py') && names.includes('conv_se.py') && !names.includes('corrupt.onnx') && !names.includes('broken.py'), names.join(','));
    const models = ['seed_se_c32_r4_avg', 'seed_se_c32_r4_max', 'var_eca', 'var_se_conv1x1_bias', 'mobilenet_v3_small', 'mobilenet_v2'];
    for (const m of models) {
      const found = files.find((f) => f.type === 'file' && f.uri.path.endsWith(`/${m}.onnx`));
      equal(found?.type === 'file' ? found.blocks.length : 0, (await truth(m)).num_se_blocks, m);
    }
  });

  test('Run gates: onnxruntime-web in the web host draws a 32-cell strip on the gate line', async () => {
    const doc = await openDoc('se_block.py');
    const gateLine = lineOf(doc, 'v = self.sigmoid(v)');
    const lens = await until('the Run gates lens', async () => (await codeLenses(doc)).find((l) => l.command?.title === 'Run gates'));
    await vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    const state = await until('the strip', () => {
      const s = api().inline.state(doc.uri);
      return s.length ? s : undefined;
    }, 600);
    equal(state.map((s) => [s.blockId, s.gateLine, s.cells, s.stale]), [['', gateLine, 32, false]]);
    ok(state[0]!.min > 0 && state[0]!.max < 1 && state[0]!.max > state[0]!.min, 'sigmoid gates of seeded normal input vary inside (0, 1)');
  });
});
