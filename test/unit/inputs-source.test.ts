/** Source blocks run as ONNX: framework-default weights, gates as outputs, checked against plain TypeScript. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { planSamples } from '../../src/core/inputs/samples.js';
import { gateModelFromSource } from '../../src/core/inspect/gate-model.js';
import { inspectSource } from '../../src/core/inspect/inspection.js';
import { computeStats } from '../../src/core/stats/stats.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { referenceGates } from '../webview/reference.js';
import { analyzeFixture } from './source-loader.js';

describe('source blocks in the inspector', () => {
  it('the PyTorch reference block (SEBlock(32, 4)) runs with PyTorch-default weights; gates match the TypeScript reference', async (t) => {
    const analysis = await analyzeFixture('se_block_reference.py');
    const unit = analysis.units.find((u) => u.blocks.length > 0)!;
    assert.ok(unit, 'a unit with an SE block');
    const block = unit.blocks[0]!;
    assert.equal(block.channels, 32);
    const gm = gateModelFromSource(unit.model, unit.blocks, { scheme: 'pytorch', seed: 0, spatial: 16 });
    const plan = planSamples(gm.inputs, { kind: 'normal', seed: 3, batch: 4 }, unit.model.layout);
    const session = await ort.InferenceSession.create(gm.bytes);
    const values: number[] = [];
    for (const feeds of plan.runs) {
      const out = await session.run(Object.fromEntries(feeds.map((f) => [f.name, new ort.Tensor('float32', f.data, f.dims)])));
      values.push(...(out[block.tensors.gate]!.data as Float32Array));
    }
    await session.release();
    assert.equal(values.length, 4 * 32, 'a 4 × 32 heatmap');
    const x = new Float32Array(plan.runs.flatMap((r) => Array.from(r[0]!.data)));
    const dims = [plan.samples, ...plan.runs[0]![0]!.dims.slice(1)];
    const reference = referenceGates(gm.model, bytesSource(new Uint8Array(0)), block, x, dims);
    let err = 0;
    for (let i = 0; i < values.length; i++) err = Math.max(err, Math.abs(values[i]! - reference[i]!));
    assert.ok(err <= 1e-5, `max |ORT − reference| = ${err}`);
    t.diagnostic(`input ${JSON.stringify(gm.inputs[0]!.shape)}, ${plan.runs.length} run(s), max error ${err.toExponential(2)}`);
  });

  it('inspectSource builds the whole load payload and leaves the unit untouched', () => {
    return analyzeFixture('se_block_reference.py').then((analysis) => {
      const unit = analysis.units.find((u) => u.blocks.length > 0)!;
      const before = [...unit.model.graph.initializers.values()].map((i) => i.values);
      const inspection = inspectSource(
        { model: unit.model, blocks: unit.blocks, table: (c, id) => computeStats(unit.model, c, id === undefined ? {} : { block: unit.blocks.find((b) => b.id === id)! }) },
        unit.name,
        'torchstat',
      );
      assert.equal(inspection.origin, 'source');
      assert.deepEqual(inspection.weights, { kind: 'default', seed: 0, label: 'framework-default weights, seed 0' });
      assert.equal(inspection.blockStats.length, unit.blocks.length);
      assert.ok(inspection.modelBytes.length > 2048, 'weights are written');
      assert.deepEqual([...unit.model.graph.initializers.values()].map((i) => i.values), before);
    });
  });
});
