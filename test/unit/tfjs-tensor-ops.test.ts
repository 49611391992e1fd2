import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeText, graphProblems, unitNamed } from './source-loader.js';

/**
 * tf ops in a custom layer's `call()`, against TF.js. `ops-truth.json` is written by
 * test/fixtures/source/tfjs/generate-truth.mjs: each expression run by `@tensorflow/tfjs` on zeros
 * (input batch 1, weights of the given shapes), with the shape it gives.
 */
interface OpTruth {
  readonly expression: string;
  readonly input: number[];
  readonly weights: number[][];
  readonly output: number[];
}

const dir = new URL('../fixtures/source/tfjs/', import.meta.url).pathname;
const truth = JSON.parse(readFileSync(`${dir}ops-truth.json`, 'utf8')) as OpTruth[];

/** The expression as the `call()` of a custom layer whose weights come from `addWeight` in `build()`. */
function layerFile(t: OpTruth): string {
  const weights = t.weights.map((_, i) => `w${i}`);
  return [
    "import * as tf from '@tensorflow/tfjs';",
    'class Op extends tf.layers.Layer {',
    ...weights.map((w) => `  private ${w}!: tf.LayerVariable;`),
    '  build(inputShape: tf.Shape | tf.Shape[]): void {',
    ...t.weights.map((shape, i) => `    this.w${i} = this.addWeight('w${i}', [${shape.join(', ')}], 'float32');`),
    '  }',
    '  call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {',
    '    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;',
    ...weights.map((w) => `    const ${w} = this.${w}.read() as tf.Tensor4D;`),
    `    return ${t.expression};`,
    '  }',
    '}',
    `const input = tf.input({ shape: [${t.input.join(', ')}] });`,
    'export const model = tf.model({ inputs: input, outputs: new Op({}).apply(input) as tf.SymbolicTensor });',
    '',
  ].join('\n');
}

describe('tf ops in custom layers against TF.js', () => {
  for (const t of truth) {
    it(`${t.expression} on [${t.input.join(', ')}]${t.weights.length ? ` with weights ${t.weights.map((w) => `[${w.join(', ')}]`).join(', ')}` : ''} gives [${t.output.join(', ')}]`, async () => {
      const unit = unitNamed(await analyzeText(layerFile(t), 'typescript'), 'model');
      assert.deepEqual(unit.unknowns.map((u) => u.note), []);
      assert.deepEqual(graphProblems(unit.model), []);
      assert.deepEqual(unit.model.graph.outputs.map((o) => o.shape), [[1, ...t.output]]);
      // The layer's parameters are its weights, as TF.js countParams() counts a layer's weights.
      const numel = t.weights.reduce((n, shape) => n + shape.reduce((a, d) => a * d, 1), 0);
      assert.equal((unit.model.graph.modules ?? []).reduce((n, m) => n + m.params, 0), numel);
    });
  }

  it('a bias added to a convolution is the Conv\'s third input, so that the convolution\'s weights are counted together', async () => {
    const t = truth.find((c) => c.expression.endsWith('.add(w1)'))!;
    const unit = unitNamed(await analyzeText(layerFile(t), 'typescript'), 'model');
    const ops = unit.model.graph.nodes.map((n) => n.op);
    assert.deepEqual(ops, ['Transpose', 'Conv', 'Transpose']);
    assert.equal(unit.model.graph.nodes[1]!.inputs.length, 3);
  });

  it('an average pool as wide as its input is a global pool over the channels-last axes', async () => {
    const t = truth.find((c) => c.expression.startsWith('tf.avgPool(x, [9, 9]'))!;
    const unit = unitNamed(await analyzeText(layerFile(t), 'typescript'), 'model');
    assert.deepEqual(unit.model.graph.nodes.map((n) => [n.op, n.attrs['axes']]), [['ReduceMean', { type: 'ints', value: [1, 2] }]]);
  });
});
