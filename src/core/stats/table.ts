import type { Dim, SourceRange } from '../ir/graph.js';

export type Convention = 'torchstat' | 'macs' | 'fvcore' | 'onnx-tool';

export const CONVENTIONS: readonly Convention[] = ['torchstat', 'macs', 'fvcore', 'onnx-tool'];

/** One row per module (torchstat) or per compute node; every number a surface shows comes from here. */
export interface StatsRow {
  readonly name: string;
  /** Module class (`Linear`) or ONNX op (`MatMul`) the row stands for. */
  readonly kind: string;
  /** Shapes as the convention prints them (torchstat: without batch). */
  readonly inputShape: Dim[];
  readonly outputShape: Dim[];
  readonly params: number;
  readonly memoryMB: number;
  /** Convention-specific counters: torchstat has MAdd, Flops, MemRead, MemWrite; others their own. */
  readonly counts: Readonly<Record<string, number>>;
  readonly nodeIds: readonly string[];
  /** How this row was counted where the convention's own tool refuses or prints 0 (also a footnote). */
  readonly note?: string;
  /** Initializers behind `params`, when known: totals count each once. */
  readonly weights?: readonly string[];
  readonly range?: SourceRange;
}

export interface StatsColumn {
  readonly key: string;
  /** Header as printed, e.g. `MAdd`, `Flops`, `MemRead(B)`. */
  readonly label: string;
  /** What the number means under this convention, for legends and tooltips. */
  readonly meaning: string;
}

export interface StatsTable {
  readonly convention: Convention;
  readonly columns: readonly StatsColumn[];
  readonly rows: readonly StatsRow[];
  readonly totals: { readonly params: number; readonly memoryMB: number; readonly counts: Readonly<Record<string, number>> };
  /** Summary lines as the convention's tool prints them (`Total MAdd: 992MAdd`). */
  readonly summary: readonly string[];
  readonly footnotes: readonly string[];
}
