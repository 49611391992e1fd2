import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import type { StatsRow, StatsTable } from '../../src/core/stats/table.js';
import { torchstatCounts } from '../../src/core/stats/torchstat.js';
import { analyzeText } from './source-loader.js';

/**
 * The torchstat counting rules for TF.js layers torchstat has no class for, checked against TF.js itself:
 * each layer is built by `@tensorflow/tfjs` (its output shape and `countParams()` are the truth), the same
 * factory call is analysed by SE Lens, and the counts must be the README's formula applied to TF.js's
 * shapes and parameter count.
 */
const prod = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);
const ITEM = 4;

interface Built {
  readonly input: number[];
  readonly output: number[];
  readonly params: number;
}

/** Builds `call` with TF.js on a `[null, ...input]` symbolic tensor. */
function build(call: string, input: number[]): Built {
  const layer = new Function('tf', `return ${call};`)(tf) as tf.layers.Layer;
  const y = layer.apply(tf.input({ shape: input })) as tf.SymbolicTensor;
  return { input, output: y.shape.slice(1) as number[], params: layer.countParams() };
}

/** The one row SE Lens gives the same call in a TF.js model file. */
async function rowOf(call: string, input: number[]): Promise<StatsRow> {
  const rows = (await tableOf(call, input)).rows;
  assert.equal(rows.length, 1, `${call}: one row expected, got ${rows.map((r) => r.kind).join(', ')}`);
  return rows[0]!;
}

async function tableOf(call: string, input: number[]): Promise<StatsTable> {
  const text = [
    "import * as tf from '@tensorflow/tfjs';",
    `const x = tf.input({ shape: [${input.join(', ')}] });`,
    `const y = ${call}.apply(x) as tf.SymbolicTensor;`,
    'export const model = tf.model({ inputs: x, outputs: y });',
    '',
  ].join('\n');
  const table = (await analyzeText(text, 'typescript')).units.find((u) => u.name === 'model')?.table;
  assert.ok(table, `${call}: a model unit with a table`);
  return table;
}

/** torchstat's Conv2d MAdd and Flops for one convolution over `positions` output positions. */
function conv(cin: number, cout: number, kernel: number, groups: number, bias: boolean, positions: number): [number, number] {
  const kMul = kernel * (cin / groups);
  return [(2 * kMul - 1 + (bias ? 1 : 0)) * positions * cout, kernel * cin * (cout / groups) * positions + (bias ? cout * positions : 0)];
}

async function check(call: string, input: number[], expected: (b: Built) => { MAdd: number; Flops: number; MemRead?: number; MemWrite?: number }, noted = true): Promise<void> {
  const built = build(call, input);
  const row = await rowOf(call, input);
  assert.deepEqual(row.outputShape, built.output, `${call}: output shape`);
  assert.equal(row.params, built.params, `${call}: params (TF.js countParams)`);
  const want = expected(built);
  assert.deepEqual([row.counts['MAdd'], row.counts['Flops']], [want.MAdd, want.Flops], `${call}: MAdd, Flops`);
  if (want.MemRead !== undefined) assert.equal(row.counts['MemRead'], want.MemRead, `${call}: MemRead`);
  assert.equal(row.counts['MemWrite'], want.MemWrite ?? prod(built.output) * ITEM, `${call}: MemWrite`);
  if (noted) assert.ok(row.note, `${call}: a rule torchstat does not have says so in a note`);
}

describe('torchstat rules for TF.js layers, against TF.js shapes and countParams()', () => {
  it('Conv1D and Conv3D: the Conv2d formula over 1 and 3 spatial dims', async () => {
    for (const [call, input] of [['tf.layers.conv1d({ filters: 4, kernelSize: 3 })', [6, 8]], ['tf.layers.conv3d({ filters: 4, kernelSize: 3 })', [6, 6, 6, 8]]] as const) {
      await check(call, [...input], (b) => {
        const cin = b.input[b.input.length - 1]!;
        const cout = b.output[b.output.length - 1]!;
        const [MAdd, Flops] = conv(cin, cout, 3 ** (b.input.length - 1), 1, true, prod(b.output.slice(0, -1)));
        return { MAdd, Flops, MemRead: (prod(b.input) + b.params) * ITEM };
      });
    }
  });

  it('DepthwiseConv2D: a Conv2d grouped by input channel, depthMultiplier outputs each', async () => {
    await check('tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2 })', [6, 6, 8], (b) => {
      const [MAdd, Flops] = conv(8, b.output[2]!, 9, 8, true, prod(b.output.slice(0, 2)));
      return { MAdd, Flops, MemRead: (prod(b.input) + b.params) * ITEM };
    }, false);
  });

  it('SeparableConv2D: its depthwise and pointwise convolutions added', async () => {
    await check('tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2 })', [6, 6, 8], (b) => {
      const positions = prod(b.output.slice(0, 2));
      const [dMAdd, dFlops] = conv(8, 16, 9, 8, false, positions);
      const [pMAdd, pFlops] = conv(16, b.output[2]!, 1, 1, true, positions);
      return { MAdd: dMAdd + pMAdd, Flops: dFlops + pFlops, MemRead: (prod(b.input) + b.params) * ITEM };
    });
  });

  it('SeparableConv2D from a model.json config (no depthMultiplier): the middle width follows from TF.js\'s parameter count', async () => {
    const call = 'tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2 })';
    const built = build(call, [6, 6, 8]);
    const counts = torchstatCounts({
      name: 'sep', kind: 'SeparableConv2D', params: built.params, config: { in_channels: 8, out_channels: 4, kernel_size: [3, 3], groups: 1, bias: true },
      input: [1, 8, 6, 6], output: [1, ...built.output.slice(-1), ...built.output.slice(0, -1)], nodeIds: [],
    });
    const row = await rowOf(call, [6, 6, 8]);
    assert.deepEqual([counts.MAdd, counts.Flops, counts.MemRead, counts.MemWrite], [row.counts['MAdd'], row.counts['Flops'], row.counts['MemRead'], row.counts['MemWrite']]);
  });

  it('Conv2DTranspose: torchstat\'s ConvTranspose2d MAdd over the input positions, no Flops rule', async () => {
    await check('tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2 })', [6, 6, 8], (b) => ({ MAdd: conv(8, b.output[2]!, 9, 1, true, prod(b.input.slice(0, 2)))[0], Flops: 0, MemRead: 0, MemWrite: 0 }));
  });

  it('LayerNormalization: the BatchNorm2d formula over every input element', async () => {
    await check('tf.layers.layerNormalization()', [6, 8], (b) => ({ MAdd: 4 * prod(b.input), Flops: 2 * prod(b.input), MemRead: (prod(b.input) + b.params) * ITEM }));
  });

  it('LSTM, GRU, SimpleRNN: one Linear (input + units → gates · units) per step', async () => {
    for (const [cls, gates] of [['lstm', 4], ['gru', 3], ['simpleRNN', 1]] as const) {
      for (const sequences of [false, true]) {
        await check(`tf.layers.${cls}({ units: 4, returnSequences: ${sequences} })`, [6, 8], (b) => {
          const [steps, inF] = b.input as [number, number];
          const out = gates * 4;
          return { MAdd: steps * out * (2 * (inF + 4) - 1), Flops: steps * (inF + 4) * out, MemRead: (steps * inF + b.params) * ITEM };
        });
      }
    }
  });

  it('Embedding: a lookup, no multiply-adds, said in a note', async () => {
    await check('tf.layers.embedding({ inputDim: 10, outputDim: 4 })', [6], (b) => ({ MAdd: 0, Flops: 0, MemRead: (prod(b.input) + prod(b.output)) * ITEM }));
  });
});

describe('channels-first TF.js layers (dataFormat: channelsFirst) count as their channels-last twins', () => {
  const cases: [string, string][] = [
    ["tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2, dataFormat: 'channelsFirst' })", 'tf.layers.conv2d({ filters: 4, kernelSize: 3, strides: 2 })'],
    ["tf.layers.depthwiseConv2d({ kernelSize: 3, dataFormat: 'channelsFirst' })", 'tf.layers.depthwiseConv2d({ kernelSize: 3 })'],
    ["tf.layers.separableConv2d({ filters: 4, kernelSize: 3, dataFormat: 'channelsFirst' })", 'tf.layers.separableConv2d({ filters: 4, kernelSize: 3 })'],
    ["tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, dataFormat: 'channelsFirst' })", 'tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3 })'],
    ["tf.layers.maxPooling2d({ poolSize: 2, dataFormat: 'channelsFirst' })", 'tf.layers.maxPooling2d({ poolSize: 2 })'],
    ["tf.layers.averagePooling2d({ poolSize: 2, dataFormat: 'channelsFirst' })", 'tf.layers.averagePooling2d({ poolSize: 2 })'],
    ["tf.layers.upSampling2d({ size: [2, 2], dataFormat: 'channelsFirst' })", 'tf.layers.upSampling2d({ size: [2, 2] })'],
    ['tf.layers.batchNormalization({ axis: 1 })', 'tf.layers.batchNormalization()'],
  ];
  it('footnotes name the layout the layers ran in, not the source language', async () => {
    const first = (await tableOf("tf.layers.conv2d({ filters: 4, kernelSize: 3, dataFormat: 'channelsFirst' })", [8, 10, 6])).footnotes;
    const last = (await tableOf('tf.layers.conv2d({ filters: 4, kernelSize: 3 })', [10, 6, 8])).footnotes;
    assert.ok(!first.some((f) => f.includes('Channels-last')), first.join('\n'));
    assert.ok(last.some((f) => f.startsWith('Channels-last (NHWC)')), last.join('\n'));
    for (const notes of [first, last]) {
      assert.ok(notes.some((f) => f.includes('Conv2D as Conv2d')));
      assert.ok(!notes.some((f) => f.includes('TF.js model')));
    }
  });

  for (const [first, last] of cases) {
    it(first, async () => {
      const nchw = await rowOf(first, [8, 10, 6]);
      const nhwc = await rowOf(last, [10, 6, 8]);
      // TF.js's own shapes and parameter counts for both: the same layer, its axes moved.
      const [bFirst, bLast] = [build(first, [8, 10, 6]), build(last, [10, 6, 8])];
      assert.deepEqual(nchw.outputShape, bFirst.output);
      assert.deepEqual(nhwc.outputShape, bLast.output);
      assert.equal(nchw.params, bFirst.params);
      assert.equal(bFirst.params, bLast.params);
      assert.deepEqual(nchw.counts, nhwc.counts);
      if (bFirst.params > 0) assert.ok((nchw.counts['MAdd'] ?? 0) > 0, 'a weighted layer is never a silent 0');
    });
  }
});
