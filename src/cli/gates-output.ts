import { viridis } from '../core/colormap.js';
import type { BlockGates } from './gates.js';

/** How `se-lens gates` writes what it ran: the across-depth table, CSV, NumPy and a PNG heatmap. */

/** SENet Fig. 6 as a table: each block's mean gate over samples and channels, and how far channels spread. */
export function meansTable(results: readonly BlockGates[]): string {
  const head = ['block', 'C', 'samples', 'mean', 'std(channel means)', 'min', 'max'];
  const rows = results.map((b) => {
    const channelMeans = Array.from({ length: b.channels }, (_, c) => b.gates.reduce((n, r) => n + r[c]!, 0) / b.gates.length);
    const mean = channelMeans.reduce((a, x) => a + x, 0) / b.channels;
    const std = Math.sqrt(channelMeans.reduce((a, x) => a + (x - mean) ** 2, 0) / b.channels);
    const all = b.gates.flatMap((r) => Array.from(r));
    return [b.id || '(whole model)', String(b.channels), String(b.gates.length), mean.toFixed(4), std.toFixed(4), Math.min(...all).toFixed(4), Math.max(...all).toFixed(4)];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return ['Gates across depth (execution order):', fmt(head), ...rows.map(fmt)].join('\n');
}

/** Long format, one row per sample and channel: `block,sample,channel,gate`. */
export function gatesCsv(results: readonly BlockGates[]): string {
  const field = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return `block,sample,channel,gate\n${results.flatMap((b) => b.gates.flatMap((row, s) => Array.from(row, (g, c) => `${field(b.id)},${s},${c},${g}`))).join('\n')}\n`;
}

/** `.npy` version 1.0, little-endian float32, C order: [samples, ΣC]. */
export function npyBytes(results: readonly BlockGates[]): Uint8Array {
  const samples = results[0]?.gates.length ?? 0;
  const width = results.reduce((n, b) => n + b.channels, 0);
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${samples}, ${width}), }`;
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + samples * width * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  const data = new DataView(out.buffer, 10 + header.length);
  for (let s = 0; s < samples; s++) {
    let c0 = 0;
    for (const b of results) {
      const row = b.gates[s];
      for (let c = 0; c < b.channels; c++) data.setFloat32((s * width + c0 + c) * 4, row?.[c] ?? NaN, true);
      c0 += b.channels;
    }
  }
  return out;
}

/** Each block's samples × channels heatmap (viridis, 0 → 1), stacked in execution order, channels stretched to one width. */
export function heatmapPng(results: readonly BlockGates[]): Buffer {
  const { PNG } = require('pngjs') as typeof import('pngjs');
  const width = Math.min(1024, Math.max(64, ...results.map((b) => b.channels * 4)));
  const rowHeight = 4;
  const gap = 2;
  const height = Math.max(1, results.reduce((n, b) => n + b.gates.length * rowHeight + gap, 0));
  const png = new PNG({ width, height });
  png.data.fill(255);
  let y0 = 0;
  for (const b of results) {
    for (let s = 0; s < b.gates.length; s++) {
      for (let x = 0; x < width; x++) {
        const [r, g, bl] = viridis(b.gates[s]![Math.min(b.channels - 1, Math.floor((x * b.channels) / width))]!);
        for (let y = y0 + s * rowHeight; y < y0 + (s + 1) * rowHeight; y++) png.data.set([r, g, bl, 255], (y * width + x) * 4);
      }
    }
    y0 += b.gates.length * rowHeight + gap;
  }
  return PNG.sync.write(png);
}
