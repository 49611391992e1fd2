import type { ModelAnalysis } from '../analyze.js';

/** What the SE blocks cost, as SENet's Table 2 reports it: parameters and multiply-accumulates, and their share of the model. */
export interface SeOverhead {
  readonly blocks: number;
  readonly seParams: number;
  readonly totalParams: number;
  readonly seMacs: number;
  readonly totalMacs: number;
  /** Why a count may differ from the framework's, naming the rule that raised the suspicion. */
  readonly notes: readonly string[];
}

/** What the overhead reads of an analysis (a source unit's engine view has no `block()`). */
export type OverheadSource = Pick<ModelAnalysis, 'model' | 'blocks' | 'table'>;

/**
 * SE parameters are the blocks' FC weights and biases (each shared MLP once); MACs are torchinfo's
 * Mult-Adds (`macs` convention: Conv and Gemm/MatMul only, at the model's input shape), so the SE share
 * compares like with like. Totals are the whole model's tables in the same conventions.
 */
export function seOverhead(analysis: OverheadSource): SeOverhead {
  const whole = analysis.table('macs');
  const seParams = analysis.blocks.reduce((n, b) => n + b.params, 0);
  const seMacs = analysis.blocks.reduce((n, b) => n + (analysis.table('macs', b.id).totals.counts['MACs'] ?? 0), 0);
  return {
    blocks: analysis.blocks.length,
    seParams,
    totalParams: analysis.table('torchstat').totals.params,
    seMacs,
    totalMacs: whole.totals.counts['MACs'] ?? 0,
    notes: [...blocksOnlyNotes(analysis), ...foldingNotes(analysis)],
  };
}

/**
 * A graph that is nothing but its SE blocks (a pickled module's blocks rebuilt without the rest of the
 * network, a block written alone) has no rest to share with. Rule: every node belongs to a block and
 * there is more than one block; a single block alone is the usual reference-block case and needs no word.
 */
function blocksOnlyNotes(analysis: OverheadSource): string[] {
  const inBlocks = new Set(analysis.blocks.flatMap((b) => b.nodes));
  const graph = analysis.model.graph;
  if (analysis.blocks.length < 2 || graph.nodes.some((n) => !inBlocks.has(n.id) && n.op !== 'Flatten' && n.op !== 'Unsqueeze')) return [];
  return ['This graph holds only its SE blocks (rule: every node belongs to one), so the shares are of the blocks alone, not of a whole network.'];
}

/**
 * Exporters (torch.onnx in eval mode, the TF.js and TFLite converters) fold BatchNorm into the
 * convolution before it: the scale goes into the kernel, the shift into a bias. The framework counted
 * 2 parameters per BatchNorm channel where the file keeps 1 (the bias), so its total is higher.
 * Rule: a graph file (no source modules) with convolutions that have a bias, and no BatchNormalization
 * node at all.
 */
function foldingNotes(analysis: OverheadSource): string[] {
  const graph = analysis.model.graph;
  if (graph.modules) return [];
  const convs = graph.nodes.filter((n) => n.op === 'Conv' || n.op === 'ConvTranspose');
  if (graph.nodes.some((n) => n.op === 'BatchNormalization')) return [];
  const seNodes = new Set(analysis.blocks.flatMap((b) => b.nodes));
  const biased = convs.filter((n) => (n.inputs[2] ?? '') !== '' && !seNodes.has(n.id));
  if (!biased.length) return [];
  // Exporters share equal constants through Identity nodes: follow them to the initializer.
  const producer = new Map(graph.nodes.filter((n) => n.op === 'Identity').map((n) => [n.outputs[0], n.inputs[0]]));
  const biasLength = (name: string): number => {
    let at = name;
    for (let hop = 0; hop < 16 && !graph.initializers.has(at) && producer.has(at); hop++) at = producer.get(at)!;
    const shape = graph.initializers.get(at)?.shape ?? graph.values.get(at)?.shape;
    return typeof shape?.[0] === 'number' ? shape[0] : 0;
  };
  const channels = biased.reduce((n, c) => n + biasLength(c.inputs[2]!), 0);
  return [
    `BatchNorm looks folded into the convolutions by the exporter (rule: ${biased.length} convolution${biased.length === 1 ? '' : 's'} outside the SE blocks carry a bias and the graph has no BatchNormalization node): the framework's own total is then higher by up to ${channels.toLocaleString('en-US')} parameters (one BatchNorm scale per folded channel), and the SE share slightly lower.`,
  ];
}

/** Lines for a block list: `SE overhead: 9 blocks, 33,664 params (2.7 % of 1,236,394), 0.19 M MACs (0.3 % of 57.2 M)`. */
export function seOverheadLines(o: SeOverhead): string[] {
  if (o.blocks === 0) return [];
  const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(2)} %` : '-');
  const int = (n: number) => n.toLocaleString('en-US');
  return [
    `SE overhead (SENet Table 2): ${o.blocks} block${o.blocks === 1 ? '' : 's'}; params ${int(o.seParams)} of ${int(o.totalParams)} (${pct(o.seParams, o.totalParams)}); MACs ${int(o.seMacs)} of ${int(o.totalMacs)} (${pct(o.seMacs, o.totalMacs)}, torchinfo Mult-Adds at the input shape)`,
    ...o.notes.map((n) => `note: ${n}`),
  ];
}
