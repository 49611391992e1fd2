import type { GraphIndex } from '../ir/graph-index.js';
import type { DType, Node } from '../ir/graph.js';

/** A constant parameter tensor the excitation uses: an initializer, possibly behind `Identity` nodes. */
export interface Weight {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: DType;
}

/**
 * The initializer (or Constant) behind `tensor`, following the `Identity` nodes that torch's initializer
 * de-duplication inserts and the `DequantizeLinear` of a quantised weight (QDQ models: the weight is the
 * float tensor it stands for). The name returned is the initializer's, so shared weights count once.
 */
export function weightOf(tensor: string, index: GraphIndex): Weight | undefined {
  let t = tensor;
  let dequantised = false;
  for (let hop = 0; hop < 16; hop++) {
    const init = index.graph.initializers.get(t);
    if (init) return { name: init.name, shape: init.shape, dtype: dequantised ? 'float32' : init.dtype };
    const p = index.producer(t);
    if (!p) return undefined;
    if (p.op === 'Constant') {
      const v = p.attrs['value'];
      return v?.type === 'tensor' ? { name: t, shape: v.value.shape, dtype: dequantised ? 'float32' : v.value.dtype } : undefined;
    }
    if (p.op === 'DequantizeLinear') dequantised = true;
    else if (p.op !== 'Identity') return undefined;
    if (!p.inputs[0]) return undefined;
    t = p.inputs[0];
  }
  return undefined;
}

/** Values of a small constant tensor (initializer or Constant node), when they are in memory. */
export function constantValues(tensor: string, index: GraphIndex): number[] | undefined {
  const init = index.graph.initializers.get(tensor);
  if (init) return init.values ? Array.from(init.values) : undefined;
  const p = index.producer(tensor);
  if (p?.op !== 'Constant') return undefined;
  const v = p.attrs['value'];
  if (v?.type === 'tensor') return v.value.values ? Array.from(v.value.values) : undefined;
  const f = p.attrs['value_float'];
  if (f?.type === 'float') return [f.value];
  const i = p.attrs['value_int'];
  if (i?.type === 'int') return [i.value];
  const ints = p.attrs['value_ints'];
  return ints?.type === 'ints' ? ints.value : undefined;
}

/** Learned parameters are float tensors; int64 axes and shape inputs are not. */
export function isParameter(w: Weight): boolean {
  return w.dtype.startsWith('float') || w.dtype === 'bfloat16';
}

const PARAMETER_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Add', 'PRelu', 'BatchNormalization']);

/**
 * The learned parameters a node reads: float weights of ops that have them. An Add holds one only as a
 * Linear's bias after a MatMul; `x + 3`, clip bounds and int64 axes are constants, not parameters.
 */
export function parameterInputs(node: Node, index: GraphIndex): Weight[] {
  if (!PARAMETER_OPS.has(node.op)) return [];
  if (node.op === 'Add' && !node.inputs.some((t) => t && index.producer(t)?.op === 'MatMul')) return [];
  const found: Weight[] = [];
  for (const t of node.inputs.slice(1)) {
    const w = t ? weightOf(t, index) : undefined;
    if (w && isParameter(w)) found.push(w);
  }
  return found;
}
