import type { Dim } from '../ir/graph.js';

/** Symbols are made unique per tensor and axis so two unknown dims never look equal by accident. */
export function symbol(tensor: string, axis: number): string {
  return `?${tensor}:${axis}`;
}

export function isKnown(d: Dim): d is number {
  return typeof d === 'number';
}

/** Numpy-style broadcast of two shapes; `undefined` when they cannot broadcast. */
export function broadcast(a: Dim[], b: Dim[], name: string): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x === y) out.push(x);
    else if (x === 1) out.push(y);
    else if (y === 1) out.push(x);
    else if (isKnown(x) && isKnown(y)) return undefined;
    else out.push(isKnown(x) ? x : isKnown(y) ? y : symbol(name, i));
  }
  return out;
}

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Output size of a sliding window along one axis (Conv, pooling), ONNX's floor/ceil rule. */
export function windowOut(input: Dim, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceil: boolean, name: string, axis: number): Dim {
  if (!isKnown(input)) return symbol(name, axis);
  const span = dilation * (kernel - 1) + 1;
  const raw = (input + padBegin + padEnd - span) / stride;
  return Math.max(0, (ceil ? Math.ceil(raw) : Math.floor(raw)) + 1);
}

export function product(shape: readonly Dim[]): number | undefined {
  let n = 1;
  for (const d of shape) {
    if (!isKnown(d)) return undefined;
    n *= d;
  }
  return n;
}
