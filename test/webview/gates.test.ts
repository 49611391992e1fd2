/** The webview's pure parts in Node: gate statistics, prunability, cell painting and exports. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as fc from 'fast-check';
import { analyzeOnnx } from '../../src/core/analyze.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { LUT_SIZE, lutIndex, viridis, VIRIDIS_LUT } from '../../src/core/colormap.js';
import { gatesToCsv, safeFileName, statsToMarkdown } from '../../webview/exports.js';
import { GateMatrix, NEAR_CONSTANT_SPREAD, prunability } from '../../webview/gates.js';
import { paintHeatmap } from '../../webview/heatmap-paint.js';

// 3 samples × 4 channels; channel 2 never changes, channel 0 changes most.
const G = new GateMatrix(3, 4, Float32Array.from([0.1, 0.5, 0.25, 0.9, 0.7, 0.5, 0.25, 0.8, 0.4, 0.6, 0.25, 1.0]));

describe('GateMatrix', () => {
  it('computes channel means, spreads and the mean order', () => {
    const means = Array.from(G.channelMeans());
    [0.4, 1.6 / 3, 0.25, 0.9].forEach((m, i) => assert.ok(Math.abs(means[i]! - m) < 1e-7));
    const spread = Array.from(G.channelSpread());
    assert.ok(Math.abs(spread[0]! - Math.sqrt(((0.1 - 0.4) ** 2 + (0.7 - 0.4) ** 2 + 0) / 3)) < 1e-7);
    assert.equal(spread[2], 0);
    assert.deepEqual(Array.from(G.channelsByMean()), [3, 1, 0, 2]);
  });

  it('bins every value once, ends inclusive', () => {
    const h = G.histogram(4);
    assert.deepEqual(Array.from(h), [1, 4, 4, 3]);
    assert.equal(h.reduce((a, b) => a + b, 0), 12);
  });

  it('flags near-constant gates only when at least two samples were seen', () => {
    const flat = new GateMatrix(2, 3, Float32Array.from([0.5, 0.2, 0.9, 0.505, 0.21, 0.9]));
    const p = prunability(flat);
    assert.equal(p.measurable, true);
    assert.equal(p.nearConstant, true);
    assert.ok(p.maxSpread < NEAR_CONSTANT_SPREAD);
    assert.equal(prunability(G).nearConstant, false);
    const single = prunability(new GateMatrix(1, 3, Float32Array.from([0.1, 0.2, 0.3])));
    assert.deepEqual([single.measurable, single.nearConstant], [false, false]);
  });
});

describe('heatmap painting', () => {
  it('writes one LUT colour per cell, in the display order', () => {
    const pixels = new Uint32Array(12);
    paintHeatmap(pixels, 4, G, null, 0, 1, 1, 1);
    for (let i = 0; i < 12; i++) assert.equal(pixels[i], VIRIDIS_LUT[lutIndex(G.values[i]!, 0, 1)]);
    const order = G.channelsByMean();
    paintHeatmap(pixels, 4, G, order, 0, 1, 1, 1);
    assert.equal(pixels[0], VIRIDIS_LUT[lutIndex(Math.fround(0.9), 0, 1)]);
    assert.equal(pixels[3], VIRIDIS_LUT[lutIndex(Math.fround(0.25), 0, 1)]);
  });

  it('clamps values outside the scale to its ends', () => {
    const pixels = new Uint32Array(2);
    paintHeatmap(pixels, 2, new GateMatrix(1, 2, Float32Array.from([-3, 7])), null, 0, 1, 1, 1);
    assert.deepEqual(Array.from(pixels), [VIRIDIS_LUT[0], VIRIDIS_LUT[LUT_SIZE - 1]]);
  });

  it('scales cells to the display: wide cells repeat, narrow ones show the channel at their left edge', () => {
    // 2 samples × 4 channels, 3 px per channel and 2 px per sample: 12 × 4 pixels.
    const pixels = new Uint32Array(12 * 4);
    const g = new GateMatrix(2, 4, Float32Array.from([0, 0.25, 0.5, 1, 1, 0.5, 0.25, 0]));
    paintHeatmap(pixels, 12, g, null, 0, 1, 3, 2);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 12; x++) assert.equal(pixels[y * 12 + x], VIRIDIS_LUT[lutIndex(g.at(y >> 1, Math.floor(x / 3)), 0, 1)], `${x},${y}`);
    }
    // Half a pixel per channel: pixel x shows channel 2x.
    const narrow = new Uint32Array(2 * 2);
    paintHeatmap(narrow, 2, g, null, 0, 1, 0.5, 1);
    assert.deepEqual(Array.from(narrow), [0, 2, 4, 2].map((c, i) => VIRIDIS_LUT[lutIndex(g.at(i >> 1, c % 4), 0, 1)]));
  });

  it('gives every pixel the colour of lutIndex (Math.round, clamped), NaN transparent, for any values and range', () => {
    const value = fc.oneof(fc.double({ min: -4, max: 4, noNaN: true }), fc.double(), fc.float(), fc.constantFrom(0, 0.5, 1, -0, NaN, Infinity, -Infinity));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 64 }), fc.double({ min: -2, max: 1, noNaN: true }), fc.double({ min: 1e-6, max: 4, noNaN: true }), (xs, lo, span) => {
        const g = new GateMatrix(1, xs.length, Float32Array.from(xs));
        const pixels = new Uint32Array(xs.length);
        paintHeatmap(pixels, xs.length, g, null, lo, lo + span, 1, 1);
        for (let i = 0; i < xs.length; i++) {
          const v = g.values[i]!;
          assert.equal(pixels[i], Number.isNaN(v) ? 0 : VIRIDIS_LUT[lutIndex(v, lo, lo + span)], `value ${v} over [${lo}, ${lo + span}]`);
        }
      }),
      { numRuns: 500, seed: 12 },
    );
  });

  it('uses viridis: dark purple at 0, yellow at 1, RGBA little-endian with opaque alpha', () => {
    // matplotlib: [68, 1, 84] at 0 and [253, 231, 37] at 1; the polynomial fit stays within 4 steps.
    viridis(0).forEach((v, i) => assert.ok(Math.abs(v - [68, 1, 84][i]!) <= 4, `viridis(0) ${viridis(0)}`));
    viridis(1).forEach((v, i) => assert.ok(Math.abs(v - [253, 231, 37][i]!) <= 4, `viridis(1) ${viridis(1)}`));
    assert.equal(VIRIDIS_LUT[0]! >>> 24, 0xff);
    assert.equal(VIRIDIS_LUT[0]! & 0xff, viridis(0)[0]);
  });
});

describe('exports', () => {
  it('writes gates as CSV with full precision', () => {
    const csv = gatesToCsv(G);
    const lines = csv.trim().split('\n');
    assert.equal(lines[0], 'sample,ch0,ch1,ch2,ch3');
    assert.equal(lines.length, 4);
    assert.deepEqual(lines[1]!.split(',').slice(1).map(Number), Array.from(G.values.subarray(0, 4)));
  });

  it('writes the torchstat table of the reference block as Markdown', () => {
    const analysis = analyzeOnnx(bytesSource(new Uint8Array(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx'))));
    const md = statsToMarkdown(analysis.table('torchstat', ''), 'SEBlock');
    const lines = md.split('\n');
    assert.equal(lines[0], '### SEBlock (torchstat)');
    assert.equal(lines[2], '| module | kind | input shape | output shape | params | memory (MB) | MAdd | Flops | MemRead(B) | MemWrite(B) | MemR+W(B) |');
    assert.equal(lines.find((l) => l.startsWith('| fc_layers.0 ')), '| fc_layers.0 | Linear | [32] | [8] | 256 | 0.00 | 504 | 256 | 1152 | 32 | 1184 |');
  });

  it('makes file names a save dialog and the protocol accept', () => {
    assert.equal(safeFileName('mnv3-features.4.block.2#1/x', 'csv'), 'mnv3-features.4.block.2_1_x.csv');
    assert.equal(safeFileName('..', 'png'), 'se-lens.png');
  });
});
