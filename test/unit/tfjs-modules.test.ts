import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { MemoryFileSystem, type SourceLocation } from '../../src/core/source/modules/source-files.js';
import { readTsConfigPaths, TypeScriptModules } from '../../src/core/source/modules/typescript-modules.js';
import type { Syn } from '../../src/core/source/syntax.js';
import { analyzer, analyzeText, unitNamed } from './source-loader.js';

/**
 * The expected block: the first SE of the corpus's multi-file model, as real TF.js counted it
 * (test/fixtures/source/tfjs/truth.json). SE_BODY is that helper's code; MODEL calls it the same way.
 */
const truth = JSON.parse(readFileSync(new URL('../fixtures/source/tfjs/truth.json', import.meta.url), 'utf8')) as { file: string; blocks: { channels: number; squeeze: number; params: number }[] }[];
const REF = truth.find((t) => t.file === 'multi/model.ts')!.blocks[0]!;
const EXPECTED = [REF.channels, REF.squeeze, REF.params];
const RATIO = REF.channels / REF.squeeze;

const SE_BODY = `
  const c = x.shape[3];
  let s = tf.layers.globalAveragePooling2d({}).apply(x);
  s = tf.layers.dense({ units: c / r, activation: 'relu' }).apply(s);
  s = tf.layers.dense({ units: c, activation: 'sigmoid' }).apply(s);
  s = tf.layers.reshape({ targetShape: [1, 1, c] }).apply(s);
  return tf.layers.multiply().apply([x, s]);
`;

function locationOf(files: MemoryFileSystem, path: string): SourceLocation {
  return { path, files, searchRoots: ['/w'], pythonPaths: [] };
}

async function blocksOf(files: MemoryFileSystem, path: string) {
  const analysis = await analyzeText(files.readText(path)!, 'typescript', { location: locationOf(files, path) });
  const unit = analysis.units[0]!;
  return { unit, blocks: unit.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]) };
}

const MODEL = (imports: string, call = 'se') => `${imports}
export function build() {
  const x = tf.input({ shape: [8, 8, ${REF.channels}] });
  return tf.model({ inputs: x, outputs: ${call}(x, ${RATIO}) });
}
`;

describe('TF.js module forms', () => {
  it("ESM: './se.js' is se.ts, a folder is its index.ts, and .mjs/.cjs files are read", async () => {
    for (const [spec, file] of [['./se.js', '/w/se.ts'], ['./lib', '/w/lib/index.ts'], ['./se.mjs', '/w/se.mjs'], ['./se.cjs', '/w/se.cjs'], ['./se', '/w/se.js']] as const) {
      const helper = file.endsWith('.cjs') ? `const tf = require('@tensorflow/tfjs-node');\nfunction se(x, r) {${SE_BODY}}\nmodule.exports = { se };\n` : `import * as tf from '@tensorflow/tfjs';\nexport function se(x, r) {${SE_BODY}}\n`;
      const files = new MemoryFileSystem({ '/w/model.ts': MODEL(`import * as tf from '@tensorflow/tfjs';\nimport { se } from '${spec}';`), [file]: helper });
      const { unit, blocks } = await blocksOf(files, '/w/model.ts');
      assert.deepEqual(blocks, [EXPECTED], spec);
      assert.equal(unit.partial, false, `${spec}: ${unit.unknowns.map((u) => u.note).join('; ')}`);
    }
  });

  it('CommonJS: require of a sibling, exports.x, module.exports = function, destructured require of tfjs-node-gpu', async () => {
    const files = new MemoryFileSystem({
      '/w/model.js': `const { input, model } = require('@tensorflow/tfjs-node-gpu');\nconst blocks = require('./blocks');\nconst se2 = require('./se2');\nexports.build = function () {\n  const x = input({ shape: [8, 8, ${REF.channels}] });\n  return model({ inputs: x, outputs: se2(blocks.se(x, ${RATIO}), ${RATIO}) });\n};\n`,
      '/w/blocks.js': `const tf = require('@tensorflow/tfjs-layers');\nexports.se = function (x, r) {${SE_BODY}};\n`,
      '/w/se2.js': `const tf = require('@tensorflow/tfjs');\nmodule.exports = function (x, r) {${SE_BODY}};\n`,
    });
    const { unit, blocks } = await blocksOf(files, '/w/model.js');
    assert.equal(unit.partial, false, unit.unknowns.map((u) => u.note).join('; '));
    assert.deepEqual(blocks, [EXPECTED, EXPECTED]);
  });

  it('default exports, export lists with aliases and re-exports', async () => {
    const files = new MemoryFileSystem({
      '/w/model.ts': MODEL("import * as tf from '@tensorflow/tfjs';\nimport squeeze, { excite as se } from './reexport';"),
      '/w/reexport.ts': "export { default, squeezeExcite as excite } from './impl';\n",
      '/w/impl.ts': `import * as tf from '@tensorflow/tfjs';\nfunction squeezeExcite(x: tf.SymbolicTensor, r: number) {${SE_BODY}}\nexport { squeezeExcite };\nexport default squeezeExcite;\n`,
    });
    const { unit, blocks } = await blocksOf(files, '/w/model.ts');
    assert.equal(unit.partial, false, unit.unknowns.map((u) => u.note).join('; '));
    assert.deepEqual(blocks, [EXPECTED]);
  });

  it("a project's own module that re-exports TF.js (export *, or named re-exports) is the library where it is imported", async () => {
    const files = new MemoryFileSystem({
      '/w/model.ts': MODEL("import * as tf from './tf';\nimport { se } from './se';"),
      '/w/tf.ts': "export * from '@tensorflow/tfjs-node';\nexport const VERSION_NOTE = 'node backend';\n",
      '/w/se.ts': `import { layers } from './tf-layers';\nconst tf = { layers };\nexport function se(x, r) {${SE_BODY}}\n`,
      '/w/tf-layers.ts': "export { layers } from '@tensorflow/tfjs';\n",
    });
    const { unit, blocks } = await blocksOf(files, '/w/model.ts');
    assert.equal(unit.partial, false, unit.unknowns.map((u) => u.note).join('; '));
    assert.deepEqual(blocks, [EXPECTED]);
  });

  it("TF.js reached as the page's global (window.tf, globalThis.tf) or by a dynamic import (await import(), import().then)", async () => {
    const body = (prelude: string) => `${prelude}
  const x = tf.input({ shape: [8, 8, ${REF.channels}] });
  const r = ${RATIO};${SE_BODY.replace('return tf.layers.multiply().apply([x, s]);', 'return tf.model({ inputs: x, outputs: tf.layers.multiply().apply([x, s]) });')}`;
    const sources: Record<string, string> = {
      '/w/window.js': `function build() {${body('const tf = window.tf;')}}\n`,
      '/w/global.js': `function build() {${body('const tf = globalThis.tf;')}}\n`,
      '/w/awaited.ts': `export async function build() {${body("const tf = await import('@tensorflow/tfjs');")}}\n`,
      '/w/then.js': `import('@tensorflow/tfjs').then((tf) => {${body('')}});\n`,
    };
    const files = new MemoryFileSystem(sources);
    for (const path of Object.keys(sources)) {
      const { unit, blocks } = await blocksOf(files, path);
      assert.deepEqual(blocks, [EXPECTED], path);
      assert.equal(unit.partial, false, `${path}: ${unit.unknowns.map((u) => u.note).join('; ')}`);
    }
  });

  it('tsconfig paths with comments and trailing commas', () => {
    const config = readTsConfigPaths('{ /* c */ "compilerOptions": { "baseUrl": "src", // x\n "paths": { "@se/*": ["blocks/*", "more/*"], }, }, }', '/w');
    assert.deepEqual(config, { baseUrl: '/w/src', paths: [['@se/*', ['blocks/*', 'more/*']]] });
  });

  it('parsed files are cached by path and version, and parsed again when they change', () => {
    const files = new MemoryFileSystem({ '/w/a.ts': 'export const a = 1;\n' });
    let parses = 0;
    const modules = new TypeScriptModules(locationOf(files, '/w/main.ts'), () => {
      parses++;
      return [] as Syn[];
    });
    const first = modules.statements('/w/a.ts');
    assert.equal(modules.statements('/w/a.ts'), first);
    assert.equal(parses, 1);
    files.write('/w/a.ts', 'export const a = 2;\n');
    modules.statements('/w/a.ts');
    assert.equal(parses, 2);
  });

  it('a package in the workspace node_modules is read from its package.json entry', async () => {
    const files = new MemoryFileSystem({
      '/w/app/model.ts': MODEL("import * as tf from '@tensorflow/tfjs';\nimport { se } from '@acme/tfjs-blocks';"),
      '/w/node_modules/@acme/tfjs-blocks/package.json': JSON.stringify({ name: '@acme/tfjs-blocks', types: 'dist/index.d.ts', main: 'dist/index.js' }),
      '/w/node_modules/@acme/tfjs-blocks/dist/index.d.ts': 'export declare function se(x: any, r: number): any;\n',
      '/w/node_modules/@acme/tfjs-blocks/dist/index.js': `const tf = require('@tensorflow/tfjs');\nexports.se = function se(x, r) {${SE_BODY}};\n`,
    });
    const { unit, blocks } = await blocksOf(files, '/w/app/model.ts');
    assert.equal(unit.partial, false, unit.unknowns.map((u) => u.note).join('; '));
    assert.deepEqual(blocks, [EXPECTED]);
  });

  it('a package that is not TF.js is not read: a note, the model otherwise kept', async () => {
    const files = new MemoryFileSystem({ '/w/model.ts': MODEL("import * as tf from '@tensorflow/tfjs';\nimport { se } from 'some-package';") });
    const analysis = await analyzeText(files.readText('/w/model.ts')!, 'typescript', { location: locationOf(files, '/w/model.ts') });
    const unit = unitNamed(analysis, 'build');
    assert.ok(unit.unknowns.some((u) => u.note.startsWith("package 'some-package' is not read")));
  });
});

describe('TypeScript-only module and value forms', () => {
  it('import x = require(...), export = and enums', async () => {
    const files = new MemoryFileSystem({
      '/w/model.ts': `import tf = require('@tensorflow/tfjs');\nimport se = require('./se');\nenum Width { Narrow = ${REF.channels}, Wide = Narrow * 2 }\nexport function build() {\n  const x = tf.input({ shape: [8, 8, Width.Narrow] });\n  return tf.model({ inputs: x, outputs: se(x, ${RATIO}) });\n}\n`,
      '/w/se.ts': `import tf = require('@tensorflow/tfjs');\nfunction se(x: tf.SymbolicTensor, r: number) {${SE_BODY}}\nexport = se;\n`,
    });
    const { unit, blocks } = await blocksOf(files, '/w/model.ts');
    assert.equal(unit.partial, false, unit.unknowns.map((u) => u.note).join('; '));
    assert.deepEqual(blocks, [EXPECTED]);
  });
});

describe('TF.js results of an unchanged document', () => {
  it('are reused while the document and its imports are unchanged, and recomputed when an import changes', async () => {
    const a = await analyzer();
    const files = new MemoryFileSystem({
      '/w/model.ts': MODEL("import * as tf from '@tensorflow/tfjs';\nimport { se } from './se';"),
      '/w/se.ts': `import * as tf from '@tensorflow/tfjs';\nexport function se(x, r) {${SE_BODY}}\n`,
    });
    const options = { documentKey: 'cache-test', location: locationOf(files, '/w/model.ts') };
    const text = files.readText('/w/model.ts')!;
    const first = a.analyze(text, 'typescript', options);
    const again = a.analyze(text, 'typescript', options);
    assert.equal(again.units[0], first.units[0], 'the same unit object');
    files.write('/w/se.ts', `import * as tf from '@tensorflow/tfjs';\nexport function se(x, r) {${SE_BODY.replace("activation: 'relu'", "activation: 'relu', useBias: false")}}\n`);
    const changed = a.analyze(text, 'typescript', options);
    assert.notEqual(changed.units[0], first.units[0]);
    assert.equal(changed.units[0]!.blocks[0]!.params, REF.params - REF.squeeze, 'the first dense lost its bias');
    a.forget('cache-test');
  });
});

describe('TF.js configuration files', () => {
  it("require('./config.json'), require('./config') and import of a JSON file give its values; a changed file changes the model", async () => {
    const config = JSON.stringify({ model: { channels: REF.channels, ratio: RATIO } });
    const build = (load: string) => `${load}
exports.build = function () {
  const x = tf.input({ shape: [8, 8, cfg.model.channels] });
  return tf.model({ inputs: x, outputs: se(x, cfg.model.ratio) });
};
function se(x, r) {${SE_BODY}}
`;
    for (const [path, load] of [
      ['/w/a.js', "const tf = require('@tensorflow/tfjs-node');\nconst cfg = require('./config.json');"],
      ['/w/b.js', "const tf = require('@tensorflow/tfjs-node');\nconst cfg = require('./config');"],
      ['/w/c.mjs', "import * as tf from '@tensorflow/tfjs';\nimport cfg from './config.json' with { type: 'json' };"],
    ] as const) {
      const files = new MemoryFileSystem({ [path]: build(load), '/w/config.json': config });
      assert.deepEqual((await blocksOf(files, path)).blocks, [EXPECTED], path);
    }
    const a = await analyzer();
    const files = new MemoryFileSystem({ '/w/a.js': build("const tf = require('@tensorflow/tfjs-node');\nconst cfg = require('./config.json');"), '/w/config.json': config });
    const options = { documentKey: 'json-config', location: locationOf(files, '/w/a.js') };
    const text = files.readText('/w/a.js')!;
    assert.equal(a.analyze(text, 'typescript', options).units[0]!.blocks[0]!.channels, REF.channels);
    files.write('/w/config.json', JSON.stringify({ model: { channels: 2 * REF.channels, ratio: RATIO } }));
    assert.equal(a.analyze(text, 'typescript', options).units[0]!.blocks[0]!.channels, 2 * REF.channels);
    a.forget('json-config');
  });

  it('a JSON file that does not parse is a note naming it', async () => {
    const files = new MemoryFileSystem({ '/w/a.js': "const tf = require('@tensorflow/tfjs');\nconst cfg = require('./config.json');\nexports.build = () => { const x = tf.input({ shape: [4] }); return tf.model({ inputs: x, outputs: tf.layers.dense({ units: cfg.units }).apply(x) }); };\n", '/w/config.json': '{ units: 4, }' });
    const { unit } = await blocksOf(files, '/w/a.js');
    assert.ok(unit.unknowns.some((u) => u.note === '/w/config.json is not JSON that can be read'), JSON.stringify(unit.unknowns));
  });
});
