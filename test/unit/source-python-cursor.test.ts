import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node as TsNode } from 'web-tree-sitter';
import { cursorReader, publicCursorReader, type CursorReader } from '../../src/core/source/tree-cursor-reader.js';
import { generatedPythonFile } from '../fixtures/source/generated-python.js';
import { analyzer, fixtureText } from './source-loader.js';

/** Every node in document order as the reader sees it: type, field, offsets, start position, missing. */
function walk(reader: CursorReader): string[] {
  const out: string[] = [];
  const visit = () => {
    const p = reader.startPosition();
    out.push(`${reader.typeId()}:${reader.fieldId()}:${reader.startIndex()}-${reader.endIndex()}:${p.row},${p.column}:${reader.isMissing()}`);
  };
  try {
    for (;;) {
      visit();
      if (reader.gotoFirstChild()) continue;
      for (;;) {
        if (reader.gotoNextSibling()) break;
        if (!reader.gotoParent()) return out;
      }
    }
  } finally {
    reader.delete();
  }
}

describe('reading tree-sitter cursors without the per-call glue', () => {
  it('reads every node as the public TreeCursor does: deep nesting, syntax errors, several trees in turn', async () => {
    const a = await analyzer();
    // Deep enough that the cursor's stack is reallocated during the walk (its handles change).
    const deep = `x = ${'('.repeat(60)}1${')'.repeat(60)}\n`;
    const broken = fixtureText('se_block_reference.py').replace('def forward(self, x):', 'def forward(self, x:\n    (]');
    for (const text of [generatedPythonFile(12, 600), deep, broken]) {
      const tree = a.parsers.python.parse(text)!;
      const subtrees: TsNode[] = [tree.rootNode, ...tree.rootNode.namedChildren.filter((n): n is TsNode => n !== null)];
      for (const node of subtrees) {
        const direct = cursorReader(node);
        assert.equal(direct.direct, true, 'the runtime given to Parser.init is used');
        assert.deepEqual(walk(direct), walk(publicCursorReader(node)));
      }
      tree.delete();
    }
    // The trees and cursors freed above leave the runtime sound: a fresh parse reads the same.
    const again = a.parsers.python.parse(deep)!;
    assert.deepEqual(walk(cursorReader(again.rootNode)), walk(publicCursorReader(again.rootNode)));
    again.delete();
  });
});
