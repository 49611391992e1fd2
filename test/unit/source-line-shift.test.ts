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
    for (const base of [generatedPythonFile(12, 600), fixtureText('inherited_se.py'), fixtureText('mobilenetv3_se.py')]) {
      const rows = base.split('\n').length;
      const edits = [
        insertAt(base, Math.floor(rows / 2), '\n'),
        insertAt(base, 0, '# a comment\n\n'),
        insertAt(base, Math.floor(rows / 3), 'import os\n'),
        base,
        insertAt(base, rows - 1, '\n\n\n'),
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
    for (const name of ['tfjs_builder.ts', 'tfjs_class_builder.ts', 'tfjs_sequential.ts']) {
      const base = fixtureText(name);
      a.analyze(base, 'typescript', { documentKey: key });
      for (const text of [insertAt(base, 0, '\n'), insertAt(base, Math.floor(base.split('\n').length / 2), '\n\n'), base]) {
        sameAsFresh(a.analyze(text, 'typescript', { documentKey: key }), a.analyze(text, 'typescript'), name);
      }
      a.forget(key);
    }
  });
});
