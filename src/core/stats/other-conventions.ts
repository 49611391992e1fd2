import { attrInt, GraphIndex } from '../ir/graph-index.js';
import { numel, type Dim, type Model, type Node } from '../ir/graph.js';
import { parameterInputs, weightOf } from '../detect/weights.js';
import { perSample } from './torchstat.js';
import type { Layer } from './layers.js';
import { PLUMBING } from './layers.js';

const prod = (dims: readonly number[]) => dims.reduce((a, b) => a * b, 1);

/** torchinfo 1.8's Mult-Adds: parameters × output positions, for modules with weights (Conv, Linear) only. */
export function macsOf(layer: Layer): number {
  if (!layer.output || layer.params === 0) return 0;
  const out = perSample(layer.output);
  if (layer.kind.startsWith('Conv') || layer.kind === 'SeparableConv2D') return layer.params * prod(out.slice(1));
  if (layer.kind === 'Linear') return layer.params * prod(out.slice(0, -1));
  return 0;
}

/** fvcore 0.1.6 FlopCountAnalysis: one fused multiply-add = one flop; bias, ReLU, sigmoid and `x*s` uncounted. */
export function fvcoreOf(layer: Layer): number {
  if (!layer.input || !layer.output) return 0;
  const inp = perSample(layer.input);
  const out = perSample(layer.output);
  const c = layer.config;
  if (layer.kind === 'Linear') return prod(inp) * Number(c['out_features'] ?? out[out.length - 1] ?? 0);
  if (/^Conv[123]d$/.test(layer.kind)) {
    const k = (c['kernel_size'] as number[] | undefined) ?? [];
    const g = Number(c['groups'] ?? 1);
    const weight = Number(c['out_channels'] ?? 0) * Math.floor(Number(c['in_channels'] ?? 0) / g) * prod(k);
    return weight * prod(out.slice(1));
  }
  // fvcore's `conv_flop_jit` per convolution: the depthwise one (mid·K a position) and the 1×1 one (cout·mid).
  if (layer.kind === 'SeparableConv2D') return (layer.params - (c['bias'] ? out[0] ?? 0 : 0)) * prod(out.slice(1));
  // fvcore's `norm_flop_counter`: 5 per input element with affine weights, 4 without ("a rough estimate").
  if (/^(LayerNorm|LayerNormalization|GroupNorm|InstanceNorm[123]d)$/.test(layer.kind)) return prod(inp) * (layer.params > 0 ? 5 : 4);
  if (layer.kind === 'AdaptiveAvgPool2d') return prod(inp);
  if (layer.kind.startsWith('BatchNorm')) return prod(inp) * (c['affine'] === false ? 1 : 2);
  if (layer.kind === 'Upsample') return prod(out);
  return 0;
}

/** onnx-tool 1.0.1's per-op MAC costs (node.py: MUL=ADD=CMP=1, DIV=4, EXP=32). */
const DIV = 4;
const EXP = 32;

export interface NodeCount {
  readonly node: Node;
  readonly macs: number;
  readonly params: number;
  readonly weights: readonly string[];
  readonly input: Dim[] | undefined;
  readonly output: Dim[] | undefined;
}

/** onnx-tool counts every ONNX node, functional ones (`x * s`, sigmoid) included, per sample. */
export function onnxToolCounts(model: Model, nodes: readonly Node[]): NodeCount[] {
  const graph = model.graph;
  const index = new GraphIndex(graph);
  const vol = (t: string | undefined) => {
    const s = t ? graph.values.get(t)?.shape : undefined;
    return s ? prod(s.map((d, i) => (i === 0 ? 1 : typeof d === 'number' ? d : 1))) : 0;
  };
  const result: NodeCount[] = [];
  for (const node of nodes) {
    if (PLUMBING.has(node.op)) continue;
    const out = vol(node.outputs[0]);
    const inVol = vol(node.inputs[0]);
    const weights = node.inputs.slice(1).map((t) => (t ? weightOf(t, index) : undefined));
    const learned = parameterInputs(node, index);
    const params = learned.reduce((a, w) => a + numel(w.shape), 0);
    let macs = 0;
    switch (node.op) {
      case 'Conv': {
        const w = weights[0];
        const perOut = w ? prod(w.shape.slice(1)) : 0;
        macs = out * perOut + (node.inputs[2] ? out : 0);
        break;
      }
      case 'Gemm': case 'MatMul': {
        const a = graph.values.get(node.inputs[0] ?? '')?.shape;
        const transA = node.op === 'Gemm' && attrInt(node, 'transA', 0) === 1;
        const k = a ? a[transA ? 0 : a.length - 1] : undefined;
        macs = out * (typeof k === 'number' ? k : 0) + (node.op === 'Gemm' && node.inputs[2] ? out : 0);
        break;
      }
      case 'Relu': case 'Add': case 'Sub': case 'Mul': case 'Max': case 'Min': macs = out; break;
      case 'Div': macs = out * DIV; break;
      case 'Sigmoid': case 'Exp': case 'Tanh': macs = out * EXP; break;
      case 'HardSigmoid': macs = out * 4; break;
      case 'HardSwish': macs = out * 5; break;
      case 'Clip': case 'LeakyRelu': case 'PRelu': macs = out * 2; break;
      case 'GlobalAveragePool': macs = inVol + out * DIV; break;
      case 'GlobalMaxPool': case 'ReduceMax': case 'ReduceMean': case 'ReduceSum': case 'MaxPool': case 'AveragePool': macs = inVol; break;
      case 'BatchNormalization': macs = out * 2; break;
      default: macs = 0;
    }
    result.push({ node, macs, params, weights: learned.map((w) => w.name), input: graph.values.get(node.inputs[0] ?? '')?.shape, output: graph.values.get(node.outputs[0] ?? '')?.shape });
  }
  return result;
}
