import type { Graph, Model, Node } from '../ir/graph.js';

export interface ReferenceBlockOptions {
  readonly channels?: number;
  readonly ratio?: number;
  readonly mode?: 'avg' | 'max';
  /** NCHW; batch may be a symbol such as `N` for a dynamic-batch model. */
  readonly inputShape?: readonly (number | string)[];
}

/**
 * The reference block — `SEBlock(channels, ratio=4, mode)` from the user's example — as the graph
 * torch.onnx (opset 13, static shapes) makes of it: pool → Reshape → MatMul → Relu → MatMul → Reshape →
 * Sigmoid → Mul(X, gate), node names carrying the module scopes. Weights have shapes only; initialise
 * them (`initialiseWeights`) before writing.
 */
export function referenceBlockModel(options: ReferenceBlockOptions = {}): Model {
  const c = options.channels ?? 32;
  const r = options.ratio ?? 4;
  const mode = options.mode ?? 'avg';
  const shape = options.inputShape ?? [4, c, 16, 16];
  const [n, , h, w] = shape;
  const s = Math.floor(c / r);
  const pool = mode === 'avg' ? 'avg_pooling' : 'max_polling';
  const poolNode: Node = mode === 'avg'
    ? { id: `/${pool}/GlobalAveragePool`, op: 'GlobalAveragePool', domain: '', attrs: {}, inputs: ['input'], outputs: ['pooled'], scope: pool }
    : {
        id: `/${pool}/MaxPool`, op: 'MaxPool', domain: '', inputs: ['input'], outputs: ['pooled'], scope: pool,
        attrs: { kernel_shape: { type: 'ints', value: [Number(h), Number(w)] }, strides: { type: 'ints', value: [Number(h), Number(w)] }, pads: { type: 'ints', value: [0, 0, 0, 0] } },
      };
  // view(b, c) with a static batch is a constant shape; with a symbolic batch torch writes -1-free shape math, here -1 does it.
  const batch = typeof n === 'number' ? n : -1;
  const graph: Graph = {
    name: 'SEBlock',
    nodes: [
      poolNode,
      { id: '/Reshape', op: 'Reshape', domain: '', attrs: {}, inputs: ['pooled', 'shape_bc'], outputs: ['squeezed'], scope: '' },
      { id: '/fc_layers/fc_layers.0/MatMul', op: 'MatMul', domain: '', attrs: {}, inputs: ['squeezed', 'fc_layers.0.weight'], outputs: ['fc0'], scope: 'fc_layers.0' },
      { id: '/fc_layers/fc_layers.1/Relu', op: 'Relu', domain: '', attrs: {}, inputs: ['fc0'], outputs: ['fc1'], scope: 'fc_layers.1' },
      { id: '/fc_layers/fc_layers.2/MatMul', op: 'MatMul', domain: '', attrs: {}, inputs: ['fc1', 'fc_layers.2.weight'], outputs: ['fc2'], scope: 'fc_layers.2' },
      { id: '/Reshape_1', op: 'Reshape', domain: '', attrs: {}, inputs: ['fc2', 'shape_bc11'], outputs: ['excited'], scope: '' },
      { id: '/sigmoid/Sigmoid', op: 'Sigmoid', domain: '', attrs: {}, inputs: ['excited'], outputs: ['gate'], scope: 'sigmoid' },
      { id: '/Mul', op: 'Mul', domain: '', attrs: {}, inputs: ['input', 'gate'], outputs: ['output'], scope: '' },
    ],
    inputs: [{ name: 'input', dtype: 'float32', shape: [...shape] }],
    outputs: [{ name: 'output', dtype: 'float32', shape: [...shape] }],
    initializers: new Map([
      ['shape_bc', { name: 'shape_bc', dtype: 'int64', shape: [2], values: [batch, c] }],
      ['shape_bc11', { name: 'shape_bc11', dtype: 'int64', shape: [4], values: [batch, c, 1, 1] }],
      // torch exports Linear(bias=False) as MatMul with the weight pre-transposed to [in, out].
      ['fc_layers.0.weight', { name: 'fc_layers.0.weight', dtype: 'float32', shape: [c, s] }],
      ['fc_layers.2.weight', { name: 'fc_layers.2.weight', dtype: 'float32', shape: [s, c] }],
    ]),
    values: new Map(),
  };
  for (const v of [...graph.inputs, ...graph.outputs]) graph.values.set(v.name, { ...v, shape: v.shape ? [...v.shape] : undefined });
  return { graph, opsets: [{ domain: '', version: 13 }], irVersion: 8, producer: 'se-lens', functions: [], layout: 'NCHW' };
}
