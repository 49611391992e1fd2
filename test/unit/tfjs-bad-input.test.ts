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
