/**
 * A fresh panel's first heatmap from the extension host (issue #12): the host's runner on the inspector's own gate
 * model and samples, checked against onnxruntime-node on the same bytes and feeds; the message through the
 * protocol's validation; the budget that keeps large models off the host's thread; the webview's comparison.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ortNode from 'onnxruntime-node';
import { analyzeOnnx } from '../../src/core/analyze.js';
import { planSamples } from '../../src/core/inputs/samples.js';
import { inspectOnnx, type Inspection } from '../../src/core/inspect/inspection.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { parseHostMessage, parseWebviewMessage, type HostGatesMessage, type InputSpec } from '../../src/core/protocol.js';
import { HostGateRunner } from '../../src/extension/inline/gate-runner.js';
import { HOST_RUN_MAC_BUDGET, hostGates, hostRunPlan } from '../../src/extension/inspector/host-gates.js';
import { GateMatrix } from '../../webview/gates.js';
import { compareGates, HOST_AGREEMENT, hostMatrices } from '../../webview/host-gates.js';

const ortDist = join(__dirname, '..', '..', 'node_modules', 'onnxruntime-web', 'dist');
const runner = new HostGateRunner(join(ortDist, 'ort-wasm-simd-threaded.wasm'), join(ortDist, 'ort-wasm-simd-threaded.mjs'));

function inspect(name: string): Inspection {
  const bytes = new Uint8Array(readFileSync(join('test', 'fixtures', `${name}.onnx`)));
  return inspectOnnx(analyzeOnnx(bytesSource(bytes)), bytesSource(bytes), name, 'torchstat');
}

/** The same gate model and samples through onnxruntime-node (one thread): gate tensor → samples × channels. */
async function nodeGates(inspection: Inspection, input: InputSpec): Promise<Map<string, Float32Array>> {
  const session = await ortNode.InferenceSession.create(inspection.modelBytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const plan = planSamples(inspection.inputs, input, inspection.layout, inspection.imageFit);
  const parts = new Map<string, Float32Array[]>();
  for (const feeds of plan.runs) {
    const out = await session.run(Object.fromEntries(feeds.map((f) => [f.name, new ortNode.Tensor('float32', f.data, f.dims)])));
    for (const [name, t] of Object.entries(out)) parts.set(name, [...(parts.get(name) ?? []), Float32Array.from(t.data as Float32Array)]);
  }
  await session.release();
  return new Map([...parts].map(([name, chunks]) => [name, Float32Array.from(chunks.flatMap((c) => [...c]))]));
}

describe('the first heatmap from the extension host', () => {
  const input: InputSpec = { kind: 'normal', seed: 7, batch: 4 };

  it('runs mobilenet_v3_small’s 9 gates for the panel’s samples, equal to onnxruntime-node (≤ 1e-4), and the message passes validation', async () => {
    const inspection = inspect('mobilenet_v3_small');
    const message = await hostGates(runner, inspection, hostRunPlan(inspection, input)!);
    assert.equal(message.modelKey, inspection.modelKey);
    assert.equal(message.gates.length, 9);
    const parsed = parseHostMessage(message);
    assert.ok(parsed.ok && parsed.value.type === 'hostGates', parsed.ok ? '' : parsed.reason);
    const reference = await nodeGates(inspection, input);
    const matrices = hostMatrices(parsed.value as HostGatesMessage);
    for (const block of inspection.blocks) {
      const m = matrices.get(block.tensors.gate)!;
      assert.equal(m.rows, 4, block.id);
      assert.equal(m.cols, block.channels, block.id);
      const ref = reference.get(block.tensors.gate)!;
      let err = 0;
      for (let i = 0; i < ref.length; i++) err = Math.max(err, Math.abs(m.values[i]! - ref[i]!));
      assert.ok(err <= 1e-4, `${block.id}: max |host − onnxruntime-node| = ${err}`);
    }
    // The seed matters: gates of another input differ, so agreeing above is not agreeing on constants.
    const other = await hostGates(runner, inspection, hostRunPlan(inspection, { kind: 'normal', seed: 8, batch: 4 })!);
    const cmp = compareGates(matrices, hostMatrices(other));
    assert.ok(cmp.maxAbsDiff > HOST_AGREEMENT, `seed 7 vs 8: max |Δ| ${cmp.maxAbsDiff}`);
  });

  it('leaves a model over the budget (or of unknown cost, or without blocks) to the webview', () => {
    const inspection = inspect('mobilenet_v3_small');
    const most = Math.floor(HOST_RUN_MAC_BUDGET / inspection.seOverhead.totalMacs);
    assert.ok(most >= 4 && most < 64, `${most} samples fit the budget`);
    assert.equal(hostRunPlan(inspection, { kind: 'normal', seed: 0, batch: most })?.samples, most);
    assert.equal(hostRunPlan(inspection, { kind: 'normal', seed: 0, batch: most + 1 }), undefined);
    assert.equal(hostRunPlan({ ...inspection, seOverhead: { ...inspection.seOverhead, totalMacs: 0 } }, input), undefined);
    assert.equal(hostRunPlan({ ...inspection, blocks: [] }, input), undefined);
  });

  it('says the runner is warm only once ORT has created a session', async () => {
    const cold = new HostGateRunner(join(ortDist, 'ort-wasm-simd-threaded.wasm'), join(ortDist, 'ort-wasm-simd-threaded.mjs'));
    assert.equal(cold.isWarm, false);
    await cold.warm(new Uint8Array(readFileSync(join('media', 'examples', 'se_block_c32_r4_avg.onnx'))));
    assert.equal(cold.isWarm, true);
  });

  it('refuses a host gates message whose bytes do not hold rows × cols float32', () => {
    const good = { type: 'hostGates', modelKey: 'k', createMs: 1, runMs: 1, gates: [{ tensor: 'g', rows: 2, cols: 3, values: new Uint8Array(24) }] };
    assert.ok(parseHostMessage(good).ok);
    const bad = parseHostMessage({ ...good, gates: [{ ...good.gates[0], values: new Uint8Array(20) }] });
    assert.deepEqual(bad, { ok: false, reason: 'gates[0].values: expected 24 bytes (2 × 3 float32), got 20' });
    const compared = parseWebviewMessage({ type: 'gatesCompared', modelKey: 'k', maxAbsDiff: 3e-8, matrices: 9, agree: true });
    assert.ok(compared.ok && compared.value.type === 'gatesCompared' && compared.value.agree);
  });
});

describe('the webview’s comparison of host and own gates', () => {
  const m = (values: number[], rows = 1) => new GateMatrix(rows, values.length / rows, Float32Array.from(values));

  it('agrees within 1e-4, names the largest difference, and refuses other shapes and one-sided NaN', () => {
    const host = new Map([['a', m([0.1, 0.2, 0.3, 0.4], 2)]]);
    assert.deepEqual(compareGates(host, new Map([['a', m([0.1, 0.2, 0.3, 0.4], 2)]])), { maxAbsDiff: 0, matrices: 1, agree: true });
    const near = compareGates(host, new Map([['a', m([0.1, 0.20005, 0.3, 0.4], 2)]]));
    assert.ok(near.agree && Math.abs(near.maxAbsDiff - 5e-5) < 1e-6);
    assert.equal(compareGates(host, new Map([['a', m([0.1, 0.2, 0.3, 0.5], 2)]])).agree, false);
    assert.equal(compareGates(host, new Map([['a', m([0.1, 0.2, 0.3, 0.4], 1)]])).maxAbsDiff, Number.MAX_VALUE);
    assert.equal(compareGates(host, new Map()).agree, false);
    assert.equal(compareGates(new Map([['a', m([NaN])]]), new Map([['a', m([0.5])]])).agree, false);
    assert.equal(compareGates(new Map([['a', m([NaN])]]), new Map([['a', m([NaN])]])).agree, true);
  });
});
