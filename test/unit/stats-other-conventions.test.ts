import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { computeStats } from '../../src/core/stats/stats.js';
import { analyzeText } from './source-loader.js';

/** The one row of `torch.nn` layer `ctor` applied to an input of `shape`, in the fvcore convention. */
async function fvcoreRow(ctor: string, shape: number[]) {
  const text = ['import torch.nn as nn', `# se-lens: input=[${shape.join(',')}]`, 'class Sweep(nn.Module):', '    def __init__(self):', '        super().__init__()', `        self.layer = ${ctor}`, '    def forward(self, x):', '        return self.layer(x)', ''].join('\n');
  const unit = (await analyzeText(text, 'python')).units.find((u) => u.name === 'Sweep')!;
  const row = computeStats(unit.model, 'fvcore').rows.find((r) => r.name === 'layer')!;
  assert.ok(row, `${ctor}: a row`);
  return row;
}

const numel = (shape: number[]) => shape.slice(1).reduce((a, b) => a * b, 1);

describe('fvcore on normalisation layers (norm_flop_counter: 5 an input element with affine weights, 4 without)', () => {
  for (const [ctor, affine] of [['nn.LayerNorm(6)', true], ['nn.LayerNorm(6, elementwise_affine=False)', false], ['nn.GroupNorm(2, 8)', true], ['nn.InstanceNorm2d(8)', false], ['nn.InstanceNorm2d(8, affine=True)', true]] as const) {
    it(ctor, async () => {
      const shape = [1, 8, 5, 6];
      assert.equal((await fvcoreRow(ctor, shape)).counts['flops'], numel(shape) * (affine ? 5 : 4));
    });
  }
});

describe('fvcore and torchinfo MACs on a TF.js SeparableConv2D: one multiply-add per weight per output position', () => {
  it('separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2 }) on [6, 6, 8]', async () => {
    // TF.js's own output shape and parameter count.
    const layer = tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2 });
    const out = (layer.apply(tf.input({ shape: [6, 6, 8] })) as tf.SymbolicTensor).shape.slice(1) as number[];
    const params = layer.countParams();
    const positions = out[0]! * out[1]!;
    const text = ["import * as tf from '@tensorflow/tfjs';", 'const x = tf.input({ shape: [6, 6, 8] });', 'const y = tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2 }).apply(x) as tf.SymbolicTensor;', 'export const model = tf.model({ inputs: x, outputs: y });', ''].join('\n');
    const unit = (await analyzeText(text, 'typescript')).units.find((u) => u.name === 'model')!;
    // fvcore counts each convolution's weights (no bias) per output position; torchinfo counts every parameter, bias included.
    assert.equal(computeStats(unit.model, 'fvcore').totals.counts['flops'], (params - out[2]!) * positions);
    assert.equal(computeStats(unit.model, 'macs').totals.counts['MACs'], params * positions);
  });
});
