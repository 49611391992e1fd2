import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MemoryFileSystem } from '../../src/core/source/modules/source-files.js';
import { analyzeText, graphProblems } from './source-loader.js';

const SE = `function se(x: tf.SymbolicTensor, r: number): tf.SymbolicTensor {
  const c = x.shape[3] as number;
  let s = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
  s = tf.layers.dense({ units: c / r, activation: 'relu' }).apply(s) as tf.SymbolicTensor;
  s = tf.layers.dense({ units: c, activation: 'sigmoid' }).apply(s) as tf.SymbolicTensor;
  s = tf.layers.reshape({ targetShape: [1, 1, c] }).apply(s) as tf.SymbolicTensor;
  return tf.layers.multiply().apply([x, s]) as tf.SymbolicTensor;
}
`;

describe('TF.js front-end: bad input', () => {
  it('recursion between helpers: a note on the recursive call, the rest of the model kept', async () => {
    const text = `import * as tf from '@tensorflow/tfjs';
${SE}
function a(x: tf.SymbolicTensor, n: number): tf.SymbolicTensor { return b(se(x, 4), n); }
function b(x: tf.SymbolicTensor, n: number): tf.SymbolicTensor { return a(x, n - 1); }
export function build() {
  const input = tf.input({ shape: [8, 8, 16] });
  return tf.model({ inputs: input, outputs: a(input, 3) });
}
`;
    const analysis = await analyzeText(text, 'typescript');
    const unit = analysis.units[0]!;
    assert.equal(unit.name, 'build');
    assert.equal(unit.blocks.length, 1);
    assert.equal(unit.blocks[0]!.channels, 16);
    assert.ok(unit.unknowns.some((u) => u.note === "recursive call of 'a' is not interpreted"));
    assert.deepEqual(graphProblems(unit.model), []);
  });

  it('a builder whose tf.model outputs are not known tensors is still a unit: the blocks built before, and the reason', async () => {
    const text = `import * as tf from '@tensorflow/tfjs';
import { heads } from './heads-not-written-yet';
${SE}
export function build() {
  const input = tf.input({ shape: [8, 8, 16] });
  const features = se(input, 4);
  return tf.model({ inputs: input, outputs: Object.values(heads(features)) as tf.SymbolicTensor[] });
}
`;
    const analysis = await analyzeText(text, 'typescript');
    const unit = analysis.units[0]!;
    assert.equal(unit.name, 'build');
    assert.ok(unit.unknowns.some((u) => u.note === 'tf.model outputs are not known tensors' && u.range.startLine + 1 === 15), unit.unknowns.map((u) => u.note).join('; '));
    // The same block as the one analysed whole: the outputs change nothing before them.
    const whole = await analyzeText(text.replace('Object.values(heads(features)) as tf.SymbolicTensor[]', 'features'), 'typescript');
    assert.deepEqual(unit.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]), whole.units[0]!.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]));
    assert.equal(unit.blocks.length, 1);
  });

  it('10,000 call sites of a helper: stops at the step budget with a note, in bounded time', async () => {
    const calls = Array.from({ length: 10_000 }, () => '  x = se(x, 4);').join('\n');
    const text = `import * as tf from '@tensorflow/tfjs';\n${SE}\nexport function build() {\n  let x = tf.input({ shape: [4, 4, 8] });\n  const input = x;\n${calls}\n  return tf.model({ inputs: input, outputs: x });\n}\n`;
    const started = performance.now();
    const analysis = await analyzeText(text, 'typescript', { maxSteps: 50_000 });
    assert.ok(performance.now() - started < 60_000);
    const all = analysis.units.flatMap((u) => u.unknowns.map((n) => n.note));
    assert.ok(all.some((n) => n.includes('interpretation stopped after 50000 steps')), all.join('; '));
  });

  it('half-typed code: every prefix of a corpus file analyses without throwing', async () => {
    const text = readFileSync(new URL('../fixtures/source/tfjs/custom_layers.ts', import.meta.url), 'utf8');
    for (let end = 0; end <= text.length; end += 97) {
      const analysis = await analyzeText(text.slice(0, end), 'typescript');
      for (const unit of analysis.units) assert.deepEqual(graphProblems(unit.model), [], `prefix ${end}`);
    }
  });

  it('half-typed code: prefixes of every corpus file, some with stray closing braces, analyse without throwing', async () => {
    const dir = new URL('../fixtures/source/tfjs/', import.meta.url);
    const files = readdirSync(dir).filter((f) => /\.(ts|js|mjs|cjs)$/.test(f) && !f.startsWith('generate'));
    for (const file of files) {
      const text = readFileSync(new URL(file, dir), 'utf8');
      for (let end = 0; end <= text.length; end += 401) {
        const analysis = await analyzeText(text.slice(0, end) + (end % 2 ? '\n}}})' : ''), 'typescript');
        for (const unit of analysis.units) assert.deepEqual(graphProblems(unit.model), [], `${file} prefix ${end}`);
      }
    }
  });

  it('import cycles between files and a module importing the document end with notes, not a hang', async () => {
    const files = new MemoryFileSystem({
      '/w/model.ts': "import * as tf from '@tensorflow/tfjs';\nimport { se } from './a';\nexport function build() {\n  const x = tf.input({ shape: [4, 4, 8] });\n  return tf.model({ inputs: x, outputs: se(x) });\n}\n",
      '/w/a.ts': "import { helper } from './b';\nimport { build } from './model';\nexport const se = (x) => helper(x);\n",
      '/w/b.ts': "import { se } from './a';\nexport function helper(x) { return se(x); }\n",
    });
    const analysis = await analyzeText(files.readText('/w/model.ts')!, 'typescript', { location: { path: '/w/model.ts', files, searchRoots: ['/w'], pythonPaths: [] } });
    const notes = analysis.units.flatMap((u) => u.unknowns.map((n) => n.note));
    assert.ok(notes.some((n) => n.includes('imports the document itself')), notes.join('; '));
    // b.ts runs while a.ts is still running: `se` is not exported yet, as in ES modules.
    assert.ok(notes.some((n) => n.includes("'se' is not exported by './a'")), notes.join('; '));
  });

  it('hostile values: huge loops, unknown conditions, absurd shapes', async () => {
    const text = `import * as tf from '@tensorflow/tfjs';
const n = Number(process.env.N);
export function build() {
  const x = tf.input({ shape: [1e9, -3, 'a'] });
  for (let i = 0; i < 1e12; i++) {}
  while (n) {}
  const y = tf.layers.dense({ units: NaN }).apply(x);
  return tf.model({ inputs: x, outputs: y });
}
`;
    const analysis = await analyzeText(text, 'typescript');
    for (const unit of analysis.units) assert.deepEqual(graphProblems(unit.model), []);
  });
});

describe('TF.js front-end: bad input to wrappers, tf ops and control flow', () => {
  it('wrappers without their layer, rnn without cells, dot and window ops on values that are not known: one note each, the graph whole', async () => {
    const text = `import * as tf from '@tensorflow/tfjs';
class Raw extends tf.layers.Layer {
  build(s: tf.Shape) { this.k = this.addWeight('k', [3, 3, 99, 4], 'float32'); }
  call(inputs: tf.Tensor) {
    const x = inputs as tf.Tensor4D;
    const a = tf.conv2d(x, this.k.read(), 1, 'same');
    const b = tf.avgPool(x, undefined, 1, 'valid');
    const c = tf.depthwiseConv2d(x, 'kernel', 1, 'same');
    return tf.maxPool(tf.add(tf.add(a, b), c), [2, 2], 1, [[1]]);
  }
}
export function build() {
  const x = tf.input({ shape: [8, 8, 3] });
  const s = tf.input({ shape: [5, 4] });
  const a = tf.layers.bidirectional({ layer: undefined }).apply(s);
  const b = tf.layers.timeDistributed({}).apply(x);
  const c = tf.layers.rnn({ cell: [] }).apply(s);
  const d = tf.layers.dot({ axes: [7, 9] }).apply([s, s]);
  const e = tf.layers.dot({ axes: 1 }).apply(x);
  const f = tf.layers.convLstm2d({ filters: 2, kernelSize: 3 }).apply(x);
  const g = tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2 }), mergeMode: null }).apply(s);
  const r = new Raw({}).apply(x);
  let n = 0;
  switch (Number(process.env.MODE)) { case 1: n = 1; }
  switch ('a') { case 'b': n = 2; break; default: n = 3; case 'c': n += 1; }
  do { n++; } while (n > 0);
  return tf.model({ inputs: [x, s], outputs: [a, b, c, d, e, f, g, r] as tf.SymbolicTensor[] });
}
`;
    const analysis = await analyzeText(text, 'typescript', { maxSteps: 50_000 });
    const unit = analysis.units.find((u) => u.name === 'build')!;
    assert.ok(unit, 'the builder is a unit');
    assert.deepEqual(graphProblems(unit.model), []);
    const notes = unit.unknowns.map((u) => u.note);
    for (const expected of ['bidirectional: its layer is not a known recurrent layer', 'timeDistributed: its layer is not known', 'rnn: its cells are not known', 'dot: axes out of range', 'dot needs two known tensors of rank 2 or 3', 'convLstm2d: the input is not a known [batch, steps, height, width, channels] tensor', 'bidirectional: mergeMode null is not interpreted', 'conv2d: the filter reads 99 channels, the input has 3', 'avgPool: filterSize is not known', 'depthwiseConv2d: the filter is not a known tensor', 'loop did not end within 4096 iterations']) {
      assert.ok(notes.some((n) => n.includes(expected)), `${expected} in ${JSON.stringify(notes)}`);
    }
  });

  it('a document whose only new C(...) passes C itself or a call: the arguments are not evaluated outside the code', async () => {
    const text = `import * as tf from '@tensorflow/tfjs';
class Net {
  constructor(private readonly size: number) {}
  make() {
    const x = tf.input({ shape: [this.size, this.size, 3] });
    return tf.model({ inputs: x, outputs: tf.layers.conv2d({ filters: 4, kernelSize: 1 }).apply(x) as tf.SymbolicTensor });
  }
}
function later() { return new Net(new Net(sideEffect())); }
`;
    const analysis = await analyzeText(text, 'typescript');
    const unit = analysis.units.find((u) => u.name === 'Net.make')!;
    assert.equal(unit.inputShapeSource, 'default');
    assert.deepEqual(graphProblems(unit.model), []);
  });
});

describe('TF.js front-end: many entry points', () => {
  it('two hundred parameterless functions that loop share one budget for the document', async () => {
    const fns = Array.from({ length: 200 }, (_, i) => `export function f${i}() {\n  let n = 0;\n  for (let k = 0; k < 4000; k++) n += k;\n  return n;\n}\n`).join('');
    const started = performance.now();
    const analysis = await analyzeText(`import * as tf from '@tensorflow/tfjs';\n${fns}`, 'typescript', { maxSteps: 20_000 });
    assert.deepEqual(analysis.units, []);
    assert.ok(performance.now() - started < 30_000);
  });
});

describe('TF.js front-end: code around the model', () => {
  it('training and prediction code around a builder adds no notes to the builder’s model', async () => {
    const text = `import * as tf from '@tensorflow/tfjs-node';
${SE}
export function build() {
  const x = tf.input({ shape: [4, 4, 8] });
  return tf.model({ inputs: x, outputs: se(x, 2) });
}
const saved = await tf.loadLayersModel('file://./model/model.json');
saved.predict(tf.zeros([1, 4, 4, 8]));
const fresh = build();
fresh.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
await fresh.fit(tf.randomNormal([8, 4, 4, 8]), tf.randomNormal([8, 4, 4, 8]), { epochs: 2, callbacks: { onEpochEnd: (e, logs) => console.log(e, logs) } });
main().catch(console.error);
`;
    const analysis = await analyzeText(text, 'typescript');
    const unit = analysis.units[0]!;
    assert.equal(unit.name, 'build', 'the model made by calling build() is build()’s unit');
    assert.equal(unit.blocks.length, 1);
    assert.deepEqual(unit.unknowns.map((u) => u.note), []);
  });
});
