import * as vscode from 'vscode';
import type { SEBlock, SEVariant } from '../core/detect/block.js';
import type { Dim } from '../core/ir/graph.js';
import type { Convention, StatsColumn, StatsRow, StatsTable } from '../core/stats/table.js';

/** `[4,32,16,16]`: compact, for code lens titles and tree descriptions. */
export function compactShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.join(',')}]` : '[?]';
}

/** `[4, 32, 16, 16]`: for inlay hints and tables. */
export function spacedShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.join(', ')}]` : '[?]';
}

/** `5,820,416`; fractions keep up to three digits (`2.5`). No Intl: the result is the same under every ICU build. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const [whole, fraction] = (Number.isInteger(n) ? String(Math.abs(n)) : String(Number(Math.abs(n).toFixed(3)))).split('.');
  const grouped = whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${n < 0 ? '-' : ''}${grouped}${fraction ? `.${fraction}` : ''}`;
}

const VARIANT_LABELS: Record<SEVariant, string> = {
  se: 'SE block',
  se_conv1x1: 'SE block',
  torchvision_se: 'SE block',
  effective_se: 'Effective SE block',
  eca: 'ECA block',
  cbam_channel: 'CBAM channel attention',
  efficientnet_se: 'EfficientNet SE block',
  mobilenetv3_se: 'MobileNetV3 SE block',
};

export function variantLabel(variant: SEVariant): string {
  return VARIANT_LABELS[variant];
}

/** The headline counter of a convention (torchstat: MAdd), the one a lens and a tree item show. */
const HEADLINE: Record<Convention, readonly string[]> = {
  torchstat: ['madd', 'MAdd'],
  macs: ['macs', 'MACs'],
  fvcore: ['flops', 'FLOPs', 'Flops'],
  'onnx-tool': ['macs', 'MACs'],
};

export function headlineColumn(table: StatsTable): StatsColumn | undefined {
  const wanted = HEADLINE[table.convention].map((k) => k.toLowerCase());
  return (
    table.columns.find((c) => wanted.includes(c.key.toLowerCase())) ??
    table.columns.find((c) => wanted.includes(c.label.toLowerCase())) ??
    table.columns.find((c) => !['params', 'memory', 'memorymb'].includes(c.key.toLowerCase()))
  );
}

export function headline(table: StatsTable): string | undefined {
  const col = headlineColumn(table);
  if (!col) return undefined;
  const value = table.totals.counts[col.key];
  return value === undefined ? undefined : `${formatCount(value)} ${col.label}`;
}

/** `C 32 → 8 (r 4) · avg`, or `C 32 · k 3` for ECA. */
export function blockShapeSummary(block: SEBlock): string {
  const parts: string[] = [];
  if (block.squeezeChannels === null) {
    parts.push(`C ${block.channels}` + (block.kernelSize ? ` · k ${block.kernelSize}` : ''));
  } else if (block.reductionRatio !== null && block.squeezeChannels !== block.channels) {
    parts.push(`C ${block.channels} → ${block.squeezeChannels} (r ${formatCount(block.reductionRatio)})`);
  } else {
    parts.push(`C ${block.channels} → ${block.squeezeChannels}`);
  }
  parts.push(block.pooling);
  return parts.join(' · ');
}

/** `SE block · C 32 → 8 (r 4) · avg · 512 params · 992 MAdd @ [4,32,16,16]` */
export function blockTitle(block: SEBlock, table: StatsTable | undefined, inputShape: readonly Dim[] | undefined): string {
  const parts = [variantLabel(block.variant), blockShapeSummary(block), vscode.l10n.t('{0} params', formatCount(block.params))];
  const count = table && headline(table);
  if (count) parts.push(count);
  const shape = block.inputShape ?? inputShape;
  return parts.join(' · ') + (shape ? ` @ ${compactShape(shape)}` : '');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function rowCells(table: StatsTable, row: StatsRow): string[] {
  return [
    cell(row.name),
    cell(row.kind),
    spacedShape(row.inputShape),
    spacedShape(row.outputShape),
    formatCount(row.params),
    ...table.columns.map((c) => (row.counts[c.key] === undefined ? '' : formatCount(row.counts[c.key]!))),
  ];
}

function header(table: StatsTable): string[] {
  return [
    vscode.l10n.t('module'), vscode.l10n.t('type'), vscode.l10n.t('input shape'), vscode.l10n.t('output shape'),
    vscode.l10n.t('params'), ...table.columns.map((c) => cell(c.label)),
  ];
}

/** A Markdown table of the given rows (all by default), with a totals line when it shows every row. */
export function markdownTable(table: StatsTable, rows: readonly StatsRow[] = table.rows): string {
  const head = header(table);
  const lines = [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i < 4 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const row of rows) lines.push(`| ${rowCells(table, row).join(' | ')} |`);
  if (rows === table.rows) {
    lines.push(`| **${vscode.l10n.t('total')}** | | | | **${formatCount(table.totals.params)}** | ${table.columns
      .map((c) => (table.totals.counts[c.key] === undefined ? '' : `**${formatCount(table.totals.counts[c.key]!)}**`))
      .join(' | ')} |`);
  }
  return lines.join('\n');
}

export function conventionName(convention: Convention): string {
  switch (convention) {
    case 'torchstat': return 'torchstat';
    case 'macs': return vscode.l10n.t('MACs (multiply-accumulates)');
    case 'fvcore': return 'fvcore';
    case 'onnx-tool': return 'onnx-tool';
  }
}
