import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatedPythonFile } from '../fixtures/source/generated-python.js';
import { analyzer, fixtureText } from './source-loader.js';
import type { SourceAnalysis } from '../../src/core/source/analysis.js';

// Lines inserted or removed above unchanged statements (Enter, a deleted line, a pasted import) keep their
// snapshots and cached units; every line the results hold must then be what a fresh analysis of the new text says.

/** Inserts `lines` at the start of line `row` (0-based). */
function insertAt(text: string, row: number, lines: string): string {
  let at = 0;
  for (let i = 0; i < row; i++) at = text.indexOf('\n', at) + 1;
  return text.slice(0, at) + lines + text.slice(at);
}

function sameAsFresh(incremental: SourceAnalysis, fresh: SourceAnalysis, what: string): void {
  assert.equal(incremental.units.length, fresh.units.length, what);
  incremental.units.forEach((u, i) => assert.deepStrictEqual(u, fresh.units[i], `${what}: ${u.name}`));
}

describe('source: lines inserted or removed above unchanged code', () => {
  it('Python: every unit, range, shape line and block matches a fresh analysis after each edit', async () => {
    const a = await analyzer();
    const key = 'line-shift-python';
    // Two files: many classes with helper functions, and one with `se-lens: input=` comments, a base class and a call site.
    const directiveAbove = `import torch.nn as nn\n\n# se-lens: input=[1,32,8,8]\nclass SE(nn.Module):\n    def __init__(self, channels, r=4):\n        super().__init__()\n        self.fc1 = nn.Conv2d(channels, channels // r, 1)\n        self.fc2 = nn.Conv2d(channels // r, channels, 1)\n\n    def forward(self, x):\n        return x * self.fc2(self.fc1(x.mean((2, 3), keepdim=True))).sigmoid()\n`;
    for (const base of [generatedPythonFile(12, 600), fixtureText('inherited_se.py'), fixtureText('mobilenetv3_se.py'), directiveAbove]) {
      const rows = base.split('\n').length;
      const edits = [
        insertAt(base, Math.floor(rows / 2), '\n'),
        insertAt(base, 0, '# a comment\n\n'),
        insertAt(base, Math.floor(rows / 3), 'import os\n'),
        base,
        insertAt(base, rows - 1, '\n\n\n'),
        // Under the top-level input comment of the last file: the class no longer takes its input from it.
        insertAt(base, 3, '\n'),
        base,
      ];
      a.analyze(base, 'python', { documentKey: key });
      for (const [n, text] of edits.entries()) {
        sameAsFresh(a.analyze(text, 'python', { documentKey: key }), a.analyze(text, 'python'), `edit ${n}`);
      }
      a.forget(key);
    }
  });

  it('Python: a unit above the inserted line is the cached one; one below has its lines moved', async () => {
    const a = await analyzer();
    const key = 'line-shift-reuse';
    const base = generatedPythonFile(12, 600);
    const before = a.analyze(base, 'python', { documentKey: key });
    const middle = before.units[6]!.range.startLine;
    const after = a.analyze(insertAt(base, middle, '\n\n'), 'python', { documentKey: key });
    a.forget(key);
    assert.equal(after.units[0], before.units[0], 'unit above: the same object');
    assert.notEqual(after.units[8], before.units[8]);
    assert.equal(after.units[8]!.range.startLine, before.units[8]!.range.startLine + 2);
    assert.deepEqual(after.units[8]!.lineShapes.map((l) => l.line), before.units[8]!.lineShapes.map((l) => l.line + 2));
  });

  it('TF.js: results after inserted lines match a fresh analysis', async () => {
    const a = await analyzer();
    const key = 'line-shift-tfjs';
    const directiveAbove = `import * as tf from '@tensorflow/tfjs';

// se-lens: input=[1,8,8,32]
export function se(x: tf.SymbolicTensor, ratio = 4): tf.SymbolicTensor {
  const c = x.shape[3] as number;
  let s = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  s = tf.layers.dense({ units: c / ratio, activation: 'relu' }).apply(s) as tf.SymbolicTensor;
  s = tf.layers.dense({ units: c, activation: 'sigmoid' }).apply(s) as tf.SymbolicTensor;
  s = tf.layers.reshape({ targetShape: [1, 1, c] }).apply(s) as tf.SymbolicTensor;
  return tf.layers.multiply({}).apply([x, s]) as tf.SymbolicTensor;
}
`;
    for (const name of ['tfjs_builder.ts', 'tfjs_class_builder.ts', 'tfjs_sequential.ts', 'inline']) {
      const base = name === 'inline' ? directiveAbove : fixtureText(name);
      a.analyze(base, 'typescript', { documentKey: key });
      // `// se-lens: input=` is on line 3 of tfjs_builder.ts and of the inline file: a blank line under it detaches it.
      for (const text of [insertAt(base, 0, '\n'), insertAt(base, Math.floor(base.split('\n').length / 2), '\n\n'), base, insertAt(base, 3, '\n'), base]) {
        sameAsFresh(a.analyze(text, 'typescript', { documentKey: key }), a.analyze(text, 'typescript'), name);
      }
      a.forget(key);
    }
  });
});
