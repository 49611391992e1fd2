import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as tfLayers from '@tensorflow/tfjs-layers';
import { IDENTITY_LAYERS, LAYER_CLASSES } from '../../src/core/source/typescript/layer-catalogue.js';
import { analyzeText, graphProblems, unitNamed } from './source-loader.js';

/**
 * The `tf.layers` catalogue against TF.js itself. `layers-truth.json` is written by
 * test/fixtures/source/tfjs/generate-truth.mjs: each call built by `@tensorflow/tfjs` on symbolic
 * inputs, its class, `countParams()` and the output shape its `call()` gives on batch-1 data.
 */
interface LayerTruth {
  readonly call: string;
  readonly inputs: number[][];
  readonly className: string;
  readonly params: number;
  readonly output: number[];
}

const dir = new URL('../fixtures/source/tfjs/', import.meta.url).pathname;
const truth = JSON.parse(readFileSync(`${dir}layers-truth.json`, 'utf8')) as LayerTruth[];

/** The call in a model file: its inputs made with `tf.input`, the layer applied to one or to the list. */
function modelFile(call: string, inputs: number[][]): string {
  const names = inputs.map((_, i) => `x${i}`);
  return [
    "import * as tf from '@tensorflow/tfjs';",
    ...inputs.map((shape, i) => `const ${names[i]} = tf.input({ shape: [${shape.join(', ')}] });`),
    `const y = ${call}.apply(${names.length === 1 ? names[0] : `[${names.join(', ')}]`}) as tf.SymbolicTensor;`,
    `export const model = tf.model({ inputs: ${names.length === 1 ? names[0] : `[${names.join(', ')}]`}, outputs: y });`,
    '',
  ].join('\n');
}

describe('TF.js layer catalogue against TF.js', () => {
  for (const t of truth) {
    it(`${t.call} on [${t.inputs.map((s) => `[${s.join(', ')}]`).join(', ')}]: ${t.className}, ${t.params} parameters, output [${t.output.join(', ')}]`, async () => {
      const unit = unitNamed(await analyzeText(modelFile(t.call, t.inputs), 'typescript'), 'model');
      assert.deepEqual(unit.unknowns.map((u) => u.note), []);
      assert.deepEqual(graphProblems(unit.model), []);
      assert.deepEqual(unit.model.graph.outputs.map((o) => o.shape), [[1, ...t.output]]);
      // The model's layers are the call's layer alone: a wrapper's or an rnn's inner layers are in its count, as in TF.js.
      // Noise, dropout and masking pass their input through at inference: no node, so no layer row.
      const modules = unit.model.graph.modules ?? [];
      assert.deepEqual(modules.map((m) => m.kind), IDENTITY_LAYERS.has(t.className) ? [] : [t.className]);
      assert.equal(modules.reduce((n, m) => n + m.params, 0), t.params);
    });
  }

  it('every tf.layers factory TF.js exports is in the catalogue', () => {
    // `input` makes a tensor (tf-library.ts); `Layer`, `RNN` and `RNNCell` are classes to extend.
    const factories = Object.entries(tfLayers.layers).filter(([name, v]) => typeof v === 'function' && !/^[A-Z]/.test(name) && name !== 'input');
    assert.ok(factories.length > 60);
    assert.deepEqual(factories.map(([name]) => name).filter((name) => !(name in LAYER_CLASSES)), []);
  });

  it('randomWidth draws its width on every call, at inference too: the width is not known, the rest is', async () => {
    const unit = unitNamed(await analyzeText(modelFile('tf.layers.randomWidth({ factor: 0.2 })', [[10, 12, 3]]), 'typescript'), 'model');
    assert.deepEqual(unit.model.graph.outputs.map((o) => o.shape), [[1, 10, '?', 3]]);
    assert.equal(unit.model.graph.modules?.[0]?.params, 0);
  });
});
