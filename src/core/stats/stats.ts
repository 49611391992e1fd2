import type { Model } from '../ir/graph.js';
import type { SEBlock } from '../detect/block.js';
import { displayDim } from '../shapes/dims.js';
import { countingLayer } from './counting-layer.js';
import { layersOf, type Layer } from './layers.js';
import { fvcoreOf, macsOf, onnxToolCounts } from './other-conventions.js';
import type { Convention, StatsColumn, StatsRow, StatsTable } from './table.js';
import { perSample, roundValue, torchstatCounts, torchstatMemoryMB } from './torchstat.js';

export interface StatsOptions {
  /** Restrict rows to one block's modules (and, for source models, its uncalled modules). */
  readonly block?: SEBlock;
}

const BATCH_NOTE = 'Counted per sample (batch 1), as torchstat does; shapes are printed without the batch dimension.';
const CHANNELS_LAST_NOTE = 'Channels-last (NHWC) layers: shapes are printed as the model holds them; they are counted with the channels moved first, as the PyTorch formulas read them.';
const MAPPED_NOTE = 'TensorFlow layer classes (Keras, TF.js, TFLite) are counted with the formulas of their PyTorch counterparts (Dense as Linear, Conv2D as Conv2d, DepthwiseConv2D as a grouped Conv2d), a fused activation not counted.';

const COLUMNS: Record<Convention, StatsColumn[]> = {
  torchstat: [
    { key: 'MAdd', label: 'MAdd', meaning: 'torchstat MAdd: multiplications and additions counted separately' },
    { key: 'Flops', label: 'Flops', meaning: 'torchstat "Flops": really multiply-accumulates (MACs) of conv, linear, BN, pool and ReLU' },
    { key: 'MemRead', label: 'MemRead(B)', meaning: 'bytes read: input plus parameters, 4 bytes an element' },
    { key: 'MemWrite', label: 'MemWrite(B)', meaning: 'bytes written: the output, 4 bytes an element' },
    { key: 'MemRW', label: 'MemR+W(B)', meaning: 'MemRead + MemWrite' },
  ],
  macs: [{ key: 'MACs', label: 'MACs', meaning: 'torchinfo Mult-Adds: parameters × output positions, Conv and Linear only' }],
  fvcore: [{ key: 'flops', label: 'flops (fvcore)', meaning: 'fvcore: one fused multiply-add = one flop; adaptive avg pool = input size; ReLU, sigmoid, x*s uncounted' }],
  'onnx-tool': [{ key: 'MACs', label: 'MACs (onnx-tool)', meaning: 'onnx-tool per ONNX op: compare/add/mul 1, div 4, exp (sigmoid) 32 per element; the gate multiply counted' }],
};

/** The one place every number shown by SE Lens comes from. */
export function computeStats(model: Model, convention: Convention, options: StatsOptions = {}): StatsTable {
  const block = options.block;
  const inBlock = block ? new Set(block.nodes) : undefined;
  if (convention === 'onnx-tool') {
    const nodes = model.graph.nodes.filter((n) => !inBlock || inBlock.has(n.id));
    const rows: StatsRow[] = onnxToolCounts(model, nodes).map((c) => ({
      name: c.node.id,
      kind: c.node.op,
      inputShape: shapeNoBatch(c.input),
      outputShape: shapeNoBatch(c.output),
      params: c.params,
      memoryMB: c.output ? (product(perSample(c.output)) * 4) / 1024 ** 2 : 0,
      counts: { MACs: c.macs },
      nodeIds: [c.node.id],
      weights: c.weights,
      ...(c.node.range ? { range: c.node.range } : {}),
    }));
    const symbolic = symbolsIn(rows);
    return finish(convention, rows, ['Per ONNX node, functional ops included; ' + BATCH_NOTE, ...(symbolic.length ? [symbolNote(symbolic)] : [])]);
  }
  const layers = layersOf(model).filter((l) => !block || belongsTo(l, block, inBlock!));
  const counted = layers.map((l) => countingLayer(l, model));
  const rows = layers.map((l, i) => rowOf(l, counted[i]!, convention));
  const notes = [BATCH_NOTE];
  if (model.layout === 'NHWC' || counted.some((c, i) => c.input !== layers[i]!.input)) notes.push(CHANNELS_LAST_NOTE);
  if (counted.some((c, i) => c.kind !== layers[i]!.kind)) notes.push(MAPPED_NOTE);
  for (const r of rows) if (r.note) notes.push(`${r.name || '(root)'} (${r.kind}): ${r.note}`);
  const symbolic = symbolsIn(rows);
  if (symbolic.length) notes.push(symbolNote(symbolic));
  if (convention === 'torchstat') {
    notes.push('"Flops" is torchstat\'s name for multiply-accumulates; MAdd counts multiplications and additions separately.');
    notes.push('Total MemRead/MemWrite are column sums; torchstat 0.0.7 prints the last row\'s values there (its issue #36).');
    notes.push('Functional ops in forward (x * v, view, F.*) and adaptive pools / sigmoid count 0, as in torchstat.');
  }
  return finish(convention, rows, notes);
}

/** Dims left symbolic in the printed shapes (batch already dropped): counts take them as 1. */
function symbolsIn(rows: readonly StatsRow[]): string[] {
  const found = new Set<string>();
  for (const r of rows) for (const d of [...r.inputShape, ...r.outputShape]) if (typeof d === 'string') found.add(displayDim(d));
  return [...found];
}

function symbolNote(symbols: readonly string[]): string {
  const list = symbols.slice(0, 4).join(', ') + (symbols.length > 4 ? ', …' : '');
  return `Sizes ${list} are symbolic and count as 1 here; give the input size (CLI --input-shape, or the inspector's size fields) for real counts.`;
}

function belongsTo(layer: Layer, block: SEBlock, nodes: Set<string>): boolean {
  if (layer.nodeIds.length) return layer.nodeIds.every((id) => nodes.has(id));
  return block.id === '' || layer.name.startsWith(`${block.id}.`);
}

/** `layer` is what the row prints; `counted` is the same layer as the PyTorch formulas read it. */
function rowOf(layer: Layer, counted: Layer, convention: Exclude<Convention, 'onnx-tool'>): StatsRow {
  const called = Boolean(layer.input && layer.output);
  // torchstat registers zero buffers for a module that forward never calls and prints them as is.
  const uncalled = [0, 0, 0];
  let counts: Record<string, number>;
  let note: string | undefined;
  if (convention === 'torchstat') {
    const t = torchstatCounts(counted);
    counts = { MAdd: t.MAdd, Flops: t.Flops, MemRead: t.MemRead, MemWrite: t.MemWrite, MemRW: t.MemRead + t.MemWrite };
    note = t.note;
  } else if (convention === 'macs') {
    counts = { MACs: macsOf(counted) };
  } else {
    counts = { flops: fvcoreOf(counted) };
  }
  return {
    name: layer.name,
    kind: layer.kind,
    inputShape: called ? shapeNoBatch(layer.input) : uncalled,
    outputShape: called ? shapeNoBatch(layer.output) : uncalled,
    params: called || convention !== 'torchstat' ? layer.params : 0,
    memoryMB: torchstatMemoryMB(counted),
    counts,
    nodeIds: layer.nodeIds,
    ...(note ? { note } : {}),
    ...(layer.weights ? { weights: layer.weights } : {}),
    ...(layer.range ? { range: layer.range } : {}),
  };
}

function finish(convention: Convention, rows: StatsRow[], footnotes: string[]): StatsTable {
  const columns = COLUMNS[convention];
  const counts: Record<string, number> = {};
  for (const col of columns) counts[col.key] = rows.reduce((a, r) => a + (r.counts[col.key] ?? 0), 0);
  // A module called twice (CBAM's shared MLP in a graph without scopes) shows in two rows but counts once.
  const counted = new Set<string>();
  let params = 0;
  for (const r of rows) {
    if (r.weights?.length && r.weights.every((w) => counted.has(w))) continue;
    r.weights?.forEach((w) => counted.add(w));
    params += r.params;
  }
  const memoryMB = rows.reduce((a, r) => a + r.memoryMB, 0);
  return { convention, columns, rows, totals: { params, memoryMB, counts }, summary: summaryOf(convention, params, memoryMB, counts), footnotes };
}

function summaryOf(convention: Convention, params: number, memoryMB: number, counts: Record<string, number>): string[] {
  const p = `Total params: ${thousands(params)}`;
  switch (convention) {
    case 'torchstat':
      return [p, `Total memory: ${memoryMB.toFixed(2)}MB`, `Total MAdd: ${roundValue(counts['MAdd']!)}MAdd`, `Total Flops: ${roundValue(counts['Flops']!)}Flops`, `Total MemR+W: ${roundValue(counts['MemRW']!, true)}B`];
    case 'macs':
      return [p, `Total mult-adds: ${thousands(counts['MACs']!)}`];
    case 'fvcore':
      return [p, `Total flops (fvcore): ${thousands(counts['flops']!)}`];
    case 'onnx-tool':
      return [p, `Total MACs (onnx-tool): ${thousands(counts['MACs']!)}`];
  }
}

function shapeNoBatch(shape: readonly (number | string)[] | undefined): (number | string)[] {
  return shape ? shape.slice(1) : [];
}

function product(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** `{:,}` as Python prints it; Intl would cost a locale load on the first call. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
