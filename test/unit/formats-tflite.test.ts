import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { fixedInput } from '../fixtures/formats/make-tfjs-graph-truth.js';

const pkg = dirname(require.resolve('@mediapipe/selfie_segmentation/package.json'));
interface Truth {
  readonly blocks: { mul: string; channels: number; squeezeChannels: number; params: number; inputShape: number[] }[];
  readonly otherGates: string[];
}
const truth = JSON.parse(readFileSync('test/fixtures/formats/tflite.truth.json', 'utf8')) as Record<string, Truth>;
const tfjsTwin = JSON.parse(readFileSync('test/fixtures/formats/tfjs-graph.truth.json', 'utf8')).selfie as { inputShape: number[]; blocks: { gates: number[] }[] };

function open(name: string) {
  const bytes = readFileSync(join(pkg, `${name}.tflite`));
  const source = bytesSource(bytes);
  return { model: readModelFile(source, { name }), source };
}

describe('TFLite models', () => {
  for (const [name, t] of Object.entries(truth)) {
    it(`${name}: SE blocks as flatc's decoding counts them; decoder gates on other tensors not reported`, () => {
      const analysis = analyzeModel(open(name).model);
      assert.deepEqual(
        analysis.blocks.map((b) => ({ mul: b.tensors.output, channels: b.channels, squeezeChannels: b.squeezeChannels, params: b.params, inputShape: b.inputShape })),
        t.blocks,
      );
      assert.equal(t.otherGates.length, 4, 'the file has decoder gates');
      for (const gate of t.otherGates) assert.ok(!analysis.blocks.some((b) => b.tensors.output === gate), `${gate} is not an SE block`);
      for (const b of analysis.blocks) assert.equal(analysis.table('torchstat', b.id).totals.params, b.params, b.id);
    });
  }

  it('follows DEQUANTIZE to float16 weights: lazy payloads inside the file, OIHW for the convolutions', () => {
    const { model } = open('selfie_segmentation');
    assert.ok(!model.graph.nodes.some((n) => n.op === 'Unknown'), 'every operator is mapped');
    const w = model.graph.initializers.get('conv2d_2/Kernel/oihw');
    assert.ok(w?.payload?.stored, 'the SE weight is a lazy initializer');
    assert.equal(w.payload.kind, 'embedded');
    assert.equal(w.payload.stored.dtype, 'float16');
    assert.equal(w.dtype, 'float32');
    assert.deepEqual(w.shape, [8, 16, 1, 1]);
  });

  it('runs: the first SE gates equal those TF.js computes with the same network converted to TF.js (human-models selfie)', async () => {
    // Both files are the MediaPipe selfie model; their float16 weights were rounded separately, so gates agree
    // closely at the first block and drift by up to ~2e-3 deeper in. The first block checks the reading of
    // the weights (DEQUANTIZE, float16, OHWI → OIHW) and the ops against an independent runtime.
    const { model, source } = open('selfie_segmentation');
    const analysis = analyzeModel(model);
    const gate = gateModelFromOnnx(model, analysis.blocks, source);
    const session = await ort.InferenceSession.create(gate.bytes, { graphOptimizationLevel: 'disabled' });
    try {
      const x = fixedInput(tfjsTwin.inputShape.reduce((a, b) => a * b, 1));
      const out = await session.run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', x, tfjsTwin.inputShape) });
      const ours = out[analysis.blocks[0]!.tensors.gate]!.data as Float32Array;
      const theirs = tfjsTwin.blocks[0]!.gates;
      assert.equal(ours.length, theirs.length);
      for (let k = 0; k < theirs.length; k++) assert.ok(Math.abs(ours[k]! - theirs[k]!) < 1e-4, `gate ${k}: ${ours[k]} vs ${theirs[k]}`);
      for (const b of analysis.blocks.slice(1)) {
        const g = out[b.tensors.gate]!.data as Float32Array;
        assert.ok(Math.max(...g) - Math.min(...g) > 0.1, `${b.id}: trained gates spread`);
      }
    } finally {
      await session.release();
    }
  });
});
