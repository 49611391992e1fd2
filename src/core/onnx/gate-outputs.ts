import type { SEBlock } from '../detect/block.js';
import { SeLensError } from '../errors.js';
import type { Graph, Model, Node } from '../ir/graph.js';

/**
 * A copy of the model whose outputs are the blocks' gate tensors, with every node that no gate needs
 * dropped. ORT cannot fetch internal tensors, so this is how the inspector reads all gates in one run;
 * pruning past the last gate also skips the rest of the network.
 */
export function withGateOutputs(model: Model, blocks: readonly SEBlock[]): Model {
  const graph = model.graph;
  const wanted = blocks.map((b) => b.tensors.gate);
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const needed = new Set<Node>();
  const stack = [...wanted];
  const seen = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const p = producer.get(t);
    if (!p || needed.has(p)) continue;
    needed.add(p);
    for (const i of p.inputs) if (i) stack.push(i);
  }
  const nodes = graph.nodes.filter((n) => needed.has(n));
  // A node a front-end could not convert (a TF `Switch` of tf.cond before the encoder, an op no catalogue maps)
  // would reach onnxruntime as op `Unknown`; say which one stops the run instead.
  const unknown = nodes.filter((n) => n.op === 'Unknown');
  if (unknown.length) {
    const first = unknown[0]!;
    const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more node${unknown.length > 2 ? 's' : ''})` : '';
    throw new SeLensError('unsupported', `Cannot run the gates: "${first.outputs[0] ?? first.op}" on the way to them was not converted${first.note ? ` (${first.note})` : ''}${more}.`);
  }
  const used = new Set(nodes.flatMap((n) => n.inputs));
  const pruned: Graph = {
    name: graph.name,
    nodes,
    inputs: graph.inputs.filter((i) => used.has(i.name)),
    outputs: wanted.map((name) => graph.values.get(name) ?? { name, dtype: 'float32', shape: undefined }),
    initializers: new Map([...graph.initializers].filter(([name]) => used.has(name))),
    values: graph.values,
  };
  return { ...model, graph: pruned };
}
