import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../src/core/analyze.js';
import type { AttrValue, Graph, Model, Node } from '../../src/core/ir/graph.js';
import { inferShapes } from '../../src/core/shapes/infer.js';
import { isKnownLayer } from '../../src/core/source/python/library/nn-layers.js';
import { IDENTITY_LAYERS, LAYER_CLASSES } from '../../src/core/source/typescript/layer-catalogue.js';
import type { StatsTable } from '../../src/core/stats/table.js';
import { analyzeText } from './source-loader.js';

/**
 * Every layer kind the front-ends produce, over input ranks 2–5 (batch included): a row with weights
 * whose input the front-end could shape must have non-zero torchstat MAdd and Flops, or a note saying
 * why the convention leaves it at 0. Ranks a layer cannot take are skipped, but each kind takes one.
 */
const RANKS = [2, 3, 4, 5];
const C = 8;

function problems(table: StatsTable, where: string): string[] {
  const found: string[] = [];
  for (const r of table.rows) {
    if (r.params === 0 || !r.outputShape.length) continue;
    const counts = table.convention === 'torchstat' ? [r.counts['MAdd'], r.counts['Flops']] : Object.values(r.counts);
    if (counts.some((v) => v === 0 || v === undefined || !Number.isFinite(v)) && !r.note) found.push(`${where}: ${r.name} (${r.kind}) counts ${JSON.stringify(r.counts)} with ${r.params} params and no note`);
  }
  return found;
}

const shapeOfRank = (rank: number) => [1, ...Array.from({ length: rank - 2 }, () => 6), C];
const channelsFirst = (rank: number) => [1, C, ...Array.from({ length: rank - 2 }, () => 6)];

/** PyTorch constructors, each applied to a channels-first input of rank r (Linear to features-last). */
const PYTHON_CASES: Record<string, { ctor: string; input: (rank: number) => number[] }> = {
  Linear: { ctor: `nn.Linear(${C}, 4)`, input: shapeOfRank },
  Conv1d: { ctor: `nn.Conv1d(${C}, 4, 3)`, input: channelsFirst },
  Conv2d: { ctor: `nn.Conv2d(${C}, 4, 3, stride=2, groups=2)`, input: channelsFirst },
  BatchNorm1d: { ctor: `nn.BatchNorm1d(${C})`, input: channelsFirst },
  BatchNorm2d: { ctor: `nn.BatchNorm2d(${C})`, input: channelsFirst },
  ReLU: { ctor: 'nn.ReLU()', input: channelsFirst },
  ReLU6: { ctor: 'nn.ReLU6()', input: channelsFirst },
  LeakyReLU: { ctor: 'nn.LeakyReLU(0.1)', input: channelsFirst },
  PReLU: { ctor: `nn.PReLU(${C})`, input: channelsFirst },
  SiLU: { ctor: 'nn.SiLU()', input: channelsFirst },
  GELU: { ctor: 'nn.GELU()', input: channelsFirst },
  Hardswish: { ctor: 'nn.Hardswish()', input: channelsFirst },
  Sigmoid: { ctor: 'nn.Sigmoid()', input: channelsFirst },
  Hardsigmoid: { ctor: 'nn.Hardsigmoid()', input: channelsFirst },
  Tanh: { ctor: 'nn.Tanh()', input: channelsFirst },
  Identity: { ctor: 'nn.Identity()', input: channelsFirst },
  Dropout: { ctor: 'nn.Dropout(0.2)', input: channelsFirst },
  Flatten: { ctor: 'nn.Flatten()', input: channelsFirst },
  Softmax: { ctor: 'nn.Softmax(dim=1)', input: channelsFirst },
  AdaptiveAvgPool2d: { ctor: 'nn.AdaptiveAvgPool2d(1)', input: channelsFirst },
  AdaptiveMaxPool2d: { ctor: 'nn.AdaptiveMaxPool2d(1)', input: channelsFirst },
  AvgPool2d: { ctor: 'nn.AvgPool2d(2)', input: channelsFirst },
  MaxPool2d: { ctor: 'nn.MaxPool2d(2)', input: channelsFirst },
  Conv3d: { ctor: `nn.Conv3d(${C}, 4, 3)`, input: channelsFirst },
  BatchNorm3d: { ctor: `nn.BatchNorm3d(${C})`, input: channelsFirst },
  InstanceNorm1d: { ctor: `nn.InstanceNorm1d(${C}, affine=True)`, input: channelsFirst },
  InstanceNorm2d: { ctor: `nn.InstanceNorm2d(${C}, affine=True)`, input: channelsFirst },
  InstanceNorm3d: { ctor: `nn.InstanceNorm3d(${C}, affine=True)`, input: channelsFirst },
  GroupNorm: { ctor: `nn.GroupNorm(2, ${C})`, input: channelsFirst },
  LayerNorm: { ctor: `nn.LayerNorm(${C})`, input: shapeOfRank },
  ELU: { ctor: 'nn.ELU()', input: channelsFirst },
  CELU: { ctor: 'nn.CELU()', input: channelsFirst },
  SELU: { ctor: 'nn.SELU()', input: channelsFirst },
  Mish: { ctor: 'nn.Mish()', input: channelsFirst },
  Softplus: { ctor: 'nn.Softplus()', input: channelsFirst },
  Hardtanh: { ctor: 'nn.Hardtanh()', input: channelsFirst },
  AlphaDropout: { ctor: 'nn.AlphaDropout(0.2)', input: channelsFirst },
  Dropout1d: { ctor: 'nn.Dropout1d(0.2)', input: channelsFirst },
  Dropout2d: { ctor: 'nn.Dropout2d(0.2)', input: channelsFirst },
  Dropout3d: { ctor: 'nn.Dropout3d(0.2)', input: channelsFirst },
  AdaptiveAvgPool1d: { ctor: 'nn.AdaptiveAvgPool1d(1)', input: channelsFirst },
  AdaptiveAvgPool3d: { ctor: 'nn.AdaptiveAvgPool3d(1)', input: channelsFirst },
  AdaptiveMaxPool1d: { ctor: 'nn.AdaptiveMaxPool1d(1)', input: channelsFirst },
  AdaptiveMaxPool3d: { ctor: 'nn.AdaptiveMaxPool3d(1)', input: channelsFirst },
  AvgPool1d: { ctor: 'nn.AvgPool1d(2)', input: channelsFirst },
  AvgPool3d: { ctor: 'nn.AvgPool3d(2)', input: channelsFirst },
  MaxPool1d: { ctor: 'nn.MaxPool1d(2)', input: channelsFirst },
  MaxPool3d: { ctor: 'nn.MaxPool3d(2)', input: channelsFirst },
  ConstantPad1d: { ctor: 'nn.ConstantPad1d(1, 0.0)', input: channelsFirst },
  ConstantPad2d: { ctor: 'nn.ConstantPad2d(1, 0.0)', input: channelsFirst },
  ConstantPad3d: { ctor: 'nn.ConstantPad3d(1, 0.0)', input: channelsFirst },
  ReflectionPad1d: { ctor: 'nn.ReflectionPad1d(1)', input: channelsFirst },
  ReflectionPad2d: { ctor: 'nn.ReflectionPad2d(1)', input: channelsFirst },
  ReflectionPad3d: { ctor: 'nn.ReflectionPad3d(1)', input: channelsFirst },
  ReplicationPad1d: { ctor: 'nn.ReplicationPad1d(1)', input: channelsFirst },
  ReplicationPad2d: { ctor: 'nn.ReplicationPad2d(1)', input: channelsFirst },
  ReplicationPad3d: { ctor: 'nn.ReplicationPad3d(1)', input: channelsFirst },
  ZeroPad2d: { ctor: 'nn.ZeroPad2d(1)', input: channelsFirst },
};

/**
 * TF.js layer factories, each applied to a channels-last input of rank r (a factory may depend on r);
 * `inputs: 2` applies it to a list of two tensors.
 */
const TFJS_CASES: Record<string, { call: string | ((rank: number) => string); inputs?: number }> = {
  Dense: { call: 'tf.layers.dense({ units: 4 })' },
  Conv1D: { call: 'tf.layers.conv1d({ filters: 4, kernelSize: 3 })' },
  Conv2D: { call: 'tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 })' },
  Conv3D: { call: 'tf.layers.conv3d({ filters: 4, kernelSize: 3 })' },
  Conv2DTranspose: { call: 'tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2 })' },
  DepthwiseConv2D: { call: 'tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 })' },
  SeparableConv2D: { call: 'tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2 })' },
  MaxPooling1D: { call: 'tf.layers.maxPooling1d({ poolSize: 2 })' },
  MaxPooling2D: { call: 'tf.layers.maxPooling2d({ poolSize: 2 })' },
  MaxPooling3D: { call: 'tf.layers.maxPooling3d({ poolSize: 2 })' },
  AveragePooling1D: { call: 'tf.layers.averagePooling1d({ poolSize: 2 })' },
  AveragePooling2D: { call: 'tf.layers.averagePooling2d({ poolSize: 2 })' },
  AveragePooling3D: { call: 'tf.layers.averagePooling3d({ poolSize: 2 })' },
  GlobalAveragePooling1D: { call: 'tf.layers.globalAveragePooling1d({})' },
  GlobalAveragePooling2D: { call: 'tf.layers.globalAveragePooling2d({})' },
  GlobalMaxPooling1D: { call: 'tf.layers.globalMaxPooling1d({})' },
  GlobalMaxPooling2D: { call: 'tf.layers.globalMaxPooling2d({})' },
  BatchNormalization: { call: 'tf.layers.batchNormalization()' },
  LayerNormalization: { call: 'tf.layers.layerNormalization()' },
  Reshape: { call: `tf.layers.reshape({ targetShape: [-1, ${C}] })` },
  Flatten: { call: 'tf.layers.flatten()' },
  Permute: { call: (rank) => `tf.layers.permute({ dims: [${Array.from({ length: rank - 1 }, (_, i) => rank - 1 - i).join(', ')}] })` },
  RepeatVector: { call: 'tf.layers.repeatVector({ n: 3 })' },
  Dropout: { call: 'tf.layers.dropout({ rate: 0.2 })' },
  SpatialDropout1D: { call: 'tf.layers.spatialDropout1d({ rate: 0.2 })' },
  AlphaDropout: { call: 'tf.layers.alphaDropout({ rate: 0.2 })' },
  GaussianDropout: { call: 'tf.layers.gaussianDropout({ rate: 0.2 })' },
  GaussianNoise: { call: 'tf.layers.gaussianNoise({ stddev: 0.1 })' },
  Masking: { call: 'tf.layers.masking({ maskValue: 0 })' },
  InputLayer: { call: (rank) => `tf.layers.inputLayer({ inputShape: [${shapeOfRank(rank).slice(1).join(', ')}] })` },
  Rescaling: { call: 'tf.layers.rescaling({ scale: 0.5, offset: 1 })' },
  Activation: { call: "tf.layers.activation({ activation: 'sigmoid' })" },
  ReLU: { call: 'tf.layers.reLU()' },
  LeakyReLU: { call: 'tf.layers.leakyReLU({ alpha: 0.1 })' },
  ELU: { call: 'tf.layers.elu()' },
  Softmax: { call: 'tf.layers.softmax()' },
  ThresholdedReLU: { call: 'tf.layers.thresholdedReLU()' },
  PReLU: { call: 'tf.layers.prelu()' },
  Add: { call: 'tf.layers.add()', inputs: 2 },
  Multiply: { call: 'tf.layers.multiply()', inputs: 2 },
  Average: { call: 'tf.layers.average()', inputs: 2 },
  Maximum: { call: 'tf.layers.maximum()', inputs: 2 },
  Minimum: { call: 'tf.layers.minimum()', inputs: 2 },
  Concatenate: { call: 'tf.layers.concatenate()', inputs: 2 },
  ZeroPadding2D: { call: 'tf.layers.zeroPadding2d({ padding: 1 })' },
  UpSampling2D: { call: 'tf.layers.upSampling2d({ size: [2, 2] })' },
  Cropping2D: { call: 'tf.layers.cropping2D({ cropping: 1 })' },
  Embedding: { call: 'tf.layers.embedding({ inputDim: 10, outputDim: 4 })' },
  LSTM: { call: 'tf.layers.lstm({ units: 4 })' },
  GRU: { call: 'tf.layers.gru({ units: 4, returnSequences: true })' },
  SimpleRNN: { call: 'tf.layers.simpleRNN({ units: 4 })' },
  Conv3DTranspose: { call: 'tf.layers.conv3dTranspose({ filters: 4, kernelSize: 3 })' },
  Resizing: { call: 'tf.layers.resizing({ height: 4, width: 4 })' },
  CenterCrop: { call: 'tf.layers.centerCrop({ height: 2, width: 2 })' },
  CategoryEncoding: { call: "tf.layers.categoryEncoding({ numTokens: 8, outputMode: 'multiHot' })" },
  RandomWidth: { call: 'tf.layers.randomWidth({ factor: 0.2 })' },
  Dot: { call: 'tf.layers.dot({ axes: -1 })', inputs: 2 },
  ConvLSTM2D: { call: 'tf.layers.convLstm2d({ filters: 4, kernelSize: 3 })' },
  RNN: { call: 'tf.layers.rnn({ cell: tf.layers.simpleRNNCell({ units: 4 }) })' },
  LSTMCell: { call: 'tf.layers.rnn({ cell: tf.layers.lstmCell({ units: 4 }) })' },
  GRUCell: { call: 'tf.layers.rnn({ cell: tf.layers.gruCell({ units: 4 }) })' },
  SimpleRNNCell: { call: 'tf.layers.rnn({ cell: tf.layers.simpleRNNCell({ units: 4 }), returnSequences: true })' },
  // TF.js runs a ConvLSTM2DCell only inside ConvLSTM2D (its RNN checks the cell's input rank).
  ConvLSTM2DCell: { call: 'tf.layers.convLstm2d({ filters: 4, kernelSize: 3, returnSequences: true })' },
  StackedRNNCells: { call: 'tf.layers.rnn({ cell: tf.layers.stackedRNNCells({ cells: [tf.layers.simpleRNNCell({ units: 4 }), tf.layers.simpleRNNCell({ units: 2 })] }) })' },
  Bidirectional: { call: 'tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 4 }) })' },
  TimeDistributed: { call: 'tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 4 }) })' },
};

function pythonSource(ctor: string, input: number[]): string {
  return [
    'import torch.nn as nn',
    `# se-lens: input=[${input.join(',')}]`,
    'class Sweep(nn.Module):',
    '    def __init__(self):',
    '        super().__init__()',
    `        self.layer = ${ctor}`,
    '    def forward(self, x):',
    '        return self.layer(x)',
    '',
  ].join('\n');
}

function tfjsSource(call: string, input: number[], inputs: number): string {
  const args = inputs === 2 ? '[x, x]' : 'x';
  return [
    "import * as tf from '@tensorflow/tfjs';",
    `const x = tf.input({ shape: [${input.slice(1).join(', ')}] });`,
    `const y = ${call}.apply(${args}) as tf.SymbolicTensor;`,
    'export const model = tf.model({ inputs: x, outputs: y });',
    '',
  ].join('\n');
}

describe('torchstat counts on unusual ranks are never silently zero', () => {
  it('has a sweep case for every torch.nn class the Python front-end interprets', () => {
    const { modules } = JSON.parse(readFileSync(new URL('../fixtures/torch_nn_modules.json', import.meta.url), 'utf8')) as { modules: string[] };
    const interpreted = modules.filter((m) => isKnownLayer(m));
    assert.ok(interpreted.includes('Linear') && interpreted.includes('Conv2d'));
    assert.deepEqual(interpreted.filter((m) => !(m in PYTHON_CASES)), []);
    for (const kind of Object.keys(PYTHON_CASES)) assert.ok(isKnownLayer(kind), `${kind} is no longer interpreted`);
  });

  it('has a sweep case for every TF.js layer the TypeScript front-end interprets', () => {
    assert.deepEqual(Object.values(LAYER_CLASSES).filter((k) => !(k in TFJS_CASES)), []);
  });

  it('PyTorch layers, ranks 2–5, every convention', async () => {
    const found: string[] = [];
    for (const [kind, { ctor, input }] of Object.entries(PYTHON_CASES)) {
      let shaped = 0;
      for (const rank of RANKS) {
        const unit = (await analyzeText(pythonSource(ctor, input(rank)), 'python')).units.find((u) => u.name === 'Sweep');
        const table = unit?.table;
        if (!unit || !table || unit.model.graph.nodes.some((n) => n.op === 'Unknown')) continue;
        if (!table.rows.find((r) => r.name === 'layer')?.outputShape.length) continue;
        shaped++;
        found.push(...problems(table, `${kind} rank ${rank}`));
      }
      assert.ok(shaped > 0, `${kind}: no rank in ${RANKS.join(', ')} was shaped by the front-end`);
    }
    assert.deepEqual(found, []);
  });

  it('TF.js layers, ranks 2–5', async () => {
    const found: string[] = [];
    for (const [kind, { call, inputs = 1 }] of Object.entries(TFJS_CASES)) {
      let shaped = 0;
      for (const rank of RANKS) {
        const text = tfjsSource(typeof call === 'string' ? call : call(rank), shapeOfRank(rank), inputs);
        const unit = (await analyzeText(text, 'typescript')).units.find((u) => u.name === 'model');
        const table = unit?.table;
        if (!unit || !table || unit.model.graph.nodes.some((n) => n.op === 'Unknown')) continue;
        // A layer that passes its input through at inference emits no node, so it has no row: its output is the input.
        if (IDENTITY_LAYERS.has(kind) ? unit.model.graph.outputs[0]?.shape?.length !== rank : !table.rows.some((r) => r.outputShape.length)) continue;
        shaped++;
        found.push(...problems(table, `${kind} rank ${rank}`));
      }
      assert.ok(shaped > 0, `${kind}: no rank in ${RANKS.join(', ')} was shaped by the front-end`);
    }
    assert.deepEqual(found, []);
  });

  it('ONNX compute ops with weights, ranks 2–5', () => {
    const found: string[] = [];
    for (const rank of RANKS) {
      const spatial = rank - 2;
      const x = [1, C, ...Array.from({ length: spatial }, () => 6)];
      const kernel = Array.from({ length: spatial }, () => 3);
      const cases: [string, Node[], Record<string, number[]>][] = [
        ['MatMul', [node('MatMul', ['x', 'w'])], { w: [x[x.length - 1]!, 4] }],
        ['BatchNormalization', [node('BatchNormalization', ['x', 's', 'b', 'm', 'v'])], { s: [C], b: [C], m: [C], v: [C] }],
        ['PRelu', [node('PRelu', ['x', 'slope'])], { slope: [C, ...Array.from({ length: spatial }, () => 1)] }],
      ];
      if (rank === 2) cases.push(['Gemm', [node('Gemm', ['x', 'w', 'bias'], { transB: { type: 'int', value: 1 } })], { w: [4, C], bias: [4] }]);
      if (spatial > 0) {
        cases.push(['Conv', [node('Conv', ['x', 'w', 'bias'], { kernel_shape: { type: 'ints', value: kernel } })], { w: [4, C, ...kernel], bias: [4] }]);
        cases.push(['ConvTranspose', [node('ConvTranspose', ['x', 'w'], { kernel_shape: { type: 'ints', value: kernel } })], { w: [C, 4, ...kernel] }]);
      }
      for (const [op, nodes, weights] of cases) {
        const analysis = analyzeModel(onnxModel(nodes, x, weights));
        found.push(...problems(analysis.table('torchstat'), `${op} rank ${rank}`));
        assert.ok(analysis.table('torchstat').rows.some((r) => r.params > 0 && r.outputShape.length), `${op} rank ${rank}: not shaped`);
      }
    }
    assert.deepEqual(found, []);
  });
});

function node(op: string, inputs: string[], attrs: Record<string, AttrValue> = {}): Node {
  return { id: op, op, domain: '', attrs, inputs, outputs: ['y'] };
}

function onnxModel(nodes: Node[], input: number[], weights: Record<string, number[]>): Model {
  const graph: Graph = {
    name: 'sweep',
    nodes,
    inputs: [{ name: 'x', dtype: 'float32', shape: input }],
    outputs: [{ name: 'y', dtype: 'float32', shape: undefined }],
    initializers: new Map(Object.entries(weights).map(([name, shape]) => [name, { name, dtype: 'float32' as const, shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)) }])),
    values: new Map([['x', { name: 'x', dtype: 'float32', shape: input }]]),
  };
  const model: Model = { graph, opsets: [{ domain: '', version: 13 }], irVersion: 8, producer: 'test', functions: [], layout: 'NCHW' };
  inferShapes(model);
  return model;
}
