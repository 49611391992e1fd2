import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { normalizePath } from '../../src/core/source/modules/source-files.js';
import { NodeSourceFileSystem } from '../../src/node/source-file-system.js';
import { analyzer } from './source-loader.js';

/** Facts written by generate_truth.py from real PyTorch (see that script). */
interface TruthBlock {
  readonly path: string;
  readonly class?: string;
  readonly input: number[];
  readonly channels: number;
  readonly squeeze: number | null;
  readonly params: number;
  readonly kernelSize?: number;
}
interface TruthEntry {
  readonly entry: string;
  readonly unit: string;
  readonly input: number[];
  /** `sum(p.numel() for p in model.parameters())`. */
  readonly params: number;
  readonly blocks: readonly TruthBlock[];
}

const corpus = normalizePath(fileURLToPath(new URL('../fixtures/source/python/', import.meta.url)));
const truth = JSON.parse(readFileSync(`${corpus}/truth.json`, 'utf8')) as { entries: TruthEntry[] };
/** Keras entries: counted by TensorFlow.js (Keras's layer semantics) in generate_keras_truth.mjs. */
const kerasTruth = JSON.parse(readFileSync(`${corpus}/keras-truth.json`, 'utf8')) as { entries: TruthEntry[] };

async function analyzeEntry(entry: string) {
  const path = `${corpus}/${entry}`;
  const project = `${corpus}/project`;
  const site = `${corpus}/site-packages`;
  const location = { path, files: new NodeSourceFileSystem([project, site]), searchRoots: [project], pythonPaths: [site] };
  return (await analyzer()).analyze(readFileSync(path, 'utf8'), 'python', { location });
}

describe('Python corpus written like real projects: SE blocks as PyTorch builds them', () => {
  for (const entry of [...truth.entries, ...kerasTruth.entries]) {
    it(`${entry.entry}: ${entry.unit} on [${entry.input.join(', ')}]`, async () => {
      const analysis = await analyzeEntry(entry.entry);
      const unit = analysis.units.find((u) => u.name === entry.unit);
      assert.ok(unit, `no unit ${entry.unit}; have ${analysis.units.map((u) => u.name).join(', ')}`);
      assert.deepEqual(unit.inputShape, entry.input);
      const found = unit.blocks.map((b) => ({
        path: b.id,
        input: b.inputShape,
        channels: b.channels,
        squeeze: b.squeezeChannels,
        params: b.params,
        ...(b.kernelSize !== undefined ? { kernelSize: b.kernelSize } : {}),
      }));
      const expected = entry.blocks.map(({ class: _c, ...rest }: TruthBlock) => rest);
      assert.deepEqual(found, expected, unit.unknowns.map((u) => `${u.range.startLine + 1}: ${u.note}`).join('\n'));
      assert.deepEqual(unit.unknowns, []);
      const total = (unit.model.graph.modules ?? []).reduce((sum, m) => sum + m.params, 0);
      assert.equal(total, entry.params, 'parameters of every layer, called or not');
    });
  }
});
