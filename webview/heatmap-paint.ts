import { LUT_SIZE, VIRIDIS_LUT } from '../src/core/colormap.js';
import type { GateMatrix } from './gates.js';

/**
 * Paints the heatmap straight at display resolution into `pixels`, a Uint32 view of an RGBA
 * ImageData `width` pixels wide: rows = samples (`cellH` pixels each, an integer), columns = channels
 * in `order` (`cellW` pixels each; below 1 a pixel shows the channel at its left edge). One LUT lookup
 * per pixel of a sample's first line, the other lines copied: a 1,024 × 2,048 matrix fitted to
 * 1,000 px costs one million lookups and no scaling pass.
 */
export function paintHeatmap(
  pixels: Uint32Array,
  width: number,
  gates: GateMatrix,
  order: Int32Array | null,
  lo: number,
  hi: number,
  cellW: number,
  cellH: number,
): void {
  const { rows, cols, values } = gates;
  if (pixels.length < width * rows * cellH) throw new Error(`paintHeatmap: ${pixels.length} pixels for ${width}×${rows * cellH}.`);
  const channelAt = new Int32Array(width);
  for (let x = 0; x < width; x++) {
    const col = Math.min(cols - 1, Math.floor(x / cellW));
    channelAt[x] = order ? order[col]! : col;
  }
  const scale = (LUT_SIZE - 1) / (hi - lo);
  const last = LUT_SIZE - 1;
  const lowest = VIRIDIS_LUT[0]!;
  const highest = VIRIDIS_LUT[last]!;
  for (let r = 0; r < rows; r++) {
    const rowStart = r * cols;
    const line = r * cellH * width;
    for (let x = 0; x < width; x++) {
      // Rounds as floor(i + 0.5) with `| 0` after clamping, not Math.round per pixel; NaN (f !== f) stays
      // transparent, as the LUT index it gave before did.
      const f = (values[rowStart + channelAt[x]!]! - lo) * scale + 0.5;
      pixels[line + x] = f >= 1 ? (f > last ? highest : VIRIDIS_LUT[f | 0]!) : f === f ? lowest : 0;
    }
    for (let k = 1; k < cellH; k++) pixels.copyWithin(line + k * width, line, line + width);
  }
}
