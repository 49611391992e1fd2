import { viridis } from '../../core/colormap.js';
import type { GateStrip } from '../../core/inline/gate-strip.js';

export const CELL_WIDTH = 5;
export const STRIP_HEIGHT = 12;

/**
 * The colour strip drawn after a gate line, as an SVG data URI: one rect per cell, the inspector's
 * viridis scale over 0…1 (sigmoid gates), and greyed (luminance only, faded) when the code changed since.
 */
export function stripSvgUri(strip: GateStrip, stale: boolean): string {
  const rects: string[] = [];
  strip.cells.forEach((v, i) => {
    let [r, g, b] = viridis(v);
    if (stale) r = g = b = Math.round(0.299 * r + 0.587 * g + 0.114 * b);
    rects.push(`<rect x="${i * CELL_WIDTH}" y="0" width="${CELL_WIDTH}" height="${STRIP_HEIGHT}" fill="rgb(${r},${g},${b})"/>`);
  });
  const width = strip.cells.length * CELL_WIDTH;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${STRIP_HEIGHT}" viewBox="0 0 ${width} ${STRIP_HEIGHT}"${stale ? ' opacity="0.55"' : ''}>${rects.join('')}</svg>`;
  // Base64 (the SVG is ASCII, so btoa is exact on both hosts): a decoration's icon URI must survive Uri.parse unchanged.
  return `data:image/svg+xml;base64,${btoa(svg)}`;
}
