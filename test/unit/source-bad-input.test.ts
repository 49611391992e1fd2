import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { generatedPythonFile } from '../fixtures/source/generated-python.js';
import { analyzeText, analyzer, fixtureText, graphProblems, serialize, unitNamed } from './source-loader.js';

const FIXTURES = readdirSync(new URL('../fixtures/source/', import.meta.url)).filter((f) => f.endsWith('.py') || (f.endsWith('.ts') && f.startsWith('tfjs_')));

describe('source front-ends: bad input', () => {
  it('every prefix of every fixture (as while typing): no exception, sound graphs, final result as from scratch', async () => {
    const a = await analyzer();
    assert.ok(FIXTURES.length >= 12);
    for (const name of FIXTURES) {
      const text = fixtureText(name);
      const language = name.endsWith('.py') ? 'python' : 'typescript';
      const key = `prefix:${name}`;
      for (let i = 0; i <= text.length; i++) {
        const prefix = text.slice(0, i);
        const r = a.analyze(prefix, language, { documentKey: key });
        for (const u of r.units) {
          const problems = graphProblems(u.model);
          assert.deepEqual(problems, [], `${name} prefix ${i}: ${problems.join('; ')}`);
        }
      }
      const typed = a.analyze(text, language, { documentKey: key });
      a.forget(key);
      assert.equal(serialize(typed), serialize(a.analyze(text, language)), `${name}: typed result differs from a fresh analysis`);
      assert.ok(typed.units.length > 0, name);
    }
  });

  it('a syntax error in one class leaves the others readable, and is reported', async () => {
    const text = fixtureText('residual_se.py').replace('        out = self.bn1(out)', '        out = self.bn1(out(');
    const r = await analyzeText(text, 'python');
    assert.ok(r.syntaxErrors.length > 0);
    const se = unitNamed(r, 'SELayer');
    assert.equal(se.partial, false);
    assert.equal(se.blocks.length, 1);
  });

  it('garbage and half statements degrade to nothing, not to an exception', async () => {
    const inputs = ['', '\n\n', 'class', 'class X(nn.Module', ')))(((', 'def f(:\n  return', 'import torch\nclass A(nn.Module):\n    def forward(self, x):\n        return x *', '\u0000\u0001\u0002', '🙂 = 1\nclass B(nn.Module):\n    pass'];
    for (const text of inputs) {
      const py = await analyzeText(text, 'python');
      const ts = await analyzeText(text, 'typescript');
      for (const u of [...py.units, ...ts.units]) assert.deepEqual(graphProblems(u.model), []);
    }
    const b = unitNamed(await analyzeText('import torch.nn as nn\n🙂 = 1\nclass B(nn.Module):\n    pass\n', 'python'), 'B');
    assert.deepEqual(b.model.graph.nodes.map((n) => [n.op, n.note]), [['Unknown', 'B has no forward']]);
    assert.equal(b.partial, true, 'no forward: said, not guessed');
  });

  it('self-creating and self-calling modules terminate with a note', async () => {
    const src = [
      'import torch.nn as nn',
      'class Loop(nn.Module):',
      '    def __init__(self, depth=3):',
      '        super().__init__()',
      '        self.inner = Loop(depth - 1)',
      '        self.me = self',
      '    def forward(self, x):',
      '        return self.me(x)',
      'class Ping(nn.Module):',
      '    def __init__(self):',
      '        super().__init__()',
      '        self.act = nn.ReLU()',
      '    def forward(self, x):',
      '        return self.forward(self.act(x))',
    ].join('\n');
    const r = await analyzeText(src, 'python');
    const loop = unitNamed(r, 'Loop');
    assert.equal(loop.partial, true);
    assert.ok(loop.unknowns.some((u) => u.note.includes('creates itself')), JSON.stringify(loop.unknowns));
    assert.ok(loop.unknowns.some((u) => u.note.startsWith('recursive call')), JSON.stringify(loop.unknowns));
    const ping = unitNamed(r, 'Ping');
    assert.equal(ping.partial, true);
    assert.equal(ping.model.graph.modules![0]!.nodeIds.length, 1);
    assert.ok(ping.unknowns.some((u) => u.note.startsWith('recursive call')));
  });

  it('endless loops and recursion in helper code stop at their limits', async () => {
    const src = [
      'import torch.nn as nn',
      'def down(n):',
      '    return down(n - 1)',
      'class Busy(nn.Module):',
      '    def __init__(self, c=8):',
      '        super().__init__()',
      '        k = down(c)',
      '        while True:',
      '            c = c + 1',
      '        for i in range(10 ** 9):',
      '            pass',
      '        self.fc = nn.Linear(8, 8)',
      '    def forward(self, x):',
      '        return self.fc(x.mean((2, 3)))',
    ].join('\n');
    const unit = unitNamed(await analyzeText(src, 'python'), 'Busy');
    assert.equal(unit.partial, true);
    const notes = unit.unknowns.map((u) => u.note);
    assert.ok(notes.some((n) => n.startsWith('recursive call')), notes.join('|'));
    assert.ok(notes.some((n) => n.includes('did not end')), notes.join('|'));
    assert.ok(notes.some((n) => n.startsWith('range() longer')), notes.join('|'));
    assert.deepEqual(unit.model.graph.modules!.map((m) => [m.path, m.params]), [['fc', 72]]);
    const ts = unitNamed(
      await analyzeText("import * as tf from '@tensorflow/tfjs';\nfunction f(x: tf.SymbolicTensor): tf.SymbolicTensor {\n  for (;;) {}\n  return f(tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor);\n}\n", 'typescript'),
      'f',
    );
    assert.equal(ts.partial, true);
  });

  it('a small step budget cuts interpretation off and says so', async () => {
    const unit = unitNamed(await analyzeText(fixtureText('se_block_reference.py'), 'python', { maxSteps: 40 }), 'SEBlock');
    assert.equal(unit.partial, true);
    assert.ok(unit.unknowns.some((u) => u.note.includes('stopped after 40 steps')));
  });

  it('strings handed to eval/exec stay strings', async () => {
    const src = [
      'import torch.nn as nn',
      'class Sneaky(nn.Module):',
      '    def __init__(self, c=4):',
      '        super().__init__()',
      '        self.fc = eval("nn.Linear(4, 4)")',
      '    def forward(self, x):',
      '        exec("import os")',
      '        return x',
    ].join('\n');
    const unit = unitNamed(await analyzeText(src, 'python'), 'Sneaky');
    assert.deepEqual(unit.model.graph.modules, []);
    assert.equal(unit.partial, true);
    assert.deepEqual(unit.unknowns.map((u) => u.range.startLine), [4, 6]);
  });

  it('absurdly deep nesting degrades to a note', async () => {
    const deep = `${'('.repeat(20_000)}1${')'.repeat(20_000)}`;
    const src = `import torch.nn as nn\nk = ${deep}\nclass Deep(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.k = ${deep}\n        self.act = nn.ReLU()\n    def forward(self, x):\n        return self.act(x)\n`;
    const r = await analyzeText(src, 'python');
    const unit = unitNamed(r, 'Deep');
    assert.equal(unit.partial, true);
    assert.ok(unit.unknowns.some((u) => u.note.includes('nesting too deep')), JSON.stringify(unit.unknowns));
    const ts = await analyzeText(`const k = ${deep};\n`, 'typescript');
    assert.deepEqual(ts.units, []);
  });

  it('a 10,000-line file with 200 classes is analysed to the end', async () => {
    const text = generatedPythonFile(200, 10_000);
    assert.equal(text.split('\n').length, 10_000);
    const r = await analyzeText(text, 'python');
    assert.equal(r.units.length, 200);
    assert.equal(r.units.filter((u) => u.blocks.length === 1).length, 200);
    assert.ok(r.units.every((u) => !u.partial), r.units.filter((u) => u.partial).map((u) => `${u.name}: ${u.unknowns[0]?.note}`).join('\n'));
  });
});
