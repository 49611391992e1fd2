/**
 * Across depth (SENet paper, Fig. 6 style): for each block, in graph order, the mean gate of every
 * channel as a line (x = channel index scaled to the width, y = 0..1), and beside it a histogram of
 * all its gate values. Blocks deep in the network show whether their gates still depend on the input.
 */
import type { SEBlock } from '../src/core/detect/block.js';
import { viridis } from '../src/core/colormap.js';
import { el } from './dom.js';
import { fmt } from './heatmap.js';
import type { GateMatrix } from './gates.js';

const PLOT_W = 420;
const HIST_W = 200;
const ROW_H = 64;
export const HISTOGRAM_BINS = 20;

export function renderAcrossDepth(blocks: readonly SEBlock[], gates: ReadonlyMap<string, GateMatrix>): HTMLElement {
  const rows = blocks.map((block, depth) => {
    const g = gates.get(block.tensors.gate);
    if (!g) return el('div', { className: 'depth-row', textContent: `${depth + 1}. ${block.id || '(model)'}: no gate values` });
    const means = g.channelMeans();
    const line = el('canvas', { width: PLOT_W, height: ROW_H, className: 'depth-plot' });
    drawLine(line, means);
    const counts = g.histogram(HISTOGRAM_BINS);
    const hist = el('canvas', { width: HIST_W, height: ROW_H, className: 'depth-hist' });
    drawHistogram(hist, counts);
    let mean = 0;
    for (const m of means) mean += m;
    mean /= means.length;
    line.setAttribute('role', 'img');
    line.setAttribute('aria-label', `Block ${block.id || 'model'}: mean gate per channel over ${g.rows} samples; overall mean ${fmt(mean)}`);
    hist.setAttribute('role', 'img');
    hist.setAttribute('aria-label', `Histogram of gate values in ${HISTOGRAM_BINS} bins from 0 to 1: ${Array.from(counts).join(', ')}`);
    return el('div', { className: 'depth-row' }, [
      el('div', { className: 'depth-label', textContent: `${depth + 1}. ${block.id || '(model)'} · C=${block.channels} · mean ${fmt(mean)}` }),
      el('div', { className: 'depth-plots' }, [line, hist]),
    ]);
  });
  return el('div', { className: 'depth' }, [
    el('p', { className: 'hint', textContent: 'Mean gate per channel (left, y from 0 to 1) and histogram of gate values (right, 0 to 1), blocks in depth order.' }),
    ...rows,
  ]);
}

function drawLine(canvas: HTMLCanvasElement, means: Float64Array): void {
  const ctx = canvas.getContext('2d')!;
  const fg = getComputedStyle(document.body).getPropertyValue('--vscode-editor-foreground').trim() || '#888';
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  ctx.strokeStyle = fg;
  ctx.globalAlpha = 0.3;
  ctx.strokeRect(0.5, 0.5, canvas.width - 1, canvas.height - 1);
  ctx.globalAlpha = 1;
  const [r, g, b] = viridis(0.35);
  ctx.strokeStyle = `rgb(${r},${g},${b})`;
  ctx.lineWidth = 1.5;
  ctx.beginPath();
  means.forEach((m, c) => {
    const x = means.length === 1 ? canvas.width / 2 : (c / (means.length - 1)) * (canvas.width - 2) + 1;
    const y = (1 - Math.min(1, Math.max(0, m))) * (canvas.height - 2) + 1;
    if (c === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
}

function drawHistogram(canvas: HTMLCanvasElement, counts: Uint32Array): void {
  const ctx = canvas.getContext('2d')!;
  ctx.clearRect(0, 0, canvas.width, canvas.height);
  const top = Math.max(1, ...counts);
  const w = canvas.width / counts.length;
  counts.forEach((n, i) => {
    const [r, g, b] = viridis((i + 0.5) / counts.length);
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    const h = (n / top) * (canvas.height - 2);
    ctx.fillRect(i * w + 0.5, canvas.height - h, w - 1, h);
  });
}
