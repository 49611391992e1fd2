import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeModel, analyzeOnnx } from '../../src/core/analyze.js';
import type { Graph, Model } from '../../src/core/ir/graph.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import type { Layer } from '../../src/core/stats/layers.js';
import { computeStats } from '../../src/core/stats/stats.js';
import type { StatsTable } from '../../src/core/stats/table.js';
import { pyRound2, roundValue, torchstatCounts } from '../../src/core/stats/torchstat.js';

const row = (name: string, analysis = analyzeOnnx(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx')))) =>
  analysis.table('torchstat', '').rows.find((r) => r.name === name)!;

describe('torchstat convention', () => {
  it('reproduces the reference block table to the digit (seed fixture, C 32, r 4, avg)', () => {
    const analysis = analyzeOnnx(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx')));
    const t = analysis.table('torchstat', '');
    assert.deepEqual(t.rows.map((r) => [r.name, r.kind]), [
      ['pool', 'AdaptiveAvgPool2d'], ['fc_layers.0', 'Linear'], ['fc_layers.1', 'ReLU'], ['fc_layers.2', 'Linear'], ['sigmoid', 'Sigmoid'],
    ]);
    const fc0 = row('fc_layers.0', analysis);
    assert.deepEqual([fc0.params, fc0.counts['MAdd'], fc0.counts['Flops'], fc0.counts['MemRead'], fc0.counts['MemWrite']], [256, 504, 256, 1152, 32]);
    assert.deepEqual(fc0.inputShape, [32]);
    assert.deepEqual(fc0.outputShape, [8]);
    const relu = row('fc_layers.1', analysis);
    assert.deepEqual([relu.params, relu.counts['MAdd'], relu.counts['Flops'], relu.counts['MemRead'], relu.counts['MemWrite']], [0, 8, 8, 32, 32]);
    const fc2 = row('fc_layers.2', analysis);
    assert.deepEqual([fc2.params, fc2.counts['MAdd'], fc2.counts['Flops'], fc2.counts['MemRead'], fc2.counts['MemWrite']], [256, 480, 256, 1056, 128]);
    for (const zero of ['pool', 'sigmoid']) assert.deepEqual(Object.values(row(zero, analysis).counts), [0, 0, 0, 0, 0]);
    assert.deepEqual(row('pool', analysis).inputShape, [32, 16, 16]);
    assert.equal(t.totals.params, 512);
    assert.equal(t.totals.counts['MAdd'], 992);
    assert.equal(t.totals.counts['Flops'], 520);
    assert.equal(t.totals.counts['MemRW'], 2432);
    assert.equal(t.totals.counts['MemRead'], 2240, 'a sum, not the last row (torchstat issue #36)');
    assert.deepEqual(t.summary, ['Total params: 512', 'Total memory: 0.00MB', 'Total MAdd: 992MAdd', 'Total Flops: 520Flops', 'Total MemR+W: 2.38KB']);
  });

  it('gives the max-squeeze block (AdaptiveMaxPool2d exported as a 16x16 MaxPool) the same numbers', () => {
    const analysis = analyzeOnnx(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_max.onnx')));
    const t = analysis.table('torchstat', '');
    assert.equal(t.rows[0]!.kind, 'AdaptiveMaxPool2d');
    assert.deepEqual([t.totals.params, t.totals.counts['MAdd'], t.totals.counts['Flops'], t.totals.counts['MemRW']], [512, 992, 520, 2432]);
  });

  it('counts torchvision SqueezeExcitation(32, 8) as the notes verified (1x1 convs with bias)', () => {
    const t = analyzeModel(torchvisionSE()).table('torchstat');
    const by = (n: string) => t.rows.find((r) => r.name === n)!;
    // ONNX keeps execution order; torchstat prints definition order (fc2 before activation) — only source front-ends know that.
    assert.deepEqual(t.rows.map((r) => r.name), ['avgpool', 'fc1', 'activation', 'fc2', 'scale_activation']);
    assert.deepEqual([by('fc1').params, by('fc1').counts['MAdd'], by('fc1').counts['Flops'], by('fc1').counts['MemRead'], by('fc1').counts['MemWrite']], [264, 512, 264, 1184, 32]);
    assert.deepEqual([by('fc2').params, by('fc2').counts['MAdd'], by('fc2').counts['Flops'], by('fc2').counts['MemRead'], by('fc2').counts['MemWrite']], [288, 512, 288, 1184, 128]);
    assert.deepEqual([t.totals.params, t.totals.counts['MAdd'], t.totals.counts['Flops'], t.totals.counts['MemRW']], [552, 1032, 560, 2592]);
  });

  it('follows the per-module formulas verified on torchstat (mixed model, input [3,16,16])', () => {
    const layer = (kind: string, input: number[], output: number[], params: number, config: Layer['config'] = {}): Layer =>
      ({ name: kind, kind, params, config, input: [1, ...input], output: [1, ...output], nodeIds: [] });
    const conv = torchstatCounts(layer('Conv2d', [3, 16, 16], [8, 16, 16], 224, { kernel_size: [3, 3], groups: 1, bias: true }));
    assert.deepEqual(conv, { MAdd: 110592, Flops: 57344, MemRead: 3968, MemWrite: 8192 });
    const grouped = torchstatCounts(layer('Conv2d', [8, 16, 16], [8, 16, 16], 288, { kernel_size: [3, 3], groups: 2, bias: false }));
    assert.deepEqual([grouped.MAdd, grouped.Flops], [145408, 73728]);
    const bn = torchstatCounts(layer('BatchNorm2d', [8, 16, 16], [8, 16, 16], 16));
    assert.deepEqual([bn.MAdd, bn.Flops, bn.MemRead], [8192, 4096, 8256]);
    const maxpool = torchstatCounts(layer('MaxPool2d', [8, 16, 16], [8, 8, 8], 0, { kernel_size: [2, 2] }));
    assert.deepEqual([maxpool.MAdd, maxpool.Flops], [1536, 2048]);
    const avgpool = torchstatCounts(layer('AvgPool2d', [8, 8, 8], [8, 4, 4], 0, { kernel_size: [2, 2] }));
    assert.deepEqual([avgpool.MAdd, avgpool.Flops], [512, 512]);
    assert.equal(torchstatCounts(layer('Upsample', [8, 4, 4], [8, 8, 8], 0)).Flops, 64);
    assert.equal(torchstatCounts(layer('Softmax', [8], [8], 0)).MAdd, 23);
    assert.deepEqual(torchstatCounts(layer('AdaptiveMaxPool2d', [8, 16, 16], [8, 1, 1], 0)), { MAdd: 0, Flops: 0, MemRead: 0, MemWrite: 0 });
  });

  it('rounds like torchstat\'s round_value (Python round and str)', () => {
    assert.equal(roundValue(992), '992');
    assert.equal(roundValue(2432, true), '2.38K');
    assert.equal(roundValue(1024, true), '1.0K');
    assert.equal(roundValue(1_500_000), '1.5M');
    assert.equal(pyRound2(0.125), 0.12);
    assert.equal(pyRound2(0.375), 0.38);
  });
});

describe('other conventions on the reference block (numbers from the counters themselves)', () => {
  const analysis = analyzeOnnx(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_max.onnx')), { inputShape: [1, 32, 16, 16] });
  const avg = analyzeOnnx(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx')));
  it('macs (torchinfo): 512', () => assert.equal(avg.table('macs').totals.counts['MACs'], 512));
  it('fvcore: 8,704 (pool 8,192 + two linears)', () => assert.equal(avg.table('fvcore').totals.counts['flops'], 8704));
  it('onnx-tool: 18,056 (GAP 8,320, MatMul 256 + 256, Relu 8, Sigmoid 1,024, Mul 8,192)', () => {
    const t = avg.table('onnx-tool');
    assert.equal(t.totals.counts['MACs'], 18056);
    assert.deepEqual(t.rows.map((r) => r.counts['MACs']), [8320, 256, 8, 256, 1024, 8192]);
  });
  it('onnx-tool on SqueezeExcitation(32, 8): 18,096', () => assert.equal(analyzeModel(torchvisionSE()).table('onnx-tool').totals.counts['MACs'], 18096));
  it('fvcore does not count an adaptive max pool', () => assert.equal(analysis.table('fvcore').totals.counts['flops'], 512));
});

/** torchvision.ops.SqueezeExcitation(32, 8) as torch.onnx exports it (Mul(scale, input) operand order). */
function torchvisionSE(): Model {
  const f32 = (name: string, shape: number[]) => [name, { name, dtype: 'float32' as const, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) }] as const;
  const graph: Graph = {
    name: 'se',
    nodes: [
      { id: '/avgpool/GlobalAveragePool', op: 'GlobalAveragePool', domain: '', attrs: {}, inputs: ['input'], outputs: ['p'], scope: 'avgpool' },
      { id: '/fc1/Conv', op: 'Conv', domain: '', attrs: { kernel_shape: { type: 'ints', value: [1, 1] } }, inputs: ['p', 'fc1.weight', 'fc1.bias'], outputs: ['a'], scope: 'fc1' },
      { id: '/activation/Relu', op: 'Relu', domain: '', attrs: {}, inputs: ['a'], outputs: ['b'], scope: 'activation' },
      { id: '/fc2/Conv', op: 'Conv', domain: '', attrs: { kernel_shape: { type: 'ints', value: [1, 1] } }, inputs: ['b', 'fc2.weight', 'fc2.bias'], outputs: ['c'], scope: 'fc2' },
      { id: '/scale_activation/Sigmoid', op: 'Sigmoid', domain: '', attrs: {}, inputs: ['c'], outputs: ['scale'], scope: 'scale_activation' },
      { id: '/Mul', op: 'Mul', domain: '', attrs: {}, inputs: ['scale', 'input'], outputs: ['output'], scope: '' },
    ],
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 32, 16, 16] }],
    outputs: [{ name: 'output', dtype: 'float32', shape: [1, 32, 16, 16] }],
    initializers: new Map([f32('fc1.weight', [8, 32, 1, 1]), f32('fc1.bias', [8]), f32('fc2.weight', [32, 8, 1, 1]), f32('fc2.bias', [32])]),
    values: new Map([['input', { name: 'input', dtype: 'float32', shape: [1, 32, 16, 16] }]]),
  };
  return { graph, opsets: [{ domain: '', version: 13 }], irVersion: 8, producer: 'test', functions: [], layout: 'NCHW' };
}

describe('torchstat convention on TF.js source (NHWC)', () => {
  it('counts Dense layers with the Linear formulas and keeps NHWC shapes in the rows', async () => {
    const { analyzeFixture, unitNamed } = await import('./source-loader.js');
    const unit = unitNamed(await analyzeFixture('tfjs_se_functional.ts'), 'model');
    const t = unit.table!;
    const dense = t.rows.find((r) => r.kind === 'Dense' && r.outputShape[0] === 4)!;
    // Dense(64 → 4, bias): MAdd 4·(64 + 63), Flops 64·4, MemRead (64 + 260)·4, MemWrite 4·4.
    assert.deepEqual([dense.params, dense.counts['MAdd'], dense.counts['Flops'], dense.counts['MemRead'], dense.counts['MemWrite']], [260, 508, 256, 1296, 16]);
    const pool = t.rows.find((r) => r.kind === 'GlobalAveragePooling2D')!;
    assert.deepEqual(pool.inputShape, [56, 56, 64]);
    assert.equal(pool.counts['MAdd'], 0);
    assert.equal(t.totals.params, 580);
    assert.ok(t.footnotes.some((f) => f.includes('NHWC')));
  });
});

/**
 * The torchstat table of one SE block of a TF.js fixture: a helper's blocks live in the model unit that
 * calls it, under the helper's call path as block id.
 */
async function blockTable(fixture: string, blockId: string): Promise<StatsTable> {
  const { analyzeFixture } = await import('./source-loader.js');
  const analysis = await analyzeFixture(fixture);
  for (const unit of analysis.units) {
    const block = unit.blocks.find((b) => b.id === blockId);
    if (block) return computeStats(unit.model, 'torchstat', { block });
  }
  throw new Error(`no block ${blockId} in ${fixture}; have ${analysis.units.flatMap((u) => u.blocks.map((b) => `${u.name}:${b.id}`)).join(', ')}`);
}

describe('Dense / Linear on an N-D input: counted per position', () => {
  it('the reshape-then-dense TF.js SE block: shapes and params from TF.js itself, counts by the per-position formula', async () => {
    const tf = await import('@tensorflow/tfjs');
    // The fixture's layers, built by TF.js: the shapes its Dense layers see and their parameter counts.
    const input = tf.input({ shape: [56, 56, 64] });
    const pooled = tf.layers.globalAveragePooling2d({}).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
    const squeeze = tf.layers.reshape({ targetShape: [1, 1, 64] }).apply(pooled) as import('@tensorflow/tfjs').SymbolicTensor;
    const dense1 = tf.layers.dense({ units: 4, activation: 'relu' });
    const dense2 = tf.layers.dense({ units: 64, activation: 'sigmoid' });
    const excite = dense1.apply(squeeze) as import('@tensorflow/tfjs').SymbolicTensor;
    dense2.apply(excite);
    const tfRows = [
      { inShape: squeeze.shape, outShape: excite.shape, params: dense1.countParams() },
      { inShape: excite.shape, outShape: [...excite.shape.slice(0, -1), 64], params: dense2.countParams() },
    ];

    const t = await blockTable('tfjs_se_reshape_dense.ts', 'seReshapeFirst');
    const dense = t.rows.filter((r) => r.kind === 'Dense');
    assert.equal(dense.length, 2);
    dense.forEach((row, i) => {
      const tfRow = tfRows[i]!;
      const inF = tfRow.inShape[tfRow.inShape.length - 1] as number;
      const outF = tfRow.outShape[tfRow.outShape.length - 1] as number;
      const positions = (tfRow.inShape.slice(1, -1) as number[]).reduce((a, b) => a * b, 1);
      assert.deepEqual(row.inputShape, tfRow.inShape.slice(1));
      assert.equal(row.params, tfRow.params);
      assert.equal(row.counts['MAdd'], positions * outF * (2 * inF - 1));
      assert.equal(row.counts['Flops'], positions * inF * outF);
      assert.equal(row.counts['MemRead'], (positions * inF + tfRow.params) * 4);
      assert.equal(row.counts['MemWrite'], positions * outF * 4);
      assert.ok(row.note?.includes('per position'), 'torchstat would refuse a 4-D Linear: the row says how it was counted');
    });
    // One position each: the same numbers as the flat GAP → Dense block, whose Dense layers torchstat counts as 2-D.
    const flatTable = await blockTable('tfjs_se_functional.ts', 'seBlock');
    const flat = flatTable.rows.filter((r) => r.kind === 'Dense');
    assert.equal(flat.length, 2);
    assert.deepEqual(dense.map((r) => r.counts), flat.map((r) => r.counts));
    assert.equal(t.totals.counts['MAdd'], flatTable.totals.counts['MAdd']);
    assert.ok(t.footnotes.some((f) => f.includes('per position')));
  });

  it('a Linear on [B, 5, 7, 32] counts 35 positions', () => {
    const layer: Layer = { name: 'fc', kind: 'Linear', params: 32 * 8, config: { in_features: 32, out_features: 8, bias: false }, input: [1, 5, 7, 32], output: [1, 5, 7, 8], nodeIds: [] };
    const counts = torchstatCounts(layer);
    assert.deepEqual([counts.MAdd, counts.Flops, counts.MemRead, counts.MemWrite], [35 * 504, 35 * 256, (35 * 32 + 256) * 4, 35 * 8 * 4]);
  });
});
