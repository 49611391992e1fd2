/**
 * Inspector speed (issue #5): click → first heatmap for mobilenet_v3_small (batch 1, WASM EP, headless
 * Chromium, session creation included), onnxruntime-web WASM vs onnxruntime-node (one thread each, in
 * Node, full model and the pruned gate model, graph optimisation levels), and the heatmap canvas for
 * 1,024 samples × 2,048 channels. WebGPU timings are not taken: SwiftShader is no speed figure.
 */
import { fileURLToPath } from 'node:url';

import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { existsSync, readFileSync } from 'node:fs';
import { analyzeOnnx } from '../src/core/analyze.js';
import { inspectOnnx } from '../src/core/inspect/inspection.js';
import { bytesSource } from '../src/core/onnx/byte-source.js';
import { planSamples } from '../src/core/inputs/samples.js';
import { buildWebview, InspectorPage, launch, serve } from '../test/webview/harness.js';
import { FIXTURES, loadMessage, prepare, type Prepared } from '../test/webview/fixtures.js';
import { repetitions } from './quick.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLICK_ITERATIONS = repetitions(5);

interface Row {
  name: string;
  median_ms: number;
  note?: string;
}

export function prerequisites(): string | undefined {
  return existsSync(process.env.SE_LENS_CHROMIUM ?? '/usr/bin/chromium') ? undefined : 'no /usr/bin/chromium (apt-get install chromium)';
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function run(): Promise<Row[]> {
  const rows: Row[] = [];
  const mnv3 = prepare('mobilenet_v3_small');
  await buildWebview();
  await buildHeatmapBench();
  const served = await serve();
  const browser = await launch(false);
  try {
    rows.push(...(await clickToHeatmap(mnv3, browser, served)));
    rows.push(await heatmapRender(browser, served));
  } finally {
    await browser.close();
    await served.close();
  }
  rows.push(...(await webVsNode(mnv3)));
  return rows;
}

async function clickToHeatmap(p: Prepared, browser: Awaited<ReturnType<typeof launch>>, served: Awaited<ReturnType<typeof serve>>): Promise<Row[]> {
  const url = served.addModel('bench-mnv3', p.gateModel.bytes);
  const cold: number[] = [];
  const sinceLoad: number[] = [];
  const creates: number[] = [];
  const runs: number[] = [];
  const warm: number[] = [];
  const host: number[] = [];
  for (let i = 0; i < CLICK_ITERATIONS; i++) {
    // The host's share: read the file, analyse, write the gate model (what InspectorPanel.prepare runs).
    const started = performance.now();
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'mobilenet_v3_small.onnx')));
    inspectOnnx(analyzeOnnx(bytesSource(bytes)), bytesSource(bytes), 'mobilenet_v3_small', 'torchstat');
    host.push(performance.now() - started);
    // The webview's share, on a fresh page: from navigation (panel created) to the heatmap on screen,
    // so loading the bundle, compiling ORT's .wasm and creating the session are all inside.
    const inspector = await InspectorPage.open(browser, served);
    const skip = await inspector.load({ ...loadMessage(p, { kind: 'normal', seed: i, batch: 1 }, 'wasm'), modelKey: `bench-${i}` }, url);
    const at = await inspector.waitForIndex((m) => m.type === 'rendered', skip);
    cold.push(await inspector.page.evaluate((k) => (window as unknown as { __toHostTimes: number[] }).__toHostTimes[k]!, at));
    sinceLoad.push(await inspector.msSinceLoad(at));
    const ran = (await inspector.messages(skip)).find((m) => m.type === 'ran');
    if (ran?.type === 'ran') {
      creates.push(ran.createMs);
      runs.push(ran.runMs);
    }
    // Same model again: the session is reused, so this is run + render only.
    const skip2 = await inspector.load({ ...loadMessage(p, { kind: 'normal', seed: 100 + i, batch: 1 }, 'wasm'), modelKey: `bench-${i}` }, url);
    warm.push(await inspector.msSinceLoad(await inspector.waitForIndex((m) => m.type === 'rendered', skip2)));
    await inspector.page.close();
  }
  return [
    {
      name: 'click → first heatmap, mobilenet_v3_small, batch 1, WASM (host prepare + fresh panel → heatmap)',
      median_ms: median(host) + median(cold),
      note:
        `sum of medians of ${CLICK_ITERATIONS} (an upper bound: in VS Code the page loads while the host prepares): host read+analyse+gate model ${median(host).toFixed(0)} ms; ` +
        `webview navigation → heatmap ${median(cold).toFixed(0)} ms, of which model message → heatmap ${median(sinceLoad).toFixed(0)} ms ` +
        `(session create ${median(creates).toFixed(0)} ms after the warm-up compiled the .wasm, first run ${median(runs).toFixed(1)} ms)`,
    },
    {
      name: 'new input → heatmap, mobilenet_v3_small, batch 1, WASM (session reused)',
      median_ms: median(warm),
      note: `median of ${CLICK_ITERATIONS}: ${warm.map((t) => t.toFixed(0)).join(', ')} ms`,
    },
  ];
}

const HEATMAP_ENTRY = `
import { GateMatrix } from './webview/gates.js';
import { HeatmapView } from './webview/heatmap.js';
import { SeededRandom } from './src/core/inputs/rng.js';
(window as any).benchHeatmap = (rows: number, cols: number, repeats: number, sortByMean: boolean) => {
  const values = new SeededRandom(1).fillUniform(new Float32Array(rows * cols), 0, 1);
  const view = new HeatmapView('bench');
  document.body.replaceChildren(view.root);
  const times: number[] = [];
  // A new matrix each time, as after a run: its min, max and channel order are computed inside the timing.
  for (let i = 0; i < repeats; i++) times.push(view.show(new GateMatrix(rows, cols, values), { sortByMean }));
  return times;
};
`;

async function buildHeatmapBench(): Promise<void> {
  const { build } = await import('esbuild');
  await build({
    stdin: { contents: HEATMAP_ENTRY, loader: 'ts', resolveDir: ROOT, sourcefile: 'heatmap-bench.ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    outfile: join(ROOT, 'dist', 'webview-bench', 'heatmap.js'),
    logLevel: 'warning',
  });
}

async function heatmapRender(browser: Awaited<ReturnType<typeof launch>>, served: Awaited<ReturnType<typeof serve>>): Promise<Row> {
  const page = await browser.context.newPage();
  await page.goto(`${served.resourceOrigin}/dist/webview-bench/heatmap.js`);
  await page.setContent(`<!DOCTYPE html><html><body><script type="module" src="${served.resourceOrigin}/dist/webview-bench/heatmap.js"></script></body></html>`);
  await page.waitForFunction(() => 'benchHeatmap' in window);
  type Bench = { benchHeatmap(r: number, c: number, n: number, s: boolean): number[] };
  const warmUp = Math.min(3, repetitions(30) - 1);
  const plain = await page.evaluate((n) => (window as unknown as Bench).benchHeatmap(1024, 2048, n, false), repetitions(30));
  const sorted = await page.evaluate((n) => (window as unknown as Bench).benchHeatmap(1024, 2048, n, true), repetitions(10));
  await page.close();
  return {
    name: 'heatmap 1,024 samples × 2,048 channels render (paint + scale to canvas)',
    median_ms: median(plain.slice(warmUp)),
    note: `median of ${plain.length - warmUp} after ${warmUp} warm-up; with channels sorted by mean: ${median(sorted.slice(Math.min(2, sorted.length - 1))).toFixed(1)} ms`,
  };
}

async function timeRuns(runOnce: () => Promise<unknown>, warmup = repetitions(5), timed = repetitions(30)): Promise<number> {
  for (let i = 0; i < warmup; i++) await runOnce();
  const times: number[] = [];
  for (let i = 0; i < timed; i++) {
    const t = performance.now();
    await runOnce();
    times.push(performance.now() - t);
  }
  return median(times);
}

async function webVsNode(p: Prepared): Promise<Row[]> {
  ortWeb.env.wasm.numThreads = 1;
  const plan = planSamples(p.gateModel.inputs, { kind: 'normal', seed: 0, batch: 1 }, 'NCHW');
  const feed = plan.runs[0]![0]!;
  const rows: Row[] = [];
  const cases: [string, Uint8Array, 'all' | 'basic' | 'disabled'][] = [
    ['full model', p.bytes, 'all'],
    ['gate model (pruned past the last gate)', p.gateModel.bytes, 'all'],
    ['gate model, optimisation basic', p.gateModel.bytes, 'basic'],
    ['gate model, optimisation disabled', p.gateModel.bytes, 'disabled'],
  ];
  for (const [label, bytes, level] of cases) {
    const web = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: level });
    const node = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: level });
    const webMs = await timeRuns(() => web.run({ [feed.name]: new ortWeb.Tensor('float32', feed.data, feed.dims) }));
    const nodeMs = await timeRuns(() => node.run({ [feed.name]: new ortNode.Tensor('float32', feed.data, feed.dims) }));
    await web.release();
    await node.release();
    rows.push({
      name: `ORT-web WASM vs onnxruntime-node, mobilenet_v3_small ${label}, 1 thread`,
      median_ms: webMs,
      note: `onnxruntime-node ${nodeMs.toFixed(2)} ms → ratio ${(webMs / nodeMs).toFixed(1)}× (median of ${repetitions(30)} after ${repetitions(5)} warm-up, in Node)`,
    });
  }
  return rows;
}
