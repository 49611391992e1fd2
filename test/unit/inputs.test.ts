import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { SeLensError } from '../../src/core/errors.js';
import { CROP_FRACTION, IMAGENET_MEAN, IMAGENET_STD, imageToSample } from '../../src/core/inputs/image.js';
import { initialiseWeights } from '../../src/core/inputs/init.js';
import { parseNpy } from '../../src/core/inputs/npy.js';
import { SeededRandom } from '../../src/core/inputs/rng.js';
import { planSamples } from '../../src/core/inputs/samples.js';
import { gateModelFromSource } from '../../src/core/inspect/gate-model.js';
import { emptyGraph, type Model, type Node } from '../../src/core/ir/graph.js';
import type { DecodedImage } from '../../src/core/protocol.js';

/** Files written by NumPy 1.24 `np.save` (base64), so the reader is checked against the real format. */
const NPY_F4_2x3x4 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIC/t21bv27bNr8kSRK/tm3bviRJkr4kSRK+AAAAAChJEj4kSZI+uG3bPiRJEj9u2zY/tm1bPwAAgD8kSZI/SpKkP27btj+SJMk/tm3bP9y27T8AAABAkiQJQCVJEkA=';
const NPY_BE_I4_2x3 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAB/////gAAAAMAAAAEAAAABf////o=';
const NPY_F2_3 = 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAOAC9JRo=';
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

describe('SeededRandom', () => {
  it('repeats a sequence for a seed and differs between seeds', () => {
    const r1 = new SeededRandom(42);
    const r2 = new SeededRandom(42);
    const r3 = new SeededRandom(43);
    const s1 = Array.from({ length: 100 }, () => r1.next());
    assert.deepEqual(s1, Array.from({ length: 100 }, () => r2.next()));
    assert.notDeepEqual(s1, Array.from({ length: 100 }, () => r3.next()));
    assert.ok(s1.every((v) => v >= 0 && v < 1));
  });

  it('draws normals with mean 0 and standard deviation 1 (200,000 draws, seed 1)', () => {
    const data = new SeededRandom(1).fillNormal(new Float32Array(200_000));
    const mean = data.reduce((a, b) => a + b, 0) / data.length;
    const sd = Math.sqrt(data.reduce((a, b) => a + (b - mean) ** 2, 0) / data.length);
    assert.ok(Math.abs(mean) < 0.01, `mean ${mean}`);
    assert.ok(Math.abs(sd - 1) < 0.01, `sd ${sd}`);
  });

  it('draws uniforms inside [low, high) that cover the interval', () => {
    const data = new SeededRandom(5).fillUniform(new Float32Array(10_000), -2, 3);
    assert.ok(data.every((v) => v >= -2 && v < 3));
    assert.ok(Math.min(...data) < -1.99 && Math.max(...data) > 2.99);
  });
});

describe('parseNpy', () => {
  it('reads a little-endian float32 file written by NumPy', () => {
    const a = parseNpy(b64(NPY_F4_2x3x4));
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.deepEqual(Array.from(a.data), Array.from({ length: 24 }, (_, i) => Math.fround(Math.fround(i / 7) - 1)));
  });

  it('reads big-endian int32 and float16 files written by NumPy', () => {
    const i = parseNpy(b64(NPY_BE_I4_2x3));
    assert.deepEqual(i.shape, [2, 3]);
    assert.deepEqual(Array.from(i.data), [1, -2, 3, 4, 5, -6]);
    const h = parseNpy(b64(NPY_F2_3));
    assert.deepEqual(h.shape, [3]);
    assert.deepEqual(Array.from(h.data), [0.5, -1.25, Math.fround(0.0030002593994140625)]);
  });

  it('refuses a wrong magic, Fortran order, object dtypes and truncated data with one-line errors', () => {
    const good = b64(NPY_F4_2x3x4);
    const expectError = (bytes: Uint8Array, pattern: RegExp): void =>
      assert.throws(() => parseNpy(bytes), (e: unknown) => e instanceof SeLensError && e.code === 'bad-argument' && pattern.test(e.message));
    expectError(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]), /does not start with/);
    expectError(good.subarray(0, good.length - 4), /fewer than the 24 values/);
    const text = new TextDecoder('latin1').decode(good);
    const swap = (from: string, to: string): Uint8Array => Uint8Array.from(text.replace(from, to), (ch) => ch.charCodeAt(0));
    expectError(swap("'fortran_order': False", "'fortran_order': True "), /Fortran-ordered/);
    expectError(swap("'<f4'", "'|O8'"), /not a number type/);
  });
});

describe('imageToSample', () => {
  const solid = (w: number, h: number, rgb: [number, number, number]): DecodedImage => ({
    name: 'solid',
    width: w,
    height: h,
    rgba: Uint8Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 3 ? 255 : rgb[i % 4]!)),
  });

  it('normalises a solid colour with the ImageNet mean and std, in NCHW and NHWC', () => {
    const nchw = new Float32Array(3 * 4 * 4);
    imageToSample(solid(10, 6, [255, 128, 0]), 4, 4, 'NCHW', nchw, 0);
    const expected = [255, 128, 0].map((v, c) => Math.fround((v / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!));
    for (let c = 0; c < 3; c++) for (let i = 0; i < 16; i++) assert.ok(Math.abs(nchw[c * 16 + i]! - expected[c]!) < 1e-6);
    const nhwc = new Float32Array(4 * 4 * 3);
    imageToSample(solid(10, 6, [255, 128, 0]), 4, 4, 'NHWC', nhwc, 0);
    for (let i = 0; i < 16; i++) for (let c = 0; c < 3; c++) assert.equal(nhwc[i * 3 + c], nchw[c * 16 + i]);
  });

  it('centre-crops after resizing the short side to size / 0.875', () => {
    // A 64×16 image whose red channel is the column index ×4: a 2×2 crop of the centre.
    const w = 64;
    const h = 16;
    const image: DecodedImage = { name: 'ramp', width: w, height: h, rgba: Uint8Array.from({ length: w * h * 4 }, (_, i) => (i % 4 === 0 ? ((i / 4) % w) * 4 : 255)) };
    const out = new Float32Array(3 * 2 * 2);
    imageToSample(image, 2, 2, 'NCHW', out, 0);
    const scale = 2 / CROP_FRACTION / h;
    const left = (w * scale - 2) / 2;
    const red = (x: number): number => (((left + x + 0.5) / scale - 0.5) * 4 / 255 - IMAGENET_MEAN[0]) / IMAGENET_STD[0];
    assert.ok(Math.abs(out[0]! - red(0)) < 1e-5 && Math.abs(out[1]! - red(1)) < 1e-5, `${out[0]} ${out[1]} vs ${red(0)} ${red(1)}`);
    assert.equal(out[0], out[2]); // rows identical: the ramp is horizontal
  });
});

describe('planSamples', () => {
  const input = (shape: (number | string)[]) => [{ name: 'x', dtype: 'float32' as const, shape }];

  it('splits samples into runs of a fixed batch, with the same values as one symbolic-batch run', () => {
    const fixed = planSamples(input([1, 3, 2, 2]), { kind: 'normal', seed: 9, batch: 4 }, 'NCHW');
    const free = planSamples(input(['N', 3, 2, 2]), { kind: 'normal', seed: 9, batch: 4 }, 'NCHW');
    assert.equal(fixed.samples, 4);
    assert.equal(fixed.runs.length, 4);
    assert.deepEqual(fixed.runs[0]![0]!.dims, [1, 3, 2, 2]);
    assert.equal(free.runs.length, 1);
    assert.deepEqual(free.runs[0]![0]!.dims, [4, 3, 2, 2]);
    assert.deepEqual(fixed.runs.flatMap((r) => Array.from(r[0]!.data)), Array.from(free.runs[0]![0]!.data));
  });

  it('tops random samples up to a multiple of a fixed batch; refuses files that do not divide', () => {
    assert.equal(planSamples(input([2, 4]), { kind: 'constant', value: 0.5, batch: 3 }, 'NCHW').samples, 4);
    const img: DecodedImage = { name: 'a', width: 2, height: 2, rgba: new Uint8Array(16) };
    assert.throws(() => planSamples(input([2, 3, 2, 2]), { kind: 'images', images: [img, img, img] }, 'NCHW'), /batches of exactly 2/);
  });

  it('feeds an .npy array whose shape matches the input, and refuses one that does not', () => {
    const plan = planSamples(input(['N', 3, 4]), { kind: 'npy', name: 'a.npy', bytes: b64(NPY_F4_2x3x4) }, 'NCHW');
    assert.equal(plan.samples, 2);
    assert.equal(plan.runs[0]![0]!.data[23], Math.fround(Math.fround(23 / 7) - 1));
    assert.throws(() => planSamples(input(['N', 4, 3]), { kind: 'npy', name: 'a.npy', bytes: b64(NPY_F4_2x3x4) }, 'NCHW'), /has shape \[2, 3, 4\]/);
  });

  it('refuses non-float inputs and unknown non-batch sizes', () => {
    assert.throws(() => planSamples([{ name: 'ids', dtype: 'int64', shape: [1, 4] }], { kind: 'normal', seed: 0, batch: 1 }, 'NCHW'), /only float32/);
    assert.throws(() => planSamples(input(['N', 3, 'H', 'W']), { kind: 'normal', seed: 0, batch: 1 }, 'NCHW'), /no size chosen for dim 2 \(H\)/);
  });
});

/** A conv-1×1 SE block as a source front-end would hand it over: structure and shapes, no weight values. */
function sourceBlock(): Model {
  const graph = emptyGraph('SEBlock');
  const node = (id: string, op: string, inputs: string[], outputs: string[]): Node => ({ id, op, domain: '', attrs: {}, inputs, outputs });
  graph.inputs.push({ name: 'x', dtype: 'float32', shape: ['N', 32, 'H', 'W'] });
  graph.nodes.push(
    node('pool', 'GlobalAveragePool', ['x'], ['p']),
    node('fc1', 'Conv', ['p', 'fc1.weight', 'fc1.bias'], ['h']),
    node('act', 'Relu', ['h'], ['r']),
    node('fc2', 'Conv', ['r', 'fc2.weight', 'fc2.bias'], ['z']),
    node('gate', 'Sigmoid', ['z'], ['g']),
    node('scale', 'Mul', ['x', 'g'], ['y']),
  );
  graph.outputs.push({ name: 'y', dtype: 'float32', shape: undefined });
  for (const [name, shape] of [['fc1.weight', [8, 32, 1, 1]], ['fc1.bias', [8]], ['fc2.weight', [32, 8, 1, 1]], ['fc2.bias', [32]]] as const) {
    graph.initializers.set(name, { name, dtype: 'float32', shape: [...shape] });
  }
  return { graph, opsets: [{ domain: '', version: 13 }], irVersion: 8, producer: 'test', functions: [], layout: 'NCHW' };
}

describe('initialiseWeights', () => {
  it('draws PyTorch defaults: U(±1/√fan_in) for weights and biases, reproducibly from the seed', () => {
    const a = sourceBlock();
    const report = initialiseWeights(a, 'pytorch', 3);
    assert.deepEqual(report, { initialised: ['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'], missing: [] });
    const values = (m: Model, n: string) => Array.from(m.graph.initializers.get(n)!.values!);
    for (const [name, fanIn] of [['fc1.weight', 32], ['fc1.bias', 32], ['fc2.weight', 8], ['fc2.bias', 8]] as const) {
      const v = values(a, name);
      const bound = 1 / Math.sqrt(fanIn);
      assert.ok(v.every((x) => Math.abs(x) <= bound), name);
      assert.ok(Math.max(...v.map(Math.abs)) > 0.75 * bound, `${name} spans its bound`);
    }
    const b = sourceBlock();
    initialiseWeights(b, 'pytorch', 3);
    assert.deepEqual(values(a, 'fc2.weight'), values(b, 'fc2.weight'));
    const c = sourceBlock();
    initialiseWeights(c, 'pytorch', 4);
    assert.notDeepEqual(values(a, 'fc2.weight'), values(c, 'fc2.weight'));
  });

  it('draws TF.js defaults: glorot-uniform kernels, zero biases', () => {
    const m = sourceBlock();
    initialiseWeights(m, 'tfjs', 1);
    const w = Array.from(m.graph.initializers.get('fc1.weight')!.values!);
    const limit = Math.sqrt(6 / (32 + 8));
    assert.ok(w.every((x) => Math.abs(x) <= limit) && Math.max(...w.map(Math.abs)) > 0.75 * limit);
    assert.ok(Array.from(m.graph.initializers.get('fc2.bias')!.values!).every((x) => x === 0));
  });

  it('reports a weight it cannot size instead of guessing', () => {
    const m = sourceBlock();
    m.graph.initializers.delete('fc2.weight');
    // The bias's bound comes from the weight's fan-in, so it cannot be drawn either.
    assert.deepEqual(initialiseWeights(m, 'pytorch', 0).missing, ['fc2.weight', 'fc2.bias']);
  });
});

describe('gateModelFromSource', () => {
  it('builds a runnable ONNX model whose gate equals sigmoid(W2·relu(W1·mean(x)+b1)+b2)', async () => {
    const model = sourceBlock();
    const analysis = analyzeModel(model);
    assert.equal(analysis.blocks.length, 1);
    const gm = gateModelFromSource(model, analysis.blocks, { scheme: 'pytorch', seed: 5, spatial: 4 });
    assert.deepEqual(gm.inputs, [{ name: 'x', dtype: 'float32', shape: ['N', 32, 4, 4] }]);
    const plan = planSamples(gm.inputs, { kind: 'uniform', seed: 2, batch: 3, low: -1, high: 2 }, 'NCHW');
    const session = await ort.InferenceSession.create(gm.bytes);
    const feed = plan.runs[0]![0]!;
    const out = await session.run({ x: new ort.Tensor('float32', feed.data, feed.dims) });
    const gate = out[analysis.blocks[0]!.tensors.gate]!;
    assert.deepEqual(gate.dims, [3, 32, 1, 1]);
    assert.equal(model.graph.initializers.get('fc1.weight')!.values, undefined, 'the source model is left without weights');
    const w = (n: string) => Array.from(gm.model.graph.initializers.get(n)!.values!);
    const [w1, b1, w2, b2] = [w('fc1.weight'), w('fc1.bias'), w('fc2.weight'), w('fc2.bias')];
    let worst = 0;
    for (let s = 0; s < 3; s++) {
      const pooled = Array.from({ length: 32 }, (_, c) => feed.data.subarray((s * 32 + c) * 16, (s * 32 + c + 1) * 16).reduce((a, b) => a + b, 0) / 16);
      const hidden = Array.from({ length: 8 }, (_, o) => Math.max(0, b1![o]! + pooled.reduce((a, p, i) => a + p * w1![o * 32 + i]!, 0)));
      for (let c = 0; c < 32; c++) {
        const z = b2![c]! + hidden.reduce((a, h, i) => a + h * w2![c * 8 + i]!, 0);
        worst = Math.max(worst, Math.abs(1 / (1 + Math.exp(-z)) - (gate.data as Float32Array)[s * 32 + c]!));
      }
    }
    assert.ok(worst < 1e-6, `max error ${worst}`);
    await session.release();
  });
});
