import type { ModelAnalysis } from '../core/analyze.js';
import type { SEBlock } from '../core/detect/block.js';
import type { Dim, SourceRange } from '../core/ir/graph.js';
import { displayDim, displayShape } from '../core/shapes/dims.js';
import { formatCsv, formatMarkdown, formatText } from '../core/stats/format.js';
import { seOverhead, seOverheadLines } from '../core/stats/se-overhead.js';
import type { Convention, StatsTable } from '../core/stats/table.js';
import type { OutputFormat } from './args.js';

export interface Report {
  readonly model: string;
  readonly analysis: ModelAnalysis;
  readonly convention: Convention;
  readonly blockId: string | undefined;
  /** Extra facts a front-end adds (source language, where the input shape came from). */
  readonly notes?: readonly string[];
}

/** The stable JSON document (`--format json`), documented in README.md. */
export function toJson(r: Report): unknown {
  const table = r.analysis.table(r.convention, r.blockId);
  const blocks = r.blockId === undefined ? r.analysis.blocks : [r.analysis.block(r.blockId)];
  return {
    model: r.model,
    convention: r.convention,
    blocks: blocks.map((b) => ({
      id: b.id, variant: b.variant, channels: b.channels, squeezeChannels: b.squeezeChannels, reductionRatio: b.reductionRatio,
      pooling: b.pooling, fcKind: b.fcKind, fcBias: b.fcBias, innerActivation: b.innerActivation, gate: b.gate, params: b.params,
      inputShape: b.inputShape ?? null, inputShapeText: b.inputShape ? displayShape(b.inputShape) : null, tensors: b.tensors, nodes: b.nodes, ...(b.range ? { range: lines(b.range) } : {}),
    })),
    layers: table.rows.map((row) => ({
      name: row.name, kind: row.kind, inputShape: row.inputShape, outputShape: row.outputShape,
      inputShapeText: shapeText(row.inputShape), outputShapeText: shapeText(row.outputShape), params: row.params,
      memoryMB: row.memoryMB, ...row.counts, ...(row.range ? { range: lines(row.range) } : {}),
    })),
    totals: { params: table.totals.params, memoryMB: table.totals.memoryMB, ...table.totals.counts },
    summary: table.summary,
    // The whole model's, whichever block was chosen: SENet's Table 2 compares all blocks with the network.
    seOverhead: seOverhead(r.analysis),
    ...(r.notes?.length ? { notes: r.notes } : {}),
  };
}

/** The display form of a shape in the JSON (`[N, 8, ⌈H/2⌉]`); the machine form stays beside it. */
function shapeText(shape: readonly Dim[]): string {
  return `[${shape.map(displayDim).join(', ')}]`;
}

/** 1-based lines, as editors and `grep -n` show them. */
function lines(range: SourceRange): { startLine: number; endLine: number } {
  return { startLine: range.startLine + 1, endLine: range.endLine + 1 };
}

export function render(r: Report, format: OutputFormat): string {
  if (format === 'json') return JSON.stringify(toJson(r), null, 2);
  const tables = tablesFor(r);
  if (format === 'csv') return tables.map(([, t]) => formatCsv(t)).join('\n');
  if (format === 'markdown') {
    return [`# ${r.model}`, '', blockList(r, 'markdown'), ...tables.flatMap(([title, t]) => ['', `## ${title}`, '', formatMarkdown(t)])].join('\n');
  }
  return [`${r.model}`, ...(r.notes ?? []), '', blockList(r, 'table'), ...tables.flatMap(([title, t]) => ['', title, formatText(t)])].join('\n');
}

/** One table per block (the whole model's when it has none, or the chosen block's). */
function tablesFor(r: Report): [string, StatsTable][] {
  const blocks = r.blockId === undefined ? r.analysis.blocks : [r.analysis.block(r.blockId)];
  if (!blocks.length) return [['Whole model', r.analysis.table(r.convention)]];
  return blocks.map((b) => [`SE block ${label(b)}`, r.analysis.table(r.convention, b.id)]);
}

function label(b: SEBlock): string {
  return b.id === '' ? '(whole model)' : b.id;
}

function blockList(r: Report, format: 'table' | 'markdown'): string {
  const blocks = r.analysis.blocks;
  if (!blocks.length) return 'No SE blocks found.';
  const rows = blocks.map((b) => [
    label(b), b.variant, String(b.channels), b.squeezeChannels === null ? '-' : String(b.squeezeChannels),
    b.reductionRatio === null ? '-' : String(+b.reductionRatio.toFixed(2)), b.pooling, b.gate, String(b.params), displayShape(b.inputShape),
  ]);
  const head = ['block', 'variant', 'C', 'squeeze', 'r', 'pool', 'gate', 'params', 'input'];
  if (format === 'markdown') return [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`), '', ...seOverheadLines(seOverhead(r.analysis))].join('\n');
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const fmt = (row: string[]) => row.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [`${blocks.length} SE block${blocks.length === 1 ? '' : 's'}:`, fmt(head), ...rows.map(fmt), ...seOverheadLines(seOverhead(r.analysis))].join('\n');
}
