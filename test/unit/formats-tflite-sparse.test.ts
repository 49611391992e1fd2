/**
 * Sparse TFLite constants (`Tensor.sparsity` + DENSIFY), as MediaPipe ships them: the densifier against
 * TensorFlow's own test vectors, and a real sparse model read whole.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { SeLensError } from '../../src/core/errors.js';
import { densify } from '../../src/core/formats/tflite/densify.js';
import { readTflite } from '../../src/core/formats/tflite/reader.js';
import type { TfliteSparsity } from '../../src/core/formats/tflite/tflite-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { writeOnnx } from '../../src/core/onnx/writer.js';

const DIR = 'test/fixtures/formats/tflite-sparse';

type Level = TfliteSparsity['levels'][number];
const dense = (size: number): Level => ({ dense: true, size, segments: [], indices: [] });
const csr = (segments: number[], indices: number[]): Level => ({ dense: false, size: 0, segments, indices });

/**
 * Cases of tensorflow/lite/kernels/internal/utils/sparsity_format_converter_test.cc (TensorFlow, Apache-2.0):
 * the dense tensor, and the metadata and kept values TF's DenseToSparse writes for it (its expectations).
 */
const TF_CASES: { name: string; dense: number[]; shape: number[]; sparsity: TfliteSparsity; kept: number[] }[] = [
  {
    name: 'SimpleTestS1S0 (column-major CSR)',
    dense: [6, 0, 9, 8, 0, 0, 0, 0, 5, 0, 0, 7],
    shape: [3, 4],
    sparsity: { traversalOrder: [1, 0], blockMap: [], levels: [csr([0, 3], [0, 2, 3]), csr([0, 2, 3, 5], [0, 2, 0, 0, 2])] },
    kept: [6, 5, 9, 8, 7],
  },
  {
    name: '3DTestS0S2S1',
    dense: [1, 0, 0, 0, 7, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 3, 2, 0, 8, 9],
    shape: [3, 2, 4],
    sparsity: { traversalOrder: [0, 2, 1], blockMap: [], levels: [csr([0, 2], [0, 2]), csr([0, 2, 5], [0, 2, 0, 2, 3]), csr([0, 2, 3, 4, 6, 8], [0, 1, 1, 1, 0, 1, 0, 1])] },
    kept: [1, 7, 5, 2, 4, 8, 3, 9],
  },
  {
    name: 'BlockTestD0S11DBlock (BCSR, 1-D blocks)',
    dense: [1, 0, 2, 3, 0, 4, 0, 0, 0, 0, 5, 0, 0, 0, 0, 6],
    shape: [4, 4],
    sparsity: { traversalOrder: [0, 1, 2], blockMap: [1], levels: [dense(4), csr([0, 2, 3, 4, 5], [0, 1, 0, 1, 1]), dense(2)] },
    kept: [1, 0, 2, 3, 0, 4, 5, 0, 0, 6],
  },
  {
    name: 'BlockTestD1S0 (BCSC, 2 × 2 blocks)',
    dense: [1, 0, 2, 3, 0, 4, 0, 0, 0, 0, 5, 0, 0, 0, 0, 6],
    shape: [4, 4],
    sparsity: { traversalOrder: [1, 0, 3, 2], blockMap: [0, 1], levels: [dense(2), csr([0, 1, 3], [0, 0, 1]), dense(2), dense(2)] },
    kept: [1, 0, 0, 4, 2, 0, 3, 0, 5, 0, 0, 6],
  },
  {
    name: 'BlockTestD0S1LastBlockEmpty',
    dense: [1, 0, 2, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    shape: [4, 4],
    sparsity: { traversalOrder: [0, 1, 2, 3], blockMap: [0, 1], levels: [dense(2), csr([0, 2, 2], [0, 1]), dense(2), dense(2)] },
    kept: [1, 0, 0, 4, 2, 3, 0, 0],
  },
];

describe('sparse TFLite constants', () => {
  for (const c of TF_CASES) {
    it(`densifies TensorFlow's ${c.name} case to TF's dense tensor`, () => {
      assert.deepEqual(Array.from(densify(c.kept, c.shape, c.sparsity, 'w')), c.dense);
    });
  }

  it('refuses forged metadata with a one-line error: segments past the indices, indices past a dim, too few values, a runaway dense level', () => {
    const base = TF_CASES[0]!;
    const forged: [TfliteSparsity, number[]][] = [
      [{ ...base.sparsity, levels: [csr([0, 9], [0, 2, 3]), base.sparsity.levels[1]!] }, base.kept],
      [{ ...base.sparsity, levels: [csr([0, 3], [0, 2, 7]), base.sparsity.levels[1]!] }, base.kept],
      [base.sparsity, base.kept.slice(0, 3)],
      [{ traversalOrder: [0, 1], blockMap: [], levels: [dense(2 ** 30), csr([0], [])] }, base.kept],
      // A traversal order that is not a permutation of the levels (a dim visited twice, one never).
      [{ ...base.sparsity, traversalOrder: [0, 0] }, base.kept],
    ];
    for (const [sparsity, kept] of forged) {
      assert.throws(() => densify(kept, base.shape, sparsity, 'w'), (e: unknown) => e instanceof SeLensError && e.code === 'corrupt' && !e.message.includes('\n'));
    }
    // 8,000 levels of size 1: refused by count, before a walk that would recurse once per level.
    const deep = Array.from({ length: 8000 }, () => 1);
    const deepSparsity: TfliteSparsity = { traversalOrder: deep.map((_, i) => i), blockMap: [], levels: deep.map(() => dense(1)) };
    assert.throws(() => densify([1], deep, deepSparsity, 'w'), (e: unknown) => e instanceof SeLensError && e.code === 'corrupt' && /8000 sparsity levels/.test((e as Error).message));
    // A dense shape no memory holds is refused before anything is allocated.
    assert.throws(() => densify(base.kept, [2 ** 20, 2 ** 20], base.sparsity, 'w'), (e: unknown) => e instanceof SeLensError && e.code === 'too-large');
  });

  it('reads MediaPipe\'s face_detection_full_range_sparse.tflite: every DENSIFY followed, each densified weight holds exactly the kept values', () => {
    const truth = JSON.parse(readFileSync(`${DIR}/truth.json`, 'utf8')) as { operators: Record<string, number>; sparse: { name: string; shape: number[]; nonzero: number; sum: number; sumOfSquares: number }[] };
    const model = readTflite(bytesSource(new Uint8Array(readFileSync(`${DIR}/face_detection_full_range_sparse.tflite`))));
    const ops = model.graph.nodes.map((n) => n.op);
    assert.equal(ops.filter((o) => o === 'Unknown').length, 0);
    assert.equal(ops.filter((o) => o === 'Conv').length, truth.operators['CONV_2D']! + truth.operators['DEPTHWISE_CONV_2D']!);
    assert.equal(truth.sparse.length, 46);
    for (const t of truth.sparse) {
      const weights = [...model.graph.initializers].filter(([name]) => name === t.name || name.startsWith(`${t.name}#`));
      assert.ok(weights.length > 0, t.name);
      for (const [name, w] of weights) {
        const values = Array.from(w.values ?? []);
        assert.equal(values.length, t.shape.reduce((a, b) => a * b, 1), name);
        const nonzero = values.filter((v) => v !== 0);
        assert.equal(nonzero.length, t.nonzero, name);
        assert.ok(Math.abs(nonzero.reduce((a, v) => a + v, 0) - t.sum) < 1e-4, name);
        assert.ok(Math.abs(nonzero.reduce((a, v) => a + v * v, 0) - t.sumOfSquares) < 1e-4, name);
      }
    }
    // The whole file analyses (shapes, counts) as any dense model does.
    const analysis = analyzeModel(model, {});
    assert.equal(analysis.blocks.length, 0);
  });

  it('runs its DEPTH_TO_SPACE heads: onnxruntime on the densified network gives what TF.js\'s depthToSpace makes of the head\'s input', async () => {
    const bytes = new Uint8Array(readFileSync(`${DIR}/face_detection_full_range_sparse.tflite`));
    const model = readTflite(bytesSource(bytes));
    const graph = model.graph;
    const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    const heads = ['model_1/model/d2sp_classifier_face_4/d2sp_classifier_face_4', 'model_1/model/d2sp_regressor_face_4/d2sp_regressor_face_4'];
    // The head's input: the tensor its first Reshape splits (the mapping is Reshape → Transpose → Reshape).
    const inputs = heads.map((h) => producer.get(producer.get(producer.get(h)!.inputs[0]!)!.inputs[0]!)!.inputs[0]!);
    const wanted = [...inputs, ...heads];
    const withOutputs = { ...model, graph: { ...graph, outputs: wanted.map((name) => graph.values.get(name)!) } };
    const session = await ort.InferenceSession.create(writeOnnx(withOutputs, { valuesOf: (t) => loadTensorValues(t, bytesSource(bytes)) }));
    const shape = graph.inputs[0]!.shape as number[];
    const x = new Float32Array(shape.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i * 0.013));
    const out = await session.run({ [graph.inputs[0]!.name]: new ort.Tensor('float32', x, shape) });
    heads.forEach((head, i) => {
      const input = out[inputs[i]!]!;
      const expected = tf.depthToSpace(tf.tensor4d(input.data as Float32Array, input.dims as [number, number, number, number]), 2, 'NHWC');
      assert.deepEqual(out[head]!.dims, expected.shape);
      assert.deepEqual(Array.from(out[head]!.data as Float32Array), Array.from(expected.dataSync()));
      // The densified weights did work: the head's input is not all zeros.
      assert.ok((input.data as Float32Array).some((v) => v !== 0));
    });
  });
});
