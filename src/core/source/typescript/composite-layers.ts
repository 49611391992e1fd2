import type { Dim, Shape, SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { RECURRENT_GATES } from './layer-catalogue.js';
import { applyLayer, TfLayerError, weightOf, windowOf, type TfLayer } from './layers.js';

/**
 * Layers made of other layers or of steps over time: the recurrent layers (`lstm`, `gru`, `simpleRNN`,
 * `rnn` over cells, `stackedRNNCells`), `convLstm2d`, and the wrappers `bidirectional` and
 * `timeDistributed`. Parameters are counted as TF.js `countParams()` counts them: a wrapper or an `rnn`
 * holds its inner layers' weights, which are not layers of the model themselves.
 */
export function applyComposite(b: GraphBuilder, layer: TfLayer, inputs: TensorRef[], range: SourceRange): TensorRef {
  const x = inputs[0]!;
  switch (layer.className) {
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN':
    case 'RNN':
      return recurrent(b, layer, x, range);
    case 'ConvLSTM2D':
      return convLstm(b, layer, x, range);
    case 'Bidirectional':
      return bidirectional(b, layer, x, range);
    case 'TimeDistributed':
      return timeDistributed(b, layer, x, range);
    default:
      throw new TfLayerError(`${layer.className} is not interpreted`);
  }
}

/** The cells a recurrent layer steps: itself (`lstm`), its `cell` or cells (`rnn`), a `stackedRNNCells`' cells. */
function cellsOf(layer: TfLayer): TfLayer[] {
  if (layer.className !== 'RNN' && layer.className !== 'StackedRNNCells') return [layer];
  const cells = (layer.inner ?? []).flatMap(cellsOf);
  if (cells.length === 0 || cells.some((c) => RECURRENT_GATES[c.className] === undefined || c.className.startsWith('ConvLSTM'))) {
    throw new TfLayerError(`${layer.className.toLowerCase()}: its cells are not known`);
  }
  return cells;
}

/**
 * One node per cell, each reading the previous cell's sequence. TF.js sizes a cell as kernel
 * [in, g·u], recurrent kernel [u, g·u] and one bias [g·u] (GRU without `resetAfter`, which TF.js lacks).
 */
function recurrent(b: GraphBuilder, layer: TfLayer, x: TensorRef, range: SourceRange): TensorRef {
  const what = layer.className.toLowerCase();
  const s = x.shape;
  if (!s || s.length !== 3 || typeof s[2] !== 'number') throw new TfLayerError(`${what}: the input is not a known [batch, steps, features] tensor`);
  const cells = cellsOf(layer);
  const sequences = layer.options.get('returnSequences') === true;
  let params = 0;
  let t = x;
  cells.forEach((cell, i) => {
    const units = cell.options.get('units');
    if (typeof units !== 'number') throw new TfLayerError(`${cell.className.toLowerCase()}: units is not known`);
    const gates = RECURRENT_GATES[cell.className]!;
    const inDim = t.shape![2] as number;
    const useBias = cell.options.get('useBias') !== false;
    cell.params = gates * units * (inDim + units + (useBias ? 1 : 0));
    params += cell.params;
    const ins = [t.name, weightOf(b, cell, 'kernel', [inDim, gates * units]), weightOf(b, cell, 'recurrent_kernel', [units, gates * units])];
    if (useBias) ins.push(weightOf(b, cell, 'bias', [gates * units]));
    const last = i === cells.length - 1;
    const op = gates === 4 ? 'LSTM' : gates === 3 ? 'GRU' : 'RNN';
    const outputShape = last && !sequences ? [s[0]!, units] : [s[0]!, s[1]!, units];
    t = b.one({ op, inputs: ins, outputShape, range, attrs: { hidden_size: { type: 'int', value: units } } });
  });
  const units = cells[cells.length - 1]!.options.get('units') as number;
  layer.params = params;
  layer.config = { units, input_size: s[2], hidden_size: units, bias: cells.every((c) => c.options.get('useBias') !== false) };
  return t;
}

/** `convLstm2d` over [batch, steps, height, width, channels]: four convolution gates on the input and on the state. */
function convLstm(b: GraphBuilder, layer: TfLayer, x: TensorRef, range: SourceRange): TensorRef {
  const o = layer.options;
  const s = x.shape;
  const filters = o.get('filters');
  if (typeof filters !== 'number') throw new TfLayerError('convLstm2d: filters is not known');
  if (o.get('dataFormat') === 'channelsFirst') throw new TfLayerError('convLstm2d: channelsFirst is not interpreted');
  const c = s?.[4];
  if (!s || s.length !== 5 || typeof c !== 'number') throw new TfLayerError('convLstm2d: the input is not a known [batch, steps, height, width, channels] tensor');
  const w = windowOf(layer, 'convLstm2d', s.slice(2, 4), 'kernelSize');
  const useBias = o.get('useBias') !== false;
  const k = w.kernel.reduce((a, d) => a * d, 1);
  layer.params = 4 * (k * c * filters + k * filters * filters + (useBias ? filters : 0));
  layer.config = { filters, kernel_size: w.kernel, stride: w.strides, in_channels: c, out_channels: filters, bias: useBias };
  const ins = [x.name, weightOf(b, layer, 'kernel', [...w.kernel, c, 4 * filters]), weightOf(b, layer, 'recurrent_kernel', [...w.kernel, filters, 4 * filters])];
  if (useBias) ins.push(weightOf(b, layer, 'bias', [4 * filters]));
  const outputShape: Dim[] = o.get('returnSequences') === true ? [s[0]!, s[1]!, ...w.out, filters] : [s[0]!, ...w.out, filters];
  return b.one({ op: 'ConvLSTM', inputs: ins, outputShape, range, attrs: { kernel_shape: { type: 'ints', value: w.kernel }, strides: { type: 'ints', value: w.strides } } });
}

const MERGE_MODES: Readonly<Record<string, string>> = { concat: 'Concat', sum: 'Add', mul: 'Mul', ave: 'Mean' };

/** `bidirectional({layer})`: the recurrent layer twice (forward and backward weights), outputs merged. */
function bidirectional(b: GraphBuilder, layer: TfLayer, x: TensorRef, range: SourceRange): TensorRef {
  const inner = layer.inner?.[0];
  if (!inner || !['LSTM', 'GRU', 'SimpleRNN', 'RNN'].includes(inner.className)) throw new TfLayerError('bidirectional: its layer is not a known recurrent layer');
  const given = layer.options.get('mergeMode');
  const mode = given === undefined ? 'concat' : String(given);
  const op = MERGE_MODES[mode];
  if (!op) throw new TfLayerError(`bidirectional: mergeMode ${mode} is not interpreted`);
  const twin = (direction: string): TfLayer => ({ ...inner, name: `${direction}_${inner.name}`, weights: undefined, params: 0, nodeIds: [] });
  const forward = twin('forward');
  const backward = twin('backward');
  const f = recurrent(b, forward, x, range);
  const r = recurrent(b, backward, x, range);
  layer.params = forward.params + backward.params;
  layer.config = { ...forward.config, mergeMode: mode, wrapped: inner.className };
  const fs = f.shape;
  let outputShape: Shape = fs;
  if (op === 'Concat' && fs) {
    const last = fs[fs.length - 1];
    outputShape = [...fs.slice(0, -1), typeof last === 'number' ? 2 * last : last!];
  }
  const attrs = op === 'Concat' ? { axis: { type: 'int', value: -1 } as const } : undefined;
  return b.one({ op, inputs: [f.name, r.name], outputShape, range, ...(attrs ? { attrs } : {}) });
}

/** `timeDistributed({layer})`: the layer applied to every step, its weights shared: steps folded into the batch and back. */
function timeDistributed(b: GraphBuilder, layer: TfLayer, x: TensorRef, range: SourceRange): TensorRef {
  const inner = layer.inner?.[0];
  const s = x.shape;
  if (!inner) throw new TfLayerError('timeDistributed: its layer is not known');
  if (!s || s.length < 3 || s.slice(1).some((d) => typeof d !== 'number')) throw new TfLayerError('timeDistributed: the input is not a known [batch, steps, ...] tensor');
  const [batch, steps] = [s[0]!, s[1] as number];
  const folded = [typeof batch === 'number' ? batch * steps : -1, ...(s.slice(2) as number[])];
  const flat = b.one({ op: 'Reshape', inputs: [x.name, b.int64('shape', folded)], outputShape: [typeof batch === 'number' ? batch * steps : batch, ...s.slice(2)], range });
  const y = applyLayer(b, inner, [flat], range);
  const ys = y.shape;
  if (!ys || ys.slice(1).some((d) => typeof d !== 'number')) throw new TfLayerError('timeDistributed: the inner output is not known');
  const unfolded = [typeof batch === 'number' ? batch : -1, steps, ...(ys.slice(1) as number[])];
  layer.params = inner.params;
  layer.config = { ...inner.config, wrapped: inner.className };
  return b.one({ op: 'Reshape', inputs: [y.name, b.int64('shape', unfolded)], outputShape: [batch, steps, ...ys.slice(1)], range });
}
