import type { Dim } from '../ir/graph.js';
import { add, ceilDiv, constant, constantValue, display, divideByTerm, exactDiv, floorDiv, machine, multiply, parse, type Poly } from './sym.js';

/**
 * A dim nothing is known about. Made unique per tensor and axis so two unknown dims never look equal by
 * accident; every surface prints it as `?`.
 */
export function symbol(tensor: string, axis: number): string {
  return `?${tensor}:${axis}`;
}

export function isKnown(d: Dim): d is number {
  return typeof d === 'number';
}

export function isUnknown(d: Dim): boolean {
  return typeof d === 'string' && (d.startsWith('?') || parse(d) === undefined);
}

/** The dim as a polynomial over the input symbols; `undefined` when it is unknown. */
export function polyOf(d: Dim): Poly | undefined {
  if (typeof d === 'number') return Number.isFinite(d) ? constant(d) : undefined;
  return d.startsWith('?') ? undefined : parse(d);
}

function dimOf(p: Poly): Dim {
  return constantValue(p) ?? machine(p);
}

/** How people read a dim: `224`, `N`, `⌈H/2⌉`, `8·H·W`; `?` when nothing is known. */
export function displayDim(d: Dim): string {
  if (typeof d === 'number') return String(d);
  const p = polyOf(d);
  return p ? display(p) : '?';
}

export function displayShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.map(displayDim).join(', ')}]` : '?';
}

export function sumDims(dims: readonly Dim[]): Dim | undefined {
  let acc = constant(0);
  for (const d of dims) {
    const p = polyOf(d);
    if (!p) return undefined;
    acc = add(acc, p);
  }
  return dimOf(acc);
}

/** Product of the dims, symbolic or not; `undefined` when one is unknown. */
export function productDims(dims: readonly Dim[]): Dim | undefined {
  let acc = constant(1);
  for (const d of dims) {
    const p = polyOf(d);
    if (!p) return undefined;
    acc = multiply(acc, p);
  }
  return dimOf(acc);
}

/** `total / part` when it divides exactly (a reshape's `-1`); `undefined` otherwise. */
export function divideDims(total: Dim, part: Dim): Dim | undefined {
  const t = polyOf(total);
  const p = polyOf(part);
  if (!t || !p) return undefined;
  const k = constantValue(p);
  const q = k !== undefined ? exactDiv(t, k) : divideByTerm(t, p);
  return q ? dimOf(q) : undefined;
}

export function subtractDims(a: Dim, b: Dim): Dim | undefined {
  const p = polyOf(a);
  const q = polyOf(b);
  return p && q ? dimOf(add(p, multiply(q, constant(-1)))) : undefined;
}

export function addDim(d: Dim, k: number): Dim | undefined {
  const p = polyOf(d);
  return p ? dimOf(add(p, constant(k))) : undefined;
}

export function scaleDim(d: Dim, k: number): Dim | undefined {
  const p = polyOf(d);
  return p && Number.isInteger(k) ? dimOf(multiply(p, constant(k))) : undefined;
}

export function divDim(d: Dim, k: number, rounding: 'floor' | 'ceil'): Dim | undefined {
  const p = polyOf(d);
  if (!p || !Number.isInteger(k) || k < 1) return undefined;
  return dimOf(rounding === 'floor' ? floorDiv(p, k) : ceilDiv(p, k));
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
    else out.push(isKnown(x) ? x : isKnown(y) ? y : !isUnknown(x) ? x : !isUnknown(y) ? y : symbol(name, i));
  }
  return out;
}

export function normAxis(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** Output size of a sliding window along one axis (Conv, pooling), ONNX's floor/ceil rule, exact on symbols. */
export function windowOut(input: Dim, kernel: number, stride: number, padBegin: number, padEnd: number, dilation: number, ceil: boolean, name: string, axis: number): Dim {
  const span = dilation * (kernel - 1) + 1;
  if (!isKnown(input)) {
    const inner = addDim(input, padBegin + padEnd - span);
    const steps = inner === undefined ? undefined : divDim(inner, stride, ceil ? 'ceil' : 'floor');
    return (steps === undefined ? undefined : addDim(steps, 1)) ?? symbol(name, axis);
  }
  const raw = (input + padBegin + padEnd - span) / stride;
  return Math.max(0, (ceil ? Math.ceil(raw) : Math.floor(raw)) + 1);
}
