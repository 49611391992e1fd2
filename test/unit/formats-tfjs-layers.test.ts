import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { FileSource, folderExternalData } from '../../src/node/file-source.js';

interface Truth {
  readonly file: string;
  readonly inputShape: number[];
  readonly totalParams: number;
  readonly blocks: { scale: string; channels: number; squeezeChannels: number; params: number; gates: number[] }[];
}
const truth = JSON.parse(readFileSync('test/fixtures/formats/tfjs-layers.truth.json', 'utf8')) as Record<string, Truth>;

function open(file: string) {
  const source = new FileSource(file);
  try {
    return readModelFile(source, { folder: folderExternalData(file) });
  } finally {
    source.close();
  }
}

describe('TF.js layers models saved by @tensorflow/tfjs', () => {
  for (const [name, t] of Object.entries(truth)) {
    it(`${name}: blocks, channels, squeeze and parameters as TF.js countParams() gives them`, () => {
      const analysis = analyzeModel(open(t.file));
      assert.deepEqual(
        analysis.blocks.map((b) => ({ scale: b.id.split('/').pop(), channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
        t.blocks.map((b) => ({ scale: b.scale, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
      );
      assert.equal(analysis.table('torchstat').totals.params, t.totalParams, 'the whole model counts what TF.js countParams() does');
      for (const b of analysis.blocks) assert.equal(analysis.table('torchstat', b.id).totals.params, b.params, b.id);
    });

    it(`${name}: gates from the saved weights equal TF.js's gates within 1e-5`, async () => {
      const model = open(t.file);
      const analysis = analyzeModel(model);
      const gate = gateModelFromOnnx(model, analysis.blocks, bytesSource(new Uint8Array(0)), folderExternalData(t.file));
      const raw = readFileSync(join(t.file, '..', 'input.f32'));
      const x = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
      const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
      try {
        const out = await session.run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', x, t.inputShape) });
        analysis.blocks.forEach((b, i) => {
          const ours = Array.from(out[b.tensors.gate]!.data as Float32Array);
          const theirs = t.blocks[i]!.gates;
          assert.equal(ours.length, theirs.length, b.id);
          const worst = Math.max(...ours.map((v, k) => Math.abs(v - theirs[k]!)));
          assert.ok(worst < 1e-5, `${b.id}: max |Δ| ${worst}`);
        });
        // Trained-looking gates: the spread is far from a constant 0.5.
        const all = t.blocks.flatMap((b) => b.gates);
        assert.ok(Math.max(...all) - Math.min(...all) > 0.5);
      } finally {
        await session.release();
      }
    });
  }
});
