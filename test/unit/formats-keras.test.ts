/**
 * Keras 2 `.h5` model files and Keras 3 `.keras` archives, written by h5py (and zipfile) in Keras's layouts
 * from the TF.js layers fixtures (test/fixtures/formats/keras/make_keras_h5.py, make_keras3.py): the same
 * topology and weights, so TF.js's counts and gates (tfjs-layers.truth.json) are their truth.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { SeLensError } from '../../src/core/errors.js';

interface Truth {
  readonly file: string;
  readonly inputShape: number[];
  readonly totalParams: number;
  readonly blocks: { scale: string; channels: number; squeezeChannels: number; params: number; gates: number[] }[];
}
const truth = JSON.parse(readFileSync('test/fixtures/formats/tfjs-layers.truth.json', 'utf8')) as Record<string, Truth>;

const FILES = [...Object.keys(truth).map((name) => [name, 'h5']), ['se_resnet_tiny', 'keras'], ['upsample_se', 'keras']] as const;

describe('Keras .h5 and .keras model files', () => {
  for (const [name, ext] of FILES) {
    const t = truth[name]!;
    const file = `test/fixtures/formats/keras/${name}.${ext}`;
    const bytes = new Uint8Array(readFileSync(file));

    it(`${name}.${ext}: blocks, channels, squeeze and parameters as TF.js countParams() gives them`, async () => {
      const analysis = analyzeModel(await readModelFile(bytesSource(bytes), { name }));
      assert.deepEqual(
        analysis.blocks.map((b) => ({ scale: b.id.split('/').pop(), channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
        t.blocks.map((b) => ({ scale: b.scale, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
      );
      assert.equal(analysis.table('torchstat').totals.params, t.totalParams);
    });

    it(`${name}.${ext}: weights located in the file, not read; gates equal TF.js's within 1e-5`, async () => {
      const reads: [number, number][] = [];
      const counting = { size: bytes.length, read: (o: number, n: number) => (reads.push([o, o + n]), bytes.subarray(o, o + n)) };
      const model = await readModelFile(counting, { name });
      const analysis = analyzeModel(model);
      const big = [...model.graph.initializers.values()].filter((i) => i.payload && !i.values);
      assert.ok(big.length > 0);
      // zip.js finds the end-of-directory record by reading the archive's last 22 + 65,535 bytes (room for
      // a comment) at once: that one read may cover payloads of a small archive; no other read may.
      const opening = reads.filter(([a, b]) => !(b === bytes.length && b - a <= 22 + 0xffff));
      for (const w of big) {
        const [start, end] = [w.payload!.offset, w.payload!.offset + w.payload!.length!];
        assert.ok(!opening.some(([a, b]) => a < end && b > start), `${w.name}'s bytes were not read while opening`);
      }
      const gate = gateModelFromOnnx(model, analysis.blocks, bytesSource(bytes));
      const raw = readFileSync(join(t.file, '..', 'input.f32'));
      const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
      try {
        const out = await session.run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', x, t.inputShape) });
        analysis.blocks.forEach((b, i) => {
          const ours = Array.from(out[b.tensors.gate]!.data as Float32Array);
          const worst = Math.max(...ours.map((v, k) => Math.abs(v - t.blocks[i]!.gates[k]!)));
          assert.ok(worst < 1e-5, `${b.id}: max |Δ| ${worst}`);
        });
      } finally {
        await session.release();
      }
    });
  }

  it('reads a .keras whose JSON entries are deflated (inflated by zip.js); refuses deflated weights in one line', async () => {
    const t = truth['upsample_se']!;
    const read = (suffix: string) => readModelFile(bytesSource(new Uint8Array(readFileSync(`test/fixtures/formats/keras/upsample_se_${suffix}.keras`))), { name: 'upsample_se' });
    const analysis = analyzeModel(await read('deflated_json'));
    assert.deepEqual(
      analysis.blocks.map((b) => ({ scale: b.id.split('/').pop(), channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
      t.blocks.map((b) => ({ scale: b.scale, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
    );
    await assert.rejects(read('deflated_weights'), (e: unknown) => e instanceof SeLensError && e.code === 'unsupported' && /"model\.weights\.h5".*compressed/.test(e.message) && !/\n/.test(e.message));
  });

  it('names a weights-only HDF5 file and refuses an HDF5 file cut short, in one line', async () => {
    const bytes = new Uint8Array(readFileSync('test/fixtures/formats/keras/se_resnet_tiny.h5'));
    for (const cut of [100, 2000, bytes.length - 5000]) {
      await assert.rejects(async () => analyzeModel(await readModelFile(bytesSource(bytes.subarray(0, cut)))), (e: unknown) => e instanceof SeLensError && !/\n/.test(e.message));
    }
  });
});
