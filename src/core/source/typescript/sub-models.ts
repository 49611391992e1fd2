import type { Node } from '../../ir/graph.js';
import type { Syn } from '../syntax.js';
import type { TsInterpreter } from './interpreter.js';
import { tensorsOf, type TfModel, type TsValue } from './values.js';

/**
 * `model.apply(x)` of a `tf.model` the program built: the model's nodes again on the new input, as TF.js
 * calls a model used as a layer. Weights are shared (same initializers); each node joins the module row
 * of the layer it came from, and its call path is the model's name before its own, so that an SE block
 * inside a backbone applied twice is two blocks.
 */
export function applyModel(interp: TsInterpreter, model: TfModel, input: TsValue | undefined, n: Syn): TsValue {
  const given = tensorsOf(input);
  if (given.length !== model.inputs.length || given.length === 0) return interp.fail(`${model.name}.apply() of values that are not its ${model.inputs.length} input tensors`, n, given);
  const sameShape = given.every((t, i) => {
    const a = t.shape;
    const b = model.inputs[i]!.shape;
    return a !== undefined && b !== undefined && a.length === b.length && a.every((d, k) => k === 0 || d === b[k]);
  });
  if (!sameShape) return interp.fail(`${model.name}.apply() on a shape other than the one it was built for is not interpreted`, n, given);
  model.usedAsLayer = true;
  const b = interp.b;
  const nodes = subgraph(b.graph.nodes, model);
  const rename = new Map<string, string>(model.inputs.map((t, i) => [t.name, given[i]!.name]));
  const owner = new Map<string, string[]>();
  for (const layer of interp.layers) for (const id of layer.nodeIds) owner.set(id, layer.nodeIds);
  return interp.within(model.name, n, () => {
    const base = b.scope;
    try {
      for (const node of nodes) {
        b.scope = node.scope ? `${base}.${node.scope}` : base;
        const outs = b.add({
          op: node.op,
          inputs: node.inputs.map((i) => rename.get(i) ?? i),
          outputShapes: node.outputs.map((o) => b.graph.values.get(o)?.shape),
          attrs: { ...node.attrs },
          ...(node.range ? { range: node.range } : {}),
          ...(node.note ? { note: node.note } : {}),
        });
        node.outputs.forEach((o, k) => rename.set(o, outs[k]!.name));
        owner.get(node.id)?.push(b.graph.nodes[b.graph.nodes.length - 1]!.id);
      }
    } finally {
      b.scope = base;
    }
    const outputs = model.outputs.map((t): TsValue => ({ k: 'tensor', t: { name: rename.get(t.name) ?? t.name, shape: t.shape } }));
    return outputs.length === 1 ? outputs[0]! : { k: 'arr', items: outputs };
  });
}

/** The nodes between a model's inputs and its outputs, in graph order. */
function subgraph(nodes: readonly Node[], model: TfModel): Node[] {
  const producer = new Map<string, Node>();
  for (const node of nodes) for (const o of node.outputs) producer.set(o, node);
  const inputs = new Set(model.inputs.map((t) => t.name));
  const keep = new Set<Node>();
  const stack = model.outputs.map((t) => t.name);
  while (stack.length) {
    const name = stack.pop()!;
    if (inputs.has(name)) continue;
    const node = producer.get(name);
    if (!node || keep.has(node)) continue;
    keep.add(node);
    stack.push(...node.inputs.filter((i) => i !== ''));
  }
  return nodes.filter((node) => keep.has(node));
}
