/**
 * The inspector page for a source unit: which weights ran is in its header (a checkpoint's file with the pairing
 * notes, or framework defaults and their seed), and the heatmap is the paired model's
 * (onnxruntime-node on the same bytes and input; the reference block's trained gates spread far from 0.5).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import * as ortNode from 'onnxruntime-node';
import { inspectSource, type Inspection } from '../../src/core/inspect/inspection.js';
import { planSamples } from '../../src/core/inputs/samples.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { readWeights } from '../../src/core/pairing/read-weights.js';
import { trainedModel } from '../../src/core/pairing/trained-model.js';
import type { InputSpec } from '../../src/core/protocol.js';
import { computeStats } from '../../src/core/stats/stats.js';
import { analyzeFixture, unitNamed } from '../unit/source-loader.js';
import { buildWebview, InspectorPage, launch, maxAbsDiff, serve, type Launched, type Served } from './harness.js';

/** Uniform on [0, 1], as the fixture's torch.rand input: pooled values near 0.5, so the weights decide the spread. */
const OUT = fileURLToPath(new URL('../../test-output/webview/', import.meta.url));
const INPUT: InputSpec = { kind: 'uniform', seed: 5, batch: 4, low: 0, high: 1 };
let served: Served;
let browser: Launched;
let inspector: InspectorPage;
let trained: Inspection;
let seeded: Inspection;

before(async () => {
  await buildWebview();
  served = await serve('wasm');
  browser = await launch(false);
  inspector = await InspectorPage.open(browser, served);
  const unit = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
  const analysed = { model: unit.model, blocks: unit.blocks, table: (c: Parameters<typeof computeStats>[1]) => computeStats(unit.model, c) };
  const path = 'test/fixtures/formats/pytorch/se_block_state_dict.pth';
  const source = bytesSource(new Uint8Array(readFileSync(path)));
  trained = inspectSource(analysed, unit.name, 'torchstat', {}, {}, trainedModel(unit.model, await readWeights(source), { source }, { label: 'ckpt/se_block_state_dict.pth', version: '1' }));
  seeded = inspectSource(analysed, unit.name, 'torchstat');
});
after(async () => {
  await browser?.close();
  await served?.close();
});

async function show(inspection: Inspection): Promise<{ header: string; notes: string[]; gates: Float64Array }> {
  const { modelBytes, ...rest } = inspection;
  const skip = await inspector.load({ type: 'load', ...rest, backend: 'wasm', input: INPUT }, served.addModel(inspection.modelKey, modelBytes));
  await inspector.waitFor((m) => m.type === 'ran', skip);
  const page = inspector.page;
  return {
    header: (await page.locator('#weights strong').textContent()) ?? '',
    notes: await page.locator('#weights li').allTextContents(),
    gates: (await inspector.gatesOf(inspection.blocks[0]!.id)).values,
  };
}

async function ortNodeGates(inspection: Inspection): Promise<Float32Array> {
  const session = await ortNode.InferenceSession.create(inspection.modelBytes);
  const plan = planSamples(inspection.inputs, INPUT, inspection.layout);
  const out: number[] = [];
  for (const feeds of plan.runs) {
    const r = await session.run(Object.fromEntries(feeds.map((f) => [f.name, new ortNode.Tensor('float32', f.data, f.dims)])));
    out.push(...(r[inspection.blocks[0]!.tensors.gate]!.data as Float32Array));
  }
  await session.release();
  return Float32Array.from(out);
}

describe('inspector webview: where a source unit\'s weights came from', () => {
  it('trained: the file in the header, the pairing notes listed, the paired model\'s gates', async () => {
    const shown = await show(trained);
    assert.equal(shown.header, 'weights: ckpt/se_block_state_dict.pth (trained)');
    assert.deepEqual(shown.notes, ['weights from ckpt/se_block_state_dict.pth: 2 tensors paired']);
    mkdirSync(OUT, { recursive: true });
    await inspector.page.screenshot({ path: join(OUT, 'weights-trained.png') });
    assert.ok(maxAbsDiff(shown.gates, await ortNodeGates(trained)) <= 1e-4);
    const spread = Math.max(...shown.gates) - Math.min(...shown.gates);
    assert.ok(spread > 0.4, `trained gates spread far from 0.5: ${Math.min(...shown.gates)}…${Math.max(...shown.gates)}`);
  });

  it('framework defaults: the seed, no notes; another model key, so the trained session is not reused', async () => {
    const shown = await show(seeded);
    assert.equal(shown.header, 'framework-default weights, seed 0');
    assert.deepEqual(shown.notes, []);
    assert.notEqual(seeded.modelKey, trained.modelKey);
    assert.ok(maxAbsDiff(shown.gates, await ortNodeGates(seeded)) <= 1e-4);
    const spread = Math.max(...shown.gates) - Math.min(...shown.gates);
    assert.ok(spread < 0.4, `framework defaults stay nearer 0.5: ${Math.min(...shown.gates)}…${Math.max(...shown.gates)}`);
  });
});
