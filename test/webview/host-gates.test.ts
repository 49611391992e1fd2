/**
 * A fresh panel whose first heatmap comes from the extension host (issue #12): the host's runner (the inline strips'
 * HostGateRunner, onnxruntime-web WASM under Node) computes mobilenet_v3_small's gates for the panel's samples, the
 * page paints them before its own runtime has run, then compares its own run with them and reports the agreement.
 * Host gates that disagree are reported and replaced by the page's own; gates of another model are ignored.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspectOnnx, type Inspection } from '../../src/core/inspect/inspection.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import type { HostGatesMessage, InputSpec, LoadMessage, WebviewMessage } from '../../src/core/protocol.js';
import { HostGateRunner } from '../../src/extension/inline/gate-runner.js';
import { hostGates, hostRunPlan } from '../../src/extension/inspector/host-gates.js';
import { buildWebview, InspectorPage, launch, maxAbsDiff, serve, type Launched, type Served } from './harness.js';
import { prepare } from './fixtures.js';

const ORT_DIST = fileURLToPath(new URL('../../node_modules/onnxruntime-web/dist/', import.meta.url));
const INPUT: InputSpec = { kind: 'normal', seed: 5, batch: 4 };

let served: Served;
let browser: Launched;
let inspection: Inspection;
let url: string;
const runner = new HostGateRunner(join(ORT_DIST, 'ort-wasm-simd-threaded.wasm'), join(ORT_DIST, 'ort-wasm-simd-threaded.mjs'));

before(async () => {
  await buildWebview();
  served = await serve('wasm', true);
  browser = await launch(false);
  const p = prepare('mobilenet_v3_small');
  inspection = inspectOnnx(p.analysis, bytesSource(p.bytes), 'mobilenet_v3_small', 'torchstat');
  url = served.addModel('host-gates-mnv3', inspection.modelBytes);
});
after(async () => {
  await browser?.close();
  await served?.close();
});

function load(modelKey = inspection.modelKey): Omit<LoadMessage, 'modelBytes'> {
  const { modelBytes: _bytes, ...rest } = inspection;
  return { type: 'load', ...rest, modelKey, backend: 'wasm', input: INPUT, hostGatesComing: true };
}

type Rendered = Extract<WebviewMessage, { type: 'rendered' }>;

/** The host's gates of `inspection` on `input`, as the panel sends them. */
async function fromHost(input: InputSpec): Promise<HostGatesMessage> {
  const plan = hostRunPlan(inspection, input);
  assert.ok(plan, 'mobilenet_v3_small at 4 samples is within the host budget');
  return hostGates(runner, inspection, plan);
}

function floats(bytes: Uint8Array): Float32Array {
  return new Float32Array(bytes.slice().buffer);
}

describe('the first heatmap from the extension host', () => {
  it('paints the host’s gates before the page’s own run, then reports that the two agree (≤ 1e-4)', async () => {
    const host = await fromHost(INPUT);
    const page = await InspectorPage.openWithLoad(browser, served, load(), url, [host]);
    try {
      const compared = await page.waitFor((m) => m.type === 'gatesCompared');
      assert.ok(compared.type === 'gatesCompared');
      assert.equal(compared.matrices, 9);
      assert.ok(compared.agree && compared.maxAbsDiff <= 1e-4, `max |host − webview| = ${compared.maxAbsDiff}`);
      const messages = await page.messages();
      const firstRendered = messages.findIndex((m) => m.type === 'rendered');
      const ran = messages.findIndex((m) => m.type === 'ran');
      assert.equal((messages[firstRendered] as Rendered).source, 'host', 'the first heatmap is the host’s');
      assert.ok(firstRendered < ran, 'painted before the page’s own run finished');
      assert.ok(messages.slice(ran).some((m) => m.type === 'rendered' && m.source === 'webview'), 'then repainted with the page’s own gates');
      const marks = await page.timeline();
      assert.ok(marks['heatmap-host']! < marks['ran']!, `host heatmap at ${marks['heatmap-host']} ms, own run done at ${marks['ran']} ms`);
      // The page left ORT's JS alone until the host's heatmap was up (the load said the host's gates were coming).
      assert.ok(marks['heatmap-host']! < marks['ort-wasm-imported']!, `ORT imported at ${marks['ort-wasm-imported']} ms, host heatmap at ${marks['heatmap-host']} ms`);
      assert.equal(await page.page.locator('#status').getAttribute('data-host-agreement'), 'agree');
      assert.match((await page.page.locator('#status').textContent()) ?? '', /host's first gates agree/);
      // What is on screen now is the page's own run, and it equals the host's, gate by gate.
      const block = inspection.blocks[0]!;
      const own = await page.gatesOf(block.id);
      const hostValues = floats(host.gates.find((g) => g.tensor === block.tensors.gate)!.values);
      assert.ok(maxAbsDiff(own.values, hostValues) <= 1e-4);
    } finally {
      await page.page.close();
    }
  });

  it('reports host gates that disagree and shows the page’s own instead', async () => {
    // The host's gates of another seed under this load's key: what a host bug would send.
    const wrong = await fromHost({ ...INPUT, seed: INPUT.seed + 1 });
    const right = await fromHost(INPUT);
    const page = await InspectorPage.openWithLoad(browser, served, load(), url, [wrong]);
    try {
      const compared = await page.waitFor((m) => m.type === 'gatesCompared');
      assert.ok(compared.type === 'gatesCompared' && !compared.agree && compared.maxAbsDiff > 1e-4);
      assert.equal(await page.page.locator('#status').getAttribute('data-host-agreement'), 'disagree');
      assert.equal(await page.page.locator('#error').isHidden(), false, 'the disagreement is shown');
      const block = inspection.blocks[0]!;
      const shown = await page.gatesOf(block.id);
      assert.ok(maxAbsDiff(shown.values, floats(right.gates.find((g) => g.tensor === block.tensors.gate)!.values)) <= 1e-4, 'the heatmap holds the page’s own gates');
    } finally {
      await page.page.close();
    }
  });

  it('runs its own at once when the host’s run failed (a message with no matrices)', async () => {
    const page = await InspectorPage.openWithLoad(browser, served, load(), url, [{ type: 'hostGates', modelKey: inspection.modelKey, gates: [], createMs: 0, runMs: 0 }]);
    try {
      await page.waitFor((m) => m.type === 'rendered');
      const messages = await page.messages();
      assert.ok(messages.filter((m) => m.type === 'rendered').every((m) => (m as Rendered).source === 'webview'));
      assert.ok(!messages.some((m) => m.type === 'gatesCompared'));
    } finally {
      await page.page.close();
    }
  });

  it('ignores host gates sent for another model: the page paints only its own, after waiting for the host at most 1.5 s', async () => {
    const host = await fromHost(INPUT);
    const page = await InspectorPage.openWithLoad(browser, served, load(), url, [{ ...host, modelKey: 'another-model' }]);
    try {
      await page.waitFor((m) => m.type === 'ran');
      await page.waitFor((m) => m.type === 'rendered');
      const messages = await page.messages();
      assert.ok(messages.filter((m) => m.type === 'rendered').every((m) => (m as Rendered).source === 'webview'));
      assert.ok(!messages.some((m) => m.type === 'gatesCompared'));
    } finally {
      await page.page.close();
    }
  });
});
