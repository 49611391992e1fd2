import type { Dim } from '../ir/graph.js';
import type { Layer } from './layers.js';

export interface TorchstatCounts {
  readonly MAdd: number;
  readonly Flops: number;
  /** Bytes, as torchstat prints them (elements × 4). */
  readonly MemRead: number;
  readonly MemWrite: number;
  /** Set where torchstat itself would refuse or print 0 and the numbers say how SE Lens counted instead. */
  readonly note?: string;
}

const ITEMSIZE = 4;
const ZERO: TorchstatCounts = { MAdd: 0, Flops: 0, MemRead: 0, MemWrite: 0 };

/** Dims after the batch; symbolic dims count as 1, which is what a batch-1 run would see for them. */
export function perSample(shape: Dim[] | undefined): number[] {
  return (shape ?? []).slice(1).map((d) => (typeof d === 'number' ? d : 1));
}

function prod(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/**
 * torchstat 0.0.7's per-module formulas, literally (compute_madd.py, compute_flops.py, compute_memory.py):
 * batch 1, "Flops" really MACs, and zeros where torchstat has no rule for a layer without weights
 * (adaptive pools, sigmoid). A layer with weights is never a silent 0: where torchstat refuses it or has
 * no rule (Linear on N-D input, Conv1d/3d, BatchNorm1d/3d) it is counted with the nearest formula, and
 * where its rule is partial (ConvTranspose, PReLU) the result carries a note.
 */
export function torchstatCounts(layer: Layer): TorchstatCounts {
  if (!layer.input || !layer.output) return ZERO;
  const inp = perSample(layer.input);
  const out = perSample(layer.output);
  const P = layer.params;
  const n = prod(inp);
  const c = layer.config;
  switch (layer.kind) {
    case 'Conv1d': case 'Conv2d': case 'Conv3d':
      return convCounts(layer, inp, out);
    case 'ConvTranspose1d': case 'ConvTranspose2d': case 'ConvTranspose3d':
      return convTransposeCounts(layer, inp, out);
    case 'Linear':
      return linearCounts(layer, inp, out);
    case 'ReLU': case 'ReLU6':
      return { MAdd: n, Flops: n, MemRead: n * ITEMSIZE, MemWrite: n * ITEMSIZE };
    case 'LeakyReLU': case 'ELU':
      return { MAdd: 0, Flops: n, MemRead: n * ITEMSIZE, MemWrite: n * ITEMSIZE };
    case 'PReLU':
      return { MAdd: 0, Flops: n, MemRead: (n + P) * ITEMSIZE, MemWrite: n * ITEMSIZE, note: 'torchstat 0.0.7 has no MAdd rule for PReLU (it prints 0).' };
    case 'BatchNorm1d': case 'BatchNorm2d': case 'BatchNorm3d': {
      const ch = Number(c['num_features'] ?? inp[0] ?? 0);
      const affine = c['affine'] !== false;
      const counts = { MAdd: 4 * n, Flops: n * (affine ? 2 : 1), MemRead: (n + 2 * ch) * ITEMSIZE, MemWrite: n * ITEMSIZE };
      return layer.kind === 'BatchNorm2d' ? counts : { ...counts, note: 'torchstat 0.0.7 has a rule for BatchNorm2d only (it prints 0 here); counted with the BatchNorm2d formula over every input element.' };
    }
    case 'MaxPool2d': case 'AvgPool2d': {
      const [kh = 1, kw = 1] = kernelOf(c['kernel_size']);
      const [cout = 0, hout = 1, wout = 1] = out;
      const window = layer.kind === 'MaxPool2d' ? kh * kw - 1 : kh * kw;
      return { MAdd: window * hout * wout * cout, Flops: n, MemRead: n * ITEMSIZE, MemWrite: prod(out) * ITEMSIZE };
    }
    case 'SeparableConv2D':
      return separableCounts(layer, inp, out);
    case 'LayerNorm': case 'LayerNormalization': case 'GroupNorm': case 'InstanceNorm1d': case 'InstanceNorm2d': case 'InstanceNorm3d':
      return {
        MAdd: 4 * n,
        Flops: n * (P > 0 ? 2 : 1),
        MemRead: (n + P) * ITEMSIZE,
        MemWrite: prod(out) * ITEMSIZE,
        note: `torchstat 0.0.7 has no rule for ${layer.kind} (it prints 0); counted with the BatchNorm2d formula over every input element.`,
      };
    case 'LSTM': case 'GRU': case 'SimpleRNN': case 'RNN':
      return recurrentCounts(layer, inp, out);
    case 'Bidirectional':
      return bidirectionalCounts(layer, inp, out);
    case 'ConvLSTM2D':
      return convLstmCounts(layer, inp, out);
    case 'TimeDistributed':
      return timeDistributedCounts(layer);
    case 'Embedding':
      return { MAdd: 0, Flops: 0, MemRead: (n + prod(out)) * ITEMSIZE, MemWrite: prod(out) * ITEMSIZE, note: 'An embedding is a table lookup: no multiply-adds; MemRead counts the indices and the rows read.' };
    case 'Softmax':
      return { MAdd: n + (n - 1) + n, Flops: 0, MemRead: 0, MemWrite: 0 };
    case 'Upsample':
      // torchstat drops the channel dim here (its quirk Q7): H_out * W_out.
      return { MAdd: 0, Flops: prod(out.slice(1)), MemRead: 0, MemWrite: 0 };
    default:
      return ZERO;
  }
}

/** Both directions of the wrapped recurrent layer, each counted as `recurrentCounts` counts it; the merge not counted. */
function bidirectionalCounts(layer: Layer, inp: number[], out: number[]): TorchstatCounts {
  const wrapped = String(layer.config['wrapped'] ?? 'RNN');
  const one = recurrentCounts({ ...layer, kind: wrapped, params: layer.params / 2 }, inp, out);
  return {
    MAdd: 2 * one.MAdd,
    Flops: 2 * one.Flops,
    MemRead: 2 * one.MemRead,
    MemWrite: prod(out) * ITEMSIZE,
    note: `torchstat 0.0.7 has no rule for Bidirectional; counted as two ${wrapped} layers (forward and backward), each as the ${wrapped} row would be; the merge not counted.`,
  };
}

/**
 * `convLstm2d` over [steps, height, width, channels] (channels last, batch dropped): per step one
 * convolution of the input (channels → 4·filters) and one of the state (filters → 4·filters, no bias),
 * both with torchstat's Conv2d formulas over the output positions; the gate arithmetic not counted.
 */
function convLstmCounts(layer: Layer, inp: number[], out: number[]): TorchstatCounts {
  const c = layer.config;
  const [steps = 1, ...rest] = inp;
  const cin = Number(c['in_channels'] ?? rest[rest.length - 1] ?? 0);
  const filters = Number(c['filters'] ?? out[out.length - 1] ?? 0);
  const spatial = out.length === 4 ? out.slice(1, 3) : out.slice(0, 2);
  const kernel = kernelList(c['kernel_size'], 2);
  const positions = prod(spatial);
  const x = convFormula(cin, 4 * filters, kernel, 1, Boolean(c['bias']), positions);
  const h = convFormula(filters, 4 * filters, kernel, 1, false, positions);
  return {
    MAdd: steps * (x.MAdd + h.MAdd),
    Flops: steps * (x.Flops + h.Flops),
    MemRead: (prod(inp) + layer.params) * ITEMSIZE,
    MemWrite: prod(out) * ITEMSIZE,
    note: `torchstat 0.0.7 has no rule for ConvLSTM2D; counted as ${steps} step(s) of two Conv2d (input ${cin} → ${4 * filters} and state ${filters} → ${4 * filters}, kernel ${kernel.join('×')}), the gate arithmetic not counted.`,
  };
}

/** The wrapped layer's counts on one step (see countingLayer), times the steps: its weights are read once. */
function timeDistributedCounts(layer: Layer): TorchstatCounts {
  const steps = Number(layer.config['steps'] ?? 1);
  const wrapped = String(layer.config['wrapped'] ?? '');
  const one = torchstatCounts({ ...layer, kind: wrapped });
  const weights = layer.params * ITEMSIZE;
  return {
    MAdd: steps * one.MAdd,
    Flops: steps * one.Flops,
    MemRead: steps * Math.max(0, one.MemRead - weights) + weights,
    MemWrite: steps * one.MemWrite,
    note: `torchstat 0.0.7 has no rule for TimeDistributed; counted as ${steps} step(s) of ${wrapped}${one.note ? ` (${one.note.replace(/\.$/, '')})` : ''}.`,
  };
}

/**
 * torchstat's Conv2d formulas over any number of spatial dims: the same per-output-element cost times
 * the output positions. torchstat 0.0.7 has no Conv1d or Conv3d rule (it prints 0); those rows say so.
 */
function convCounts(layer: Layer, inp: number[], out: number[]): TorchstatCounts {
  const c = layer.config;
  const [cin = 0, ...inSpatial] = inp;
  const [cout = 0, ...outSpatial] = out;
  const kernel = kernelList(c['kernel_size'], Math.max(1, outSpatial.length));
  const conv = convFormula(cin, cout, kernel, Number(c['groups'] ?? 1), Boolean(c['bias']), prod(outSpatial));
  const counts: TorchstatCounts = { ...conv, MemRead: (cin * prod(inSpatial) + layer.params) * ITEMSIZE, MemWrite: cout * prod(outSpatial) * ITEMSIZE };
  if (layer.kind === 'Conv2d' && outSpatial.length === 2) return counts;
  return { ...counts, note: `torchstat 0.0.7 counts only Conv2d on 4-D inputs (it prints 0 here); counted with the Conv2d formula over ${outSpatial.length} spatial dim(s).` };
}

/** compute_Conv2d_madd and compute_Conv2d_flops for one convolution with `positions` output positions. */
function convFormula(cin: number, cout: number, kernel: number[], groups: number, bias: boolean, positions: number): { MAdd: number; Flops: number } {
  const kMul = prod(kernel) * Math.floor(cin / groups);
  const kAdd = kMul - 1 + (bias ? 1 : 0);
  return {
    MAdd: (kMul + kAdd) * positions * Math.floor(cout / groups) * groups,
    Flops: prod(kernel) * cin * Math.floor(cout / groups) * positions + (bias ? cout * positions : 0),
  };
}

/**
 * A separable convolution (TF.js SeparableConv2D) is two convolutions: a depthwise one (groups = input
 * channels, `depthMultiplier` outputs each, no bias) and a 1×1 pointwise one with the bias; each is
 * counted with the Conv2d formula over the output positions and the two are added.
 */
function separableCounts(layer: Layer, inp: number[], out: number[]): TorchstatCounts {
  const c = layer.config;
  const [cin = 0, ...inSpatial] = inp;
  const [cout = 0, ...outSpatial] = out;
  const kernel = kernelList(c['kernel_size'], Math.max(1, outSpatial.length));
  // Without a recorded depthMultiplier (model.json configs) the middle width follows from the weights:
  // params = K·mid + mid·cout (+ cout bias).
  const bias = Boolean(c['bias']);
  const mid = c['depthMultiplier'] !== undefined ? cin * Number(c['depthMultiplier']) : Math.round((layer.params - (bias ? cout : 0)) / (prod(kernel) + cout));
  const positions = prod(outSpatial);
  const depthwise = convFormula(cin, mid, kernel, cin, false, positions);
  const pointwise = convFormula(mid, cout, [1], 1, bias, positions);
  return {
    MAdd: depthwise.MAdd + pointwise.MAdd,
    Flops: depthwise.Flops + pointwise.Flops,
    MemRead: (cin * prod(inSpatial) + layer.params) * ITEMSIZE,
    MemWrite: cout * positions * ITEMSIZE,
    note: 'torchstat has no separable convolution; counted as its depthwise and pointwise convolutions, each with the Conv2d formula.',
  };
}

/** Weight blocks per recurrent cell: LSTM 4 gates, GRU 3, a simple RNN 1. */
const RECURRENT_GATES: Record<string, number> = { LSTM: 4, GRU: 3, SimpleRNN: 1, RNN: 1 };

/**
 * A recurrent layer on `[B, T, in]` as its gate matmuls: each of the T steps is one Linear from the
 * input and the hidden state (in + units) to every gate (gates · units), counted with torchstat's
 * Linear formulas; the element-wise gate arithmetic is not counted, like a fused activation.
 */
function recurrentCounts(layer: Layer, inp: number[], out: number[]): TorchstatCounts {
  const c = layer.config;
  const inF = Number(c['input_size'] ?? inp[inp.length - 1] ?? 0);
  const units = Number(c['hidden_size'] ?? out[out.length - 1] ?? 0);
  const steps = prod(inp.slice(0, -1));
  const gates = (RECURRENT_GATES[layer.kind] ?? 1) * units;
  return {
    MAdd: steps * gates * (2 * (inF + units) - 1),
    Flops: steps * (inF + units) * gates,
    MemRead: (steps * inF + layer.params) * ITEMSIZE,
    MemWrite: prod(out) * ITEMSIZE,
    note: `torchstat 0.0.7 has no rule for ${layer.kind}; counted as ${steps} step(s) of a Linear (${inF} + ${units} → ${gates}), the gate arithmetic not counted.`,
  };
}

/** torchstat's ConvTranspose2d MAdd (input positions, not output), over any number of spatial dims; it has no Flops or memory rule. */
function convTransposeCounts(layer: Layer, inp: number[], out: number[]): TorchstatCounts {
  const c = layer.config;
  const [cin = 0, ...inSpatial] = inp;
  const [cout = 0] = out;
  const kernel = kernelList(c['kernel_size'], Math.max(1, inSpatial.length));
  const g = Number(c['groups'] ?? 1);
  const kMul = prod(kernel) * Math.floor(cin / g);
  const kAdd = kMul - 1 + (c['bias'] ? 1 : 0);
  return {
    MAdd: (kMul + kAdd) * prod(inSpatial) * Math.floor(cout / g) * g,
    Flops: 0,
    MemRead: 0,
    MemWrite: 0,
    note: 'torchstat 0.0.7 has only a MAdd rule for ConvTranspose2d (used here for any rank): Flops and memory stay 0.',
  };
}

/**
 * torchstat's Linear formulas per position. torchstat asserts a 2-D input; on `[B, ..., in]` every
 * position of the leading dims is one row of the 2-D case, so each count is the 2-D formula times the
 * number of positions, and the weights are read once.
 */
function linearCounts(layer: Layer, inp: number[], out: number[]): TorchstatCounts {
  const c = layer.config;
  const inF = Number(c['in_features'] ?? inp[inp.length - 1] ?? 0);
  const outF = Number(c['out_features'] ?? out[out.length - 1] ?? 0);
  const positions = prod(inp.slice(0, -1));
  const counts: TorchstatCounts = {
    MAdd: positions * outF * (inF + (inF - 1)),
    Flops: positions * inF * outF,
    MemRead: (positions * inF + layer.params) * ITEMSIZE,
    MemWrite: prod(out) * ITEMSIZE,
  };
  if (inp.length <= 1) return counts;
  return { ...counts, note: `${inp.length + 1}-D input: torchstat refuses a Linear that is not 2-D; counted per position, the 2-D formula × ${positions} position(s).` };
}

function kernelList(k: unknown, rank: number): number[] {
  if (Array.isArray(k)) return k.length === 1 && rank > 1 ? new Array<number>(rank).fill(Number(k[0])) : k.map(Number);
  return typeof k === 'number' ? new Array<number>(rank).fill(k) : new Array<number>(rank).fill(1);
}

function kernelOf(k: unknown): number[] {
  if (Array.isArray(k)) return k.length === 1 ? [k[0], k[0]] : k;
  return typeof k === 'number' ? [k, k] : [1, 1];
}

/** memory(MB): the output activation of one sample, 4 bytes an element. */
export function torchstatMemoryMB(layer: Layer): number {
  return layer.output ? (prod(perSample(layer.output)) * ITEMSIZE) / 1024 ** 2 : 0;
}

/** torchstat's `round_value`: divide by 1000 (or 1024) per unit step, Python's `round(x, 2)` and `str()`. */
export function roundValue(value: number, binary = false): string {
  const d = binary ? 1024 : 1000;
  const units: [number, string][] = [[d ** 4, 'T'], [d ** 3, 'G'], [d ** 2, 'M'], [d, 'K']];
  for (const [div, unit] of units) if (Math.floor(value / div) > 0) return pyFloatStr(pyRound2(value / div)) + unit;
  return String(value);
}

/** Python's round(x, 2): half to even on exact ties. */
export function pyRound2(x: number): number {
  const floor = Math.floor(x * 100);
  if ((floor + 0.5) / 100 === x) return (floor % 2 === 0 ? floor : floor + 1) / 100;
  return Math.round(x * 100) / 100;
}

function pyFloatStr(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}
