import { attrInt, attrInts, GraphIndex } from '../ir/graph-index.js';
import { numel, type Dim, type Model, type Node, type SourceRange } from '../ir/graph.js';
import { parameterInputs, weightOf } from '../detect/weights.js';

/**
 * One module as a PyTorch-side counter sees it: its class, parameters, configuration and the shapes of
 * its (last) call, batch included. Source front-ends give these directly; ONNX graphs are grouped by
 * the module scope in node names.
 */
export interface Layer {
  readonly name: string;
  /** PyTorch class name (`Linear`, `Conv2d`, `ReLU`, `AdaptiveAvgPool2d`, ...). */
  readonly kind: string;
  readonly params: number;
  readonly config: Readonly<Record<string, number | boolean | string | number[]>>;
  /** `undefined` when the module was never called. */
  readonly input: Dim[] | undefined;
  readonly output: Dim[] | undefined;
  readonly nodeIds: readonly string[];
  /** Initializers behind `params` (ONNX rows), so a module called twice counts once in totals. */
  readonly weights?: readonly string[];
  readonly range?: SourceRange;
}

/** Ops that only compute shapes or move data: they never get a row of their own. */
export const PLUMBING = new Set([
  'Constant', 'Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Reshape', 'Identity', 'Cast', 'Slice',
  'ConstantOfShape', 'Expand', 'Transpose', 'Dropout', 'Range', 'Flatten',
]);

const cache = new WeakMap<Model, { nodes: number; layers: Layer[] }>();

/** Layers of a model, computed once per model (block tables filter the same list). */
export function layersOf(model: Model): Layer[] {
  const hit = cache.get(model);
  if (hit && hit.nodes === model.graph.nodes.length) return hit.layers;
  const layers = computeLayers(model);
  cache.set(model, { nodes: model.graph.nodes.length, layers });
  return layers;
}

function computeLayers(model: Model): Layer[] {
  const graph = model.graph;
  if (graph.modules) {
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    return graph.modules.map((m) => {
      const nodes = m.nodeIds.map((id) => byId.get(id)).filter((n): n is Node => Boolean(n));
      // The layer's input is its first node's first non-weight input (an Embedding's Gather reads the table first).
      const input = nodes[0]?.inputs.find((t) => t && !graph.initializers.has(t));
      const output = nodes[nodes.length - 1]?.outputs[0];
      return {
        name: m.path,
        kind: m.kind,
        params: m.params,
        config: m.config,
        input: nodes.length && input ? graph.values.get(input)?.shape : undefined,
        output: nodes.length && output ? graph.values.get(output)?.shape : undefined,
        nodeIds: m.nodeIds,
        ...(m.range ? { range: m.range } : {}),
      };
    });
  }
  return onnxLayers(model);
}

/**
 * Groups ONNX nodes into module rows. A scope that contains other scopes is a container: its own nodes
 * are functional ops in its `forward` (`x * v`, `view`), which PyTorch-side counters never see. A graph
 * without scopes gets one row per compute node.
 */
function onnxLayers(model: Model): Layer[] {
  const graph = model.graph;
  const index = new GraphIndex(graph);
  const compute = graph.nodes.filter((n) => !PLUMBING.has(n.op));
  const scoped = graph.nodes.some((n) => n.scope !== undefined);
  if (!scoped) return compute.map((n) => layerFromNodes(n.id, [n], model, index));
  const scopes = new Set(graph.nodes.map((n) => n.scope).filter((s): s is string => s !== undefined));
  const canonical = (s: string) => {
    // torch.onnx names a module's second call `mlp.1_1`: one module object, one row.
    const m = /^(.*)_\d+$/.exec(s);
    return m && scopes.has(m[1]!) ? m[1]! : s;
  };
  const containers = new Set<string>();
  for (const s of scopes) {
    const parts = canonical(s).split('.');
    for (let i = 1; i < parts.length; i++) containers.add(parts.slice(0, i).join('.'));
    containers.add('');
  }
  // Keyed by module, then by call (raw scope): torchstat keeps the values of a module's last call.
  const groups = new Map<string, Map<string, Node[]>>();
  for (const n of compute) {
    if (n.scope === undefined) continue;
    const s = canonical(n.scope);
    if (containers.has(s)) continue;
    const calls = groups.get(s) ?? new Map<string, Node[]>();
    groups.set(s, calls);
    const list = calls.get(n.scope);
    if (list) list.push(n);
    else calls.set(n.scope, [n]);
  }
  return [...groups].map(([name, calls]) => layerFromNodes(name, [...calls.values()].pop()!, model, index));
}

function layerFromNodes(name: string, nodes: Node[], model: Model, index: GraphIndex): Layer {
  const graph = model.graph;
  const first = nodes[0]!;
  const last = nodes[nodes.length - 1]!;
  const ops = nodes.map((n) => n.op);
  const shapeOf = (t: string | undefined) => (t ? graph.values.get(t)?.shape : undefined);
  const input = shapeOf(first.inputs[0]);
  const output = shapeOf(last.outputs[0]);
  const weightParams = new Map<string, number>();
  for (const n of nodes) for (const w of parameterInputs(n, index)) weightParams.set(w.name, numel(w.shape));
  const params = [...weightParams.values()].reduce((a, b) => a + b, 0);
  const base = { name, params, input, output, nodeIds: nodes.map((n) => n.id), weights: [...weightParams.keys()] };
  const conv = nodes.find((n) => n.op === 'Conv' || n.op === 'ConvTranspose');
  if (conv) {
    const w = weightOf(conv.inputs[1] ?? '', index);
    const kernel = attrInts(conv, 'kernel_shape') ?? w?.shape.slice(2) ?? [];
    const group = attrInt(conv, 'group', 1);
    const dims = kernel.length === 1 ? '1d' : kernel.length === 3 ? '3d' : '2d';
    return {
      ...base,
      kind: `${conv.op === 'Conv' ? 'Conv' : 'ConvTranspose'}${dims}`,
      config: {
        in_channels: (w?.shape[1] ?? 0) * (conv.op === 'Conv' ? group : 1),
        out_channels: (w?.shape[0] ?? 0) * (conv.op === 'Conv' ? 1 : group),
        kernel_size: kernel,
        groups: group,
        bias: Boolean(conv.inputs[2]),
      },
    };
  }
  const fc = nodes.find((n) => n.op === 'Gemm' || n.op === 'MatMul');
  if (fc) {
    const w = weightOf(fc.inputs[1] ?? '', index);
    const transposed = fc.op === 'Gemm' && attrInt(fc, 'transB', 0) === 1;
    const [a = 0, b = 0] = w?.shape ?? [];
    const bias = fc.op === 'Gemm' ? Boolean(fc.inputs[2]) : ops.includes('Add');
    return { ...base, kind: 'Linear', config: { in_features: transposed ? b : a, out_features: transposed ? a : b, bias } };
  }
  return { ...base, kind: moduleKind(ops, first, input), config: poolConfig(first) };
}

function poolConfig(node: Node): Record<string, number[]> {
  const k = attrInts(node, 'kernel_shape');
  return k ? { kernel_size: k } : {};
}

/** The PyTorch class an op sequence came from, as far as the ops tell. */
function moduleKind(ops: string[], first: Node, input: Dim[] | undefined): string {
  const has = (op: string) => ops.includes(op);
  if (has('HardSigmoid') && has('Mul')) return 'Hardswish';
  if (has('Sigmoid') && has('Mul')) return 'SiLU';
  switch (first.op) {
    case 'Relu': return 'ReLU';
    case 'Clip': return 'ReLU6';
    case 'LeakyRelu': return 'LeakyReLU';
    case 'PRelu': return 'PReLU';
    case 'Elu': return 'ELU';
    case 'Sigmoid': return 'Sigmoid';
    case 'HardSigmoid': return 'Hardsigmoid';
    case 'HardSwish': return 'Hardswish';
    case 'Tanh': return 'Tanh';
    case 'Softmax': return 'Softmax';
    case 'BatchNormalization': return (input?.length ?? 4) === 4 ? 'BatchNorm2d' : 'BatchNorm1d';
    case 'GlobalAveragePool': return 'AdaptiveAvgPool2d';
    case 'GlobalMaxPool': return 'AdaptiveMaxPool2d';
    case 'MaxPool': return isGlobalWindow(first, input) ? 'AdaptiveMaxPool2d' : 'MaxPool2d';
    case 'AveragePool': return isGlobalWindow(first, input) ? 'AdaptiveAvgPool2d' : 'AvgPool2d';
    case 'Resize': case 'Upsample': return 'Upsample';
    default: return first.op;
  }
}

/** torch exports `AdaptiveMaxPool2d(1)` as a MaxPool whose kernel is the whole H×W. */
function isGlobalWindow(node: Node, input: Dim[] | undefined): boolean {
  const k = attrInts(node, 'kernel_shape');
  const hw = input?.slice(2);
  return Boolean(k && hw && k.length === hw.length && k.every((v, i) => v === hw[i]));
}
