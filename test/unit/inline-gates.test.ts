import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gateStrip } from '../../src/core/inline/gate-strip.js';
import { HostGateRunner } from '../../src/extension/inline/gate-runner.js';
import { analyzeFixture, unitNamed } from './source-loader.js';

const ortDist = join(__dirname, '..', '..', 'node_modules', 'onnxruntime-web', 'dist');
const runner = new HostGateRunner(join(ortDist, 'ort-wasm-simd-threaded.wasm'), join(ortDist, 'ort-wasm-simd-threaded.mjs'));

describe('inline gates in the extension host (onnxruntime-web WASM under Node)', () => {
  it('gives every gate 0.5 for a zero input to the reference block (no biases: sigmoid(0))', async () => {
    const unit = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    const result = await runner.run(unit.model, unit.blocks, { kind: 'constant', value: 0, batch: 4 }, 0);
    assert.equal(result.blocks.length, 1);
    const [gates] = result.blocks;
    assert.equal(gates!.samples, 4);
    assert.equal(gates!.channels, 32);
    assert.equal(gates!.strip.cells.length, 32);
    assert.ok(gates!.values.every((v) => Math.abs(v - 0.5) < 1e-7));
    assert.equal(result.inputLabel, 'constant 0, batch 4');
  });

  it('draws the batch mean per channel, the same strip for the same seeds, and varied gates for seeded normal input', async () => {
    const unit = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    const spec = { kind: 'normal', seed: 3, batch: 4 } as const;
    const a = await runner.run(unit.model, unit.blocks, spec, 0);
    const b = await runner.run(unit.model, unit.blocks, spec, 0);
    const g = a.blocks[0]!;
    assert.deepEqual(Array.from(g.values), Array.from(b.blocks[0]!.values));
    for (let c = 0; c < 32; c++) {
      const mean = (g.values[c]! + g.values[32 + c]! + g.values[64 + c]! + g.values[96 + c]!) / 4;
      assert.ok(Math.abs(g.strip.cells[c]! - mean) < 1e-6);
    }
    assert.ok(g.strip.min > 0 && g.strip.max < 1 && g.strip.max - g.strip.min > 1e-3);
    assert.equal(a.inputLabel, 'seeded normal (seed 3), batch 4');
  });

  it('runs a TF.js block (NHWC, glorot weights) to 64 gates', async () => {
    const unit = unitNamed(await analyzeFixture('tfjs_se_functional.ts'), 'model');
    const result = await runner.run(unit.model, unit.blocks, { kind: 'normal', seed: 0, batch: 2 }, 0);
    assert.equal(result.blocks[0]!.channels, 64);
    assert.equal(result.blocks[0]!.samples, 2);
  });
});

describe('gate strip', () => {
  it('averages adjacent channels of wide blocks into at most 128 cells', () => {
    const samples = 2;
    const channels = 2048;
    const values = new Float32Array(samples * channels).map((_, i) => (i % channels) / channels);
    const strip = gateStrip(values, samples, channels);
    assert.equal(strip.cells.length, 128);
    assert.equal(strip.channelsPerCell, 16);
    assert.ok(Math.abs(strip.cells[0]! - 7.5 / 2048) < 1e-7);
    assert.equal(strip.min, 0);
    assert.ok(Math.abs(strip.max - 2047 / 2048) < 1e-7);
  });

  it('refuses a matrix smaller than its shape', () => {
    assert.throws(() => gateStrip(new Float32Array(3), 2, 2), RangeError);
  });
});
