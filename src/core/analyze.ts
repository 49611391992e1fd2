import type { SEBlock } from './detect/block.js';
import { detectBlocks } from './detect/detect.js';
import { SeLensError } from './errors.js';
import type { Dim, Model } from './ir/graph.js';
import type { ByteSource } from './onnx/byte-source.js';
import { readOnnx, type ReadOptions } from './onnx/reader.js';
import { inferShapes } from './shapes/infer.js';
import { computeStats } from './stats/stats.js';
import type { Convention, StatsTable } from './stats/table.js';

/** A model with its blocks found and shapes known; tables are computed on demand per convention. */
export interface ModelAnalysis {
  readonly model: Model;
  readonly blocks: readonly SEBlock[];
  /** The whole model's table, or one block's when `blockId` is given. */
  table(convention: Convention, blockId?: string): StatsTable;
  block(blockId: string): SEBlock;
}

/** Shapes, detection and stats over a model that a front-end produced. */
export function analyzeModel(model: Model, options: { inputShape?: readonly Dim[] } = {}): ModelAnalysis {
  if (options.inputShape) setInputShape(model, options.inputShape);
  inferShapes(model);
  return analysisOf(model, detectBlocks(model));
}

/** Tables on demand, cached per convention and block, for a model whose blocks are already known. */
export function analysisOf(model: Model, blocks: readonly SEBlock[]): ModelAnalysis {
  const cache = new Map<string, StatsTable>();
  const block = (id: string): SEBlock => {
    const found = blocks.find((b) => b.id === id);
    if (!found) throw new SeLensError('bad-argument', `No SE block "${id}" in this model; blocks: ${blocks.map((b) => JSON.stringify(b.id)).join(', ') || 'none'}.`);
    return found;
  };
  return {
    model,
    blocks,
    block,
    table(convention, blockId) {
      const key = `${convention}\u0000${blockId ?? '\u0001'}`;
      let t = cache.get(key);
      if (!t) {
        t = computeStats(model, convention, blockId === undefined ? {} : { block: block(blockId) });
        cache.set(key, t);
      }
      return t;
    },
  };
}

export function analyzeOnnx(source: ByteSource, options: ReadOptions & { inputShape?: readonly Dim[] } = {}): ModelAnalysis {
  return analyzeModel(readOnnx(source, options), options);
}

/** Overrides the first graph input's shape (the CLI's `--input-shape`); inference then follows it. */
function setInputShape(model: Model, shape: readonly Dim[]): void {
  const input = model.graph.inputs[0];
  if (!input) throw new SeLensError('bad-argument', 'The model has no graph input to give a shape to.');
  if (input.shape && input.shape.length !== shape.length) {
    throw new SeLensError('bad-argument', `--input-shape has rank ${shape.length}, but input "${input.name}" has rank ${input.shape.length}.`);
  }
  input.shape = [...shape];
  model.graph.values.set(input.name, { name: input.name, dtype: input.dtype, shape: [...shape] });
}
