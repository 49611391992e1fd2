import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { viridis } from '../../src/core/colormap.js';
import { heatmapPngUri } from '../../src/extension/inline/heatmap-png.js';

test('hover heatmap PNG decodes with pngjs: size, a cell per channel, viridis colours of the gate values', () => {
  const samples = 4;
  const channels = 32;
  const values = new Float32Array(samples * channels).map((_, i) => ((i * 7) % 101) / 100);
  const uri = heatmapPngUri(values, samples, channels);
  assert.ok(uri.startsWith('data:image/png;base64,'));
  const png = PNG.sync.read(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64'));
  // 512 px / 32 channels = 16 → capped at 8 px per cell; 96 / 4 samples = 24 → capped at 16 px per row.
  assert.equal(png.width, 256);
  assert.equal(png.height, 64);
  for (const [s, c] of [[0, 0], [1, 5], [3, 31], [2, 17]] as const) {
    const offset: number = ((s * 16 + 7) * png.width + c * 8 + 3) * 4;
    const want = viridis(Math.round(values[s * channels + c]! * 255) / 255);
    assert.deepEqual([...png.data.subarray(offset, offset + 4)], [...want, 255], `sample ${s} channel ${c}`);
  }
});

test('a 512 × 96 heatmap (the largest a hover draws) decodes to the gate colours', () => {
  const samples = 48;
  const channels = 512;
  const values = new Float32Array(samples * channels).map((_, i) => (i % 256) / 255);
  const png = PNG.sync.read(Buffer.from(heatmapPngUri(values, samples, channels).split(',')[1]!, 'base64'));
  assert.equal(png.width, 512);
  assert.equal(png.height, 96);
  const last = ((png.height - 1) * png.width + png.width - 1) * 4;
  assert.deepEqual([...png.data.subarray(last, last + 3)], viridis(values[samples * channels - 1]!));
});
