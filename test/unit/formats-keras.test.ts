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

    it(`${name}.${ext}: blocks, channels, squeeze and parameters as TF.js countParams() gives them`, () => {
      const analysis = analyzeModel(readModelFile(bytesSource(bytes), { name }));
      assert.deepEqual(
        analysis.blocks.map((b) => ({ scale: b.id.split('/').pop(), channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
        t.blocks.map((b) => ({ scale: b.scale, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
      );
      assert.equal(analysis.table('torchstat').totals.params, t.totalParams);
    });

    it(`${name}.${ext}: weights located in the file, not decoded; gates equal TF.js's within 1e-5`, async () => {
      // jsfive reads from one ArrayBuffer, so the file is read whole once; large weights stay byte ranges in it.
      const model = readModelFile(bytesSource(bytes), { name });
      const analysis = analyzeModel(model);
      const big = [...model.graph.initializers.values()].filter((i) => i.payload && !i.values);
      assert.ok(big.length > 0);
      for (const w of big) assert.ok(w.payload!.offset + w.payload!.length! <= bytes.length, `${w.name} lies inside the file`);
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

  it('names a weights-only HDF5 file and refuses an HDF5 file cut short, in one line', () => {
    const bytes = new Uint8Array(readFileSync('test/fixtures/formats/keras/se_resnet_tiny.h5'));
    for (const cut of [100, 2000, bytes.length - 5000]) {
      assert.throws(() => analyzeModel(readModelFile(bytesSource(bytes.subarray(0, cut)))), (e: unknown) => e instanceof SeLensError && !/\n/.test(e.message));
    }
  });
});
