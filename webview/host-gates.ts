/**
 * Gates the extension host ran for this panel's load (src/extension/inspector/host-gates.ts): painted first, while
 * this page's own runtime starts, then checked against the page's own run of the same gate model and samples.
 */
import type { HostGatesMessage } from '../src/core/protocol.js';
import { GateMatrix } from './gates.js';

/** Largest |host − webview| for the two to count as the same gates (the bound the EP tests use against onnxruntime-node). */
export const HOST_AGREEMENT = 1e-4;

/** The message's matrices by gate tensor; the float32 bytes are copied out (their offset need not be aligned). */
export function hostMatrices(message: HostGatesMessage): Map<string, GateMatrix> {
  const out = new Map<string, GateMatrix>();
  for (const g of message.gates) {
    const values = new Float32Array(g.values.slice().buffer);
    out.set(g.tensor, new GateMatrix(g.rows, g.cols, values));
  }
  return out;
}

export interface GateComparison {
  /** Largest |difference| over every value of every matrix both sides have; `Number.MAX_VALUE` for a shape mismatch or a NaN on one side. */
  readonly maxAbsDiff: number;
  /** Matrices compared: the host's, each of which the webview must also have. */
  readonly matrices: number;
  readonly agree: boolean;
}

export function compareGates(host: ReadonlyMap<string, GateMatrix>, own: ReadonlyMap<string, GateMatrix>): GateComparison {
  let max = 0;
  for (const [tensor, h] of host) {
    const o = own.get(tensor);
    if (!o || o.rows !== h.rows || o.cols !== h.cols) {
      max = Number.MAX_VALUE;
      continue;
    }
    const a = h.values;
    const b = o.values;
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      const d = Math.abs(x - y);
      if (d > max) max = d;
      // NaN on both sides is the same gate; on one side it is a disagreement.
      else if (d !== d && (x === x || y === y)) max = Number.MAX_VALUE;
    }
  }
  return { maxAbsDiff: max, matrices: host.size, agree: host.size > 0 && max <= HOST_AGREEMENT };
}
