import { viridis } from '../../core/colormap.js';

/** Hover images stay readable without scrolling: cells shrink for wide blocks, down to one pixel. */
const MAX_WIDTH = 512;
const MAX_CELL = 8;

/** The samples × channels heatmap (rows = samples) as a PNG data URI, for a hover's Markdown image. */
export function heatmapPngUri(values: Float32Array, samples: number, channels: number): string {
  // Required on first use so activation does not load the encoder.
  const { PNG } = require('pngjs') as typeof import('pngjs');
  const cw = Math.max(1, Math.min(MAX_CELL, Math.floor(MAX_WIDTH / channels)));
  const ch = Math.max(2, Math.min(MAX_CELL * 2, Math.floor(96 / samples)));
  const png = new PNG({ width: channels * cw, height: samples * ch });
  for (let s = 0; s < samples; s++) {
    for (let c = 0; c < channels; c++) {
      const [r, g, b] = viridis(values[s * channels + c]!);
      for (let y = s * ch; y < (s + 1) * ch; y++) {
        for (let x = c * cw; x < (c + 1) * cw; x++) {
          const at = (y * png.width + x) * 4;
          png.data[at] = r;
          png.data[at + 1] = g;
          png.data[at + 2] = b;
          png.data[at + 3] = 255;
        }
      }
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}
