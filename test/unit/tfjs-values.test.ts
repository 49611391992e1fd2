import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeText, graphProblems, unitNamed } from './source-loader.js';

const HEAD = "import * as tf from '@tensorflow/tfjs';\n";

describe('TF.js values and classes', () => {
  it('configuration copies (JSON round trip, structuredClone, Object.assign), switch, do-while and ~~ give the widths JavaScript gives', async () => {
    const text = `${HEAD}
const DEFAULTS = { widths: [12, 20], ratio: 4, mode: 'se' };
export function build(overrides = { ratio: 2 }) {
  const cfg = Object.assign(JSON.parse(JSON.stringify(DEFAULTS)), overrides);
  const copy = structuredClone(cfg);
  const input = tf.input({ shape: [6, 6, 3] });
  let x: tf.SymbolicTensor = input;
  let i = 0;
  do {
    const w = copy.widths[i];
    x = tf.layers.conv2d({ filters: w, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
    let units = 0;
    switch (copy.mode) {
      case 'plain':
        units = w;
        break;
      case 'se':
      case 'squeeze':
        units = ~~(w / copy.ratio);
        break;
      default:
        units = 1;
    }
    const s = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
    const z = tf.layers.dense({ units, activation: 'relu' }).apply(s) as tf.SymbolicTensor;
    const g = tf.layers.dense({ units: w, activation: 'sigmoid' }).apply(z) as tf.SymbolicTensor;
    x = tf.layers.multiply().apply([x, tf.layers.reshape({ targetShape: [1, 1, w] }).apply(g) as tf.SymbolicTensor]) as tf.SymbolicTensor;
    i++;
  } while (i < copy.widths.length);
  return tf.model({ inputs: input, outputs: x });
}
`;
    const unit = unitNamed(await analyzeText(text, 'typescript'), 'build');
    assert.deepEqual(unit.unknowns, []);
    // The same code run by JavaScript: ratio 2 from the overrides, squeeze widths 6 and 10.
    const expected = [12, 20].map((w) => [w, ~~(w / 2)]);
    assert.deepEqual(unit.blocks.map((b) => [b.channels, b.squeezeChannels]), expected);
  });

  it('array-pattern holes, getters, static factory methods and Object.entries loops give the right widths', async () => {
    const text = `${HEAD}
const WIDTHS = { small: 16, large: 48 };
class Config {
  constructor(private readonly base: number) {}
  get width(): number { return this.base * 2; }
  static fromName(name: string): Config { return new Config(WIDTHS[name] / 2); }
}
function gate(x: tf.SymbolicTensor): tf.SymbolicTensor {
  const [, , , c] = x.shape as number[];
  const [h] = x.shape.slice(1);
  const s = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const z = tf.layers.dense({ units: c / 4, activation: 'relu' }).apply(s) as tf.SymbolicTensor;
  const g = tf.layers.dense({ units: c, activation: 'sigmoid', name: \`gate_\${c}_\${h}\` }).apply(z) as tf.SymbolicTensor;
  return tf.layers.multiply().apply([x, tf.layers.reshape({ targetShape: [1, 1, c] }).apply(g) as tf.SymbolicTensor]) as tf.SymbolicTensor;
}
export function build() {
  const input = tf.input({ shape: [8, 8, 3] });
  let x: tf.SymbolicTensor = input;
  for (const [name] of Object.entries(WIDTHS)) {
    const width = Config.fromName(name).width;
    x = tf.layers.conv2d({ filters: width, kernelSize: 1 }).apply(x) as tf.SymbolicTensor;
    x = gate(x);
  }
  return tf.model({ inputs: input, outputs: x });
}
`;
    const unit = unitNamed(await analyzeText(text, 'typescript'), 'build');
    assert.deepEqual(unit.unknowns, []);
    assert.deepEqual(unit.blocks.map((b) => [b.id, b.channels, b.squeezeChannels]), [['gate', 16, 4], ['gate_1', 48, 12]]);
    assert.ok(unit.model.graph.modules!.some((m) => m.path === 'gate_48_8'));
  });

  it("a custom layer whose call() cannot be followed keeps the shape its computeOutputShape() declares", async () => {
    const text = `${HEAD}
class Mystery extends tf.layers.Layer {
  call(inputs) { return someLibrary.transform(inputs); }
  computeOutputShape(inputShape) { return [inputShape[0], inputShape[1], inputShape[2], 24]; }
}
export function build() {
  const input = tf.input({ shape: [8, 8, 3] });
  const y = new Mystery({}).apply(input);
  const out = tf.layers.dense({ units: 6 }).apply(y);
  return tf.model({ inputs: input, outputs: out });
}
`;
    const unit = unitNamed(await analyzeText(text, 'typescript'), 'build');
    assert.equal(unit.partial, true);
    assert.deepEqual(unit.unknowns.map((u) => u.note), ["'someLibrary' is not defined"]);
    assert.deepEqual(unit.model.graph.outputs[0]!.shape, [1, 8, 8, 6]);
    assert.equal(unit.model.graph.modules!.find((m) => m.kind === 'Dense')!.config.in_features, 24, 'the width computeOutputShape() declares');
    assert.deepEqual(graphProblems(unit.model), []);
  });

  it('the first parameter is the input only when used as a tensor: an options-object builder is an entry point', async () => {
    const text = `${HEAD}
export function net({ inputShape = [8, 8, 16], ratio = 4 }: { inputShape?: number[]; ratio?: number } = {}) {
  const x = tf.input({ shape: inputShape });
  const c = inputShape[2];
  const s = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  const z = tf.layers.dense({ units: c / ratio, activation: 'relu' }).apply(s) as tf.SymbolicTensor;
  const g = tf.layers.dense({ units: c, activation: 'sigmoid' }).apply(z) as tf.SymbolicTensor;
  return tf.model({ inputs: x, outputs: tf.layers.multiply().apply([x, tf.layers.reshape({ targetShape: [1, 1, c] }).apply(g) as tf.SymbolicTensor]) as tf.SymbolicTensor });
}
export function helper(opts: { width: number }) {
  return opts.width * 2;
}
`;
    const analysis = await analyzeText(text, 'typescript');
    assert.deepEqual(analysis.units.map((u) => [u.name, u.kind, u.inputShapeSource]), [['net', 'model', 'call-site']]);
    assert.deepEqual(analysis.units[0]!.blocks.map((b) => [b.channels, b.squeezeChannels]), [[16, 4]]);
  });
});

describe('TF.js hand-written gates', () => {
  const GATES = [
    'tf.clipByValue(x.mul(0.2).add(0.5), 0, 1)',
    'tf.minimum(tf.maximum(x.mul(0.2).add(0.5), 0), 1)',
    'tf.relu6(x.add(3)).div(6)',
    'tf.mul(tf.relu6(tf.add(x, 3)), 1 / 6)',
    'x.add(3).relu6().div(6)',
  ];
  for (const gate of GATES) {
    it(`a custom gate layer computing ${gate} is a hard-sigmoid gate`, async () => {
      const text = `${HEAD}
class Gate extends tf.layers.Layer {
  call(inputs) { const x = Array.isArray(inputs) ? inputs[0] : inputs; return ${gate}; }
}
export function build() {
  const input = tf.input({ shape: [8, 8, 32] });
  const s = tf.layers.globalAveragePooling2d({}).apply(input);
  const z = tf.layers.dense({ units: 8, activation: 'relu' }).apply(s);
  const g = new Gate({}).apply(tf.layers.dense({ units: 32 }).apply(z));
  return tf.model({ inputs: input, outputs: tf.layers.multiply().apply([input, tf.layers.reshape({ targetShape: [1, 1, 32] }).apply(g)]) });
}
`;
      const unit = unitNamed(await analyzeText(text, 'typescript'), 'build');
      assert.deepEqual(unit.unknowns, []);
      assert.deepEqual(unit.blocks.map((b) => [b.variant, b.channels, b.squeezeChannels]), [['mobilenetv3_se', 32, 8]]);
      assert.deepEqual(graphProblems(unit.model), []);
      // Only the weights are stored: the fused constants are gone.
      assert.ok([...unit.model.graph.initializers.values()].every((t) => t.shape.length > 0 || unit.model.graph.nodes.some((n) => n.inputs.includes(t.name))));
    });
  }
});

describe('TF.js builders nobody calls', () => {
  const BUILDER = `${HEAD}
export function createModel(inputShape: number[]) {
  const input = tf.input({ shape: inputShape });
  const c = input.shape[3] as number;
  const s = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const z = tf.layers.dense({ units: c / 4, activation: 'relu' }).apply(s) as tf.SymbolicTensor;
  const g = tf.layers.dense({ units: c, activation: 'sigmoid' }).apply(z) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.multiply().apply([input, tf.layers.reshape({ targetShape: [1, 1, c] }).apply(g) as tf.SymbolicTensor]) });
}
`;

  it('take the se-lens: input comment over the default, and say which', async () => {
    const unit = unitNamed(await analyzeText(BUILDER.replace('export function', '// se-lens: input=[1,12,12,40]\nexport function'), 'typescript'), 'createModel');
    assert.deepEqual([unit.inputShape, unit.inputShapeSource], [[1, 12, 12, 40], 'comment']);
    assert.equal(unit.blocks[0]!.channels, 40);
  });

  it('else the default input, said so', async () => {
    const unit = unitNamed(await analyzeText(BUILDER, 'typescript', { defaultInput: { channels: 24 } }), 'createModel');
    assert.deepEqual([unit.inputShape, unit.inputShapeSource], [[1, 56, 56, 24], 'default']);
    assert.equal(unit.blocks[0]!.channels, 24);
  });
});

describe('TF.js builders called by the top-level code', () => {
  it('a builder called twice with different widths gives two models, each with its own channels', async () => {
    const text = `${HEAD}
export function build(width: number) {
  const input = tf.input({ shape: [8, 8, width] });
  const s = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const z = tf.layers.dense({ units: width / 4, activation: 'relu' }).apply(s) as tf.SymbolicTensor;
  const g = tf.layers.dense({ units: width, activation: 'sigmoid' }).apply(z) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: tf.layers.multiply().apply([input, tf.layers.reshape({ targetShape: [1, 1, width] }).apply(g) as tf.SymbolicTensor]) });
}
const small = build(16);
const big = build(64);
`;
    const analysis = await analyzeText(text, 'typescript');
    assert.deepEqual(analysis.units.map((u) => [u.name, u.blocks.map((b) => b.channels)]), [['small', [16]], ['big', [64]]]);
  });
});

describe('TF.js conditions that are not known', () => {
  it('a throwing guard on an unknown condition is assumed to pass, with a note', async () => {
    const text = `${HEAD}
export function build() {
  const input = tf.input({ shape: [8, 8, Number(process.env.C || 16)] });
  if (config.strict && input.shape.length !== 4) {
    throw new Error('expected an image');
  }
  const s = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: s });
}
`;
    const unit = unitNamed(await analyzeText(text, 'typescript'), 'build');
    assert.deepEqual(unit.model.graph.outputs[0]!.shape, [1, 16]);
    assert.ok(unit.unknowns.some((u) => u.note.endsWith('its guard was assumed to pass')));
  });
});

describe('TF.js custom layer inputs', () => {
  for (const read of ['const x = inputs[0];', 'const [x] = inputs;', 'const x = Array.isArray(inputs) ? inputs[0] : inputs;', 'const x = inputs;']) {
    it(`call(inputs) reading its tensor as \`${read}\``, async () => {
      const text = `${HEAD}
class SE extends tf.layers.Layer {
  build(inputShape) {
    const c = inputShape[inputShape.length - 1];
    this.w1 = this.addWeight('w1', [c, c / 4]);
    this.w2 = this.addWeight('w2', [c / 4, c]);
  }
  call(inputs) {
    ${read}
    const s = tf.sigmoid(tf.matMul(tf.relu(tf.matMul(tf.mean(x, [1, 2]), this.w1.read())), this.w2.read()));
    return tf.mul(x, tf.reshape(s, [-1, 1, 1, x.shape[3]]));
  }
}
export function build() {
  const input = tf.input({ shape: [8, 8, 32] });
  return tf.model({ inputs: input, outputs: new SE({}).apply(input) });
}
`;
      const unit = unitNamed(await analyzeText(text, 'typescript'), 'build');
      assert.deepEqual(unit.unknowns, []);
      assert.deepEqual(unit.blocks.map((b) => [b.channels, b.squeezeChannels]), [[32, 8]]);
    });
  }
});

describe('TF.js sequential input layers', () => {
  it('tf.layers.inputLayer gives a sequential model its input shape', async () => {
    const text = `${HEAD}
export function build() {
  return tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [10, 10, 3] }), tf.layers.conv2d({ filters: 4, kernelSize: 3 }), tf.layers.flatten()] });
}
`;
    const unit = unitNamed(await analyzeText(text, 'typescript'), 'build');
    assert.deepEqual([unit.kind, unit.inputShape, unit.inputShapeSource], ['sequential', [1, 10, 10, 3], 'call-site']);
    assert.deepEqual(unit.unknowns, []);
  });
});
