import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attrFloat, attrInt, attrInts } from '../../src/core/ir/graph-index.js';
import { analyzeFixture, analyzeText, analyzer, fixtureText, graphProblems, ops, serialize, unitNamed } from './source-loader.js';

describe('TF.js front-end', () => {
  it('finds the usual functional SE block (C 64, r 16) with 580 params and NHWC shapes, in the model the file builds', async () => {
    const analysis = await analyzeFixture('tfjs_se_functional.ts');
    // seBlock is reached from the model: it is no unit of its own, its block sits in the model.
    assert.deepEqual(analysis.units.map((u) => [u.name, u.kind]), [['model', 'model']]);
    const unit = unitNamed(analysis, 'model');
    assert.equal(unit.model.layout, 'NHWC');
    assert.deepEqual(unit.inputShape, [1, 56, 56, 64]);
    assert.equal(unit.inputShapeSource, 'call-site');
    assert.equal(unit.partial, false);
    assert.deepEqual(graphProblems(unit.model), []);
    assert.deepEqual(ops(unit.model), ['ReduceMean', 'Gemm', 'Relu', 'Gemm', 'Sigmoid', 'Reshape', 'Mul']);
    const mean = unit.model.graph.nodes[0]!;
    assert.deepEqual(attrInts(mean, 'axes'), [1, 2]);
    assert.equal(attrInt(mean, 'keepdims'), 0);
    const g = unit.model.graph;
    const dense = g.nodes[1]!;
    assert.deepEqual(g.initializers.get(dense.inputs[1]!)!.shape, [64, 4], 'TF.js kernels are [in, units]');
    assert.deepEqual(g.initializers.get(dense.inputs[2]!)!.shape, [4]);
    const reshape = g.nodes[5]!;
    assert.deepEqual(g.initializers.get(reshape.inputs[1]!)!.values, [1, 1, 1, 64]);
    assert.deepEqual(g.values.get(reshape.outputs[0]!)!.shape, [1, 1, 1, 64]);
    assert.deepEqual(g.outputs.map((o) => o.shape), [[1, 56, 56, 64]]);
    assert.deepEqual(g.modules!.map((m) => [m.path, m.kind, m.params, m.nodeIds.length]), [
      ['global_average_pooling2d', 'GlobalAveragePooling2D', 0, 1],
      ['dense', 'Dense', 64 * 4 + 4, 2],
      ['dense_1', 'Dense', 4 * 64 + 64, 2],
      ['reshape', 'Reshape', 0, 1],
      ['multiply', 'Multiply', 0, 1],
    ]);
    assert.deepEqual(g.modules![1]!.config, { units: 4, activation: 'relu', useBias: true, in_features: 64, out_features: 4, bias: true });
    assert.deepEqual(unit.lineShapes.map((l) => [l.line, l.names[0], l.shapes[0]]), [
      [5, 'squeeze', [1, 64]],
      [6, 'excite', [1, 4]],
      [7, 'gate', [1, 64]],
      [8, 'scale', [1, 1, 1, 64]],
      [9, 'return', [1, 56, 56, 64]],
    ]);
    assert.equal(unit.blocks.length, 1);
    const b = unit.blocks[0]!;
    assert.deepEqual([b.channels, b.squeezeChannels, b.reductionRatio, b.pooling, b.fcBias, b.gate, b.params], [64, 4, 16, 'avg', true, 'sigmoid', 580]);
    assert.equal(unit.table!.totals.params, 580);
  });

  it('the tf.model of the file is the same block, pruned from the top-level graph', async () => {
    const unit = unitNamed(await analyzeFixture('tfjs_se_functional.ts'), 'model');
    assert.equal(unit.range.startLine, 14);
    assert.deepEqual(unit.inputShape, [1, 56, 56, 64]);
    assert.deepEqual(ops(unit.model), ['ReduceMean', 'Gemm', 'Relu', 'Gemm', 'Sigmoid', 'Reshape', 'Mul']);
    assert.deepEqual(graphProblems(unit.model), []);
    assert.equal(unit.blocks.length, 1);
    assert.equal(unit.blocks[0]!.params, 580);
    assert.equal(unit.blocks[0]!.range!.startLine, 3, 'shown at the builder function');
    assert.equal(unit.blocks[0]!.id, 'seBlock', 'named after the builder that wrote it');
    assert.ok(unit.model.graph.nodes.every((n) => n.scope === 'seBlock'));
  });

  it('without bias the same block counts 512', async () => {
    const unit = unitNamed(await analyzeFixture('tfjs_se_no_bias.ts'), 'model');
    assert.equal(unit.blocks.length, 1);
    assert.equal(unit.blocks[0]!.params, 512);
    assert.equal(unit.blocks[0]!.fcBias, false);
    assert.equal(unit.model.graph.nodes[1]!.inputs.length, 2);
    assert.equal(unit.table!.totals.params, 512);
  });

  it('a helper no model reaches is analysed on its own, at its input comment', async () => {
    const text = fixtureText('tfjs_se_no_bias.ts');
    const helperOnly = text.slice(0, text.indexOf('const input'));
    const analysis = await analyzeText(helperOnly.replace('export function', '// se-lens: input=[1,8,8,64]\nexport function'), 'typescript');
    const unit = unitNamed(analysis, 'seBlock');
    assert.equal(unit.kind, 'function');
    assert.equal(unit.inputShapeSource, 'comment');
    assert.deepEqual(unit.inputShape, [1, 8, 8, 64]);
    assert.equal(unit.blocks[0]!.params, 512);
  });

  it('tf.sequential with add(): input from inputShape, conv in NCHW between transposes', async () => {
    const analysis = await analyzeFixture('tfjs_sequential.ts');
    const unit = unitNamed(analysis, 'head');
    assert.equal(unit.kind, 'sequential');
    assert.deepEqual(unit.inputShape, [1, 32, 32, 3]);
    assert.deepEqual(ops(unit.model), ['Transpose', 'Conv', 'Transpose', 'Relu', 'ReduceMean', 'Gemm', 'Softmax']);
    const conv = unit.model.graph.nodes[1]!;
    assert.deepEqual(attrInts(conv, 'pads'), [1, 1, 1, 1]);
    assert.deepEqual(unit.model.graph.initializers.get(conv.inputs[1]!)!.shape, [16, 3, 3, 3]);
    assert.deepEqual(unit.model.graph.modules!.map((m) => [m.path, m.params]), [['conv2d', 3 * 3 * 3 * 16 + 16], ['global_average_pooling2d', 0], ['dense', 16 * 10 + 10]]);
    assert.deepEqual(unit.model.graph.outputs[0]!.shape, [1, 10]);
    assert.equal(unit.blocks.length, 0);
    assert.deepEqual(graphProblems(unit.model), []);
  });

  it('builder functions with named imports, max pooling and hardSigmoid: the block at its call site in the model', async () => {
    const analysis = await analyzeFixture('tfjs_builder.ts');
    // Both helpers are reached from `net`: the input comment on squeezeExcite yields to the real call.
    assert.deepEqual(analysis.units.map((u) => u.name), ['net']);
    const net = unitNamed(analysis, 'net');
    assert.deepEqual(net.inputShape, [1, 28, 28, 1]);
    assert.equal(ops(net.model).includes('ReduceMax'), true);
    const hs = net.model.graph.nodes.find((n) => n.op === 'HardSigmoid')!;
    assert.equal(attrFloat(hs, 'alpha', 0), 0.2, "TF.js hardSigmoid is 0.2x + 0.5");
    assert.equal(net.blocks.length, 1);
    const block = net.blocks[0]!;
    assert.deepEqual([block.channels, block.squeezeChannels, block.pooling, block.gate, block.params], [32, 4, 'max', 'hardsigmoid', 256]);
    assert.equal(block.id, 'convBlock.squeezeExcite', 'the call path');
    assert.equal(block.range!.startLine, 3, 'the block is shown at squeezeExcite');
    assert.equal(net.table!.totals.params, 9 * 32 + 32 + 256);
  });

  it('reports layers and calls it cannot interpret, and keeps going', async () => {
    const src = [
      "import * as tf from '@tensorflow/tfjs';",
      'function block(x: tf.SymbolicTensor) {',
      // Not a TF.js layer (Keras has it): reported, never guessed.
      '  const y = tf.layers.multiHeadAttention({ numHeads: 2, keyDim: 8 }).apply(x) as tf.SymbolicTensor;',
      "  const z = tf.layers.dense({ units: 4, activation: 'hardSwish' }).apply(x) as tf.SymbolicTensor;",
      '  return tf.layers.add().apply([x, z]);',
      '}',
    ].join('\n');
    const unit = unitNamed(await analyzeText(src, 'typescript', { defaultInput: { channels: 4 } }), 'block');
    assert.equal(unit.partial, true);
    assert.deepEqual(unit.unknowns.map((u) => [u.range.startLine, u.note]), [
      [2, 'tf.layers.multiHeadAttention is not interpreted'],
      [3, "activation 'hardSwish' is not interpreted"],
    ]);
    assert.deepEqual(unit.inputShape, [1, 56, 56, 4]);
    assert.deepEqual(ops(unit.model), ['Unknown', 'MatMul', 'Add', 'Unknown', 'Add']);
    assert.equal(unit.model.graph.nodes[0]!.note, 'tf.layers.multiHeadAttention is not interpreted');
    assert.deepEqual(graphProblems(unit.model), []);
  });
});

describe('TF.js front-end: classes', () => {
  it('a class with parameter properties and an apply method, made and applied by the file', async () => {
    const unit = unitNamed(await analyzeFixture('tfjs_class_builder.ts'), 'SqueezeExcite');
    assert.equal(unit.kind, 'class');
    assert.deepEqual(unit.inputShape, [1, 14, 14, 128]);
    assert.equal(unit.inputShapeSource, 'call-site');
    assert.deepEqual(unit.arguments, { ratio: 8, useBias: false });
    assert.equal(unit.partial, false);
    assert.equal(unit.blocks.length, 1);
    assert.deepEqual([unit.blocks[0]!.channels, unit.blocks[0]!.squeezeChannels, unit.blocks[0]!.params], [128, 16, 2 * 128 * 16]);
    assert.deepEqual(unit.blocks[0]!.range, unit.range);
    assert.deepEqual(graphProblems(unit.model), []);
  });
});

describe('TF.js front-end: a helper first run by a later version of a document', () => {
  const SE_MODEL = (body: string) => `import * as tf from '@tensorflow/tfjs';
// Größe, 尺寸 and 🙂: text before a body moves its offsets in UTF-16 and in bytes differently.
function seBlock(c: number, x: tf.SymbolicTensor): tf.SymbolicTensor {
  // 🙂 a comment inside the body.
  let s = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  s = tf.layers.dense({ units: c / 4, activation: 'relu' }).apply(s) as tf.SymbolicTensor; // «squeeze»
  s = tf.layers.dense({ units: c, activation: 'sigmoid' }).apply(s) as tf.SymbolicTensor;
  s = tf.layers.reshape({ targetShape: [1, 1, c] }).apply(s) as tf.SymbolicTensor;
  return tf.layers.multiply().apply([x, s]) as tf.SymbolicTensor;
}
export function build(): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 16] });
  let x = tf.layers.conv2d({ filters: 32, kernelSize: 1 }).apply(input) as tf.SymbolicTensor;
  ${body}
  return tf.model({ inputs: input, outputs: x });
}
`;

  it('gives what a fresh analysis gives, with ranges right after non-ASCII text (its statement\'s snapshot is kept from the first version)', async () => {
    const a = await analyzer();
    const key = 'deferred-bodies.ts';
    try {
      // seBlock's first parameter is no tensor: nothing runs it until build calls it.
      const first = a.analyze(SE_MODEL('x = tf.layers.reLU().apply(x) as tf.SymbolicTensor;'), 'typescript', { documentKey: key });
      assert.deepEqual(first.units.map((u) => [u.name, u.blocks.length]), [['build', 0]]);
      // Only build's body changes: seBlock's statement keeps its snapshot.
      const text = SE_MODEL('x = seBlock(32, x);');
      const second = a.analyze(text, 'typescript', { documentKey: key });
      assert.deepEqual(unitNamed(second, 'build').blocks.map((b) => [b.channels, b.squeezeChannels, b.params]), [[32, 8, 552]]);
      assert.equal(serialize(second), serialize(await analyzeText(text, 'typescript')));
      // Ranges inside the kept statement are the document's own.
      const lines = text.split('\n');
      const squeeze = unitNamed(second, 'build').model.graph.modules!.find((m) => m.kind === 'Dense' && m.params === 264)!;
      assert.equal(squeeze.range?.startLine, lines.findIndex((l) => l.includes('«squeeze»')));
      assert.equal(squeeze.range?.startColumn, lines[squeeze.range!.startLine]!.indexOf('tf.layers.dense'));
    } finally {
      a.forget(key);
    }
  });
});
