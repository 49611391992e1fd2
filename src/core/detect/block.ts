import type { Dim, SourceRange } from '../ir/graph.js';

export type SEVariant =
  | 'se' // pool -> FC -> act -> FC -> sigmoid -> scale (Linear or MatMul/Gemm FCs)
  | 'se_conv1x1' // same with 1x1 convolutions
  | 'effective_se' // one FC, no reduction
  | 'eca' // Conv1d across channels
  | 'cbam_channel' // avg and max branches through one shared MLP, summed
  | 'efficientnet_se' // SiLU inside
  | 'mobilenetv3_se' // hard-sigmoid gate
  | 'torchvision_se'; // torchvision SqueezeExcitation: 1x1 convs with bias, `scale * input`

export type Pooling = 'avg' | 'max' | 'both';
export type FcKind = 'linear' | 'conv1x1' | 'conv1d';
export type GateKind = 'sigmoid' | 'hardsigmoid' | 'hardsigmoid_relu6_div6' | 'hardsigmoid_div6_relu6';

/** One SE-family block found in a graph. Tensor names are the graph's own, so they can become outputs. */
export interface SEBlock {
  /** Module path when node names carry a scope (`features.1.block.1`), `''` for a whole-model block, else generated. */
  readonly id: string;
  readonly variant: SEVariant;
  readonly channels: number;
  /** Reduced width; equals `channels` for effective SE; `null` for ECA. */
  readonly squeezeChannels: number | null;
  readonly reductionRatio: number | null;
  readonly pooling: Pooling;
  readonly fcKind: FcKind;
  readonly fcBias: boolean;
  readonly innerActivation: string | null;
  readonly gate: GateKind;
  /** numel of the FC weights and biases; a shared MLP counted once. */
  readonly params: number;
  readonly inputShape: Dim[] | undefined;
  readonly tensors: { readonly input: string; readonly gate: string; readonly output: string };
  /** Ids of the nodes the block spans, in graph order. */
  readonly nodes: readonly string[];
  /** ECA kernel size, when the variant is ECA. */
  readonly kernelSize?: number;
  /** Source front-ends: where the block is written. */
  readonly range?: SourceRange;
}
