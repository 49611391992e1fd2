import { opsetVersion, type Dim, type Graph, type Model, type Node, type ValueInfo } from '../ir/graph.js';
import type { InferContext, InferredOutput } from './infer-context.js';
import { isUnknown } from './dims.js';
import { applyInputSymbols, readableInputSymbols } from './input-symbols.js';
import { SHAPE_RULES } from './ops.js';

/** Element count above which folded values are dropped: shape math is small, weights are not. */
const MAX_FOLDED = 64;

/**
 * Static shape inference over the graph in node order, with constant folding of the shape math that
 * dynamic-batch exports produce (Shape → Gather → Unsqueeze → Concat → Reshape). Fills `graph.values`;
 * shapes already declared in the file are kept when inference knows nothing better. Unknown ops get
 * unknown outputs and everything downstream goes on.
 */
export function inferShapes(model: Model): void {
  applyInputSymbols(model.graph, readableInputSymbols(model));
  inferGraph(model.graph, opsetVersion(model));
}

function inferGraph(graph: Graph, opset: number): void {
  const constants = new Map<string, Dim[]>();
  for (const init of graph.initializers.values()) {
    if (!graph.values.has(init.name)) graph.values.set(init.name, { name: init.name, dtype: init.dtype, shape: [...init.shape] });
    if (init.values && init.values.length <= MAX_FOLDED && init.dtype.startsWith('int')) constants.set(init.name, Array.from(init.values));
  }
  for (const node of graph.nodes) {
    const results = applyShapeRule(node, graph.values, constants, opset);
    node.outputs.forEach((name, i) => {
      if (!name) return;
      const r = results[i];
      const declared = graph.values.get(name);
      const shape = pickShape(r?.shape, declared?.shape);
      graph.values.set(name, { name, dtype: r && r.dtype !== 'unknown' ? r.dtype : declared?.dtype ?? 'unknown', shape });
      if (r?.constant && r.constant.length <= MAX_FOLDED && r.constant.every((d) => typeof d === 'string' || Number.isFinite(d))) constants.set(name, r.constant);
    });
    for (const attr of Object.values(node.attrs)) {
      if (attr.type === 'graph') inferGraph(attr.value, opset);
      else if (attr.type === 'graphs') attr.value.forEach((g) => inferGraph(g, opset));
    }
  }
}

/**
 * What `node`'s op rule infers from what is known of its inputs (`values`) and of the small shape-math
 * constants (`constants`): one entry per output, none for an op without a rule or a malformed node.
 */
export function applyShapeRule(node: Node, values: ReadonlyMap<string, ValueInfo>, constants: ReadonlyMap<string, Dim[]>, opset: number): (InferredOutput | undefined)[] {
  const value = (i: number): ValueInfo | undefined => {
    const n = node.inputs[i];
    return n ? values.get(n) : undefined;
  };
  const ctx: InferContext = {
    node,
    opset,
    dtype: (i) => value(i)?.dtype ?? 'unknown',
    shape: (i) => value(i)?.shape,
    constant: (i) => {
      const v = node.inputs[i] ? constants.get(node.inputs[i]!) : undefined;
      return v && v.every((d): d is number => typeof d === 'number') ? v : undefined;
    },
    dims: (i) => (node.inputs[i] ? constants.get(node.inputs[i]!) : undefined),
    has: (i) => Boolean(node.inputs[i]),
  };
  const rule = node.domain === '' || node.domain === 'ai.onnx' ? SHAPE_RULES[node.op] : undefined;
  try {
    return rule ? rule(ctx) : [];
  } catch {
    // A malformed node (missing attribute, wrong arity) leaves its outputs unknown, like an unknown op.
    return [];
  }
}

/**
 * Prefer the inferred shape; where inference knows nothing, keep what the file declared. A declared
 * name the exporter made up for an inner tensor is no better than unknown.
 */
function pickShape(inferred: Dim[] | undefined, declared: Dim[] | undefined): Dim[] | undefined {
  if (!inferred) return declared?.map((d) => (typeof d === 'number' || !isUnknown(d) ? d : `?${d}`));
  if (!declared || declared.length !== inferred.length) return inferred;
  return inferred.map((d, i) => (typeof d === 'number' || !isUnknown(d) ? d : typeof declared[i] === 'number' ? declared[i]! : d));
}
