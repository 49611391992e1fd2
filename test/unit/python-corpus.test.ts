import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { normalizePath } from '../../src/core/source/modules/source-files.js';
import { NodeSourceFileSystem } from '../../src/node/source-file-system.js';
import { analyzer } from './source-loader.js';

/** Facts written by generate_truth.py from real PyTorch (see that script). */
interface TruthBlock {
  readonly path: string;
  readonly class?: string;
  readonly input: number[];
  readonly channels: number;
  readonly squeeze: number | null;
  readonly params: number;
  readonly kernelSize?: number;
}
interface TruthEntry {
  readonly entry: string;
  readonly unit: string;
  readonly input: number[];
  /** `sum(p.numel() for p in model.parameters())`. */
  readonly params: number;
  readonly blocks: readonly TruthBlock[];
}

const corpus = normalizePath(fileURLToPath(new URL('../fixtures/source/python/', import.meta.url)));
const truth = JSON.parse(readFileSync(`${corpus}/truth.json`, 'utf8')) as { entries: TruthEntry[] };
/** Keras entries: counted by TensorFlow.js (Keras's layer semantics) in generate_keras_truth.mjs. */
const kerasTruth = JSON.parse(readFileSync(`${corpus}/keras-truth.json`, 'utf8')) as { entries: TruthEntry[] };

async function analyzeEntry(entry: string) {
  const path = `${corpus}/${entry}`;
  const project = `${corpus}/project`;
  const site = `${corpus}/site-packages`;
  const location = { path, files: new NodeSourceFileSystem([project, site]), searchRoots: [project], pythonPaths: [site] };
  return (await analyzer()).analyze(readFileSync(path, 'utf8'), 'python', { location });
}

describe('Python corpus written like real projects: SE blocks as PyTorch builds them', () => {
  for (const entry of [...truth.entries, ...kerasTruth.entries]) {
    it(`${entry.entry}: ${entry.unit} on [${entry.input.join(', ')}]`, async () => {
      const analysis = await analyzeEntry(entry.entry);
      const unit = analysis.units.find((u) => u.name === entry.unit);
      assert.ok(unit, `no unit ${entry.unit}; have ${analysis.units.map((u) => u.name).join(', ')}`);
      assert.deepEqual(unit.inputShape, entry.input);
      const found = unit.blocks.map((b) => ({
        path: b.id,
        input: b.inputShape,
        channels: b.channels,
        squeeze: b.squeezeChannels,
        params: b.params,
        ...(b.kernelSize !== undefined ? { kernelSize: b.kernelSize } : {}),
      }));
      const expected = entry.blocks.map(({ class: _c, ...rest }: TruthBlock) => rest);
      assert.deepEqual(found, expected, unit.unknowns.map((u) => `${u.range.startLine + 1}: ${u.note}`).join('\n'));
      assert.deepEqual(unit.unknowns, []);
      const total = (unit.model.graph.modules ?? []).reduce((sum, m) => sum + m.params, 0);
      assert.equal(total, entry.params, 'parameters of every layer, called or not');
    });
  }
});

describe('Gates and excitations as toolboxes write them', () => {
  it("OpenMMLab's HSigmoid (clamp((x + 3) / 6, 0, 1)) is the hard sigmoid; a PReLU's slopes count with its block; a ReLU re-weighting is no gate", async () => {
    const entry = truth.entries.find((e) => e.entry === 'project/app/toolbox_heads.py')!;
    const unit = (await analyzeEntry(entry.entry)).units.find((u) => u.name === entry.unit)!;
    assert.deepEqual(unit.blocks.map((b) => [b.id, b.gate, b.innerActivation, b.params]), [
      ['body.3', 'sigmoid', 'prelu', entry.blocks[0]!.params],
      ['body.7', 'hardsigmoid', 'relu', entry.blocks[1]!.params],
      ['body.11', 'sigmoid', 'relu', entry.blocks[2]!.params],
    ]);
  });
});

describe('Library catalogue when the library is not on disk (no location at all)', () => {
  const blockOf = (entryPath: string, path: string) => {
    const entry = truth.entries.find((e) => e.entry === entryPath)!;
    return entry.blocks.find((b) => b.path === path)!;
  };

  it('torchvision.ops.SqueezeExcitation counts as real torchvision builds it', async () => {
    // The same constructor call real torchvision ran in project/app/torchvision_ops_user.py.
    const expected = blockOf('project/app/torchvision_ops_user.py', 'se');
    const text = `import torch\nfrom torchvision.ops import SqueezeExcitation\nimport torch.nn as nn\n\nclass Gate(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.se = SqueezeExcitation(96, 24, scale_activation=nn.Hardsigmoid)\n    def forward(self, x):\n        return self.se(x)\n\nGate()(torch.rand(${expected.input.join(', ')}))\n`;
    const unit = (await analyzer()).analyze(text, 'python').units.find((u) => u.name === 'Gate')!;
    assert.deepEqual(unit.unknowns, []);
    assert.deepEqual(unit.blocks.map((b) => [b.id, b.channels, b.squeezeChannels, b.params]), [['se', expected.channels, expected.squeeze, expected.params]]);
  });

  it("timm.layers.SEModule counts as the corpus's timm-style SEModule does in PyTorch", async () => {
    // project/senet/layers/squeeze_excite.py's SEModule follows timm's signature; PyTorch built it with these arguments.
    const expected = blockOf('project/senet/layers/squeeze_excite.py', '');
    const text = `import torch\nfrom timm.layers import SEModule\n\nclass Gate(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.se = SEModule(96, rd_ratio=0.25, add_maxpool=True, gate_layer="hard_sigmoid")\n    def forward(self, x):\n        return self.se(x)\n\nGate()(torch.rand(${expected.input.join(', ')}))\n`;
    const unit = (await analyzer()).analyze(text, 'python').units.find((u) => u.name === 'Gate')!;
    assert.deepEqual(unit.unknowns, []);
    assert.deepEqual(unit.blocks.map((b) => [b.id, b.channels, b.squeezeChannels, b.params, b.pooling]), [['se', expected.channels, expected.squeeze, expected.params, 'both']]);
  });
});
