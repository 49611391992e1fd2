import { viridis } from '../../core/colormap.js';
import { encode } from 'fast-png';

/** Hover images stay readable without scrolling: cells shrink for wide blocks, down to one pixel. */
const MAX_WIDTH = 512;
const MAX_CELL = 8;
/** Gate values are drawn in 256 viridis steps (one palette entry each), finer than the eye tells apart. */
const PALETTE = Array.from({ length: 256 }, (_, i) => [...viridis(i / 255)]);

/** The samples × channels heatmap (rows = samples) as a PNG data URI, for a hover's Markdown image. */
export function heatmapPngUri(values: Float32Array, samples: number, channels: number): string {
  const cw = Math.max(1, Math.min(MAX_CELL, Math.floor(MAX_WIDTH / channels)));
  const ch = Math.max(2, Math.min(MAX_CELL * 2, Math.floor(96 / samples)));
  const width = channels * cw;
  const height = samples * ch;
  const pixels = new Uint8Array(width * height);
  for (let s = 0; s < samples; s++) {
    for (let c = 0; c < channels; c++) {
      const v = values[s * channels + c]!;
      const index = Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : Number.isNaN(v) ? 0 : v));
      for (let y = s * ch; y < (s + 1) * ch; y++) pixels.fill(index, y * width + c * cw, y * width + (c + 1) * cw);
    }
  }
  // fast-png (pure JS, no Node zlib) so the same encoder serves the Node and the web extension hosts.
  return `data:image/png;base64,${base64(encode({ width, height, data: pixels, depth: 8, channels: 1, palette: PALETTE }))}`;
}

/** btoa over bytes, in chunks that stay under the engines' argument-count limits. */
function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
