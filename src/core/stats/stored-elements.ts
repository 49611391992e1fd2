import { numel, type Graph } from '../ir/graph.js';

/**
 * Elements stored in a model's initializers: what an ONNX file holds, which can differ from the framework's
 * parameter count (BatchNorm folded into convs, equal tensors de-duplicated, shape constants included).
 * The tree and the model editor show it beside the per-block parameter counts from `computeStats`.
 */
export function storedElements(graph: Graph): number {
  let n = 0;
  for (const t of graph.initializers.values()) n += numel(t.shape);
  return n;
}
