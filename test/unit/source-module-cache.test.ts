import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileSystem, type SourceLocation } from '../../src/core/source/modules/source-files.js';
import { analyzer, unitNamed } from './source-loader.js';

// A document keeps its interpreted imported modules between analyses: these check that what they bound is
// thrown away as soon as any file they read (or looked for) changes, and that edits of the document still count.

function location(files: MemoryFileSystem): SourceLocation {
  return { path: '/ws/main.py', files, searchRoots: ['/ws'], pythonPaths: [] };
}

const MAIN = (hidden: number) => `import torch.nn as nn
from pkg.blocks import Block

class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block(32)
        self.head = nn.Linear(32, ${hidden})

    def forward(self, x):
        return self.head(self.block(x))
`;

const BLOCKS = `import torch.nn as nn
from .cfg import RATIO

class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.fc = nn.Linear(c, c // RATIO)

    def forward(self, x):
        return self.fc(x)
`;

function paramsOf(unit: ReturnType<typeof unitNamed>, path: string): number | undefined {
  return unit.model.graph.modules?.find((m) => m.path === path)?.params;
}

describe('Python: interpreted imports kept per document', () => {
  it('an edit of the document is seen, with the imports as they were', async () => {
    const fs = new MemoryFileSystem({ '/ws/pkg/__init__.py': '', '/ws/pkg/blocks.py': BLOCKS, '/ws/pkg/cfg.py': 'RATIO = 4\n' });
    const a = await analyzer();
    const options = { documentKey: 'module-cache-edit', location: location(fs) };
    const first = unitNamed(a.analyze(MAIN(10), 'python', options), 'Net');
    const edited = unitNamed(a.analyze(MAIN(20), 'python', options), 'Net');
    a.forget('module-cache-edit');
    // nn.Linear(32, 8) then nn.Linear(32, n): weights plus bias, as torch counts them.
    assert.deepEqual([paramsOf(first, 'block.fc'), paramsOf(first, 'head')], [32 * 8 + 8, 32 * 10 + 10]);
    assert.deepEqual([paramsOf(edited, 'block.fc'), paramsOf(edited, 'head')], [32 * 8 + 8, 32 * 20 + 20]);
  });

  it("the document's code changing an imported list in place does not carry over to the next analysis", async () => {
    const fs = new MemoryFileSystem({ '/ws/widths.py': 'WIDTHS = [8]\n' });
    // The class changes each time, so it is interpreted each time; its constructor appends to the imported list.
    const text = (n: number) => `import torch.nn as nn\nfrom widths import WIDTHS\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(${n}, sum(WIDTHS))\n        WIDTHS.append(1)\n\n    def forward(self, x):\n        return self.fc(x)\n`;
    const a = await analyzer();
    const options = { documentKey: 'module-cache-mutation', location: location(fs) };
    const kept = [16, 17, 16, 17].map((n) => paramsOf(unitNamed(a.analyze(text(n), 'python', options), 'M'), 'fc'));
    a.forget('module-cache-mutation');
    const fresh = [16, 17, 16, 17].map((n) => paramsOf(unitNamed(a.analyze(text(n), 'python', { location: location(fs) }), 'M'), 'fc'));
    assert.deepEqual(kept, fresh);
    assert.deepEqual(fresh, [16 * 8 + 8, 17 * 8 + 8, 16 * 8 + 8, 17 * 8 + 8]);
  });

  it('a change two imports away, or a module that appears where one was looked for, is seen', async () => {
    const fs = new MemoryFileSystem({ '/ws/pkg/__init__.py': '', '/ws/pkg/blocks.py': BLOCKS, '/ws/pkg/cfg.py': 'RATIO = 4\n' });
    const a = await analyzer();
    const options = { documentKey: 'module-cache-deep', location: location(fs) };
    const before = unitNamed(a.analyze(MAIN(10), 'python', options), 'Net');
    fs.write('/ws/pkg/cfg.py', 'RATIO = 2\n');
    const deep = unitNamed(a.analyze(MAIN(10), 'python', options), 'Net');
    // A file the resolver looked for and did not find (`pkg/extra.py`, newly imported by blocks) is picked up once written.
    fs.write('/ws/pkg/blocks.py', BLOCKS.replace('from .cfg import RATIO', 'from .cfg import RATIO\nfrom .extra import SCALE').replace('c // RATIO', 'c // RATIO * SCALE'));
    const missing = unitNamed(a.analyze(MAIN(10), 'python', options), 'Net');
    fs.write('/ws/pkg/extra.py', 'SCALE = 3\n');
    const appeared = unitNamed(a.analyze(MAIN(10), 'python', options), 'Net');
    a.forget('module-cache-deep');
    assert.equal(paramsOf(before, 'block.fc'), 32 * 8 + 8);
    assert.equal(paramsOf(deep, 'block.fc'), 32 * 16 + 16);
    assert.equal(paramsOf(missing, 'block.fc'), undefined, 'SCALE cannot be imported yet');
    assert.equal(paramsOf(appeared, 'block.fc'), 32 * 48 + 48);
  });
});
