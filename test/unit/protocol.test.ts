import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeOnnx } from '../../src/core/analyze.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { seOverhead } from '../../src/core/stats/se-overhead.js';
import { parseHostMessage, parseWebviewMessage, type LoadMessage, type Parsed } from '../../src/core/protocol.js';

function realLoad(): LoadMessage {
  const bytes = new Uint8Array(readFileSync('test/fixtures/mobilenet_v3_small.onnx'));
  const analysis = analyzeOnnx(bytesSource(bytes));
  return {
    type: 'load',
    modelKey: 'mnv3',
    title: 'mobilenet_v3_small',
    origin: 'onnx',
    modelBytes: new Uint8Array([8, 1]),
    inputs: [{ name: 'input', dtype: 'float32', shape: [1, 3, 224, 224] }],
    layout: 'NCHW',
    blocks: [...analysis.blocks],
    stats: analysis.table('torchstat'),
    blockStats: analysis.blocks.map((b) => ({ blockId: b.id, table: analysis.table('torchstat', b.id) })),
    convention: 'torchstat',
    backend: 'auto',
    input: { kind: 'normal', seed: 0, batch: 4 },
    focusBlockId: 'features.4.block.2',
    seOverhead: seOverhead(analysis),
  };
}

const reason = (v: unknown, parse: (v: unknown) => Parsed<unknown> = parseHostMessage): string => {
  const r = parse(v);
  assert.equal(r.ok, false, 'expected the message to be refused');
  return r.ok ? '' : r.reason;
};

describe('protocol: host → webview', () => {
  it('accepts a real load message (the engine’s 9 blocks and tables) and keeps every field', () => {
    const message = realLoad();
    const parsed = parseHostMessage(structuredClone(message));
    assert.ok(parsed.ok);
    assert.deepEqual(parsed.value, message);
  });

  it('names the first bad field of a malformed load', () => {
    const good = realLoad();
    assert.equal(reason({ ...good, modelBytes: 'AAEC' }), 'modelBytes: expected a Uint8Array');
    assert.equal(reason({ ...good, blocks: [{ ...good.blocks[0], channels: -3 }] }), 'blocks[0].channels: expected an integer in 1..1048576');
    assert.equal(reason({ ...good, blocks: [{ ...good.blocks[0], tensors: { input: 'a', output: 'b' } }] }), 'blocks[0].tensors.gate: expected a string');
    assert.equal(reason({ ...good, backend: 'cuda' }), 'backend: expected one of auto, webgpu, wasm');
    assert.equal(reason({ ...good, inputs: [] }), 'inputs: the model has no inputs to feed');
    assert.equal(reason({ ...good, stats: { ...good.stats, rows: [{ name: 'x' }] } }), 'stats.rows[0].kind: expected a string');
    assert.equal(reason({ ...good, convention: 'flops' }), 'convention: expected one of torchstat, macs, fvcore, onnx-tool');
  });

  it('keeps the SE overhead as sent and refuses a malformed one', () => {
    const good = realLoad();
    const parsed = parseHostMessage(structuredClone(good));
    assert.ok(parsed.ok && parsed.value.type === 'load');
    assert.deepEqual(parsed.value.seOverhead, seOverhead(analyzeOnnx(bytesSource(new Uint8Array(readFileSync('test/fixtures/mobilenet_v3_small.onnx'))))));
    assert.equal(parsed.value.seOverhead?.blocks, 9);
    const { seOverhead: _dropped, ...without } = good;
    const old = parseHostMessage(without);
    assert.ok(old.ok && old.value.type === 'load' && old.value.seOverhead === undefined, 'a load without it is still accepted');
    assert.equal(reason({ ...good, seOverhead: null }), 'seOverhead: expected an object');
    assert.equal(reason({ ...good, seOverhead: { ...good.seOverhead, seMacs: -1 } }), 'seOverhead.seMacs: expected an integer in 0..9007199254740991');
    assert.equal(reason({ ...good, seOverhead: { ...good.seOverhead, totalParams: '2.5M' } }), 'seOverhead.totalParams: expected a finite number');
    assert.equal(reason({ ...good, seOverhead: { ...good.seOverhead, notes: [3] } }), 'seOverhead.notes[0]: expected a string');
  });

  it('checks input specs: batch 1..64, uniform bounds, image byte counts', () => {
    assert.equal(reason({ type: 'setInput', input: { kind: 'normal', seed: 1, batch: 65 } }), 'input.batch: expected an integer in 1..64');
    assert.equal(reason({ type: 'setInput', input: { kind: 'normal', seed: 1, batch: 0 } }), 'input.batch: expected an integer in 1..64');
    assert.equal(reason({ type: 'setInput', input: { kind: 'uniform', seed: 1, batch: 2, low: 1, high: 1 } }), 'input: expected high > low');
    assert.equal(
      reason({ type: 'setInput', input: { kind: 'images', images: [{ name: 'a.png', width: 2, height: 2, rgba: new Uint8Array(12) }] } }),
      'input.images[0].rgba: expected 16 bytes (RGBA), got 12',
    );
    assert.equal(reason({ type: 'setInput', input: { kind: 'images', images: [] } }), 'input.images: expected 1..64 images');
    const ok = parseHostMessage({ type: 'setInput', input: { kind: 'npy', name: 'x.npy', bytes: new Uint8Array(3) } });
    assert.ok(ok.ok && ok.value.type === 'setInput' && ok.value.input.kind === 'npy');
  });

  it('refuses unknown types and non-objects', () => {
    assert.equal(reason({ type: 'eval', code: '1' }), 'message.type: unknown host message type "eval"');
    assert.equal(reason(null), 'message: expected an object');
    assert.equal(reason([1]), 'message: expected an object');
  });

  it('never throws, whatever arrives (fast-check, 2,000 values)', () => {
    fc.assert(
      fc.property(fc.anything({ withTypedArray: true }), (v) => {
        const r = parseHostMessage(v);
        return r.ok === true || typeof r.reason === 'string';
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.record({ type: fc.constantFrom('load', 'setInput', 'stats', 'ran', 'export'), rest: fc.anything() }), (v) => {
        const a = parseHostMessage({ ...v, ...(typeof v.rest === 'object' ? v.rest : {}) });
        const b = parseWebviewMessage({ ...v, ...(typeof v.rest === 'object' ? v.rest : {}) });
        return (a.ok || typeof a.reason === 'string') && (b.ok || typeof b.reason === 'string');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('protocol: webview → host', () => {
  it('accepts run reports, renders and exports', () => {
    const ran = parseWebviewMessage({ type: 'ran', modelKey: 'k', ep: 'webgpu', createMs: 712.5, runMs: 20.1, samples: 4 });
    assert.ok(ran.ok && ran.value.type === 'ran' && ran.value.ep === 'webgpu');
    const png = parseWebviewMessage({ type: 'export', format: 'png', fileName: 'mnv3-features.4-gates.png', data: new Uint8Array([137, 80]) });
    assert.ok(png.ok);
    const rendered = parseWebviewMessage({ type: 'rendered', blockId: '', rows: 4, cols: 32 });
    assert.deepEqual(rendered, { ok: true, value: { type: 'rendered', blockId: '', rows: 4, cols: 32 } });
  });

  it('refuses export names that could leave the chosen folder, and PNGs given as text', () => {
    assert.equal(reason({ type: 'export', format: 'csv', fileName: '../../.bashrc', data: 'x' }, parseWebviewMessage), 'fileName: expected a plain file name');
    assert.equal(reason({ type: 'export', format: 'csv', fileName: 'a/b.csv', data: 'x' }, parseWebviewMessage), 'fileName: expected a plain file name');
    assert.equal(reason({ type: 'export', format: 'png', fileName: 'a.png', data: 'iVBOR' }, parseWebviewMessage), 'data: a PNG export must be bytes');
    assert.equal(reason({ type: 'ran', modelKey: 'k', ep: 'cuda', createMs: 1, runMs: 1, samples: 1 }, parseWebviewMessage), 'ep: expected one of webgpu, wasm');
    assert.equal(reason({ type: 'pickInput', kind: 'video' }, parseWebviewMessage), 'kind: expected one of image, imageFolder, npy');
  });
});
