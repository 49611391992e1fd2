import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileSystem, type SourceLocation } from '../../src/core/source/modules/source-files.js';
import { PythonImportResolver } from '../../src/core/source/modules/python-resolver.js';
import { analyzer, unitNamed } from './source-loader.js';

function location(files: MemoryFileSystem, path: string, pythonPaths: string[] = []): SourceLocation {
  return { path, files, searchRoots: ['/ws'], pythonPaths };
}

const HELPERS = `
import math

def make_divisible(v, divisor=8, min_value=None, round_limit=0.9):
    min_value = min_value or divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < round_limit * v:
        new_v += divisor
    return new_v
`;

const SE = `
import torch
from torch import nn
from ..utils.helpers import make_divisible
from .act import create_act_layer

class SqueezeExcite(nn.Module):
    def __init__(self, in_chs, rd_ratio=0.25, gate_layer='sigmoid', **kwargs):
        super().__init__()
        rd = make_divisible(in_chs * rd_ratio, 8)
        self.conv_reduce = nn.Conv2d(in_chs, rd, 1, bias=True)
        self.act = nn.ReLU(inplace=True)
        self.conv_expand = nn.Conv2d(rd, in_chs, 1, bias=True)
        self.gate = create_act_layer(gate_layer)

    def forward(self, x):
        s = x.mean((2, 3), keepdim=True)
        s = self.conv_expand(self.act(self.conv_reduce(s)))
        return x * self.gate(s)
`;

const ACT = `
from torch import nn
_ACT = dict(sigmoid=nn.Sigmoid, hard_sigmoid=nn.Hardsigmoid)

def create_act_layer(name, **kwargs):
    if isinstance(name, str):
        return _ACT[name](**kwargs)
    return name(**kwargs)
`;

describe('Python module system', () => {
  it('resolves relative, absolute, package and namespace imports in a fixed order, and says where it looked', () => {
    const fs = new MemoryFileSystem({
      '/ws/pkg/__init__.py': '',
      '/ws/pkg/models/__init__.py': '',
      '/ws/pkg/models/se.py': '',
      '/ws/pkg/utils.py': '',
      '/ws/pkg/utils/__init__.py': '',
      '/ws/ns/part/mod.py': '',
      '/site/lib/__init__.py': '',
    });
    const r = new PythonImportResolver(location(fs, '/ws/pkg/models/se.py', ['/site']));
    assert.equal(r.resolve('utils', 2, '/ws/pkg/models/se.py').file, '/ws/pkg/utils/__init__.py', 'package before module');
    assert.equal(r.resolve('', 1, '/ws/pkg/models/se.py').file, '/ws/pkg/models/__init__.py');
    assert.equal(r.resolve('pkg.models.se', 0, '/ws/pkg/models/se.py').file, '/ws/pkg/models/se.py');
    assert.equal(r.resolve('lib', 0, '/ws/pkg/models/se.py').file, '/site/lib/__init__.py');
    const ns = r.resolve('ns.part.mod', 0, '/ws/pkg/models/se.py');
    assert.equal(ns.file, '/ws/ns/part/mod.py');
    const missing = r.resolve('nowhere', 0, '/ws/pkg/models/se.py');
    assert.equal(missing.found, false);
    assert.ok(missing.tried.includes('/site/nowhere.py'), missing.tried.join(','));
  });

  it('follows helpers through relative imports, dict registries and isinstance across files', async () => {
    const fs = new MemoryFileSystem({
      '/ws/net/__init__.py': 'from .layers.se import SqueezeExcite\n',
      '/ws/net/utils/__init__.py': '',
      '/ws/net/utils/helpers.py': HELPERS,
      '/ws/net/layers/__init__.py': '',
      '/ws/net/layers/act.py': ACT,
      '/ws/net/layers/se.py': SE,
    });
    const text = `import torch\nfrom net import SqueezeExcite\n\nclass Block(torch.nn.Module):\n    def __init__(self, c=40):\n        super().__init__()\n        self.se = SqueezeExcite(c)\n    def forward(self, x):\n        return self.se(x)\n\nm = Block(40)\nm(torch.rand(2, 40, 8, 8))\n`;
    const a = await analyzer();
    const unit = unitNamed(a.analyze(text, 'python', { location: location(fs, '/ws/main.py') }), 'Block');
    assert.deepEqual(unit.unknowns, []);
    assert.equal(unit.blocks.length, 1);
    const b = unit.blocks[0]!;
    assert.deepEqual([b.channels, b.squeezeChannels, b.params], [40, 16, 40 * 16 + 16 + 16 * 40 + 40]);
  });

  it('names the places it looked when an import is missing, without throwing', async () => {
    const fs = new MemoryFileSystem({ '/ws/a.py': '' });
    const text = `import torch.nn as nn\nfrom .missing import make_divisible\n\nclass SE(nn.Module):\n    def __init__(self, c=32):\n        super().__init__()\n        self.fc = nn.Linear(c, make_divisible(c // 4))\n    def forward(self, x):\n        return x\n`;
    const unit = unitNamed((await analyzer()).analyze(text, 'python', { location: location(fs, '/ws/a.py') }), 'SE');
    assert.equal(unit.partial, true);
    assert.match(unit.unknowns.map((u) => u.note).join('\n'), /missing.*was not found \(looked in \/ws\/missing\/__init__.py, \/ws\/missing.py\)/);
  });

  it('survives import cycles', async () => {
    const fs = new MemoryFileSystem({
      '/ws/a.py': 'from b import g\nX = 4\ndef f():\n    return g()\n',
      '/ws/b.py': 'from a import X\ndef g():\n    return X * 2\n',
    });
    const text = `import torch.nn as nn\nfrom a import f\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(f(), 3)\n    def forward(self, x):\n        return self.fc(x)\n`;
    const unit = unitNamed((await analyzer()).analyze(text, 'python', { location: location(fs, '/ws/main.py') }), 'M');
    assert.equal(unit.model.graph.modules?.find((m) => m.path === 'fc')?.params, 8 * 3 + 3);
  });

  it('re-uses parsed imports across analyses and re-analyses a unit when an imported file changes', async () => {
    const fs = new MemoryFileSystem({ '/ws/cfg.py': 'RATIO = 4\n' });
    const text = `import torch.nn as nn\nfrom cfg import RATIO\n\nclass SE(nn.Module):\n    def __init__(self, c=32):\n        super().__init__()\n        self.fc = nn.Linear(c, c // RATIO)\n    def forward(self, x):\n        return x\n`;
    const a = await analyzer();
    const options = { documentKey: 'modules-invalidate', location: location(fs, '/ws/main.py') };
    const first = unitNamed(a.analyze(text, 'python', options), 'SE');
    const again = unitNamed(a.analyze(text, 'python', options), 'SE');
    assert.equal(again, first, 'nothing changed: the cached unit is returned');
    fs.write('/ws/cfg.py', 'RATIO = 8\n');
    const changed = unitNamed(a.analyze(text, 'python', options), 'SE');
    a.forget('modules-invalidate');
    assert.notEqual(changed, first);
    assert.deepEqual([first, changed].map((u) => u.model.graph.modules?.find((m) => m.path === 'fc')?.params), [32 * 8 + 8, 32 * 4 + 4]);
  });

  it('bad input: a long import chain, a huge site-packages, a module importing itself, unreadable files', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) files[`/ws/chain/m${i}.py`] = `from .m${i + 1} import VALUE\n`;
    files['/ws/chain/__init__.py'] = '';
    files['/ws/chain/m3000.py'] = 'VALUE = 8\n';
    for (let i = 0; i < 10_000; i++) files[`/site/pkg${i}/__init__.py`] = `X = ${i}\n`;
    files['/ws/selfish.py'] = 'from selfish import Y\nY = Y\n';
    const fs = new MemoryFileSystem(files);
    const unreadable = { ...fs, kind: fs.kind.bind(fs), list: fs.list.bind(fs), version: fs.version.bind(fs), readText: (p: string) => (p.endsWith('secret.py') ? undefined : fs.readText(p)) };
    fs.write('/ws/secret.py', 'W = 1\n');
    const text = `import torch.nn as nn\nfrom chain.m0 import VALUE\nfrom selfish import Y\nfrom secret import W\nfrom pkg9999 import X\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(X, 2)\n        self.w = nn.Linear(2, W)\n        self.v = nn.Linear(VALUE, 2)\n    def forward(self, x):\n        return self.fc(x)\n`;
    const started = performance.now();
    const unit = unitNamed((await analyzer()).analyze(text, 'python', { location: { path: '/ws/main.py', files: unreadable, searchRoots: ['/ws'], pythonPaths: ['/site'] } }), 'M');
    assert.ok(performance.now() - started < 5000, 'no hang');
    assert.equal(unit.model.graph.modules?.find((m) => m.path === 'fc')?.params, 9999 * 2 + 2, 'the last of 10,000 packages is found');
    const chained = unit.model.graph.modules?.find((m) => m.path === 'v')?.params;
    assert.ok(chained === undefined && unit.unknowns.some((u) => /imports nested deeper than 200 modules/.test(u.note)), 'a 3,000-deep import chain is cut with a note');
    assert.match(unit.unknowns.map((u) => u.note).join('\n'), /Linear: out_features is not a known integer \(cannot import 'W' from 'secret' \(secret.py could not be read\)\)/);
  });

  it('an imported module is not __main__, and a name a failed star import should have given says so', async () => {
    const fs = new MemoryFileSystem({
      '/ws/lib.py': 'WIDTH = 16\nif __name__ == "__main__":\n    WIDTH = 99\n',
    });
    const text = `import torch.nn as nn\nfrom lib import WIDTH\nfrom nowhere import *\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(WIDTH, 2)\n        self.act = make_act()\n    def forward(self, x):\n        return self.fc(x)\n`;
    const unit = unitNamed((await analyzer()).analyze(text, 'python', { location: location(fs, '/ws/main.py') }), 'M');
    assert.equal(unit.model.graph.modules?.find((m) => m.path === 'fc')?.params, 16 * 2 + 2);
    assert.match(unit.unknowns.map((u) => u.note).join('\n'), /name 'make_act' is not defined \(a star import found nothing: module 'nowhere' was not found/);
  });

  it('star imports that come back to themselves end, with the name unknown', async () => {
    const fs = new MemoryFileSystem({
      '/ws/pkg/__init__.py': 'from .a import *\n',
      '/ws/pkg/a.py': '__all__ = ["X", "Y"]\nfrom .b import *\nY = 3\n',
      '/ws/pkg/b.py': '__all__ = ["X"]\nfrom .a import *\nfrom . import *\n',
    });
    const text = `import torch.nn as nn\nfrom pkg import X, Y\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(Y, X)\n    def forward(self, x):\n        return self.fc(x)\n`;
    const unit = unitNamed((await analyzer()).analyze(text, 'python', { location: location(fs, '/ws/main.py') }), 'M');
    assert.match(unit.unknowns.map((u) => u.note).join('\n'), /Linear: out_features is not a known integer \(cannot import 'X' from 'pkg'/);
  });

  it('a package of many star imports finds a name through a nested star import and honours __all__', async () => {
    // Star-imported modules are read only when a lookup reaches them (a module whose text neither spells the
    // name nor star-imports is skipped unparsed): the names found must be the ones Python binds.
    const files: Record<string, string> = { '/ws/zoo/__init__.py': '' };
    for (let i = 0; i < 30; i++) {
      files['/ws/zoo/__init__.py'] += `from .m${i} import *\n`;
      files[`/ws/zoo/m${i}.py`] = `__all__ = ['Net${i}']\nclass Net${i}:\n    width = ${i}\nhidden_width = 99\n`;
    }
    files['/ws/zoo/__init__.py'] += 'from .nested import *\n';
    files['/ws/zoo/nested.py'] = 'from .deep import *\n';
    files['/ws/zoo/deep.py'] = 'DEEP_WIDTH = 12\n';
    const fs = new MemoryFileSystem(files);
    const text = `import torch.nn as nn\nfrom zoo import Net7, DEEP_WIDTH, hidden_width\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(Net7.width, DEEP_WIDTH)\n        self.g = nn.Linear(2, hidden_width)\n    def forward(self, x):\n        return self.fc(x)\n`;
    const unit = unitNamed((await analyzer()).analyze(text, 'python', { location: location(fs, '/ws/main.py') }), 'M');
    assert.equal(unit.model.graph.modules?.find((m) => m.path === 'fc')?.params, 7 * 12 + 12, unit.unknowns.map((u) => u.note).join('\n'));
    // `hidden_width` is outside every __all__: Python's star import does not bind it.
    assert.match(unit.unknowns.map((u) => u.note).join('\n'), /cannot import 'hidden_width' from 'zoo'/);
  });

  it('an imported file with syntax errors: its complete statements still count, and a missing name says why', async () => {
    const fs = new MemoryFileSystem({
      '/ws/helpers.py': 'WIDTH = 24\ndef make_divisible(v, divisor=8):\n    return max(divisor, int(v + divisor / 2) // divisor * divisor\n\nclass Broken(:\n    pass\nRATIO = 4\n',
    });
    const text = `import torch.nn as nn\nfrom helpers import WIDTH, RATIO\n\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Linear(WIDTH, 2)\n        self.g = nn.Linear(2, RATIO)\n    def forward(self, x):\n        return self.fc(x)\n`;
    const unit = unitNamed((await analyzer()).analyze(text, 'python', { location: location(fs, '/ws/main.py') }), 'M');
    assert.equal(unit.model.graph.modules?.find((m) => m.path === 'fc')?.params, 24 * 2 + 2);
    assert.match(unit.unknowns.map((u) => u.note).join('\n'), /cannot import 'RATIO' from 'helpers' \(helpers.py, which has syntax errors\)/);
  });
});
