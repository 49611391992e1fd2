/** Block list, prunability and the torchstat-style table: plain accessible HTML tables. */
import type { SEBlock } from '../src/core/detect/block.js';
import { displayShape } from '../src/core/shapes/dims.js';
import type { StatsTable } from '../src/core/stats/table.js';
import { el } from './dom.js';
import { fmt } from './heatmap.js';
import type { GateMatrix, Prunability } from './gates.js';
import { NEAR_CONSTANT_SPREAD } from './gates.js';

export function shapeText(shape: readonly (number | string)[] | undefined): string {
  return displayShape(shape);
}

export function renderBlockList(blocks: readonly SEBlock[], selected: string, onSelect: (id: string) => void): HTMLElement {
  const head = ['#', 'block', 'variant', 'C', 'squeeze', 'r', 'gate', 'params', 'input shape'];
  const rows = blocks.map((b, i) => {
    const pick = el('button', { className: 'link', textContent: b.id || '(whole model)', type: 'button' });
    pick.addEventListener('click', () => onSelect(b.id));
    pick.setAttribute('aria-pressed', String(b.id === selected));
    const tr = el('tr', { className: b.id === selected ? 'selected' : '' }, [
      el('td', { textContent: String(i + 1) }),
      el('th', { scope: 'row' }, [pick]),
      el('td', { textContent: b.variant }),
      el('td', { className: 'num', textContent: String(b.channels) }),
      el('td', { className: 'num', textContent: b.squeezeChannels === null ? '–' : String(b.squeezeChannels) }),
      el('td', { className: 'num', textContent: b.reductionRatio === null ? '–' : String(+b.reductionRatio.toFixed(2)) }),
      el('td', { textContent: b.gate }),
      el('td', { className: 'num', textContent: b.params.toLocaleString('en-US') }),
      el('td', { textContent: shapeText(b.inputShape) }),
    ]);
    tr.dataset.blockId = b.id;
    return tr;
  });
  return el('table', { className: 'blocks' }, [
    el('caption', { textContent: `${blocks.length} SE block${blocks.length === 1 ? '' : 's'}` }),
    el('thead', {}, [el('tr', {}, head.map((h) => el('th', { scope: 'col', textContent: h })))]),
    el('tbody', {}, rows),
  ]);
}

export function renderPrunability(
  blocks: readonly SEBlock[],
  gates: ReadonlyMap<string, GateMatrix>,
  scores: ReadonlyMap<string, Prunability>,
): HTMLElement {
  const rows = blocks.map((b) => {
    const g = gates.get(b.tensors.gate);
    const p = scores.get(b.tensors.gate);
    const verdict = !p || !g
      ? 'no gate values'
      : !p.measurable
        ? 'needs ≥ 2 samples'
        : p.nearConstant
          ? `near-constant: every channel varies by < ${NEAR_CONSTANT_SPREAD}; replaceable by a fixed per-channel scale`
          : 'input-dependent';
    const tr = el('tr', { className: p?.nearConstant ? 'flagged' : '' }, [
      el('th', { scope: 'row', textContent: b.id || '(whole model)' }),
      el('td', { className: 'num', textContent: g ? String(g.rows) : '–' }),
      el('td', { className: 'num', textContent: p?.measurable ? fmt(p.maxSpread) : '–' }),
      el('td', { className: 'num', textContent: p?.measurable ? fmt(p.meanSpread) : '–' }),
      el('td', { textContent: verdict }),
    ]);
    tr.dataset.blockId = b.id;
    return tr;
  });
  return el('div', {}, [
    el('p', {
      className: 'hint',
      textContent:
        "Spread = each channel's standard deviation of the gate across the samples. SENet (Hu et al., §6.4) found the last stage's gates near-constant; such blocks can be folded into a per-channel scale.",
    }),
    el('table', { className: 'prunability' }, [
      el('caption', { textContent: 'Prunability: how much each block’s gate depends on the input' }),
      el('thead', {}, [el('tr', {}, ['block', 'samples', 'max channel spread', 'mean channel spread', 'verdict'].map((h) => el('th', { scope: 'col', textContent: h })))]),
      el('tbody', {}, rows),
    ]),
  ]);
}

export function renderStatsTable(table: StatsTable, caption: string): HTMLElement {
  const head = ['module', 'kind', 'input shape', 'output shape', 'params', 'memory (MB)', ...table.columns.map((c) => c.label)];
  const rows = table.rows.map((r) =>
    el('tr', {}, [
      el('th', { scope: 'row', textContent: r.name }),
      el('td', { textContent: r.kind }),
      el('td', { textContent: shapeText(r.inputShape) }),
      el('td', { textContent: shapeText(r.outputShape) }),
      el('td', { className: 'num', textContent: r.params.toLocaleString('en-US') }),
      el('td', { className: 'num', textContent: r.memoryMB.toFixed(2) }),
      ...table.columns.map((c) => el('td', { className: 'num', textContent: (r.counts[c.key] ?? 0).toLocaleString('en-US') })),
    ]),
  );
  const headCells = head.map((h, i) => {
    const th = el('th', { scope: 'col', textContent: h });
    const col = table.columns[i - 6];
    if (col) th.title = col.meaning;
    return th;
  });
  return el('div', { className: 'stats' }, [
    el('table', {}, [el('caption', { textContent: `${caption} (${table.convention})` }), el('thead', {}, [el('tr', {}, headCells)]), el('tbody', {}, rows)]),
    ...table.summary.map((s) => el('div', { className: 'summary', textContent: s })),
    ...table.footnotes.map((s) => el('div', { className: 'footnote', textContent: s })),
  ]);
}
