/** What the export buttons produce: gates as CSV, the stats table as Markdown, the heatmap as PNG bytes. */
import { displayShape } from '../src/core/shapes/dims.js';
import type { StatsTable } from '../src/core/stats/table.js';
import type { GateMatrix } from './gates.js';

/** Header `sample,ch0,ch1,…`, one line per sample, full float precision. */
export function gatesToCsv(gates: GateMatrix): string {
  const lines = [['sample', ...Array.from({ length: gates.cols }, (_, c) => `ch${c}`)].join(',')];
  for (let r = 0; r < gates.rows; r++) {
    const row = [String(r)];
    for (let c = 0; c < gates.cols; c++) row.push(String(gates.at(r, c)));
    lines.push(row.join(','));
  }
  return lines.join('\n') + '\n';
}

function shape(s: readonly (number | string)[]): string {
  return displayShape(s);
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function statsToMarkdown(table: StatsTable, title: string): string {
  const head = ['module', 'kind', 'input shape', 'output shape', 'params', 'memory (MB)', ...table.columns.map((c) => c.label)];
  const lines = [
    `### ${title} (${table.convention})`,
    '',
    `| ${head.map(cell).join(' | ')} |`,
    `| ${head.map((_, i) => (i < 4 ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map(
      (r) =>
        `| ${[r.name, r.kind, shape(r.inputShape), shape(r.outputShape), String(r.params), r.memoryMB.toFixed(2), ...table.columns.map((c) => String(r.counts[c.key] ?? 0))]
          .map(cell)
          .join(' | ')} |`,
    ),
    '',
    ...table.summary.map((s) => `- ${s}`),
    ...table.footnotes.map((s) => `> ${s}`),
  ];
  return lines.join('\n') + '\n';
}

export async function canvasToPng(canvas: HTMLCanvasElement): Promise<Uint8Array> {
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The heatmap could not be encoded as PNG.');
  return new Uint8Array(await blob.arrayBuffer());
}

/** A file name without characters a save dialog or the protocol would refuse. */
export function safeFileName(base: string, ext: string): string {
  const stem = base.replace(/[^\w.() -]+/g, '_').replace(/^\.+/, '').slice(0, 120) || 'se-lens';
  return `${stem}.${ext}`;
}
