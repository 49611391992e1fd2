import type { Dim, Shape } from '../ir/graph.js';

/** Shape arithmetic the interpreters need while they build nodes; unknown stays unknown. */

export function broadcast(a: Shape, b: Shape): Shape {
  if (!a || !b) return undefined;
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === 1) out.push(db);
    else if (db === 1) out.push(da);
    else if (da === db) out.push(da);
    else if (typeof da === 'number' && typeof db === 'number') return undefined;
    else out.push(typeof da === 'number' ? da : db);
  }
  return out;
}

export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

export function reduce(shape: Shape, axes: readonly number[] | undefined, keepDims: boolean): Shape {
  if (!shape) return undefined;
  const all = axes === undefined || axes.length === 0;
  const set = new Set<number>();
  if (!all) {
    for (const a of axes) {
      const n = normAxis(a, shape.length);
      if (n === undefined) return undefined;
      set.add(n);
    }
  }
  const out: Dim[] = [];
  shape.forEach((d, i) => {
    if (all || set.has(i)) {
      if (keepDims) out.push(1);
    } else out.push(d);
  });
  return out;
}

/** Output of a pooling or convolution window along one spatial axis. */
export function windowOut(input: Dim, kernel: number, stride: number, padBegin: number, padEnd: number, dilation = 1, ceil = false): Dim {
  if (typeof input !== 'number') return input;
  const span = input + padBegin + padEnd - dilation * (kernel - 1) - 1;
  if (span < 0) return 0;
  return (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
}

/** Target shape of a reshape: resolves `0`-free `-1` when the element count is known. */
export function reshapeTarget(input: Shape, target: readonly Dim[]): Shape {
  const unknownAt = target.indexOf(-1);
  if (unknownAt === -1) return [...target];
  if (!input) return target.map((d, i) => (i === unknownAt ? `d${i}` : d));
  const total = product(input);
  const known = product(target.filter((_, i) => i !== unknownAt));
  const out = [...target];
  out[unknownAt] = typeof total === 'number' && typeof known === 'number' && known !== 0 ? total / known : `d${unknownAt}`;
  return out;
}

export function product(shape: readonly Dim[]): Dim {
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number') return '?';
    n *= d;
  }
  return n;
}

export function flatten(shape: Shape, start: number, end: number): Shape {
  if (!shape) return undefined;
  const s = normAxis(start, shape.length);
  const e = normAxis(end, shape.length);
  if (s === undefined || e === undefined || e < s) return undefined;
  return [...shape.slice(0, s), product(shape.slice(s, e + 1)), ...shape.slice(e + 1)];
}
