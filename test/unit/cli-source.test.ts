/**
 * The built `se-lens` CLI on source files and notebooks, spawned as a user runs it: which unit it reports
 * (the file's entry point, never a silent swap), the notes on partial units, `--python-path`, `.ipynb`.
 * The reference numbers (512 params, 992 MAdd, 520 Flops, 2.38KB MemR+W) are torchstat's for SEBlock(32, 4)
 * on [4,32,16,16], documented with test/fixtures/source/se_block_reference.py.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { builtCliWithScratch, se } from '../helpers/cli.js';

const REFERENCE = 'test/fixtures/source/se_block_reference.py';
const REFERENCE_SUMMARY = ['Total params: 512', 'Total MAdd: 992MAdd', 'Total Flops: 520Flops', 'Total MemR+W: 2.38KB'];

interface JsonReport {
  blocks: { channels: number; squeezeChannels: number | null; params: number; inputShape: unknown }[];
  layers: { name: string; params: number }[];
  totals: Record<string, number>;
  summary: string[];
  notes?: string[];
}

function json(...args: string[]): JsonReport {
  const r = se(...args, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as JsonReport;
}

/** The reference file's class and its `__main__` body, as two code cells of a notebook. */
function referenceCells(): { classCell: string; mainCell: string } {
  const text = readFileSync(REFERENCE, 'utf8');
  const at = text.indexOf('if __name__');
  const main = text.slice(at).split('\n').slice(1).map((l) => l.replace(/^ {4}/, '')).join('\n');
  return { classCell: text.slice(0, at).trimEnd(), mainCell: main.replace('SEBlock(channels=in_channel)', 'SEBlock(channels=32)') };
}

function notebook(cells: { type: 'code' | 'markdown'; source: string }[], language = 'python'): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', language, display_name: 'Python 3' } },
    cells: cells.map((c) => ({
      cell_type: c.type, metadata: {}, source: c.source.split(/(?<=\n)/), ...(c.type === 'code' ? { outputs: [], execution_count: null } : {}),
    })),
  });
}

describe('se-lens CLI on source', () => {
  const scratch = builtCliWithScratch('se-lens-cli-source-');

  it('the reference file reports its entry point with the reference numbers', () => {
    const report = json(REFERENCE);
    assert.deepEqual(report.summary.filter((s) => !s.startsWith('Total memory')), REFERENCE_SUMMARY);
    assert.ok(report.layers.some((l) => l.name === 'max_polling'));
    assert.match(report.notes![0]!, /unit SEBlock \(lines 5-26\), input \[4,32,16,16\] from the file's call site/);
  });

  describe('honest output', () => {
    it('the entry point has no SE block: it is reported, one line says so and names the units that have one', () => {
      const { classCell } = referenceCells();
      const file = join(scratch.dir, 'plain_entry.py');
      writeFileSync(file, `${classCell}\n\n\nclass Stem(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.conv = nn.Conv2d(c, c, 3, padding=1)\n\n    def forward(self, x):\n        return self.conv(x)\n\n\nif __name__ == "__main__":\n    model = Stem(32)\n    print(model(torch.rand(4, 32, 16, 16)).shape)\n`);
      const r = se(file);
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout.split('\n');
      assert.match(lines[1]!, /unit Stem \(lines 29-35\), input \[4,32,16,16\] from the file's call site/);
      assert.equal(lines[2], 'Stem, the model this file builds, has no SE block; units with SE blocks: SEBlock (line 5).');
      assert.ok(lines.includes('No SE blocks found.'));
      assert.ok(!r.stdout.includes('SE block (whole model)'), 'the SEBlock table is not swapped in');
      const report = json(file);
      assert.deepEqual(report.blocks, []);
      assert.deepEqual(report.layers.map((l) => l.name), ['conv']);
    });

    it('a model only constructed at the top level (never called) is still the one reported', () => {
      const { classCell } = referenceCells();
      const file = join(scratch.dir, 'constructed_entry.py');
      writeFileSync(file, `${classCell}\n\n\nclass Stem(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.conv = nn.Conv2d(c, c, 3, padding=1)\n\n    def forward(self, x):\n        return self.conv(x)\n\n\nif __name__ == "__main__":\n    model = Stem(32)\n    print(sum(p.numel() for p in model.parameters()))\n`);
      const r = se(file);
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.match(lines[1]!, /unit Stem \(lines 29-35\), input \[1,32,56,56\] from the default/);
      assert.equal(lines[2], 'Stem, the model this file builds, has no SE block; units with SE blocks: SEBlock (line 5).');
      assert.ok(!r.stdout.includes('SE block (whole model)'), 'the SEBlock table is not swapped in');
      // 9248: sum(p.numel() for p in nn.Conv2d(32, 32, 3, padding=1).parameters()) under PyTorch 1.13.
      assert.deepEqual(json(file).layers.map((l) => [l.name, l.params]), [['conv', 9248]]);
    });

    it('without an entry point the first unit with blocks is reported and the others are named', () => {
      const { classCell } = referenceCells();
      const file = join(scratch.dir, 'two_blocks.py');
      writeFileSync(file, `${classCell}\n\n\nclass SEBlock2(SEBlock):\n    pass\n`);
      const r = se(file);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout.split('\n')[1]!, /unit SEBlock .* from the default/);
      assert.equal(r.stdout.split('\n')[2], 'other units with SE blocks: SEBlock2 (line 29) (pick one with --unit NAME).');
    });

    it('--unit NAME reports that unit; an unknown name is a user error listing the units', () => {
      const { classCell } = referenceCells();
      const file = join(scratch.dir, 'pick_unit.py');
      writeFileSync(file, `${classCell}\n\n\nclass Stem(nn.Module):\n    def __init__(self, c=32):\n        super().__init__()\n        self.conv = nn.Conv2d(c, c, 3, padding=1)\n\n    def forward(self, x):\n        return self.conv(x)\n\n\nif __name__ == "__main__":\n    Stem()(torch.rand(4, 32, 16, 16))\n`);
      const stem = json(file);
      assert.deepEqual(stem.blocks, []);
      const picked = json(file, '--unit', 'SEBlock');
      assert.match(picked.notes![0]!, /unit SEBlock \(lines 5-26\), input \[1,64,56,56\] from the default/);
      assert.equal(picked.blocks.length, 1);
      const r = se(file, '--unit', 'Nope');
      assert.equal(r.status, 2);
      assert.equal(r.stderr, 'se-lens: No unit "Nope" in this file; units: SEBlock, Stem.\n');
      const onnx = se('test/fixtures/var_eca.onnx', '--unit', 'SEBlock');
      assert.equal(onnx.status, 2);
      assert.equal(onnx.stderr, 'se-lens: --unit names a class or builder of a source file; a model file has none.\n');
    });

    it('a partial unit names the line that stopped it', () => {
      const file = join(scratch.dir, 'partial.py');
      writeFileSync(file, [
        'import torch', 'import torch.nn as nn', 'from mystery import width_of', '', '',
        'class Gate(nn.Module):', '    def __init__(self, c):', '        super().__init__()', '        self.pool = nn.AdaptiveAvgPool2d(1)',
        '        self.fc1 = nn.Conv2d(c, width_of(c), 1)', '        self.fc2 = nn.Conv2d(width_of(c), c, 1)', '',
        '    def forward(self, x):', '        return x * torch.sigmoid(self.fc2(torch.relu(self.fc1(self.pool(x)))))', '',
      ].join('\n'));
      const r = se(file);
      assert.equal(r.status, 0, r.stderr);
      const partial = r.stdout.split('\n').filter((l) => l.startsWith('partial: '));
      assert.ok(partial.length > 0, r.stdout);
      for (const l of partial) assert.match(l, /^partial: line \d+: \S/);
      assert.ok(partial.some((l) => /^partial: line (10|11): /.test(l)), partial.join('\n'));
    });
  });

  describe('notebooks', () => {
    it('the class in one cell, the model built and called in a later one: the reference numbers', () => {
      const { classCell, mainCell } = referenceCells();
      const file = join(scratch.dir, 'se_block.ipynb');
      writeFileSync(file, notebook([
        { type: 'markdown', source: '# Squeeze-and-Excitation\nThe reference block.' },
        { type: 'code', source: '%matplotlib inline\n!pip install torch\n' + classCell },
        { type: 'code', source: '%%bash\necho not python ( at all\n' },
        { type: 'code', source: mainCell },
      ]));
      const report = json(file);
      assert.deepEqual(report.summary.filter((s) => !s.startsWith('Total memory')), REFERENCE_SUMMARY);
      assert.deepEqual(report.blocks.map((b) => [b.channels, b.squeezeChannels, b.params, b.inputShape]), [[32, 8, 512, [4, 32, 16, 16]]]);
      // Everything but the lines equals the .py file's report; the lines are the cell's, 2 more for the magics.
      const withoutRanges = (r: JsonReport) => JSON.parse(JSON.stringify({ ...r, notes: [], model: '' }, (k, v: unknown) => (k === 'range' ? undefined : v))) as unknown;
      assert.deepEqual(withoutRanges(report), withoutRanges(json(REFERENCE)));
      const ranges = (r: JsonReport) => JSON.stringify(r.blocks.map((b) => (b as unknown as { range: unknown }).range));
      assert.equal(ranges(report), ranges(json(REFERENCE)).replace(/"startLine":5,"endLine":26/, '"startLine":7,"endLine":28'));
      // The unit is placed in the notebook's own coordinates: cell 2, after the two blanked magic lines.
      assert.match(report.notes![0]!, /notebook, 3 code cells as one module, 4 IPython lines skipped\), unit SEBlock \(cell 2, lines 7-28\), input \[4,32,16,16\] from the file's call site/);
      assert.ok(!report.notes!.some((n) => n.startsWith('syntax error')), report.notes!.join('\n'));
    });

    it('a notebook that is not JSON, or not Python, is one clear error line', () => {
      const broken = join(scratch.dir, 'broken.ipynb');
      writeFileSync(broken, '{"cells": [');
      const r = se(broken);
      assert.equal(r.status, 2);
      assert.match(r.stderr, /^se-lens: Not a Jupyter notebook: the file is not JSON \(.*\)\.\n$/);
      const julia = join(scratch.dir, 'julia.ipynb');
      writeFileSync(julia, notebook([{ type: 'code', source: 'x = 1' }], 'julia'));
      const j = se(julia);
      assert.equal(j.status, 2);
      assert.match(j.stderr, /^se-lens: .*julia notebook; SE Lens reads Python notebooks\.\n$/);
    });
  });

  describe('--python-path', () => {
    it('is repeatable and named folders must not break the analysis when empty or missing', () => {
      const empty = join(scratch.dir, 'empty-env');
      mkdirSync(empty, { recursive: true });
      const report = json(REFERENCE, '--python-path', empty, '--python-path', join(scratch.dir, 'missing'));
      assert.equal(report.totals['params'], 512);
      const r = se(REFERENCE, '--python-path');
      assert.equal(r.status, 2);
      assert.equal(r.stderr, 'se-lens: --python-path needs a value.\n');
    });
  });
});
