/**
 * The SE overhead line under the inspector's block list, for mobilenet_v3_small as the host builds its
 * load (inspectOnnx): the numbers shown are `seOverhead()`'s for the model, its notes follow, and a
 * convention switch (a `stats` message) keeps them, since the overhead has conventions of its own.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeOnnx } from '../../src/core/analyze.js';
import { inspectOnnx } from '../../src/core/inspect/inspection.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import type { LoadMessage } from '../../src/core/protocol.js';
import { seOverhead } from '../../src/core/stats/se-overhead.js';
import { FIXTURES } from './fixtures.js';
import { buildWebview, InspectorPage, launch, serve, type Launched, type Served } from './harness.js';

const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'mobilenet_v3_small.onnx')));
const analysis = analyzeOnnx(bytesSource(bytes));

let served: Served;
let browser: Launched;
let inspector: InspectorPage;

before(async () => {
  await buildWebview();
  served = await serve();
  browser = await launch(false);
  inspector = await InspectorPage.open(browser, served);
});
after(async () => {
  await browser?.close();
  await served?.close();
});

/** The integers of a line, in order (`33,664` is one). */
const integers = (text: string): number[] => [...text.matchAll(/\d[\d,]*(?:\.\d+)?/g)].map((m) => Number(m[0].replace(/,/g, '')));

describe('inspector webview: SE overhead under the block list', () => {
  it("mobilenet_v3_small: the line shows seOverhead()'s blocks, params and MACs, then its notes", async () => {
    const { modelBytes, ...inspection } = inspectOnnx(analysis, bytesSource(bytes), 'mobilenet_v3_small', 'torchstat');
    const expected = seOverhead(analysis);
    assert.deepEqual(inspection.seOverhead, expected);
    assert.equal(expected.blocks, 9);
    const load: Omit<LoadMessage, 'modelBytes'> = { type: 'load', ...inspection, backend: 'wasm', input: { kind: 'normal', seed: 1, batch: 1 } };
    const skip = await inspector.load(load, served.addModel('mnv3-overhead', modelBytes));
    await inspector.waitFor((m) => m.type === 'ran', skip);
    const summary = (await inspector.page.locator('#se-overhead .overhead').textContent()) ?? '';
    // SENet Table 2's columns: blocks; SE params of the total, share; SE MACs of the total, share.
    const [table, blocks, seParams, totalParams, paramPct, seMacs, totalMacs, macPct] = integers(summary);
    assert.equal(table, 2, summary);
    assert.deepEqual([blocks, seParams, totalParams, seMacs, totalMacs], [expected.blocks, expected.seParams, expected.totalParams, expected.seMacs, expected.totalMacs], summary);
    assert.equal(paramPct, +((100 * expected.seParams) / expected.totalParams).toFixed(2));
    assert.equal(macPct, +((100 * expected.seMacs) / expected.totalMacs).toFixed(2));
    const notes = await inspector.page.locator('#se-overhead .note').allTextContents();
    assert.deepEqual(notes, expected.notes.map((n) => `note: ${n}`));

    await inspector.post({ type: 'stats', convention: 'macs', stats: analysis.table('macs'), blockStats: analysis.blocks.map((b) => ({ blockId: b.id, table: analysis.table('macs', b.id) })) });
    await inspector.page.locator('#blocks tr[data-block-id]').nth(1).locator('button').click();
    assert.equal(await inspector.page.locator('#se-overhead .overhead').textContent(), summary, 'kept across a convention switch and a block pick');
  });
});
