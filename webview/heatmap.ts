/**
 * The heatmap of one block's gates: a canvas (never one DOM node per cell) with a colour legend,
 * hover tooltip, keyboard focus (arrow keys move a cursor cell, announced to screen readers),
 * channel sorting by mean gate, zoom for wide blocks, and a table alternative built on demand.
 */
import { VIRIDIS_LUT, LUT_SIZE } from '../src/core/colormap.js';
import type { GateMatrix } from './gates.js';
import { paintHeatmap } from './heatmap-paint.js';
import { el } from './dom.js';

/** Pixels per channel; `fit` squeezes all channels into the available width. */
export type Zoom = 'fit' | 1 | 2 | 4 | 8 | 16;
export const ZOOMS: readonly Zoom[] = ['fit', 1, 2, 4, 8, 16];
const FIT_WIDTH_MIN = 320;
const MAX_CANVAS_HEIGHT = 480;
/** Browsers refuse much wider canvases; zoom levels past it are reduced. */
const MAX_CANVAS_WIDTH = 16384;

export interface HeatmapOptions {
  readonly sortByMean: boolean;
  readonly zoom: Zoom;
  /** Value range of the colour scale: [0, 1] for sigmoid and hard-sigmoid gates. */
  readonly range: readonly [number, number];
}

export class HeatmapView {
  readonly root: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLElement;
  private readonly tooltip: HTMLElement;
  private readonly live: HTMLElement;
  private readonly tableBox: HTMLDetailsElement;
  private readonly legend: HTMLCanvasElement;
  private readonly legendLabels: HTMLElement;
  /** The painted pixels, kept to redraw the focus outline without repainting. */
  private image: ImageData | undefined;
  private gates: GateMatrix | undefined;
  private order: Int32Array | null = null;
  private options: HeatmapOptions = { sortByMean: false, zoom: 'fit', range: [0, 1] };
  private cellW = 1;
  private cellH = 1;
  private cursor: { row: number; col: number } | undefined;

  constructor(private readonly label: string) {
    this.canvas = el('canvas', { className: 'heatmap-canvas', tabIndex: 0 });
    this.canvas.setAttribute('role', 'img');
    this.scroller = el('div', { className: 'heatmap-scroll' }, [this.canvas]);
    this.tooltip = el('div', { className: 'heatmap-tooltip', hidden: true });
    this.tooltip.setAttribute('role', 'tooltip');
    this.live = el('div', { className: 'visually-hidden' });
    this.live.setAttribute('aria-live', 'polite');
    this.legend = el('canvas', { className: 'heatmap-legend', width: 256, height: 12 });
    this.legend.setAttribute('aria-hidden', 'true');
    drawLegend(this.legend);
    this.legendLabels = el('div', { className: 'heatmap-legend-labels' });
    this.tableBox = el('details', { className: 'heatmap-table' }, [el('summary', { textContent: 'Values as a table' })]);
    this.tableBox.addEventListener('toggle', () => this.tableBox.open && this.fillTable());
    this.root = el('div', { className: 'heatmap' }, [
      el('div', { className: 'heatmap-legend-row' }, [this.legend, this.legendLabels]),
      this.scroller,
      this.tooltip,
      this.live,
      this.tableBox,
    ]);
    this.canvas.addEventListener('mousemove', (e) => this.hover(e.offsetX, e.offsetY));
    this.canvas.addEventListener('mouseleave', () => (this.tooltip.hidden = true));
    this.canvas.addEventListener('keydown', (e) => this.key(e));
    this.canvas.addEventListener('blur', () => (this.tooltip.hidden = true));
  }

  /** Draws `gates`; returns the milliseconds spent painting and scaling (for the benchmark). */
  show(gates: GateMatrix, options: Partial<HeatmapOptions> = {}): number {
    const started = performance.now();
    this.gates = gates;
    this.options = { ...this.options, ...options };
    this.order = this.options.sortByMean ? gates.channelsByMean() : null;
    this.layout();
    this.labelLegend();
    this.canvas.setAttribute(
      'aria-label',
      `${this.label}: gate heatmap, ${gates.rows} samples by ${gates.cols} channels${this.order ? ', channels sorted by mean gate' : ''}. ` +
        'Arrow keys move between cells; the table below lists every value.',
    );
    if (this.tableBox.open) this.fillTable();
    return performance.now() - started;
  }

  /** The channel shown in display column `col`. */
  channelAt(col: number): number {
    return this.order ? this.order[col]! : col;
  }

  /** Geometry of the drawn cells, for tests and exports. */
  geometry(): { cellW: number; cellH: number; rows: number; cols: number } {
    return { cellW: this.cellW, cellH: this.cellH, rows: this.gates?.rows ?? 0, cols: this.gates?.cols ?? 0 };
  }

  private layout(): void {
    const gates = this.gates!;
    const available = Math.max(FIT_WIDTH_MIN, (this.scroller.clientWidth || document.documentElement.clientWidth || 800) - 4);
    const zoom = this.options.zoom === 'fit' ? available / gates.cols : Math.max(1, Math.min(this.options.zoom, Math.floor(MAX_CANVAS_WIDTH / gates.cols)));
    this.cellW = zoom;
    this.cellH = Math.max(1, Math.min(24, Math.floor(MAX_CANVAS_HEIGHT / gates.rows)));
    const width = Math.max(1, Math.round(this.cellW * gates.cols));
    const height = gates.rows * this.cellH;
    // Resizing a canvas clears and reallocates it: only when the size changes.
    if (this.canvas.width !== width) this.canvas.width = width;
    if (this.canvas.height !== height) this.canvas.height = height;
    if (this.image?.width !== width || this.image.height !== height) this.image = new ImageData(width, height);
    paintHeatmap(new Uint32Array(this.image.data.buffer), width, gates, this.order, this.options.range[0], this.options.range[1], this.cellW, this.cellH);
    this.redraw();
  }

  private redraw(): void {
    const ctx = this.canvas.getContext('2d')!;
    ctx.putImageData(this.image!, 0, 0);
    if (this.cursor && document.activeElement === this.canvas) {
      ctx.strokeStyle = getComputedStyle(this.canvas).getPropertyValue('--vscode-focusBorder').trim() || '#ff0000';
      ctx.lineWidth = 2;
      ctx.strokeRect(this.cursor.col * this.cellW + 1, this.cursor.row * this.cellH + 1, Math.max(2, this.cellW - 2), Math.max(2, this.cellH - 2));
    }
  }

  /** The legend's numbers (its colours never change). */
  private labelLegend(): void {
    const [lo, hi] = this.options.range;
    const gates = this.gates!;
    this.legendLabels.textContent = `${fmt(lo)} … ${fmt((lo + hi) / 2)} … ${fmt(hi)}  (values here: ${fmt(gates.min())} to ${fmt(gates.max())})`;
  }

  private cellAt(x: number, y: number): { row: number; col: number } | undefined {
    const gates = this.gates;
    if (!gates) return undefined;
    const col = Math.floor(x / this.cellW);
    const row = Math.floor(y / this.cellH);
    return row >= 0 && row < gates.rows && col >= 0 && col < gates.cols ? { row, col } : undefined;
  }

  private describe(cell: { row: number; col: number }): string {
    const channel = this.channelAt(cell.col);
    return `sample ${cell.row}, channel ${channel}, gate ${fmt(this.gates!.at(cell.row, channel))}`;
  }

  private hover(x: number, y: number): void {
    const cell = this.cellAt(x, y);
    if (!cell) {
      this.tooltip.hidden = true;
      return;
    }
    this.placeTooltip(cell, this.describe(cell));
  }

  private placeTooltip(cell: { row: number; col: number }, text: string): void {
    this.tooltip.textContent = text;
    this.tooltip.hidden = false;
    this.tooltip.style.left = `${this.canvas.offsetLeft - this.scroller.scrollLeft + (cell.col + 1) * this.cellW + 8}px`;
    this.tooltip.style.top = `${this.canvas.offsetTop + cell.row * this.cellH}px`;
  }

  private key(e: KeyboardEvent): void {
    const gates = this.gates;
    if (!gates) return;
    const step = e.shiftKey ? 10 : 1;
    const cur = this.cursor ?? { row: 0, col: 0 };
    const moves: Record<string, () => { row: number; col: number }> = {
      ArrowLeft: () => ({ row: cur.row, col: cur.col - step }),
      ArrowRight: () => ({ row: cur.row, col: cur.col + step }),
      ArrowUp: () => ({ row: cur.row - step, col: cur.col }),
      ArrowDown: () => ({ row: cur.row + step, col: cur.col }),
      Home: () => ({ row: cur.row, col: 0 }),
      End: () => ({ row: cur.row, col: gates.cols - 1 }),
    };
    const move = moves[e.key];
    if (!move) return;
    e.preventDefault();
    const next = move();
    this.cursor = { row: clampInt(next.row, 0, gates.rows - 1), col: clampInt(next.col, 0, gates.cols - 1) };
    this.redraw();
    const text = this.describe(this.cursor);
    this.live.textContent = text;
    this.placeTooltip(this.cursor, text);
    // Keep the cursor cell in view when zoomed in.
    const x = this.cursor.col * this.cellW;
    if (x < this.scroller.scrollLeft || x > this.scroller.scrollLeft + this.scroller.clientWidth - this.cellW) {
      this.scroller.scrollLeft = x - this.scroller.clientWidth / 2;
    }
  }

  private fillTable(): void {
    const gates = this.gates;
    if (!gates) return;
    const head = el('tr', {}, [el('th', { textContent: 'sample' }), ...Array.from({ length: gates.cols }, (_, c) => el('th', { scope: 'col', textContent: `ch ${this.channelAt(c)}` }))]);
    const body = Array.from({ length: gates.rows }, (_, r) =>
      el('tr', {}, [
        el('th', { scope: 'row', textContent: String(r) }),
        ...Array.from({ length: gates.cols }, (_, c) => el('td', { textContent: fmt(gates.at(r, this.channelAt(c))) })),
      ]),
    );
    const table = el('table', {}, [el('caption', { textContent: `${this.label}: gate per sample (rows) and channel (columns)` }), el('thead', {}, [head]), el('tbody', {}, body)]);
    this.tableBox.querySelector('.table-scroll')?.remove();
    this.tableBox.append(el('div', { className: 'table-scroll' }, [table]));
  }
}

/** The colour scale, low to high: drawn once per view. */
function drawLegend(legend: HTMLCanvasElement): void {
  const ctx = legend.getContext('2d')!;
  const image = ctx.createImageData(legend.width, legend.height);
  const pixels = new Uint32Array(image.data.buffer);
  for (let x = 0; x < legend.width; x++) {
    const colour = VIRIDIS_LUT[Math.round((x / (legend.width - 1)) * (LUT_SIZE - 1))]!;
    for (let y = 0; y < legend.height; y++) pixels[y * legend.width + x] = colour;
  }
  ctx.putImageData(image, 0, 0);
}

export function fmt(v: number): string {
  return Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
}

function clampInt(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
