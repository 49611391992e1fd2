/**
 * Inspector speed (issue #12): Inspect click → first heatmap for mobilenet_v3_small (batch 1, WASM EP, headless
 * Chromium) on fresh panels opened as VS Code opens them, with the phases from the page's performance marks; the
 * second inspection in the kept panel; the ORT .wasm fetch + compile alone (the floor of the first); onnxruntime-web
 * WASM vs onnxruntime-node (one thread each, in Node, full model and the pruned gate model, graph optimisation
 * levels); and the heatmap canvas for 1,024 samples × 2,048 channels. WebGPU timings are not taken: SwiftShader is
 * no speed figure.
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
import { HostGateRunner } from '../src/extension/inline/gate-runner.js';
import { hostGates, hostRunPlan } from '../src/extension/inspector/host-gates.js';
import type { LoadMessage } from '../src/core/protocol.js';
import { buildWebview, InspectorPage, launch, serve } from '../test/webview/harness.js';
import { FIXTURES, loadMessage, prepare, type Prepared } from '../test/webview/fixtures.js';
import { repetitions } from './quick.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLICK_ITERATIONS = repetitions(5);

interface Row {
  name: string;
  median_ms: number;
  note?: string;
  target?: string;
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
  const served = await serve('wasm');
  // Pages of a panel whose host may paint the first heatmap (the Node extension host's).
  const servedHost = await serve('wasm', true);
  const browser = await launch(false);
  try {
    rows.push(...(await clickToHeatmap(mnv3, browser, served)));
    rows.push(await hostClickToHeatmap(browser, servedHost));
    rows.push(await wasmCompileAlone(browser, served));
    rows.push(await heatmapRender(browser, served));
  } finally {
    await browser.close();
    await served.close();
    await servedHost.close();
  }
  rows.push(...(await webVsNode(mnv3)));
  return rows;
}

/** The phases of a fresh panel, from the page's performance marks (webview/main.ts, ort-runner.ts). */
const PHASES: [string, string, string][] = [
  ['navigation', 'script', 'page + bundle'],
  ['script', 'ort-wasm-imported', 'ORT JS'],
  ['ort-wasm-imported', 'session-created', 'ORT init + session (the .wasm compiled meanwhile)'],
  ['session-created', 'ran', 'run'],
  ['ran', 'heatmap', 'paint'],
];

async function clickToHeatmap(p: Prepared, browser: Awaited<ReturnType<typeof launch>>, served: Awaited<ReturnType<typeof serve>>): Promise<Row[]> {
  const url = served.addModel('bench-mnv3', p.gateModel.bytes);
  const host: number[] = [];
  const page: number[] = [];
  const timelines: Record<string, number>[] = [];
  const again: number[] = [];
  for (let i = 0; i < CLICK_ITERATIONS; i++) {
    // The host's share: read the file, analyse, write the gate model (what InspectorPanel.prepare runs).
    const started = performance.now();
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'mobilenet_v3_small.onnx')));
    inspectOnnx(analyzeOnnx(bytesSource(bytes)), bytesSource(bytes), 'mobilenet_v3_small', 'torchstat');
    host.push(performance.now() - started);
    // The webview's share on a fresh panel, as VS Code opens one: the load is posted the moment the page is ready,
    // so loading the bundle, compiling ORT's .wasm, creating the session, running and painting are all inside.
    const load = { ...loadMessage(p, { kind: 'normal', seed: i, batch: 1 }, 'wasm'), modelKey: `bench-${i}` };
    const inspector = await InspectorPage.openWithLoad(browser, served, load, url);
    await inspector.waitFor((m) => m.type === 'rendered');
    const timeline = await inspector.timeline();
    timelines.push(timeline);
    page.push(timeline['heatmap']!);
    // The second inspection of the same model: the panel is kept (retainContextWhenHidden, one per window) and the
    // model key is the same, so this is load message → run → paint with the session reused.
    const skip = await inspector.load({ ...load, input: { kind: 'normal', seed: 100 + i, batch: 1 } }, url);
    again.push(await inspector.msSinceLoad(await inspector.waitForIndex((m) => m.type === 'rendered', skip)));
    await inspector.page.close();
  }
  const phase = (from: string, to: string) => median(timelines.map((t) => (t[to] ?? NaN) - (from === 'navigation' ? 0 : (t[from] ?? NaN))));
  const phases = PHASES.map(([from, to, label]) => `${label} ${phase(from, to).toFixed(0)}`).join(' → ');
  return [
    {
      name: 'click → first heatmap, mobilenet_v3_small, batch 1, WASM, fresh panel (navigation → heatmap on screen)',
      median_ms: median(page),
      note:
        `median of ${CLICK_ITERATIONS} fresh pages (${page.map((t) => t.toFixed(0)).join(', ')} ms); the host's read + analyse + gate model ` +
        `(${median(host).toFixed(0)} ms here) runs while the page loads and is off the path (the model arrived at ${phase('navigation', 'load-received').toFixed(0)} ms, ` +
        `before ORT was ready); phases, medians in ms: ${phases}; the .wasm fetch ran from ${phase('navigation', 'wasm-fetch-start').toFixed(0)} to ${phase('navigation', 'wasm-fetch-end').toFixed(0)} ms`,
    },
    {
      name: 'second inspection, mobilenet_v3_small, batch 1, WASM (panel kept, session reused: load → heatmap)',
      median_ms: median(again),
      target: '≤ 150 ms (issue #12)',
      note: `median of ${CLICK_ITERATIONS}: ${again.map((t) => t.toFixed(0)).join(', ')} ms`,
    },
  ];
}

/** The marks of a host-painted fresh panel, in the order they usually come. */
const HOST_MARKS = ['script', 'load-received', 'host-gates-received', 'heatmap-host', 'ort-wasm-imported', 'session-created', 'heatmap'];

const ORT_DIST = join(ROOT, 'node_modules', 'onnxruntime-web', 'dist');

/**
 * A fresh panel whose first heatmap comes from the extension host (InspectorPanel.sendHostGates): this process plays
 * the host with the same code, the inline strips' HostGateRunner warmed as the extension warms it, and the same
 * order of work: once the panel's page is navigating, read the file, analyse, build the gate model, run it in the
 * host and post the gates behind the load. The page paints them, then runs its own session and compares.
 */
async function hostClickToHeatmap(browser: Awaited<ReturnType<typeof launch>>, served: Awaited<ReturnType<typeof serve>>): Promise<Row> {
  const file = join(FIXTURES, 'mobilenet_v3_small.onnx');
  const read = (): Uint8Array => new Uint8Array(readFileSync(file));
  const template = inspectOnnx(analyzeOnnx(bytesSource(read())), bytesSource(read()), 'mobilenet_v3_small', 'torchstat');
  const url = served.addModel('bench-mnv3-host', template.modelBytes);
  const runner = new HostGateRunner(join(ORT_DIST, 'ort-wasm-simd-threaded.wasm'), join(ORT_DIST, 'ort-wasm-simd-threaded.mjs'));
  // The extension warms its runner when the first Run gates lens shows; this is the same call on the same example.
  await runner.warm(new Uint8Array(readFileSync(join(ROOT, 'media', 'examples', 'se_block_c32_r4_avg.onnx'))));
  const first: number[] = [];
  const own: number[] = [];
  const hostMs: number[] = [];
  const hostSplit: string[] = [];
  const diffs: number[] = [];
  const timelines: Record<string, number>[] = [];
  for (let i = 0; i < CLICK_ITERATIONS; i++) {
    const { modelBytes: _bytes, ...rest } = template;
    const load: Omit<LoadMessage, 'modelBytes'> = { type: 'load', ...rest, backend: 'wasm', input: { kind: 'normal', seed: i, batch: 1 }, hostGatesComing: true };
    const inspector = await InspectorPage.openWithLoad(browser, served, load, url, [], 'commit');
    const started = performance.now();
    const bytes = read();
    const inspection = inspectOnnx(analyzeOnnx(bytesSource(bytes)), bytesSource(bytes), 'mobilenet_v3_small', 'torchstat');
    const plan = hostRunPlan(inspection, load.input);
    if (!plan) throw new Error('mobilenet_v3_small at batch 1 is over the host-run budget');
    const prepared = performance.now();
    const message = await hostGates(runner, inspection, plan);
    hostMs.push(performance.now() - started);
    hostSplit.push(`${(prepared - started).toFixed(0)}+${message.createMs.toFixed(0)}+${message.runMs.toFixed(0)}`);
    await inspector.postAfterLoad(message);
    const compared = await inspector.waitFor((m) => m.type === 'gatesCompared');
    if (compared.type !== 'gatesCompared' || !compared.agree) throw new Error(`host and webview gates disagree: ${JSON.stringify(compared)}`);
    diffs.push(compared.maxAbsDiff);
    const timeline = await inspector.timeline();
    timelines.push(timeline);
    first.push(timeline['heatmap-host'] ?? NaN);
    own.push(timeline['heatmap'] ?? NaN);
    await inspector.page.close();
  }
  return {
    name: 'click → first heatmap, mobilenet_v3_small, batch 1, fresh panel, the extension host\'s warm runner paints first (navigation → host gates on screen)',
    median_ms: median(first),
    target: '≤ 600 ms (issue #12)',
    note:
      `median of ${CLICK_ITERATIONS} fresh pages (${first.map((t) => t.toFixed(0)).join(', ')} ms); this process plays the host from the navigation's commit: ` +
      `read + analyse + gate model + session + run in the warm HostGateRunner ${hostMs.map((t) => t.toFixed(0)).join(', ')} ms (prepare + session + run: ${hostSplit.join(', ')}; the first pays the JIT of the analysis and of ORT's kernels); the page's own WASM heatmap followed at ` +
      `${median(own).toFixed(0)} ms and agreed every time (max |Δ| ≤ ${Math.max(...diffs).toExponential(1)}, allowed 1e-4); page marks, medians in ms after ` +
      `navigation: ${HOST_MARKS.map((m) => `${m} ${median(timelines.map((t) => t[m] ?? NaN)).toFixed(0)}`).join(', ')}`,
  };
}

/** The floor of a fresh panel's ORT start: fetching and compiling the 14 MB WASM build alone, in the same Chromium. */
async function wasmCompileAlone(browser: Awaited<ReturnType<typeof launch>>, served: Awaited<ReturnType<typeof serve>>): Promise<Row> {
  const times: number[] = [];
  for (let i = 0; i < CLICK_ITERATIONS; i++) {
    const page = await browser.context.newPage();
    await page.goto(served.pageUrl);
    const t = await page.evaluate(async (url) => {
      const t0 = performance.now();
      const module = await WebAssembly.compileStreaming(fetch(url));
      const t1 = performance.now();
      // ORT's imports are not at hand here, so only the compile is timed; the export count keeps the module used.
      return { compile: t1 - t0, exports: WebAssembly.Module.exports(module).length };
    }, `${served.resourceOrigin}/dist/webview/ort/ort-wasm-simd-threaded.wasm`);
    times.push(t.compile);
    await page.close();
  }
  return {
    name: 'ORT WASM build (14 MB .wasm) fetch + compileStreaming alone, fresh page, same Chromium',
    median_ms: median(times),
    note: `median of ${times.length}: ${times.map((t) => t.toFixed(0)).join(', ')} ms; Chromium compiles lazily (Liftoff on first call), so part of the compile moves into ORT's init and the first session`,
  };
}

const HEATMAP_ENTRY = `
import { GateMatrix } from './webview/gates.js';
import { HeatmapView } from './webview/heatmap.js';
import { SeededRandom } from './src/core/inputs/rng.js';
(window as any).benchHeatmap = (rows: number, cols: number, repeats: number) => {
  const values = new SeededRandom(1).fillUniform(new Float32Array(rows * cols), 0, 1);
  const view = new HeatmapView('bench');
  document.body.replaceChildren(view.root);
  const times = { matrix: [] as number[], order: [] as number[], paint: [] as number[], sorted: [] as number[], toggle: [] as number[] };
  for (let i = 0; i < repeats; i++) {
    // A new matrix each time, as after a run: its value range is computed when it is built (with the gates), its
    // channel means and order on the first sorted view, both once per matrix.
    let t = performance.now();
    const gates = new GateMatrix(rows, cols, values);
    times.matrix.push(performance.now() - t);
    times.paint.push(view.show(gates, { sortByMean: false }));
    t = performance.now();
    gates.channelsByMean();
    times.order.push(performance.now() - t);
    times.sorted.push(view.show(gates, { sortByMean: true }));
    times.toggle.push(view.show(gates, { sortByMean: false }));
    times.toggle.push(view.show(gates, { sortByMean: true }));
  }
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
  await page.setContent(`<!DOCTYPE html><html><body><script type="module" src="${served.resourceOrigin}/dist/webview-bench/heatmap.js"></script></body></html>`);
  await page.waitForFunction(() => 'benchHeatmap' in window);
  type Times = Record<'matrix' | 'order' | 'paint' | 'sorted' | 'toggle', number[]>;
  const repeats = repetitions(30);
  const warmUp = Math.min(3, repeats - 1);
  const t = await page.evaluate((n) => (window as unknown as { benchHeatmap(r: number, c: number, n: number): Times }).benchHeatmap(1024, 2048, n), repeats);
  await page.close();
  const m = (xs: number[], skip = warmUp) => median(xs.slice(skip)).toFixed(1);
  return {
    name: 'heatmap 1,024 samples × 2,048 channels paint (LUT into ImageData at display width, legend, put on the canvas)',
    median_ms: median(t.paint.slice(warmUp)),
    target: '≤ 16 ms (issue #12)',
    note:
      `median of ${t.paint.length - warmUp} new matrices after ${warmUp} warm-up; once per matrix, outside the paint: value range ${m(t.matrix)} ms (when the gates arrive), ` +
      `channel means + order ${m(t.order)} ms (first sorted view); sorted view ${m(t.sorted)} ms, then toggling sort ${m(t.toggle, 2 * warmUp)} ms`,
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
