import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { NodeSourceFileSystem } from '../../src/node/source-file-system.js';
import { analyzeText, graphProblems, unitNamed } from './source-loader.js';

/** Written by test/fixtures/source/tfjs/generate-truth.mjs from real TF.js (model.countParams() per layer, output shapes). */
interface Truth {
  readonly file: string;
  readonly entry: string;
  /** `layer`: a layer library with no model, applied by the generator to the analysis's default input. */
  readonly kind: 'builder' | 'layer';
  /** Arguments the generator called the entry with; the analysis, finding no call, uses defaults. */
  readonly args: unknown[];
  /** The arguments are the values Keras applications give the options the builder destructures: the analysis takes them too. */
  readonly conventional?: boolean;
  readonly params: number;
  readonly inputShape: number[];
  readonly outputShapes: number[][];
  readonly blocks: { readonly layers: string[]; readonly channels: number; readonly squeeze: number | null; readonly params: number; readonly shape: number[] }[];
}

const dir = new URL('../fixtures/source/tfjs/', import.meta.url).pathname;
const truth = JSON.parse(readFileSync(`${dir}truth.json`, 'utf8')) as Truth[];

/** Analyses a corpus file where it lies, with its sibling files readable (relative imports, tsconfig paths). */
async function analyzeCorpusFile(file: string) {
  const path = `${dir}${file}`;
  return analyzeText(readFileSync(path, 'utf8'), 'typescript', {
    location: { path, files: new NodeSourceFileSystem([dir]), searchRoots: [dir], pythonPaths: [] },
  });
}

describe('TF.js corpus against real TF.js', () => {
  for (const t of truth) {
    it(`${t.file}: ${t.kind === 'layer' ? 'layer ' : ''}${t.entry} has ${t.blocks.length} SE blocks, each at its real channel count, and ${t.params} parameters`, async () => {
      const analysis = await analyzeCorpusFile(t.file);
      const unit = unitNamed(analysis, t.entry);
      assert.equal(analysis.units[0], unit, 'the entry point comes first');
      assert.deepEqual(graphProblems(unit.model), []);
      assert.deepEqual(unit.inputShape, [1, ...t.inputShape]);
      if (t.kind === 'layer') assert.deepEqual([unit.kind, unit.inputShapeSource], ['class', 'default']);
      if (t.args.length === 0 || t.conventional) {
        // The only notes: environment variables read with a fallback, and the conventional option values taken.
        const expected = (u: { note: string }) => u.note.startsWith('process.env.') || (t.conventional === true && u.note.endsWith('taken, as Keras applications default them'));
        assert.deepEqual(unit.unknowns.filter((u) => !expected(u)).map((u) => `${u.range.startLine + 1}: ${u.note}`), []);
        if (t.conventional) assert.equal(unit.unknowns.filter(expected).length, 1);
        assert.deepEqual(unit.model.graph.outputs.map((o) => o.shape), t.outputShapes.map((s) => [1, ...s]));
        // Parameters per layer as TF.js countParams() gives them, summed over the model.
        assert.equal((unit.model.graph.modules ?? []).reduce((n, m) => n + m.params, 0), t.params);
      } else {
        // A builder nobody calls: analysed at the default input, and it says so.
        assert.equal(unit.inputShapeSource, 'default');
        assert.ok(unit.unknowns.some((u) => u.note.startsWith('tf.input shape is not known; the default')));
      }
      const key = (b: { channels: number; squeeze: number | null; params: number }) => `${b.channels}/${b.squeeze}/${b.params}`;
      const ours = unit.blocks.map((b) => ({ channels: b.channels, squeeze: b.squeezeChannels, params: b.params }));
      assert.deepEqual(ours.map(key).sort(), t.blocks.map(key).sort());
      assert.deepEqual(unit.blocks.map((b) => b.inputShape?.slice(1)).sort(), t.blocks.map((b) => b.shape).sort());
      // Layers the code names (template literals, `${this.name}_fc1` included) carry the names TF.js gave
      // them; TF.js's own generated names (`dense_Dense3`, `sequential_1`) count per process and are not compared.
      // A custom layer made only of sublayers has no row of its own (its sublayers have theirs, as a container's
      // modules do): its name is the block's id.
      const paths = new Set([...(unit.model.graph.modules ?? []).map((m) => m.path), ...unit.blocks.map((b) => b.id)]);
      const written = t.blocks.flatMap((b) => b.layers).filter((name) => !/_[A-Z][A-Za-z0-9]*\d+$|^sequential_\d+$/.test(name));
      assert.deepEqual(written.filter((name) => !paths.has(name)), []);
      // One block per call site: distinct ids (call paths), each shown at the code that wrote it.
      assert.equal(new Set(unit.blocks.map((b) => b.id)).size, unit.blocks.length);
      for (const b of unit.blocks) assert.ok(b.range, `block ${b.id} has a source range`);
    });
  }

  it('a helper called three times from a loop is three blocks with call paths, shown at the helper', async () => {
    const analysis = await analyzeCorpusFile('functional_helpers.ts');
    const unit = unitNamed(analysis, 'buildModel');
    assert.deepEqual(unit.blocks.map((b) => [b.id, b.channels]), [
      ['residualStage.squeezeExcite', 32],
      ['residualStage_1.squeezeExcite', 64],
      ['residualStage_2.squeezeExcite', 128],
    ]);
    const helper = readFileSync(`${dir}functional_helpers.ts`, 'utf8').split('\n').findIndex((l) => l.startsWith('export function squeezeExcite'));
    for (const b of unit.blocks) assert.equal(b.range!.startLine, helper);
    // The helper is reached from the model: no unit of its own.
    assert.equal(analysis.units.some((u) => u.name === 'squeezeExcite'), false);
  });

  it('each block lists the calls of its call path, outermost first', async () => {
    const unit = unitNamed(await analyzeCorpusFile('functional_helpers.ts'), 'buildModel');
    const lines = readFileSync(`${dir}functional_helpers.ts`, 'utf8').split('\n');
    const stageCall = lines.findIndex((l) => l.includes('x = residualStage('));
    const seCall = lines.findIndex((l) => l.includes('y = squeezeExcite('));
    for (const b of unit.blocks) assert.deepEqual(unit.callSites?.[b.id]?.map((r) => r.startLine), [stageCall, seCall], b.id);
  });

  it('blocks written in another file are shown at the document line that calls into it', async () => {
    const unit = unitNamed(await analyzeCorpusFile('multi/model.ts'), 'buildMultiFileModel');
    const lines = readFileSync(`${dir}multi/model.ts`, 'utf8').split('\n');
    assert.deepEqual(unit.blocks.map((b) => lines[b.range!.startLine]!.trim()), ['x = squeezeExcite(x, 8);', 'x = squeezeExcite(x, 4);']);
  });

  it('a gate that clips at 6 after shifting and scaling (relu6((x + 3) / 6)) is its own gate kind, not a sigmoid', async () => {
    const unit = unitNamed(await analyzeCorpusFile('shifted_gate_port.ts'), 'buildShiftedGateNet');
    const expected = truth.find((t) => t.file === 'shifted_gate_port.ts')!.blocks.map((b) => [b.channels, 'hardsigmoid_div6_relu6']);
    assert.deepEqual(unit.blocks.map((b) => [b.channels, b.gate]), expected);
  });

  it('process.env with a fallback takes the fallback and says so', async () => {
    const unit = unitNamed(await analyzeText("import * as tf from '@tensorflow/tfjs';\nconst F = Number(process.env.FILTERS || 24);\nconst x = tf.input({ shape: [4, 4, F] });\nconst m = tf.model({ inputs: x, outputs: tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor });\n", 'typescript'), 'm');
    assert.deepEqual(unit.inputShape, [1, 4, 4, 24]);
    assert.deepEqual(unit.unknowns.map((u) => [u.range.startLine, u.note]), [[1, 'process.env.FILTERS is not known statically; the fallback written after it was taken']]);
  });

  it('without a location, relative imports stay unknown with a note, and nothing throws', async () => {
    const analysis = await analyzeText(readFileSync(`${dir}multi/model.ts`, 'utf8'), 'typescript');
    const unit = analysis.units[0]!;
    assert.equal(unit.partial, true);
    assert.ok(unit.unknowns.some((u) => u.note.includes("'./blocks/se.js' is not read")));
  });

  it('an unresolved relative import names the places it tried', async () => {
    const path = `${dir}multi/model.ts`;
    const text = readFileSync(path, 'utf8').replace('./blocks/se.js', './blocks/missing.js');
    const analysis = await analyzeText(text, 'typescript', { location: { path, files: new NodeSourceFileSystem([dir]), searchRoots: [dir], pythonPaths: [] } });
    const note = analysis.units[0]!.unknowns.find((u) => u.note.includes('missing'))!.note;
    assert.match(note, /^'\.\/blocks\/missing\.js' was not found; tried .*blocks\/missing\.ts/);
  });
});
