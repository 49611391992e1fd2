/**
 * Plain-TypeScript gates of a standalone SE block, from the block's own weights (float64 accumulation):
 * squeeze (mean or max over H×W), the block's FCs in order (MatMul, Gemm, 1×1 Conv, or the channel
 * Conv1d of ECA) with the inner activation between them, then the gate. Only for the single-block
 * fixtures; whole models are compared against onnxruntime-node instead.
 */
import type { SEBlock } from '../../src/core/detect/block.js';
import { attrFloat, attrInt, attrInts, GraphIndex } from '../../src/core/ir/graph-index.js';
import type { Model, Node } from '../../src/core/ir/graph.js';
import { weightOf } from '../../src/core/detect/weights.js';
import type { ByteSource } from '../../src/core/onnx/byte-source.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';

export function referenceGates(model: Model, source: ByteSource, block: SEBlock, x: Float32Array, dims: readonly number[]): Float64Array {
  const [n, c, h, w] = dims as [number, number, number, number];
  const index = new GraphIndex(model.graph);
  const nodes = block.nodes.map((id) => index.node(id)!).filter(Boolean);
  const valuesOf = (tensor: string | undefined): Float64Array | undefined => {
    if (!tensor) return undefined;
    const wgt = weightOf(tensor, index);
    if (!wgt) return undefined;
    return Float64Array.from(loadTensorValues(model.graph.initializers.get(wgt.name)!, source));
  };
  const fcs = nodes.filter((nd) => nd.op === 'MatMul' || nd.op === 'Gemm' || nd.op === 'Conv');
  const gateNode = nodes.find((nd) => nd.outputs.includes(block.tensors.gate))!;
  const out = new Float64Array(n * c);
  for (let s = 0; s < n; s++) {
    let v: Float64Array = new Float64Array(c);
    for (let ch = 0; ch < c; ch++) {
      const base = (s * c + ch) * h * w;
      let acc = block.pooling === 'max' ? -Infinity : 0;
      for (let i = 0; i < h * w; i++) acc = block.pooling === 'max' ? Math.max(acc, x[base + i]!) : acc + x[base + i]!;
      v[ch] = block.pooling === 'max' ? acc : acc / (h * w);
    }
    fcs.forEach((fc, k) => {
      v = applyFc(fc, v, valuesOf(fc.inputs[1])!, valuesOf(fc.inputs[2]), weightOf(fc.inputs[1]!, index)!.shape);
      if (k < fcs.length - 1) v = v.map((z) => activation(block.innerActivation, z));
    });
    for (let ch = 0; ch < c; ch++) out[s * c + ch] = gate(gateNode, v[ch]!);
  }
  return out;
}

function applyFc(node: Node, h: Float64Array, weight: Float64Array, bias: Float64Array | undefined, shape: number[]): Float64Array {
  if (node.op === 'Conv' && shape.length === 3) {
    // ECA: Conv1d with one in/out channel sliding across the channels.
    const k = shape[2]!;
    const pad = attrInts(node, 'pads')?.[0] ?? 0;
    const out = new Float64Array(h.length);
    for (let c = 0; c < h.length; c++) {
      let acc = bias?.[0] ?? 0;
      for (let j = 0; j < k; j++) {
        const src = c + j - pad;
        if (src >= 0 && src < h.length) acc += weight[j]! * h[src]!;
      }
      out[c] = acc;
    }
    return out;
  }
  // [out, in] for Conv 1×1 and Gemm with transB, [in, out] for MatMul and Gemm without it.
  const outIn = node.op === 'Conv' || (node.op === 'Gemm' && attrInt(node, 'transB', 0) === 1);
  const [outN, inN] = outIn ? [shape[0]!, shape[1]!] : [shape[1]!, shape[0]!];
  const out = new Float64Array(outN);
  for (let o = 0; o < outN; o++) {
    let acc = bias?.[o] ?? 0;
    for (let i = 0; i < inN; i++) acc += h[i]! * (outIn ? weight[o * inN + i]! : weight[i * outN + o]!);
    out[o] = acc;
  }
  return out;
}

function activation(kind: string | null, z: number): number {
  if (kind === null) return z;
  if (kind === 'relu') return Math.max(0, z);
  if (kind === 'silu') return z / (1 + Math.exp(-z));
  throw new Error(`reference: activation ${kind} not covered`);
}

function gate(node: Node, z: number): number {
  if (node.op === 'Sigmoid') return 1 / (1 + Math.exp(-z));
  if (node.op === 'HardSigmoid') return Math.max(0, Math.min(1, attrFloat(node, 'alpha', 0.2) * z + attrFloat(node, 'beta', 0.5)));
  throw new Error(`reference: gate op ${node.op} not covered`);
}
