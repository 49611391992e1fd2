/**
 * Keras 2 `.h5` model files and Keras 3 `.keras` archives, written by h5py (and zipfile) in Keras's layouts
 * from the TF.js layers fixtures (test/fixtures/formats/keras/make_keras_h5.py, make_keras3.py): the same
 * topology and weights, so TF.js's counts and gates (tfjs-layers.truth.json) are their truth.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { parseNpy } from '../../src/core/inputs/npy.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { SeLensError } from '../../src/core/errors.js';
import { File as Jsfive } from 'jsfive';
import { Hdf5File } from '../../src/core/formats/keras/hdf5.js';

interface Truth {
  readonly file: string;
  readonly inputShape: number[];
  readonly totalParams: number;
  readonly blocks: { scale: string; channels: number; squeezeChannels: number; params: number; gates: number[] }[];
}
const truth = JSON.parse(readFileSync('test/fixtures/formats/tfjs-layers.truth.json', 'utf8')) as Record<string, Truth>;

/** Fixtures whose every weight is chunked and gzip-compressed (superblock 2 with v2 headers; h5py's default format). */
const CHUNKED = new Set(['v108.h5', 'chunked.h5']);
const FILES = [
  ...Object.keys(truth).map((name) => [name, 'h5']),
  // Superblock 3, v2 object headers and link-message groups (libver="latest"), contiguous weights.
  ['se_resnet_tiny', 'latest.h5'],
  ['se_resnet_tiny', 'v108.h5'],
  ['se_resnet_tiny', 'chunked.h5'],
  ['se_resnet_tiny', 'keras'],
  ['upsample_se', 'keras'],
] as const;

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

    const how = CHUNKED.has(ext) ? 'compressed weights decoded' : 'weights located in the file, not decoded';
    it(`${name}.${ext}: ${how}; gates equal TF.js's within 1e-5`, async () => {
      // jsfive reads from one ArrayBuffer, so the file is read whole once; contiguous weights stay byte ranges in it.
      const model = await readModelFile(bytesSource(bytes), { name });
      const analysis = analyzeModel(model);
      const weights = [...model.graph.initializers.values()].filter((i) => i.payload || (i.values && i.shape.length > 1));
      const big = weights.filter((i) => i.payload && !i.values);
      if (CHUNKED.has(ext)) {
        assert.equal(big.length, 0, 'chunked data cannot be a byte range of the file');
        assert.ok(weights.length > 0 && weights.every((w) => w.values?.length), 'every weight decoded');
      } else {
        assert.ok(big.length > 0);
        for (const w of big) assert.ok(w.payload!.offset + w.payload!.length! <= bytes.length, `${w.name} lies inside the file`);
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

  for (const [ext, how] of [['h5', 'Keras 2 TFOpLambda layers'], ['keras', 'Keras 3 operations (keras.src.ops.numpy Add / Multiply / Mean)'], ['nested.h5', 'nested in an outer model, its calls numbered from 1, its hard sigmoid 3.0 + x']] as const) {
    it(`applications_se${ext === 'nested.h5' ? '_nested.h5' : `.${ext}`} (${how}: keras.applications' MobileNetV3 hard sigmoid x + 3 … * 1/6, a mean over H and W, x · gate): both blocks, PyTorch's gates within 1e-5`, async () => {
      const dir = 'test/fixtures/formats/keras';
      const expected = JSON.parse(readFileSync(`${dir}/applications_se.truth.json`, 'utf8')) as { blocks: { gate: string; channels: number; squeeze: number; params: number; gates: number[][] }[] };
      const bytes = new Uint8Array(readFileSync(`${dir}/applications_se${ext === 'nested.h5' ? '_nested.h5' : `.${ext}`}`));
      const model = await readModelFile(bytesSource(bytes), { name: 'applications_se' });
      assert.deepEqual(model.graph.nodes.filter((n) => n.op === 'Unknown').map((n) => n.note), []);
      const analysis = analyzeModel(model);
      assert.deepEqual(
        analysis.blocks.map((b) => [b.channels, b.squeezeChannels, b.params, b.gate]),
        expected.blocks.map((b, i) => [b.channels, b.squeeze, b.params, i === 0 ? 'hardsigmoid_relu6_div6' : 'sigmoid']),
      );
      const x = parseNpy(new Uint8Array(readFileSync(`${dir}/applications_se.input.npy`)));
      const gate = gateModelFromOnnx(model, analysis.blocks, bytesSource(bytes));
      const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
      try {
        const out = await session.run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', x.data, x.shape) });
        analysis.blocks.forEach((b, i) => {
          const ours = Array.from(out[b.tensors.gate]!.data as Float32Array);
          const theirs = expected.blocks[i]!.gates.flat();
          assert.equal(ours.length, theirs.length);
          const worst = Math.max(...ours.map((v, k) => Math.abs(v - theirs[k]!)));
          assert.ok(worst < 1e-5, `${b.id}: max |Δ| ${worst}`);
        });
      } finally {
        await session.release();
      }
    });
  }

  it('groups linking to their parent, to themselves and soft links naming themselves: read through, never followed round', () => {
    // se_resnet_tiny.latest.h5 has these cycles in every layer group; the model itself reads to TF.js's counts above.
    const h5 = new Hdf5File(bytesSource(new Uint8Array(readFileSync('test/fixtures/formats/keras/se_resnet_tiny.latest.h5'))));
    const kernel = h5.get('model_weights/stem_conv/stem_conv/kernel:0').dataset!;
    assert.deepEqual(h5.get('model_weights/stem_conv/up/stem_conv/up/stem_conv/self/stem_conv/kernel:0').dataset, kernel);
    assert.deepEqual([...h5.get('model_weights/stem_conv').links!.keys()].sort(), ['loop', 'self', 'stem_conv', 'up']);
    // Its small weights are compact: the values sit in the dataset's header, read with it.
    const gamma = h5.get('model_weights/stem_bn/stem_bn/gamma:0').dataset!;
    assert.ok(gamma.inline && gamma.inline.length === gamma.shape[0]! * 4, 'compact data read from the header');
    assert.throws(() => h5.get('model_weights/stem_conv/loop'), (e: unknown) => e instanceof SeLensError && !/\n/.test(e.message) && /"model_weights\/stem_conv\/loop" lead round more than 16 times \(a cycle\)/.test(e.message));
  });

  it('a .keras held in a Node Buffer (as VS Code reads files): its weights.h5 member is read, not the zip around it', async () => {
    const buffer = readFileSync('test/fixtures/formats/keras/se_resnet_tiny.keras');
    assert.ok(Buffer.isBuffer(buffer));
    const analysis = analyzeModel(await readModelFile(bytesSource(buffer), { name: 'se_resnet_tiny' }));
    assert.deepEqual(analysis.blocks.map((b) => b.params), truth['se_resnet_tiny']!.blocks.map((b) => b.params));
  });

  it('names attributes in dense storage (which jsfive would return as none) instead of calling the file topology-less', async () => {
    const bytes = new Uint8Array(readFileSync('test/fixtures/formats/keras/dense_attributes.h5'));
    await assert.rejects(
      () => readModelFile(bytesSource(bytes), { name: 'dense' }),
      (e: unknown) => e instanceof SeLensError && e.code === 'unsupported' && /group "\/" keeps its attributes in dense storage/.test(e.message),
    );
  });

  it('a group index whose nodes list one child twice, 30 levels deep (2^30 reads for jsfive): refused at once', async () => {
    const original = new Uint8Array(readFileSync('test/fixtures/formats/keras/se_resnet_tiny.h5'));
    // model_weights' symbol table message: its first 8 bytes are the address of the group's B-tree.
    const group = new Jsfive(original.slice().buffer).get('model_weights')!;
    const message = group._dataobjects.find_msg_type(0x11)[0]!.get('offset_to_message')!;
    const levels = 30;
    const node = 64;
    const bytes = new Uint8Array(original.length + levels * node);
    bytes.set(original);
    const view = new DataView(bytes.buffer);
    let below = Number(view.getBigUint64(message, true));
    for (let level = 1; level <= levels; level++) {
      const at = original.length + (level - 1) * node;
      bytes.set([0x54, 0x52, 0x45, 0x45, 0, level], at); // "TREE", group nodes, level
      view.setUint16(at + 6, 2, true);
      view.setBigUint64(at + 8, 2n ** 64n - 1n, true);
      view.setBigUint64(at + 16, 2n ** 64n - 1n, true);
      // key, child, key, child, key: both children are the level below.
      view.setBigUint64(at + 32, BigInt(below), true);
      view.setBigUint64(at + 48, BigInt(below), true);
      below = at;
    }
    view.setBigUint64(message, BigInt(below), true);
    const started = Date.now();
    await assert.rejects(() => readModelFile(bytesSource(bytes), { name: 'fan-out' }), (e: unknown) => e instanceof SeLensError && /reaches one node twice/.test(e.message));
    assert.ok(Date.now() - started < 1000);
  });

  it('names chunked data it does not read (libver="latest" chunk indexes) in one line', async () => {
    const bytes = new Uint8Array(readFileSync('test/fixtures/formats/keras/se_resnet_tiny.latest-chunked.h5'));
    await assert.rejects(
      () => readModelFile(bytesSource(bytes), { name: 'latest-chunked' }),
      (e: unknown) => e instanceof SeLensError && e.code === 'unsupported' && /chunked with a version-4 layout/.test(e.message) && !/\n/.test(e.message),
    );
  });

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

/** Opens a damaged file to its block tables: a result, or one SeLensError line; anything else fails. */
async function openDamaged(bytes: Uint8Array): Promise<void> {
  try {
    const analysis = analyzeModel(await readModelFile(bytesSource(bytes), { name: 'damaged' }));
    for (const b of analysis.blocks) analysis.table('torchstat', b.id);
  } catch (e) {
    if (!(e instanceof SeLensError)) assert.fail(`expected a SeLensError or a result, got ${String(e)}`);
    assert.ok(e.message.length > 0 && !/[\r\n]/.test(e.message), `one line: ${JSON.stringify(e.message)}`);
  }
}

describe('Keras HDF5 read by jsfive: truncated and bit-flipped files of the newer layouts', () => {
  const LIMIT = { timeout: 2000 };
  for (const [ext, seed] of [['latest.h5', 23], ['v108.h5', 29]] as const) {
    const h5 = new Uint8Array(readFileSync(`test/fixtures/formats/keras/se_resnet_tiny.${ext}`));
    fc.sample(fc.nat({ max: h5.length - 1 }), { numRuns: 10, seed }).forEach((length, i) => {
      it(`${ext} truncated #${i} to ${length} bytes`, LIMIT, async () => openDamaged(Uint8Array.from(h5.subarray(0, Math.max(length, 8)))));
    });
    // Flips anywhere past the signature: metadata, B-trees, chunk indexes and gzip streams.
    fc.sample(fc.array(fc.tuple(fc.nat({ max: h5.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), { numRuns: 20, seed: seed + 1 }).forEach((flips, i) => {
      it(`${ext} flipped #${i}: ${flips.length} bytes`, LIMIT, async () => {
        const bytes = Uint8Array.from(h5);
        for (const [at, value] of flips) if (at >= 8) bytes[at] = value;
        await openDamaged(bytes);
      });
    });
  }
});
