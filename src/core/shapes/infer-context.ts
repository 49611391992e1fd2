import type { DType, Dim, Node } from '../ir/graph.js';

/** What an op's shape rule sees: its inputs' types and shapes, folded constant values, and the opset. */
export interface InferContext {
  readonly node: Node;
  readonly opset: number;
  dtype(i: number): DType;
  shape(i: number): Dim[] | undefined;
  /** Values of small constant inputs (shape math), when known and all numeric. */
  constant(i: number): number[] | undefined;
  /** Shape-math values that may hold symbolic dims (`Shape` of an `[N, C, H, W]` tensor gives `[N, C, H, W]`). */
  dims(i: number): Dim[] | undefined;
  /** Whether input `i` is present (optional inputs may be omitted or `''`). */
  has(i: number): boolean;
}

export interface InferredOutput {
  readonly dtype: DType;
  readonly shape: Dim[] | undefined;
  /** Folded values, for shape-math outputs small enough to keep; symbolic dims allowed. */
  readonly constant?: Dim[];
}

export type ShapeRule = (ctx: InferContext) => (InferredOutput | undefined)[];
