/**
 * The inspector bundle in headless Chromium under the panel's CSP, on the WASM and the WebGPU
 * (SwiftShader) execution providers. Standalone blocks are checked against a plain-TypeScript
 * reference from their weights (≤ 1e-5); mobilenet_v3_small's 9 gates against onnxruntime-node on the
 * same model and input (≤ 1e-4), and WebGPU against WASM. Screenshots go to test-output/webview/.
 */
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { PNG } from 'pngjs';
import { planSamples } from '../../src/core/inputs/samples.js';
import type { DecodedImage, InputSpec } from '../../src/core/protocol.js';
import { buildWebview, InspectorPage, launch, maxAbsDiff, serve, type Launched, type Served } from './harness.js';
import { loadMessage, prepare, type Prepared } from './fixtures.js';
import { referenceGates } from './reference.js';
import { constantGateModel } from './constant-gates.js';
import { VIRIDIS_LUT, lutIndex } from '../../src/core/colormap.js';

const OUT = fileURLToPath(new URL('../../test-output/webview/', import.meta.url));
const STANDALONE = ['seed_se_c32_r4_avg', 'seed_se_c32_r4_max', 'var_se_conv1x1_bias', 'var_eca'];
/** Uniform on [0, 4]: pooled values then differ by channel weights enough for the gates to spread over 0..1. */
const SAMPLES: InputSpec = { kind: 'uniform', seed: 7, batch: 4, low: 0, high: 4 };
const MNV3_SAMPLES: InputSpec = { kind: 'normal', seed: 11, batch: 2 };

let served: Served;
const prepared = new Map<string, Prepared>();
/** mobilenet_v3_small gates per block id, from the WASM run, for the WebGPU comparison. */
const wasmMnv3 = new Map<string, Float64Array>();
let nodeMnv3: Map<string, Float32Array>;

before(async () => {
  mkdirSync(OUT, { recursive: true });
  await buildWebview();
  served = await serve();
  for (const name of [...STANDALONE, 'mobilenet_v3_small']) prepared.set(name, prepare(name));
  nodeMnv3 = await runWithOrtNode(prepared.get('mobilenet_v3_small')!, MNV3_SAMPLES);
});
after(async () => served?.close());

/** onnxruntime-node on the same gate model and the same planned input; gate tensor → values. */
async function runWithOrtNode(p: Prepared, spec: InputSpec): Promise<Map<string, Float32Array>> {
  const session = await ortNode.InferenceSession.create(p.gateModel.bytes, { intraOpNumThreads: 1 });
  const plan = planSamples(p.gateModel.inputs, spec, p.analysis.model.layout);
  const parts = new Map<string, number[]>();
  for (const feeds of plan.runs) {
    const out = await session.run(Object.fromEntries(feeds.map((f) => [f.name, new ortNode.Tensor('float32', f.data, f.dims)])));
    for (const [name, t] of Object.entries(out)) parts.set(name, [...(parts.get(name) ?? []), ...(t.data as Float32Array)]);
  }
  await session.release();
  return new Map([...parts].map(([k, v]) => [k, Float32Array.from(v)]));
}

function checkStandalone(inspector: () => InspectorPage, ep: 'wasm' | 'webgpu'): void {
  for (const name of STANDALONE) {
    it(`${name}: every gate equals the TypeScript reference (${ep})`, async (t) => {
      const p = prepared.get(name)!;
      const url = served.addModel(name, p.gateModel.bytes);
      const skip = await inspector().load(loadMessage(p, SAMPLES, ep), url);
      const ran = await inspector().waitFor((m) => m.type === 'ran', skip);
      assert.equal(ran.type === 'ran' && ran.ep, ep);
      const block = p.analysis.blocks[0]!;
      const gates = await inspector().gatesOf(block.id);
      const plan = planSamples(p.gateModel.inputs, SAMPLES, 'NCHW');
      const x = new Float32Array(plan.runs.flatMap((r) => Array.from(r[0]!.data)));
      const sampleDims = plan.runs[0]![0]!.dims.slice(1);
      const reference = referenceGates(p.analysis.model, p.source, block, x, [plan.samples, ...sampleDims]);
      assert.equal(gates.rows, plan.samples);
      assert.equal(gates.cols, block.channels);
      const err = maxAbsDiff(gates.values, reference);
      assert.ok(err <= 1e-5, `max |ORT-web ${ep} − reference| = ${err}`);
      t.diagnostic(`max |ORT-web ${ep} − reference| = ${err.toExponential(2)} over ${reference.length} gates`);
      // The gates must actually vary, or the comparison would prove little.
      assert.ok(Math.max(...reference) - Math.min(...reference) > 0.05);
    });
  }
}

describe('inspector webview, WASM EP (no WebGPU adapter)', () => {
  let browser: Launched;
  let inspector: InspectorPage;
  before(async () => {
    browser = await launch(false);
    inspector = await InspectorPage.open(browser, served);
  });
  after(async () => browser?.close());

  it('reports the WASM EP when auto finds no adapter', async () => {
    const p = prepared.get('seed_se_c32_r4_avg')!;
    const skip = await inspector.load(loadMessage(p, SAMPLES, 'auto'), served.addModel('auto', p.gateModel.bytes));
    const ran = await inspector.waitFor((m) => m.type === 'ran', skip);
    assert.equal(ran.type === 'ran' && ran.ep, 'wasm');
    assert.ok(ran.type === 'ran' && ran.createMs > 0);
    assert.match((await inspector.page.locator('#status').textContent()) ?? '', /EP: wasm \(no WebGPU adapter\) · session \d+ ms · run [\d.]+ ms · 4 samples/);
  });

  checkStandalone(() => inspector, 'wasm');

  it('a fresh panel fetches the .wasm once, in its first script, and ORT runs the module compiled there', async () => {
    // A panel as VS Code opens one: the load is queued until the page is ready. The gates must still be
    // onnxruntime-node's, so the early-compiled module is the same ORT build, wired the same way.
    const p = prepared.get('mobilenet_v3_small')!;
    const fresh = await InspectorPage.openWithLoad(browser, served, loadMessage(p, MNV3_SAMPLES, 'wasm'), served.addModel('mnv3-fresh', p.gateModel.bytes));
    try {
      await fresh.waitFor((m) => m.type === 'rendered');
      const timeline = await fresh.timeline();
      assert.ok(timeline['early-wasm-used']! < timeline['session-created']!, `timeline ${JSON.stringify(timeline)}`);
      const wasmFetches = await fresh.page.evaluate(() => performance.getEntriesByType('resource').filter((r) => r.name.endsWith('.wasm')).map((r) => r.name));
      assert.deepEqual(wasmFetches.map((u) => u.split('/').pop()), ['ort-wasm-simd-threaded.wasm']);
      const block = p.analysis.blocks[0]!;
      const gates = await fresh.gatesOf(block.id);
      assert.ok(maxAbsDiff(gates.values, nodeMnv3.get(block.tensors.gate)!) <= 1e-4);
    } finally {
      await fresh.page.close();
    }
  });

  it('mobilenet_v3_small: 9 gates of the right widths, equal to onnxruntime-node (≤ 1e-4)', async (t) => {
    let worst = 0;
    const p = prepared.get('mobilenet_v3_small')!;
    const skip = await inspector.load(loadMessage(p, MNV3_SAMPLES, 'wasm'), served.addModel('mnv3', p.gateModel.bytes));
    await inspector.waitFor((m) => m.type === 'ran', skip);
    assert.equal(p.analysis.blocks.length, 9);
    for (const block of p.analysis.blocks) {
      const gates = await inspector.gatesOf(block.id);
      assert.equal(gates.cols, block.channels, block.id);
      assert.equal(gates.rows, 2);
      const err = maxAbsDiff(gates.values, nodeMnv3.get(block.tensors.gate)!);
      assert.ok(err <= 1e-4, `${block.id}: max |ORT-web wasm − onnxruntime-node| = ${err}`);
      worst = Math.max(worst, err);
      wasmMnv3.set(block.id, gates.values);
    }
    t.diagnostic(`max |ORT-web wasm − onnxruntime-node| over 9 blocks = ${worst.toExponential(2)}`);
    // The fixture's random torchvision init leaves deep activations tiny, so its gates sit near 0.5:
    // the first block must still vary, or agreeing to 1e-4 would prove nothing there.
    const deviation = [...wasmMnv3.values()].map((g) => Math.max(...g.map((v) => Math.abs(v - 0.5))));
    t.diagnostic(`max |gate − 0.5| per block: ${deviation.map((d) => d.toExponential(1)).join(', ')}`);
    assert.ok(deviation[0]! > 1e-4, `features.1.block.1 gates vary (max |g − 0.5| = ${deviation[0]})`);
    assert.deepEqual(
      p.analysis.blocks.map((b) => b.channels),
      [16, 96, 240, 240, 120, 144, 288, 576, 576],
    );
    // Across depth: one row per block, each histogram holding every gate value.
    await inspector.page.locator('vscode-tab-header', { hasText: 'Across depth' }).click();
    await inspector.page.locator('.depth-row').nth(8).waitFor();
    const labels = await inspector.page.locator('.depth-hist').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    assert.equal(labels.length, 9);
    labels.forEach((label, i) => {
      const counts = label.split(': ')[1]!.split(', ').map(Number);
      assert.equal(counts.reduce((a, b) => a + b, 0), 2 * p.analysis.blocks[i]!.channels);
    });
    await inspector.page.screenshot({ path: join(OUT, 'mnv3-across-depth.png'), fullPage: true });
    await inspector.page.locator('vscode-tab-header', { hasText: 'Prunability' }).click();
    assert.equal(await inspector.page.locator('table.prunability tbody tr').count(), 9);
    await inspector.page.screenshot({ path: join(OUT, 'mnv3-prunability.png'), fullPage: true });
    await inspector.page.locator('vscode-tab-header', { hasText: 'Heatmap' }).click();
    await inspector.page.screenshot({ path: join(OUT, 'mnv3-heatmap.png'), fullPage: true });
  });

  it('images as input: decoded on the host side, resized, cropped and normalised; gates equal onnxruntime-node', async (t) => {
    const images: DecodedImage[] = [
      { name: 'ramp.png', ...pngPixels(48, 32, (x, y) => [x * 5, y * 7, 128]) },
      { name: 'checker.png', ...pngPixels(40, 60, (x, y) => ((x >> 2) + (y >> 2)) % 2 ? [250, 250, 250] : [10, 40, 90]) },
    ];
    const spec: InputSpec = { kind: 'images', images };
    const skip = await inspector.post({ type: 'setInput', input: { kind: 'images', images: images.map((im) => ({ ...im, rgba: Array.from(im.rgba) })) } }, true);
    const ran = await inspector.waitFor((m) => m.type === 'ran', skip);
    assert.equal(ran.type === 'ran' && ran.samples, 2);
    const p = prepared.get('mobilenet_v3_small')!;
    const reference = await runWithOrtNode(p, spec);
    const block = p.analysis.blocks[0]!;
    const gates = await inspector.gatesOf(block.id);
    assert.equal(gates.rows, 2);
    const err = maxAbsDiff(gates.values, reference.get(block.tensors.gate)!);
    assert.ok(err <= 1e-4, `max |ORT-web − onnxruntime-node| = ${err}`);
    // Two different pictures give different gates.
    assert.ok(maxAbsDiff(gates.values.subarray(0, block.channels), gates.values.subarray(block.channels)) > 1e-4);
    t.diagnostic(`images: max |ORT-web wasm − onnxruntime-node| = ${err.toExponential(2)} (${block.id})`);
  });

  it('constant gates render as one colour; real gates render their LUT colour cell by cell', async () => {
    const model = constantGateModel(prepared.get('seed_se_c32_r4_avg')!);
    const skip = await inspector.load({ ...loadMessage(prepared.get('seed_se_c32_r4_avg')!, SAMPLES, 'wasm'), modelKey: 'constant' }, served.addModel('constant', model));
    await inspector.waitFor((m) => m.type === 'rendered', skip);
    const pixels = await canvasPixels(inspector);
    const expected = VIRIDIS_LUT[lutIndex(0.5, 0, 1)]!;
    const distinct = new Set(pixels.data);
    assert.deepEqual([...distinct], [expected], 'every heatmap pixel has the colour of 0.5');
    await inspector.page.screenshot({ path: join(OUT, 'constant-gates.png') });

    const p = prepared.get('seed_se_c32_r4_avg')!;
    const skip2 = await inspector.load(loadMessage(p, SAMPLES, 'wasm'), served.addModel('seed-again', p.gateModel.bytes));
    await inspector.waitFor((m) => m.type === 'rendered', skip2);
    const gates = await inspector.gatesOf('');
    const real = await canvasPixels(inspector);
    const cellW = real.width / gates.cols;
    const cellH = real.height / gates.rows;
    let checked = 0;
    for (let r = 0; r < gates.rows; r++) {
      for (let c = 0; c < gates.cols; c++) {
        const px = real.data[Math.floor((r + 0.5) * cellH) * real.width + Math.floor((c + 0.5) * cellW)];
        assert.equal(px, VIRIDIS_LUT[lutIndex(gates.values[r * gates.cols + c]!, 0, 1)], `cell ${r},${c}`);
        checked++;
      }
    }
    assert.equal(checked, 4 * 32);
    await inspector.page.screenshot({ path: join(OUT, 'seed-heatmap.png') });
  });

  it('tooltip, keyboard focus, sorting, table alternative and exports', async () => {
    const p = prepared.get('seed_se_c32_r4_avg')!;
    await inspector.waitFor((m) => m.type === 'rendered', await inspector.load(loadMessage(p, SAMPLES, 'wasm'), served.addModel('seed-ui', p.gateModel.bytes)));
    const gates = await inspector.gatesOf('');
    const canvas = inspector.page.locator('.heatmap-canvas');
    const box = (await canvas.boundingBox())!;
    await canvas.hover({ position: { x: (2.5 * box.width) / 32, y: (1.5 * box.height) / 4 } });
    const tip = (await inspector.page.locator('.heatmap-tooltip').textContent()) ?? '';
    assert.equal(tip, `sample 1, channel 2, gate ${gates.values[1 * 32 + 2]!.toFixed(4)}`);
    await canvas.focus();
    await inspector.page.keyboard.press('ArrowRight');
    await inspector.page.keyboard.press('ArrowDown');
    assert.equal(await inspector.page.locator('.heatmap [aria-live]').textContent(), `sample 1, channel 1, gate ${gates.values[32 + 1]!.toFixed(4)}`);
    // Sorted: the first column is the channel with the largest mean gate.
    const means = Array.from({ length: 32 }, (_, c) => [0, 1, 2, 3].reduce((a, r) => a + gates.values[r * 32 + c]!, 0) / 4);
    const top = means.indexOf(Math.max(...means));
    await inspector.page.locator('#sort').click();
    await canvas.hover({ position: { x: (0.5 * box.width) / 32, y: (0.5 * box.height) / 4 } });
    assert.match((await inspector.page.locator('.heatmap-tooltip').textContent()) ?? '', new RegExp(`^sample 0, channel ${top}, `));
    await inspector.page.locator('#sort').click();
    // Stretched colours: the smallest gate gets the scale's first colour, the largest its last.
    await inspector.page.locator('#stretch').click();
    const stretched = await canvasPixels(inspector);
    const lowest = gates.values.indexOf(Math.min(...gates.values));
    const highest = gates.values.indexOf(Math.max(...gates.values));
    const pixelOf = (i: number) => stretched.data[Math.floor((((i / 32) | 0) + 0.5) * (stretched.height / 4)) * stretched.width + Math.floor(((i % 32) + 0.5) * (stretched.width / 32))];
    assert.equal(pixelOf(lowest), VIRIDIS_LUT[0]);
    assert.equal(pixelOf(highest), VIRIDIS_LUT[255]);
    await inspector.page.locator('#stretch').click();
    // Table alternative: one cell per gate.
    await inspector.page.locator('.heatmap-table summary').click();
    // The table is built on the details element's `toggle` event, which fires after the click returns.
    await inspector.page.locator('.heatmap-table td').nth(4 * 32 - 1).waitFor();
    assert.equal(await inspector.page.locator('.heatmap-table td').count(), 4 * 32);
    // PNG export decodes to the canvas size.
    const before = await inspector.messageCount();
    await inspector.page.locator('#export-png').click();
    const png = await inspector.waitFor((m) => m.type === 'export' && m.format === 'png', before);
    assert.ok(png.type === 'export' && typeof png.data !== 'string');
    const decoded = PNG.sync.read(Buffer.from(bytesOf(png.data)));
    assert.equal(decoded.width, (await canvas.evaluate((c: HTMLCanvasElement) => c.width)));
    // Markdown export of the torchstat table.
    await inspector.page.locator('vscode-tab-header', { hasText: 'Table' }).click();
    const before2 = await inspector.messageCount();
    await inspector.page.locator('#export-md').click();
    const md = await inspector.waitFor((m) => m.type === 'export' && m.format === 'md', before2);
    assert.ok(md.type === 'export' && typeof md.data === 'string');
    assert.match(md.data as string, /^### Block \(whole model\) \(torchstat\)/);
    assert.match(md.data as string, /\| module \| kind \| input shape \| output shape \| params \| memory \(MB\) \| MAdd \|/);
    await inspector.page.locator('vscode-tab-header', { hasText: 'Heatmap' }).click();
  });

  it('forcing WebGPU without an adapter is an error the panel shows; forcing WASM runs again', async () => {
    const p = prepared.get('seed_se_c32_r4_avg')!;
    await inspector.waitFor((m) => m.type === 'ran', await inspector.load(loadMessage(p, SAMPLES, 'wasm'), served.addModel('seed-force', p.gateModel.bytes)));
    const skip = await inspector.post({ type: 'setBackend', backend: 'webgpu' });
    await inspector.page.waitForFunction((k) => (window as unknown as { __toHost: { type: string }[] }).__toHost.slice(k).some((m) => m.type === 'error'), skip);
    const error = (await inspector.messages(skip)).find((m) => m.type === 'error');
    assert.equal(error?.type === 'error' && error.message, 'WebGPU was forced, but navigator.gpu offers no adapter here.');
    assert.equal(await inspector.page.locator('#error').textContent(), 'WebGPU was forced, but navigator.gpu offers no adapter here.');
    const again = await inspector.post({ type: 'setBackend', backend: 'wasm' });
    const ran = await inspector.waitFor((m) => m.type === 'ran', again);
    assert.equal(ran.type === 'ran' && ran.ep, 'wasm');
    assert.equal(await inspector.page.locator('#error').isHidden(), true);
  });

  it('drops a malformed host message and says why', async () => {
    const skip = await inspector.post({ type: 'setBackend', backend: 'cuda' });
    const all = await inspector.messages(skip);
    assert.equal(all.length, 1);
    assert.ok(all[0]!.type === 'error');
    assert.equal(all[0]!.message, 'dropped a malformed host message: backend: expected one of auto, webgpu, wasm');
  });
});

describe('inspector webview, WebGPU EP (SwiftShader adapter)', () => {
  let browser: Launched;
  let inspector: InspectorPage;
  before(async () => {
    browser = await launch(true);
    inspector = await InspectorPage.open(browser, served);
  });
  after(async () => browser?.close());

  checkStandalone(() => inspector, 'webgpu');

  it('mobilenet_v3_small on WebGPU agrees with WASM and onnxruntime-node (≤ 1e-4)', async (t) => {
    let worstNode = 0;
    let worstWasm = 0;
    const p = prepared.get('mobilenet_v3_small')!;
    const skip = await inspector.load(loadMessage(p, MNV3_SAMPLES, 'auto'), served.addModel('mnv3-gpu', p.gateModel.bytes));
    const ran = await inspector.waitFor((m) => m.type === 'ran', skip);
    assert.equal(ran.type === 'ran' && ran.ep, 'webgpu', 'auto picks WebGPU when an adapter exists');
    for (const block of p.analysis.blocks) {
      const gates = await inspector.gatesOf(block.id);
      assert.equal(gates.cols, block.channels);
      const vsNode = maxAbsDiff(gates.values, nodeMnv3.get(block.tensors.gate)!);
      assert.ok(vsNode <= 1e-4, `${block.id}: max |webgpu − onnxruntime-node| = ${vsNode}`);
      const wasm = wasmMnv3.get(block.id);
      worstNode = Math.max(worstNode, vsNode);
      if (wasm) {
        const vsWasm = maxAbsDiff(gates.values, wasm);
        assert.ok(vsWasm <= 1e-4, `${block.id}: max |webgpu − wasm| = ${vsWasm}`);
        worstWasm = Math.max(worstWasm, vsWasm);
      }
    }
    t.diagnostic(`max |webgpu − onnxruntime-node| = ${worstNode.toExponential(2)}, max |webgpu − wasm| = ${worstWasm.toExponential(2)}${wasmMnv3.size ? '' : ' (WASM run skipped)'}`);
    await inspector.page.screenshot({ path: join(OUT, 'mnv3-heatmap-webgpu.png'), fullPage: true });
  });
});

/** An RGBA picture encoded as PNG and decoded again with pngjs, as the host does with a user's file. */
function pngPixels(width: number, height: number, colour: (x: number, y: number) => number[]): { width: number; height: number; rgba: Uint8Array } {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      png.data.set([r!, g!, b!, 255], (y * width + x) * 4);
    }
  }
  const decoded = PNG.sync.read(PNG.sync.write(png));
  return { width: decoded.width, height: decoded.height, rgba: new Uint8Array(decoded.data) };
}

async function canvasPixels(inspector: InspectorPage): Promise<{ width: number; height: number; data: Uint32Array }> {
  const { width, height, data } = await inspector.page.locator('.heatmap-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height);
    return { width: c.width, height: c.height, data: Array.from(new Uint32Array(d.data.buffer)) };
  });
  return { width, height, data: Uint32Array.from(data) };
}

/** Playwright returns a page's Uint8Array either as one or as an index → byte record. */
function bytesOf(data: unknown): Uint8Array {
  return data instanceof Uint8Array ? data : Uint8Array.from(Object.values(data as Record<string, number>));
}
