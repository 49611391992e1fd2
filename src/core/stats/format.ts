import type { Dim } from '../ir/graph.js';
import { displayDim } from '../shapes/dims.js';
import type { StatsTable } from './table.js';

/** Shapes as torchstat prints them: dims separated by two spaces; symbolic dims in their short form. */
export function formatShape(shape: readonly Dim[]): string {
  return shape.length ? shape.map(displayDim).join('  ') : '';
}

function headers(table: StatsTable): string[] {
  return ['module name', 'type', 'input shape', 'output shape', 'params', 'memory(MB)', ...table.columns.map((c) => c.label)];
}

function cells(table: StatsTable): string[][] {
  const rows = table.rows.map((r) => [
    r.name || '(root)', r.kind, formatShape(r.inputShape), formatShape(r.outputShape), String(r.params), r.memoryMB.toFixed(2),
    ...table.columns.map((c) => String(r.counts[c.key] ?? 0)),
  ]);
  rows.push(['total', '', '', '', String(table.totals.params), table.totals.memoryMB.toFixed(2), ...table.columns.map((c) => String(table.totals.counts[c.key] ?? 0))]);
  return rows;
}

/** A fixed-width text table in torchstat's column order, then its summary lines and footnotes. */
export function formatText(table: StatsTable): string {
  const head = headers(table);
  const body = cells(table);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const rule = '='.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [
    `[${table.convention}]`, line(head), rule, ...body.slice(0, -1).map(line), rule, line(body[body.length - 1]!), rule,
    ...table.summary, ...table.footnotes.map((f) => `* ${f}`),
  ].join('\n');
}

export function formatMarkdown(table: StatsTable): string {
  const head = headers(table);
  const body = cells(table).map((r, i, all) => (i === all.length - 1 ? r.map((c) => (c ? `**${c}**` : c)) : r));
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `|${head.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...body.map((r) => `| ${r.map(esc).join(' | ')} |`),
    '',
    `Convention: **${table.convention}**. ${table.summary.join(' · ')}`,
    ...table.footnotes.map((f) => `- ${f}`),
  ].join('\n');
}

export function formatCsv(table: StatsTable): string {
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = ['convention', ...headers(table)];
  const rows = cells(table).map((r) => [table.convention, ...r]);
  return [head, ...rows].map((r) => r.map(q).join(',')).join('\n');
}
