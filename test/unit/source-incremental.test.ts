import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeSource } from '../../src/core/source/analyze-source.js';
import { diffEdit, type GrammarFile, type GrammarLoader } from '../../src/core/source/parsers.js';
import { generatedPythonFile } from '../fixtures/source/generated-python.js';
import { analyzer, fixtureText, nodeGrammars, serialize, unitNamed } from './source-loader.js';

describe('source front-ends: loading and incremental re-analysis', () => {
  it('loads the runtime and each grammar once per loader', async () => {
    const loads: GrammarFile[] = [];
    const counting: GrammarLoader = { load: (f) => (loads.push(f), nodeGrammars.load(f)) };
    const text = fixtureText('se_block_reference.py');
    const [a, b] = await Promise.all([analyzeSource(text, 'python', { grammars: counting }), analyzeSource(text, 'python', { grammars: counting })]);
    await analyzeSource(fixtureText('tfjs_se_functional.ts'), 'typescript', { grammars: counting });
    assert.equal(serialize(a), serialize(b));
    assert.deepEqual([...loads].sort(), ['tree-sitter-python.wasm', 'tree-sitter-typescript.wasm', 'web-tree-sitter.wasm']);
  });

  it('diffEdit finds the changed span by common prefix and suffix, with rows and columns', () => {
    assert.equal(diffEdit('abc', 'abc'), undefined);
    assert.deepEqual(diffEdit('a = 4\nb = 2\n', 'a = 4\nb = 16\n'), {
      startIndex: 10,
      oldEndIndex: 11,
      newEndIndex: 12,
      startPosition: { row: 1, column: 4 },
      oldEndPosition: { row: 1, column: 5 },
      newEndPosition: { row: 1, column: 6 },
    });
    const inserted = diffEdit('x\ny', 'x\nnew\ny');
    assert.deepEqual([inserted!.startPosition, inserted!.oldEndPosition, inserted!.newEndPosition], [{ row: 1, column: 0 }, { row: 1, column: 0 }, { row: 2, column: 0 }]);
  });

  it('after a one-line edit only the edited class is analysed again, and the result is as from scratch', async () => {
    const a = await analyzer();
    const text = generatedPythonFile(40, 2000);
    const key = 'incremental-1';
    const before = a.analyze(text, 'python', { documentKey: key });
    const target = 'def __init__(self, channels=16, ratio=4, mode="avg"):';
    const at = text.indexOf(target, Math.floor(text.length / 2));
    const edited = text.slice(0, at) + target.replace('ratio=4', 'ratio=8') + text.slice(at + target.length);
    const after = a.analyze(edited, 'python', { documentKey: key });
    a.forget(key);
    const changed = after.units.filter((u, i) => u !== before.units[i]).map((u) => u.name);
    const editedLine = edited.slice(0, at).split('\n').length - 1;
    const owner = after.units.find((u) => u.range.startLine <= editedLine && editedLine <= u.range.endLine)!;
    assert.deepEqual(changed, [owner.name]);
    assert.equal(owner.blocks[0]!.squeezeChannels, 2);
    assert.equal(serialize(after), serialize(a.analyze(edited, 'python')));
  });

  it('an edit to a nested class re-analyses the classes that use it; inserted lines move later classes', async () => {
    const a = await analyzer();
    const key = 'incremental-2';
    const text = fixtureText('residual_se.py');
    const before = a.analyze(text, 'python', { documentKey: key });
    const widened = text.replace('def __init__(self, channel, reduction=16):', 'def __init__(self, channel, reduction=8):');
    const mid = a.analyze(widened, 'python', { documentKey: key });
    assert.notEqual(mid.units[1], before.units[1], 'SEBasicBlock uses SELayer');
    assert.equal(unitNamed(mid, 'SEBasicBlock').blocks[0]!.squeezeChannels, 4, 'SEBasicBlock passes reduction=16 itself');
    const shifted = '# a comment\n\n' + widened;
    const after = a.analyze(shifted, 'python', { documentKey: key });
    assert.equal(unitNamed(after, 'SEBasicBlock').range.startLine, unitNamed(mid, 'SEBasicBlock').range.startLine + 2);
    assert.equal(serialize(after), serialize(a.analyze(shifted, 'python')));
    a.forget(key);
  });

  it('accepts the host edit instead of computing it, and survives a wrong one', async () => {
    const a = await analyzer();
    const key = 'incremental-3';
    const text = fixtureText('se_block_reference.py');
    a.analyze(text, 'python', { documentKey: key });
    const next = text.replace('ratio=4', 'ratio=2');
    const r = a.analyze(next, 'python', { documentKey: key, edit: diffEdit(text, next)! });
    assert.equal(unitNamed(r, 'SEBlock').blocks[0]!.squeezeChannels, 16);
    const bogus = { startIndex: 1e9, oldEndIndex: 1e9, newEndIndex: 1e9, startPosition: { row: 1e6, column: 0 }, oldEndPosition: { row: 1e6, column: 0 }, newEndPosition: { row: 1e6, column: 0 } };
    const again = a.analyze(text, 'python', { documentKey: key, edit: bogus });
    assert.equal(serialize(again), serialize(a.analyze(text, 'python')));
    // The same key used for another language starts over instead of reusing a Python tree.
    const ts = a.analyze(fixtureText('tfjs_se_functional.ts'), 'typescript', { documentKey: key });
    assert.equal(ts.units.length, 1, 'the model only: its helper is reached from it');
    a.forget(key);
  });
});

describe('diffEdit', () => {
  it('the edit it finds rebuilds the new text, with the longest common prefix and suffix', async () => {
    const fc = await import('fast-check');
    const text = fc.string({ unit: fc.constantFrom('a', 'b', '\n', ' ', 'x'), maxLength: 1200 });
    fc.assert(
      fc.property(text, text, (before, after) => {
        const e = diffEdit(before, after);
        if (before === after) return e === undefined;
        assert.ok(e);
        assert.equal(before.slice(0, e.startIndex) + after.slice(e.startIndex, e.newEndIndex) + before.slice(e.oldEndIndex), after);
        // The common prefix is taken whole: it stops at the first difference or at the shorter text's end.
        assert.ok(e.startIndex === Math.min(before.length, after.length) || before[e.startIndex] !== after[e.startIndex]);
        const rowsBefore = before.slice(0, e.startIndex).split('\n');
        assert.deepEqual(e.startPosition, { row: rowsBefore.length - 1, column: rowsBefore[rowsBefore.length - 1]!.length });
        const rowsAfter = after.slice(0, e.newEndIndex).split('\n');
        assert.deepEqual(e.newEndPosition, { row: rowsAfter.length - 1, column: rowsAfter[rowsAfter.length - 1]!.length });
        return true;
      }),
      { numRuns: 300 },
    );
  });
});

describe('source front-ends: inheritance', () => {
  it('a subclass runs its base __init__ and forward with its own overrides, and follows edits to the base', async () => {
    const a = await analyzer();
    const key = 'inherited';
    const text = fixtureText('inherited_se.py');
    const first = a.analyze(text, 'python', { documentKey: key });
    const hard = unitNamed(first, 'Hard');
    assert.deepEqual(hard.arguments, { c: 64 });
    assert.deepEqual([hard.blocks[0]!.squeezeChannels, hard.blocks[0]!.gate, hard.blocks[0]!.pooling], [8, 'hardsigmoid', 'avg']);
    assert.equal(unitNamed(first, 'Base').blocks[0]!.gate, 'sigmoid');
    const edited = text.replace('nn.AdaptiveAvgPool2d(1)', 'nn.AdaptiveMaxPool2d(1)');
    const second = a.analyze(edited, 'python', { documentKey: key });
    a.forget(key);
    assert.equal(unitNamed(second, 'Hard').blocks[0]!.pooling, 'max', 'Hard inherits the edited __init__');
    assert.equal(serialize(second), serialize(a.analyze(edited, 'python')));
  });
});

describe('source front-ends: module-level mutations', () => {
  // The class reads the globals when it is built (after every top-level statement has run), so a statement below
  // the class that changes them in place changes the class' numbers. Channels: the default input's 64.
  const file = [
    'import torch',
    'import torch.nn as nn',
    '',
    'RATIOS = [16]',
    "CFG = {'extra': 1}",
    '',
    '',
    'class SE(nn.Module):',
    '    def __init__(self, channels):',
    '        super().__init__()',
    "        r = RATIOS[-1] * CFG['extra']",
    '        self.pool = nn.AdaptiveAvgPool2d(1)',
    '        self.fc1 = nn.Conv2d(channels, channels // r, 1)',
    '        self.act = nn.ReLU()',
    '        self.fc2 = nn.Conv2d(channels // r, channels, 1)',
    '',
    '    def forward(self, x):',
    '        return x * torch.sigmoid(self.fc2(self.act(self.fc1(self.pool(x)))))',
    '',
    '',
    'RATIOS.append(4)',
    "CFG['extra'] = 1",
    '',
  ].join('\n');

  it('editing a mutation below the class (append, item assignment, +=, through a helper) re-analyses the class', async () => {
    const a = await analyzer();
    const key = 'incremental-mutation';
    const squeeze = (text: string) => {
      const r = a.analyze(text, 'python', { documentKey: key });
      assert.equal(serialize(r), serialize(a.analyze(text, 'python')), 'the same as from scratch');
      const b = unitNamed(r, 'SE').blocks[0]!;
      assert.equal(b.channels, 64);
      return b.squeezeChannels;
    };
    assert.equal(squeeze(file), 16);
    const appended = file.replace('RATIOS.append(4)', 'RATIOS.append(8)');
    assert.equal(squeeze(appended), 8);
    const item = appended.replace("CFG['extra'] = 1", "CFG['extra'] = 2");
    assert.equal(squeeze(item), 4);
    const extended = item.replace('RATIOS.append(8)', 'RATIOS += [2]');
    assert.equal(squeeze(extended), 16);
    const extend = extended.replace('RATIOS += [2]', 'RATIOS.extend([4, 1])');
    assert.equal(squeeze(extend), 32);
    // Through an alias and a helper function: the statement that calls it changes the list.
    const helper = extend.replace('RATIOS.extend([4, 1])', 'def grow(rs, n):\n    rs.append(n)\n\n\nalias = RATIOS\ngrow(alias, 16)');
    assert.equal(squeeze(helper), 2);
    assert.equal(squeeze(helper.replace('grow(alias, 16)', 'grow(alias, 4)')), 8);
    a.forget(key);
  });
});

describe('source front-ends: a model changed after it is built', () => {
  const file = [
    'import torch',
    'import torch.nn as nn',
    '',
    '',
    'class Net(nn.Module):',
    '    def __init__(self, channels=32):',
    '        super().__init__()',
    '        self.conv = nn.Conv2d(3, channels, 3, padding=1)',
    '        self.pool = nn.AvgPool2d(7)',
    '        self.head = nn.Linear(channels, 1000)',
    '',
    '    def forward(self, x):',
    '        x = self.pool(self.conv(x))',
    '        return self.head(x.flatten(1))',
    '',
    '',
    'if __name__ == "__main__":',
    '    model = Net()',
    '    model.pool = nn.AdaptiveAvgPool2d(1)',
    '    model.head = nn.Linear(32, 10)',
    '    y = model(torch.rand(2, 3, 16, 16))',
    '',
  ].join('\n');

  it('layers set on the instance at top level replace those of __init__, and edits to them re-analyse the class', async () => {
    const a = await analyzer();
    const key = 'incremental-assigned';
    const head = (text: string) => {
      const r = a.analyze(text, 'python', { documentKey: key });
      assert.equal(serialize(r), serialize(a.analyze(text, 'python')), 'the same as from scratch');
      const unit = unitNamed(r, 'Net');
      assert.deepEqual(unit.unknowns, [], 'the 16x16 input fits the adaptive pool set at top level');
      const modules = unit.model.graph.modules ?? [];
      assert.deepEqual(modules.map((m) => m.kind), ['Conv2d', 'AdaptiveAvgPool2d', 'Linear']);
      return modules.find((m) => m.path === 'head')!.config.out_features;
    };
    assert.equal(head(file), 10);
    assert.equal(head(file.replace('nn.Linear(32, 10)', 'nn.Linear(32, 5)')), 5);
    a.forget(key);
  });
});
