import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { NodeSourceFileSystem } from '../../src/node/source-file-system.js';
import { analyzeText } from './source-loader.js';

/**
 * Real TF.js libraries export builders their own code never calls: `ChessNet.create(config)`,
 * `mobileNetV3Large({ inputShape, alpha })`, `new Net(rows, cols).model`. Their sizes come from values no
 * file gives; the analysis says which parameters, before the layers those values left unknown.
 */
const dir = new URL('../fixtures/source/tfjs/', import.meta.url).pathname;
const HEAD = "import * as tf from '@tensorflow/tfjs';\n";

const notesOf = (unit: { unknowns: readonly { note: string; range: { startLine: number } }[] }) => unit.unknowns.map((u) => `${u.range.startLine + 1}: ${u.note}`);

describe('TF.js builders whose parameters no call gives', () => {
  it('a network library built from a config object nobody passes names the config first and claims no block', async () => {
    const path = `${dir}config_builder.ts`;
    const analysis = await analyzeText(readFileSync(path, 'utf8'), 'typescript', {
      location: { path, files: new NodeSourceFileSystem([dir]), searchRoots: [dir], pythonPaths: [] },
    });
    const unit = analysis.units[0]!;
    assert.equal(unit.name, 'buildModel');
    const notes = notesOf(unit);
    assert.equal(notes[0], '23: buildModel: no call in the workspace gives a value for cfg; sizes computed from it are not known');
    assert.ok(notes.includes('25: conv2d: filters is not known'), notes.join('\n'));
    // No channel count is known, so no SE block is reported with made-up numbers.
    assert.deepEqual(analysis.units.flatMap((u) => u.blocks), []);
  });

  it('a default-exported builder taking a destructured options object names the options, and the Keras values it took for them', async () => {
    const text = `${HEAD}
const seBlock = (inputs, filters, ratio = 4) => {
  let x = tf.layers.globalAveragePooling2d({}).apply(inputs);
  x = tf.layers.reshape({ targetShape: [1, 1, filters] }).apply(x);
  x = tf.layers.conv2d({ filters: Math.round(filters / ratio), kernelSize: 1, activation: 'relu' }).apply(x);
  x = tf.layers.conv2d({ filters, kernelSize: 1, activation: 'hardSigmoid' }).apply(x);
  return tf.layers.multiply().apply([inputs, x]);
};

const mobileNet = ({ inputShape, alpha }) => {
  const input = tf.layers.input({ shape: inputShape });
  let x = tf.layers.conv2d({ filters: Math.round(16 * alpha), kernelSize: 3 }).apply(input);
  x = seBlock(x, Math.round(16 * alpha));
  return tf.model({ inputs: input, outputs: x });
};

export default mobileNet;
`;
    const analysis = await analyzeText(text, 'typescript');
    const unit = analysis.units[0]!;
    assert.equal(unit.name, 'mobileNet');
    assert.deepEqual(notesOf(unit), ['11: mobileNet: no call in the workspace gives a value for { inputShape, alpha }; inputShape = [224, 224, 3], alpha = 1 taken, as Keras applications default them']);
    assert.deepEqual(unit.inputShape, [1, 224, 224, 3]);
    // TF.js itself runs the same builder with the values Keras applications give those options: the block is the
    // two 1x1 convolutions after the pooling, their countParams() its parameters.
    const build = new Function('tf', `${text.replace(HEAD, '').replace('export default mobileNet;', '')}\nreturn mobileNet;`) as (t: typeof tf) => (o: object) => tf.LayersModel;
    const model = build(tf)({ inputShape: [224, 224, 3], alpha: 1 });
    const excitation = model.layers.filter((l) => l.getClassName() === 'Conv2D').slice(1);
    const expected = [excitation[1]!.outputShape.at(-1), excitation[0]!.outputShape.at(-1), excitation.reduce((n, l) => n + l.countParams(), 0)];
    assert.deepEqual(unit.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]), [expected]);
    model.dispose();
  });

  it('a class whose constructor takes the board size names the constructor call', async () => {
    const text = `${HEAD}
export class PolicyNet {
  constructor(rows, cols) {
    this.rows = rows;
    this.cols = cols;
    this.model = this.build();
  }

  build() {
    const input = tf.input({ shape: [this.rows, this.cols, 2] });
    const x = tf.layers.conv2d({ filters: 8, kernelSize: 3, padding: 'same' }).apply(input);
    return tf.model({ inputs: input, outputs: x });
  }
}
`;
    const analysis = await analyzeText(text, 'typescript');
    const unit = analysis.units[0]!;
    assert.equal(unit.name, 'PolicyNet.build');
    assert.equal(notesOf(unit)[0], '3: PolicyNet.build: no call in the workspace gives a value for new PolicyNet(rows, cols); sizes computed from them are not known');
  });

  it('a class whose constructor makes the model, never constructed in its file, is a unit that names the constructor call', async () => {
    // Shaped like a WaveNet port: gated activations (tanh × sigmoid, no pooling) are not SE blocks either way.
    const text = `${HEAD}
class WaveNet {
  constructor(channels, kernelSize = 2, levels = 3) {
    const input = tf.input({ shape: [null, channels] });
    let residual = tf.layers.conv1d({ filters: channels, kernelSize, padding: 'causal' }).apply(input);
    for (let j = 0; j < levels; j++) {
      const dilated = tf.layers.conv1d({ filters: channels, kernelSize, dilationRate: 2 ** j, padding: 'causal' }).apply(residual);
      residual = tf.layers.multiply().apply([
        tf.layers.activation({ activation: 'tanh' }).apply(dilated),
        tf.layers.activation({ activation: 'sigmoid' }).apply(dilated),
      ]);
    }
    this.model = tf.model({ inputs: input, outputs: residual });
  }
}
`;
    const analysis = await analyzeText(text, 'typescript');
    const unit = analysis.units[0]!;
    assert.equal(unit.name, 'WaveNet');
    assert.equal(notesOf(unit)[0], '3: WaveNet: no call in the workspace gives a value for new WaveNet(channels); sizes computed from it are not known');
    assert.deepEqual(analysis.units.flatMap((u) => u.blocks), []);
  });

  it('says nothing of parameters when the file calls the builder with values, or its defaults suffice', async () => {
    const text = `${HEAD}
import { WIDTH } from './settings';

function buildModel(cfg, depth = 2) {
  const input = tf.input({ shape: [8, 8, 3] });
  let x = tf.layers.conv2d({ filters: cfg.filters, kernelSize: 3, padding: 'same' }).apply(input);
  for (let i = 0; i < depth; i++) x = tf.layers.conv2d({ filters: WIDTH, kernelSize: 1 }).apply(x);
  return tf.model({ inputs: input, outputs: x });
}

export const model = buildModel({ filters: 12 });
`;
    const analysis = await analyzeText(text, 'typescript');
    const notes = analysis.units.flatMap(notesOf);
    assert.ok(!notes.some((n) => n.includes('no call in the workspace')), notes.join('\n'));
    // The layer that is left unknown says why, with the cause's own first clause.
    assert.ok(notes.some((n) => /conv2d: filters is not known: '\.\/settings'/.test(n)), notes.join('\n'));
  });
});
