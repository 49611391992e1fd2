import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { FileSource, folderExternalData } from '../../src/node/file-source.js';

interface Truth {
  readonly file: string;
  readonly inputShape: number[];
  readonly totalParams: number;
  readonly blocks: { scale: string; channels: number; squeezeChannels: number; params: number; gates: number[] }[];
}
const truth = JSON.parse(readFileSync('test/fixtures/formats/tfjs-layers.truth.json', 'utf8')) as Record<string, Truth>;

async function open(file: string) {
  const source = new FileSource(file);
  try {
    return await readModelFile(source, { folder: folderExternalData(file) });
  } finally {
    source.close();
  }
}

describe('TF.js layers models saved by @tensorflow/tfjs', () => {
  for (const [name, t] of Object.entries(truth)) {
    it(`${name}: blocks, channels, squeeze and parameters as TF.js countParams() gives them`, async () => {
      const analysis = analyzeModel(await open(t.file));
      assert.deepEqual(
        analysis.blocks.map((b) => ({ scale: b.id.split('/').pop(), channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
        t.blocks.map((b) => ({ scale: b.scale, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params })),
      );
      assert.equal(analysis.table('torchstat').totals.params, t.totalParams, 'the whole model counts what TF.js countParams() does');
      for (const b of analysis.blocks) assert.equal(analysis.table('torchstat', b.id).totals.params, b.params, b.id);
    });

    it(`${name}: gates from the saved weights equal TF.js's gates within 1e-5`, async () => {
      const model = await open(t.file);
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

  it('reads weights that span two shard files as one stream, as TF.js does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-lens-shards-'));
    try {
      const src = 'test/fixtures/formats/tfjs-layers/se_resnet_tiny';
      const json = JSON.parse(readFileSync(join(src, 'model.json'), 'utf8'));
      const bin = readFileSync(join(src, 'weights.bin'));
      // Cut at an odd byte inside a weight, as the converter's fixed-size shards do.
      const cut = 1001;
      writeFileSync(join(dir, 'part1.bin'), bin.subarray(0, cut));
      writeFileSync(join(dir, 'part2.bin'), bin.subarray(cut));
      json.weightsManifest[0].paths = ['part1.bin', 'part2.bin'];
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      const split = await open(join(dir, 'model.json'));
      const whole = await open(join(src, 'model.json'));
      const spanning = [...split.graph.initializers.values()].filter((i) => i.payload?.stored?.spans);
      assert.equal(spanning.length, 1, 'one weight crosses the cut');
      for (const init of split.graph.initializers.values()) {
        if (!init.payload) continue;
        const a = loadTensorValues(init, bytesSource(new Uint8Array(0)), folderExternalData(join(dir, 'model.json')));
        const b = loadTensorValues(whole.graph.initializers.get(init.name)!, bytesSource(new Uint8Array(0)), folderExternalData(join(src, 'model.json')));
        assert.deepEqual(Array.from(a), Array.from(b), init.name);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads the Keras 3 form of the same topology (inbound nodes as call arguments with keras_history)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-lens-keras3-'));
    try {
      const src = 'test/fixtures/formats/tfjs-layers/se_resnet_tiny';
      const json = JSON.parse(readFileSync(join(src, 'model.json'), 'utf8'));
      const tensor = (ref: [string, number, number]) => ({ class_name: '__keras_tensor__', config: { keras_history: ref.slice(0, 3) } });
      for (const layer of json.modelTopology.config.layers as { inbound_nodes: [string, number, number][][] | unknown[] }[]) {
        layer.inbound_nodes = (layer.inbound_nodes as [string, number, number][][]).map((call) => ({ args: call.length > 1 ? [call.map(tensor)] : [tensor(call[0]!)], kwargs: {} }));
      }
      json.modelTopology.config.input_layers = json.modelTopology.config.input_layers[0];
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      writeFileSync(join(dir, 'weights.bin'), readFileSync(join(src, 'weights.bin')));
      const keras3 = analyzeModel(await open(join(dir, 'model.json')));
      const keras2 = analyzeModel(await open(join(src, 'model.json')));
      assert.deepEqual(keras3.blocks.map((b) => [b.id, b.params]), keras2.blocks.map((b) => [b.id, b.params]));
      assert.equal(keras3.blocks.length, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
