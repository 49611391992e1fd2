/** Notebooks as one Python module: IPython syntax blanked, lines mapped back to cells, analyses seen from one cell. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeSource } from '../../src/core/source/analyze-source.js';
import { cellLineOf, describeCellLine, notebookModule, readJupyterNotebook } from '../../src/core/source/notebook.js';
import { cellView } from '../../src/core/source/notebook-view.js';
import { computeStats } from '../../src/core/stats/stats.js';
import { nodeGrammars } from '../../src/cli/node-grammars.js';

const REFERENCE = readFileSync('test/fixtures/source/se_block_reference.py', 'utf8');

describe('notebookModule', () => {
  it('joins code cells in order, skips markup and other languages, maps every line back', () => {
    const m = notebookModule([
      { kind: 'markup', text: '# title' },
      { kind: 'code', text: 'a = 1\nb = 2' },
      { kind: 'code', language: 'r', text: 'x <- 1' },
      { kind: 'code', text: 'c = a + b\n' },
    ]);
    assert.equal(m.text, 'a = 1\nb = 2\nc = a + b\n');
    assert.deepEqual(m.cellStarts, [undefined, 0, undefined, 2]);
    assert.deepEqual(m.lines, [{ cell: 1, line: 0 }, { cell: 1, line: 1 }, { cell: 3, line: 0 }, { cell: 3, line: 1 }]);
    assert.deepEqual(cellLineOf(m, 2), { cell: 3, line: 0 });
    assert.equal(describeCellLine(m, 1), 'cell 2, line 2');
  });

  it('blanks IPython syntax without moving lines: magics, shell, help, cell magics', () => {
    const m = notebookModule([
      { kind: 'code', text: '%matplotlib inline\n!pip install timm\nfiles = !ls\nt = %timeit -o f()\nnn.Conv2d?\nfor i in range(2):\n    !echo $i\nx = 5 % 3\ny = a != b' },
      { kind: 'code', text: '%%time\nz = 1' },
      { kind: 'code', text: '%%bash\nfor x in ; do\n' },
      { kind: 'code', text: '\r\n%%writefile helper.py\nimport os\r\n' },
    ]);
    assert.deepEqual(m.text.split('\n'), [
      'pass', 'pass', 'files = None', 't = None', 'pass', 'for i in range(2):', '    pass', 'x = 5 % 3', 'y = a != b',
      '', 'z = 1',
      '', '', '',
      '', '', '', '',
    ]);
    assert.equal(m.blankedLines, 6 + 1 + 2 + 2);
    assert.equal(m.lines.length, m.text.split('\n').length);
  });

  it('the VS Code tests\' notebook holds the reference class as it is in the .py file', () => {
    const nb = readJupyterNotebook(readFileSync('test/vscode/workspace/se_notebook.ipynb', 'utf8'));
    const code = nb.cells.filter((c) => c.kind === 'code').map((c) => c.text);
    assert.equal(code[0], `%load_ext autoreload\n${REFERENCE.slice(0, REFERENCE.indexOf('if __name__')).trimEnd()}`);
    assert.ok(code[2]!.includes('torch.rand(4, 32, 16, 16)') && code[2]!.includes('SEBlock(channels=32)'));
  });

  it('reads nbformat 4 (sources as line lists or strings) and 3 (worksheets, input); bad JSON is one clear error', () => {
    const v4 = readJupyterNotebook(JSON.stringify({ metadata: { language_info: { name: 'Python' } }, cells: [{ cell_type: 'code', source: ['a = 1\n', 'b = 2'] }, { cell_type: 'markdown', source: 'hi' }, { cell_type: 'code', source: 'c = 3' }] }));
    assert.equal(v4.language, 'python');
    assert.deepEqual(v4.cells, [{ kind: 'code', text: 'a = 1\nb = 2' }, { kind: 'markup', text: 'hi' }, { kind: 'code', text: 'c = 3' }]);
    const v3 = readJupyterNotebook(JSON.stringify({ worksheets: [{ cells: [{ cell_type: 'code', input: ['x = 1\n'] }] }] }));
    assert.deepEqual(v3.cells, [{ kind: 'code', text: 'x = 1\n' }]);
    assert.throws(() => readJupyterNotebook('{"cells": ['), /^SeLensError: Not a Jupyter notebook: the file is not JSON/);
    assert.throws(() => readJupyterNotebook('[1, 2]'), /no "cells" list/);
    assert.throws(() => readJupyterNotebook('null'), /not an object/);
    // Junk cells read as empty markup rather than failing.
    assert.deepEqual(readJupyterNotebook('{"cells": [null, 3, {"cell_type": "code", "source": 7}]}').cells, [{ kind: 'markup', text: '' }, { kind: 'markup', text: '' }, { kind: 'code', text: '' }]);
  });
});

describe('cellView', () => {
  const at = REFERENCE.indexOf('if __name__');
  const classCell = `%load_ext autoreload\n${REFERENCE.slice(0, at).trimEnd()}`;
  const mainCell = 'x = torch.rand(4, 32, 16, 16)\nmodel = SEBlock(channels=32)\ny = model(x)';

  it('the class cell sees the unit built in a later cell, in its own line numbers, with the reference numbers', async () => {
    const m = notebookModule([{ kind: 'markup', text: 'intro' }, { kind: 'code', text: classCell }, { kind: 'code', text: mainCell }]);
    const analysis = await analyzeSource(m.text, 'python', { grammars: nodeGrammars });
    const plain = await analyzeSource(REFERENCE, 'python', { grammars: nodeGrammars });
    const view = cellView(analysis, m, 1);
    assert.equal(view.units.length, 1);
    const unit = view.units[0]!;
    const ref = plain.units[0]!;
    // One line more than the .py file: the blanked %load_ext line.
    assert.deepEqual(unit.range, { ...ref.range, startLine: ref.range.startLine + 1, endLine: ref.range.endLine + 1 });
    assert.deepEqual(unit.inputShape, [4, 32, 16, 16]);
    assert.equal(unit.inputShapeSource, 'call-site');
    assert.deepEqual(unit.lineShapes, ref.lineShapes.map((ls) => ({ ...ls, line: ls.line + 1 })));
    assert.deepEqual(unit.blocks.map((b) => [b.channels, b.squeezeChannels, b.params, b.range?.startLine]), ref.blocks.map((b) => [b.channels, b.squeezeChannels, b.params, b.range!.startLine + 1]));
    const stats = computeStats(unit.model, 'torchstat');
    assert.deepEqual(stats.summary.filter((s) => !s.startsWith('Total memory')), ['Total params: 512', 'Total MAdd: 992MAdd', 'Total Flops: 520Flops', 'Total MemR+W: 2.38KB']);
    assert.ok(stats.rows.some((r) => r.name === 'max_polling'));
    assert.deepEqual(stats.rows.map((r) => r.range?.startLine), computeStats(ref.model, 'torchstat').rows.map((r) => (r.range ? r.range.startLine + 1 : undefined)));
    // The cell that only builds the model holds no unit.
    assert.deepEqual(cellView(analysis, m, 2).units, []);
    assert.deepEqual(cellView(analysis, m, 0).units, []);
  });

  it('a note from another cell moves to the unit\'s first line and says where it came from', async () => {
    const helper = 'def squeeze_of(c):\n    return undefined_name(c)';
    const block = 'import torch.nn as nn\nclass Gate(nn.Module):\n    def __init__(self, c=32):\n        super().__init__()\n        self.pool = nn.AdaptiveAvgPool2d(1)\n        self.fc1 = nn.Conv2d(c, squeeze_of(c), 1)\n\n    def forward(self, x):\n        return x * self.fc1(self.pool(x)).sigmoid()';
    const m = notebookModule([{ kind: 'code', text: helper }, { kind: 'code', text: block }]);
    const analysis = await analyzeSource(m.text, 'python', { grammars: nodeGrammars });
    const whole = analysis.units.find((u) => u.name === 'Gate')!;
    // The helper's failure is in the first cell, the Conv2d's in the class's own cell.
    assert.ok(whole.unknowns.some((k) => m.lines[k.range.startLine]!.cell === 0));
    assert.ok(whole.unknowns.some((k) => m.lines[k.range.startLine]!.cell === 1));
    const unit = cellView(analysis, m, 1).units[0]!;
    assert.equal(unit.range.startLine, 1);
    for (const [i, k] of unit.unknowns.entries()) {
      const original = whole.unknowns[i]!;
      const inCell = m.lines[original.range.startLine]!.cell === 1;
      if (inCell) assert.deepEqual([k.range.startLine, k.note], [m.lines[original.range.startLine]!.line, original.note]);
      else assert.deepEqual([k.range.startLine, k.note], [1, `${original.note} (${describeCellLine(m, original.range.startLine)})`]);
    }
  });
});
