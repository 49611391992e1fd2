import type { DType, Dim, Node } from '../ir/graph.js';

/** What an op's shape rule sees: its inputs' types and shapes, folded constant values, and the opset. */
export interface InferContext {
  readonly node: Node;
  readonly opset: number;
  dtype(i: number): DType;
  shape(i: number): Dim[] | undefined;
  /** Values of small constant inputs (shape math), when known. */
  constant(i: number): number[] | undefined;
  /** Whether input `i` is present (optional inputs may be omitted or `''`). */
  has(i: number): boolean;
}

export interface InferredOutput {
  readonly dtype: DType;
  readonly shape: Dim[] | undefined;
  /** Folded values, for shape-math outputs small enough to keep. */
  readonly constant?: number[];
}

export type ShapeRule = (ctx: InferContext) => (InferredOutput | undefined)[];
