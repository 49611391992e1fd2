import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { normalizePath } from '../../src/core/source/modules/source-files.js';
import { NodeSourceFileSystem } from '../../src/node/source-file-system.js';
import { analyzer } from './source-loader.js';

/** Debian's python3-torchvision: torchvision's own model and ops sources, read where they are installed. */
const SITE_PACKAGES = '/usr/lib/python3/dist-packages';
const here = normalizePath(fileURLToPath(new URL('../fixtures/source/python/torchvision/', import.meta.url)));

interface Facts {
  readonly models: readonly {
    readonly unit: string;
    readonly params: number;
    readonly blocks: readonly { path: string; input: number[]; channels: number; squeeze: number; params: number }[];
  }[];
}

describe('torchvision read from site-packages (real library code)', () => {
  const skip = existsSync(`${SITE_PACKAGES}/torchvision/models/mobilenetv3.py`) ? false : `no torchvision sources in ${SITE_PACKAGES} (install python3-torchvision)`;

  it('mobilenet_v3_small() and efficientnet_b0() built from a user file: every SE block as PyTorch reports it', { skip }, async () => {
    const facts = JSON.parse(readFileSync(`${here}/facts.json`, 'utf8')) as Facts;
    const path = `${here}/user_models.py`;
    const location = { path, files: new NodeSourceFileSystem([here, SITE_PACKAGES]), searchRoots: [here], pythonPaths: [SITE_PACKAGES] };
    const analysis = (await analyzer()).analyze(readFileSync(path, 'utf8'), 'python', { location });
    assert.deepEqual(analysis.units.map((u) => [u.name, u.kind]), facts.models.map((m) => [m.unit, 'model']));
    for (const expected of facts.models) {
      const unit = analysis.units.find((u) => u.name === expected.unit)!;
      assert.deepEqual(unit.unknowns, [], expected.unit);
      assert.deepEqual(unit.inputShape, [1, 3, 224, 224]);
      const found = unit.blocks.map((b) => ({ path: b.id, input: b.inputShape, channels: b.channels, squeeze: b.squeezeChannels, params: b.params }));
      assert.deepEqual(found, expected.blocks, expected.unit);
      const total = (unit.model.graph.modules ?? []).reduce((sum, m) => sum + m.params, 0);
      assert.equal(total, expected.params, `${expected.unit}: parameters of all layers`);
    }
  });

  it('a model built at the top level and never called is traced at its stem\'s 3 channels, 224 x 224, as PyTorch builds it', { skip }, async () => {
    const facts = JSON.parse(readFileSync(`${here}/facts.json`, 'utf8')) as Facts;
    const expected = facts.models.find((m) => m.unit === 'MobileNetV3')!;
    const path = `${here}/uncalled_model.py`;
    const location = { path, files: new NodeSourceFileSystem([here, SITE_PACKAGES]), searchRoots: [here], pythonPaths: [SITE_PACKAGES] };
    const text = 'from torchvision.models import mobilenet_v3_small\n\nmodel = mobilenet_v3_small()\nmodel.eval()\n';
    const unit = (await analyzer()).analyze(text, 'python', { location }).units.find((u) => u.name === 'MobileNetV3')!;
    assert.deepEqual([unit.inputShape, unit.inputShapeSource], [[1, 3, 224, 224], 'default']);
    assert.deepEqual(unit.unknowns, []);
    assert.deepEqual(unit.blocks.map((b) => ({ path: b.id, input: b.inputShape, channels: b.channels, squeeze: b.squeezeChannels, params: b.params })), expected.blocks);
  });
});
