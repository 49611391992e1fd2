import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileSystem, type SourceLocation } from '../../src/core/source/modules/source-files.js';
import { readTsConfigPaths, TypeScriptModules } from '../../src/core/source/modules/typescript-modules.js';
import type { Syn } from '../../src/core/source/syntax.js';
import { analyzeText, unitNamed } from './source-loader.js';

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
  const x = tf.input({ shape: [8, 8, 32] });
  return tf.model({ inputs: x, outputs: ${call}(x, 4) });
}
`;

describe('TF.js module forms', () => {
  it("ESM: './se.js' is se.ts, a folder is its index.ts, and .mjs/.cjs files are read", async () => {
    for (const [spec, file] of [['./se.js', '/w/se.ts'], ['./lib', '/w/lib/index.ts'], ['./se.mjs', '/w/se.mjs'], ['./se.cjs', '/w/se.cjs'], ['./se', '/w/se.js']] as const) {
      const helper = file.endsWith('.cjs') ? `const tf = require('@tensorflow/tfjs-node');\nfunction se(x, r) {${SE_BODY}}\nmodule.exports = { se };\n` : `import * as tf from '@tensorflow/tfjs';\nexport function se(x, r) {${SE_BODY}}\n`;
      const files = new MemoryFileSystem({ '/w/model.ts': MODEL(`import * as tf from '@tensorflow/tfjs';\nimport { se } from '${spec}';`), [file]: helper });
      const { unit, blocks } = await blocksOf(files, '/w/model.ts');
      assert.deepEqual(blocks, [[32, 8, 32 * 8 + 8 + 8 * 32 + 32]], spec);
      assert.equal(unit.partial, false, `${spec}: ${unit.unknowns.map((u) => u.note).join('; ')}`);
    }
  });

  it('CommonJS: require of a sibling, exports.x, module.exports = function, destructured require of tfjs-node-gpu', async () => {
    const files = new MemoryFileSystem({
      '/w/model.js': "const { input, model } = require('@tensorflow/tfjs-node-gpu');\nconst blocks = require('./blocks');\nconst se2 = require('./se2');\nexports.build = function () {\n  const x = input({ shape: [8, 8, 32] });\n  return model({ inputs: x, outputs: se2(blocks.se(x, 4), 2) });\n};\n",
      '/w/blocks.js': `const tf = require('@tensorflow/tfjs-layers');\nexports.se = function (x, r) {${SE_BODY}};\n`,
      '/w/se2.js': `const tf = require('@tensorflow/tfjs');\nmodule.exports = function (x, r) {${SE_BODY}};\n`,
    });
    const { unit, blocks } = await blocksOf(files, '/w/model.js');
    assert.equal(unit.partial, false, unit.unknowns.map((u) => u.note).join('; '));
    assert.deepEqual(blocks, [[32, 8, 552], [32, 16, 1072]]);
  });

  it('default exports, export lists with aliases and re-exports', async () => {
    const files = new MemoryFileSystem({
      '/w/model.ts': MODEL("import * as tf from '@tensorflow/tfjs';\nimport squeeze, { excite as se } from './reexport';"),
      '/w/reexport.ts': "export { default, squeezeExcite as excite } from './impl';\n",
      '/w/impl.ts': `import * as tf from '@tensorflow/tfjs';\nfunction squeezeExcite(x: tf.SymbolicTensor, r: number) {${SE_BODY}}\nexport { squeezeExcite };\nexport default squeezeExcite;\n`,
    });
    const { unit, blocks } = await blocksOf(files, '/w/model.ts');
    assert.equal(unit.partial, false, unit.unknowns.map((u) => u.note).join('; '));
    assert.deepEqual(blocks, [[32, 8, 552]]);
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

  it('a package that is not TF.js is not read: a note, the model otherwise kept', async () => {
    const files = new MemoryFileSystem({ '/w/model.ts': MODEL("import * as tf from '@tensorflow/tfjs';\nimport { se } from 'some-package';") });
    const analysis = await analyzeText(files.readText('/w/model.ts')!, 'typescript', { location: locationOf(files, '/w/model.ts') });
    const unit = unitNamed(analysis, 'build');
    assert.ok(unit.unknowns.some((u) => u.note.startsWith("package 'some-package' is not read")));
  });
});
