import type { Dim } from '../ir/graph.js';
import type { Layer } from './layers.js';

export interface TorchstatCounts {
  readonly MAdd: number;
  readonly Flops: number;
  /** Bytes, as torchstat prints them (elements × 4). */
  readonly MemRead: number;
  readonly MemWrite: number;
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
 * batch 1, "Flops" really MACs, and zeros wherever torchstat has no rule (adaptive pools, sigmoid, Conv1d).
 */
export function torchstatCounts(layer: Layer): TorchstatCounts {
  if (!layer.input || !layer.output) return ZERO;
  const inp = perSample(layer.input);
  const out = perSample(layer.output);
  const P = layer.params;
  const n = prod(inp);
  const c = layer.config;
  switch (layer.kind) {
    case 'Conv2d': {
      const [cin = 0, hin = 1, win = 1] = inp;
      const [cout = 0, hout = 1, wout = 1] = out;
      const [kh = 1, kw = 1] = (c['kernel_size'] as number[] | undefined) ?? [];
      const g = Number(c['groups'] ?? 1);
      const bias = Boolean(c['bias']);
      const kMul = kh * kw * Math.floor(cin / g);
      const kAdd = kMul - 1 + (bias ? 1 : 0);
      return {
        MAdd: (kMul + kAdd) * hout * wout * Math.floor(cout / g) * g,
        Flops: kh * kw * cin * Math.floor(cout / g) * hout * wout + (bias ? cout * hout * wout : 0),
        MemRead: (cin * hin * win + P) * ITEMSIZE,
        MemWrite: cout * hout * wout * ITEMSIZE,
      };
    }
    case 'ConvTranspose2d': {
      const [cin = 0, hin = 1, win = 1] = inp;
      const [cout = 0] = out;
      const [kh = 1, kw = 1] = (c['kernel_size'] as number[] | undefined) ?? [];
      const g = Number(c['groups'] ?? 1);
      const kMul = kh * kw * Math.floor(cin / g);
      const kAdd = kMul - 1 + (c['bias'] ? 1 : 0);
      return { MAdd: (kMul + kAdd) * hin * win * Math.floor(cout / g) * g, Flops: 0, MemRead: 0, MemWrite: 0 };
    }
    case 'Linear': {
      // torchstat asserts 2-D input; a Linear on more dims has no count there.
      if (inp.length !== 1 || out.length !== 1) return ZERO;
      const inF = Number(c['in_features'] ?? inp[0]);
      const outF = Number(c['out_features'] ?? out[0]);
      return { MAdd: outF * (inF + (inF - 1)), Flops: inF * outF, MemRead: (inF + P) * ITEMSIZE, MemWrite: prod(out) * ITEMSIZE };
    }
    case 'ReLU': case 'ReLU6':
      return { MAdd: n, Flops: n, MemRead: n * ITEMSIZE, MemWrite: n * ITEMSIZE };
    case 'LeakyReLU': case 'ELU':
      return { MAdd: 0, Flops: n, MemRead: n * ITEMSIZE, MemWrite: n * ITEMSIZE };
    case 'PReLU':
      return { MAdd: 0, Flops: n, MemRead: (n + P) * ITEMSIZE, MemWrite: n * ITEMSIZE };
    case 'BatchNorm2d': {
      const ch = inp[0] ?? 0;
      const affine = c['affine'] !== false;
      return { MAdd: 4 * n, Flops: n * (affine ? 2 : 1), MemRead: (n + 2 * ch) * ITEMSIZE, MemWrite: n * ITEMSIZE };
    }
    case 'MaxPool2d': case 'AvgPool2d': {
      const [kh = 1, kw = 1] = kernelOf(c['kernel_size']);
      const [cout = 0, hout = 1, wout = 1] = out;
      const window = layer.kind === 'MaxPool2d' ? kh * kw - 1 : kh * kw;
      return { MAdd: window * hout * wout * cout, Flops: n, MemRead: n * ITEMSIZE, MemWrite: prod(out) * ITEMSIZE };
    }
    case 'Softmax':
      return { MAdd: n + (n - 1) + n, Flops: 0, MemRead: 0, MemWrite: 0 };
    case 'Upsample':
      // torchstat drops the channel dim here (its quirk Q7): H_out * W_out.
      return { MAdd: 0, Flops: prod(out.slice(1)), MemRead: 0, MemWrite: 0 };
    default:
      return ZERO;
  }
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
