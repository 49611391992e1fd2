import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, unitNamed } from './source-loader.js';

/** A small module whose `__init__` runs `body`, so each case below reaches the evaluator through a real unit. */
function moduleWith(prelude: string, body: string): string {
  return `import torch
import torch.nn as nn
import numpy as np
${prelude}

class Probe(nn.Module):
    def __init__(self):
        super().__init__()
${body.split('\n').map((l) => `        ${l}`).join('\n')}
        self.conv = nn.Conv2d(8, 8, 1)

    def forward(self, x):
        return self.conv(x)

Probe()(torch.rand(1, 8, 4, 4))
`;
}

async function notesOf(prelude: string, body: string, params = 72): Promise<string[]> {
  const unit = unitNamed(await analyzeText(moduleWith(prelude, body), 'python'), 'Probe');
  // The rest of the module is still read: its layers are there.
  assert.equal(unit.model.graph.modules?.reduce((s, m) => s + m.params, 0), params);
  return unit.unknowns.map((u) => u.note);
}

describe('Python front-end: the semantics real code needed, on hostile input (a note, never a hang or an exception)', () => {
  it('a __getattr__ that asks for its own missing attribute does not recurse', async () => {
    const notes = await notesOf(`class Loop:\n    def __getattr__(self, key):\n        return self.missing`, 'self.extra = nn.Conv2d(Loop().anything, 8, 1)');
    assert.ok(notes.some((n) => /in_channels is not a known integer \('Loop' object has no attribute 'missing'\)/.test(n)), notes.join('\n'));
  });

  it('a __getitem__ that indexes itself stops at the recursion limit', async () => {
    const notes = await notesOf(`class Deep:\n    def __getitem__(self, k):\n        return self[k]`, 'self.extra = nn.Conv2d(Deep()[1], 8, 1)');
    assert.ok(notes.some((n) => /recursive call/.test(n)), notes.join('\n'));
  });

  it('a decorator that fails leaves the function as written', async () => {
    const notes = await notesOf(`def broken(fn):\n    return undefined_name(fn)\n\n@broken\ndef width():\n    return 8`, 'self.extra = nn.Conv2d(width(), 8, 1)', 144);
    assert.deepEqual(notes, []);
  });

  it('torch.arange / np.arange of a billion values is refused, not built', async () => {
    const notes = await notesOf('', 'a = torch.arange(10 ** 9) * 2\nself.extra = nn.Conv2d(len(np.arange(0, 10 ** 9, 1).tolist()), 8, 1)');
    assert.ok(notes.some((n) => /arange\(\) of more than/.test(n)), notes.join('\n'));
  });

  it('arange where a step no longer moves the value (1e17 + 1 == 1e17) gives its count of values, as numpy does', async () => {
    // numpy: len(np.arange(1e16, 1e16 + 10, 1)) == 10; torch 1.13: len(torch.arange(10 ** 17, 10 ** 17 + 64)) == 64; so Conv2d(8, 8, 1), 72 more params.
    const notes = await notesOf('', 'self.extra = nn.Conv2d(len(np.arange(1e16, 1e16 + 10, 1).tolist()) + len(torch.arange(10 ** 17, 10 ** 17 + 64).tolist()) - 66, 8, 1)', 144);
    assert.deepEqual(notes, []);
  });

  it('starred unpacking of too few values is reported', async () => {
    const notes = await notesOf('', 'a, b, *rest = (1,)');
    assert.ok(notes.some((n) => /unpacks 1 values into 3 names/.test(n)), notes.join('\n'));
  });

  it('a generator that yields from itself forever, and two-way recursion, stop at the recursion limit', async () => {
    const prelude = 'def forever(n):\n    yield n\n    yield from forever(n + 1)\n\ndef fib(n):\n    return n if n < 2 else fib(n - 1) + fib(n - 2)';
    const started = Date.now();
    const notes = await notesOf(prelude, 'items = list(forever(0))\nself.extra = nn.Conv2d(fib(40), 8, 1)');
    assert.ok(Date.now() - started < 20_000);
    assert.ok(notes.some((n) => /recursive call of 'forever'/.test(n)), notes.join('\n'));
    assert.ok(notes.some((n) => /in_channels is not a known integer \(recursive call of 'fib'/.test(n)), notes.join('\n'));
  });

  it("'yield from' a value that is not known is a note", async () => {
    const notes = await notesOf('def gen(xs):\n    yield from xs', 'items = list(gen(undefined_name))');
    assert.ok(notes.some((n) => /'yield from' of a value that is not known/.test(n)), notes.join('\n'));
  });
});
