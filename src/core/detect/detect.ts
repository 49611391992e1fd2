import { attrInt, attrInts, GraphIndex } from '../ir/graph-index.js';
import { numel, type Model, type Node } from '../ir/graph.js';
import type { FcKind, GateKind, Pooling, SEBlock, SEVariant } from './block.js';
import { constantValues, weightOf, type Weight } from './weights.js';

/** Ops that only move or re-view data between the squeeze, the excitation and the scale. */
const GLUE = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Identity', 'Expand', 'Dropout', 'Cast', 'Pad', 'QuantizeLinear', 'DequantizeLinear']);
/** Normalisations inside the excitation (timm's SEModule `norm_layer`): their scale and shift count with the block. */
const NORMS = new Set(['BatchNormalization', 'InstanceNormalization', 'LayerNormalization']);
const ACTIVATIONS: Record<string, string> = {
  Relu: 'relu', LeakyRelu: 'leakyrelu', PRelu: 'prelu', Elu: 'elu', Selu: 'selu', Tanh: 'tanh', HardSwish: 'hardswish',
  Gelu: 'gelu', Softplus: 'softplus', Mish: 'mish',
};
/** How far back from a gate the squeeze may be; real blocks need fewer than 20 hops. */
const MAX_HOPS = 40;

interface Fc {
  readonly node: Node;
  readonly kind: FcKind;
  readonly weight: Weight;
  readonly bias: Weight | undefined;
  readonly outChannels: number | undefined;
  readonly inChannels: number | undefined;
}

interface Branch {
  readonly pool: Node;
  /** `both` for one descriptor mixing average and max pooling (`0.5 * mean + 0.5 * amax`). */
  readonly pooling: Pooling;
  /** Pooled over the middle axes of an NHWC tensor inside an NCHW model (PyTorch channels-last code). */
  readonly channelsLast?: boolean;
  readonly fcs: Fc[];
  /** Weights inside the excitation besides the FCs' (a norm's scale and shift, a PReLU's slopes): they count with the block. */
  readonly innerWeights?: Weight[];
  readonly activations: string[];
  readonly nodes: Node[];
}

/**
 * Finds SE-family blocks: a tensor X, squeezed by a global pool over its spatial axes, excited through
 * one or two FCs (Gemm / MatMul [+ Add] / 1x1 Conv / channel Conv1d), gated by a sigmoid-like op, and
 * multiplied back onto the same X. That last edge separates SE from classifier heads, and pooling over
 * the spatial axes separates it from spatial attention and from Hardswish/SiLU (no pool at all).
 */
export function detectBlocks(model: Model): SEBlock[] {
  const blocks = [...detectIn(model)];
  // Control-flow bodies (If/Loop/Scan) and model-local functions are graphs too: walk them, tag their blocks.
  const nested = (graph: Model['graph'], prefix: string): void => {
    for (const node of graph.nodes) {
      // `for...in`, not `Object.values`: most nodes have no graph attribute, and this runs over every node of
      // every unit (an array per node otherwise). Attributes are plain records: no inherited keys.
      for (const key in node.attrs) {
        const attr = node.attrs[key]!;
        const subs = attr.type === 'graph' ? [attr.value] : attr.type === 'graphs' ? attr.value : [];
        subs.forEach((sub, i) => {
          const where = `${prefix}${node.id}/${subs.length > 1 ? i : attr.type === 'graph' ? '' : i}`;
          for (const b of detectIn({ ...model, graph: sub })) blocks.push({ ...b, id: `${where}${b.id || 'se'}` });
          nested(sub, where);
        });
      }
    }
  };
  nested(model.graph, '');
  for (const fn of model.functions) for (const b of detectIn({ ...model, graph: fn })) blocks.push({ ...b, id: `${fn.name}:${b.id || 'se'}` });
  return blocks;
}

function detectIn(model: Model): SEBlock[] {
  const graph = model.graph;
  const index = new GraphIndex(graph);
  const order = new Map<string, number>();
  for (let i = 0; i < graph.nodes.length; i++) order.set(graph.nodes[i]!.id, i);
  const blocks: SEBlock[] = [];
  for (const mul of graph.nodes) {
    if (mul.op !== 'Mul' || mul.inputs.length !== 2) continue;
    const block = matchAt(mul, model, index);
    if (block) blocks.push(block);
  }
  // Ids come from module scopes; graphs without scopes (other exporters) get generated ones.
  const counts = new Map<string, number>();
  for (const b of blocks) counts.set(b.id, (counts.get(b.id) ?? 0) + 1);
  const used = new Map<string, number>();
  return blocks.map((b, i) => {
    const nodes = [...b.nodes].sort((x, y) => (order.get(x) ?? 0) - (order.get(y) ?? 0));
    let id = b.id;
    if ((counts.get(id) ?? 0) > 1) {
      const k = used.get(id) ?? 0;
      used.set(id, k + 1);
      id = id === '' ? `se_${i}` : `${id}#${k}`;
    }
    return { ...b, id, nodes };
  });
}

function matchAt(mul: Node, model: Model, index: GraphIndex): SEBlock | undefined {
  for (const [xi, gi] of [[0, 1], [1, 0]] as const) {
    const x = mul.inputs[xi]!;
    const gateSide = skipGlue(mul.inputs[gi]!, index);
    const gate = matchGate(gateSide.tensor, index);
    if (!gate) continue;
    const branches = traceBranches(gate.pre, x, model, index, 0, new Set());
    if (!branches || branches.length === 0) continue;
    return buildBlock(mul, x, xi === 0, gate, branches, gateSide.nodes, model, index);
  }
  return undefined;
}

/** Walks back through glue ops from a tensor, returning the first non-glue tensor and the glue nodes crossed. */
function skipGlue(tensor: string, index: GraphIndex): { tensor: string; nodes: Node[] } {
  const nodes: Node[] = [];
  let t = tensor;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const p = index.producer(t);
    if (!p || !GLUE.has(p.op) || !p.inputs[0]) break;
    nodes.push(p);
    t = p.inputs[0];
  }
  return { tensor: t, nodes };
}

interface Gate {
  readonly kind: GateKind;
  /** The gate's output tensor: the per-channel weights the inspector reads. */
  readonly tensor: string;
  /** The gate's input (excitation output). */
  readonly pre: string;
  readonly nodes: Node[];
}

function matchGate(tensor: string, index: GraphIndex): Gate | undefined {
  const node = index.producer(tensor);
  if (!node) return undefined;
  if (node.op === 'Sigmoid') return { kind: 'sigmoid', tensor, pre: node.inputs[0]!, nodes: [node] };
  if (node.op === 'HardSigmoid') return { kind: 'hardsigmoid', tensor, pre: node.inputs[0]!, nodes: [node] };
  if (node.op === 'Clip' || node.op === 'Relu') return clippedAfterScale(node, tensor, index);
  // relu6(z + 3) / 6, as timm's hard_sigmoid exports: Add(3) -> Relu? -> Clip(0, 6) -> Div(6); or the same
  // times 1/6, as keras.applications' MobileNetV3 writes it (`ReLU(6.)(x + 3.) * (1. / 6.)`).
  const scaled = dividedBySix(node, index);
  if (scaled !== undefined) {
    const nodes: Node[] = [node];
    let t = scaled;
    let p = index.producer(t);
    while (p && (p.op === 'Clip' || p.op === 'Relu')) {
      nodes.push(p);
      t = p.inputs[0]!;
      p = index.producer(t);
    }
    const shifted = nodes.length > 1 && p ? plusThree(p, index) : undefined;
    if (shifted) return { kind: 'hardsigmoid_relu6_div6', tensor, pre: shifted, nodes: [...nodes, p!] };
  }
  return undefined;
}

/**
 * The hard sigmoid with the clip last: `clamp((z + 3) / 6, 0, 1)` (mmcv's HSigmoid) is the hard sigmoid itself;
 * `relu6((z + 3) / 6)` (TF.js ports that clip at 6 after dividing) is a gate of its own kind, unbounded at 1.
 */
function clippedAfterScale(clip: Node, tensor: string, index: GraphIndex): Gate | undefined {
  const [lo, hi] = clip.op === 'Relu' ? [0, Infinity] : [constantScalar(clip.inputs[1], index), constantScalar(clip.inputs[2], index)];
  if (lo !== 0 || (hi !== 1 && hi !== 6 && hi !== Infinity)) return undefined;
  const scale = clip.inputs[0] ? index.producer(clip.inputs[0]) : undefined;
  const scaled = scale ? dividedBySix(scale, index) : undefined;
  if (!scale || scaled === undefined) return undefined;
  const add = index.producer(scaled);
  const shifted = add ? plusThree(add, index) : undefined;
  return shifted ? { kind: hi === 1 ? 'hardsigmoid' : 'hardsigmoid_div6_relu6', tensor, pre: shifted, nodes: [clip, scale, add!] } : undefined;
}

/** The tensor `node` adds 3 to (`Add(t, 3)` either way round), if it does. */
function plusThree(node: Node, index: GraphIndex): string | undefined {
  if (node.op !== 'Add') return undefined;
  const [a, b] = node.inputs;
  return constantScalar(b, index) === 3 ? a : constantScalar(a, index) === 3 ? b : undefined;
}

/** The tensor `node` divides by 6 (`Div(t, 6)`, or `Mul` by 1/6 either way round), if it does. */
function dividedBySix(node: Node, index: GraphIndex): string | undefined {
  if (node.op === 'Div') return constantScalar(node.inputs[1], index) === 6 ? node.inputs[0] : undefined;
  if (node.op !== 'Mul') return undefined;
  const sixth = [0, 1].find((k) => Math.abs(6 * (constantScalar(node.inputs[1 - k], index) ?? 0) - 1) < 1e-3);
  return sixth === undefined ? undefined : node.inputs[sixth];
}

/** GELU in the erf form torch.onnx writes: `0.5 * (z * (1 + erf(z / sqrt(2))))`, from the outer Mul. */
function erfGelu(outer: Node, index: GraphIndex): { input: string; nodes: Node[] } | undefined {
  const [a, b] = outer.inputs;
  const inner = constantScalar(b, index) === 0.5 ? a : constantScalar(a, index) === 0.5 ? b : undefined;
  const mul = inner ? index.producer(inner) : undefined;
  if (mul?.op !== 'Mul') return undefined;
  for (const [z, other] of [[mul.inputs[0], mul.inputs[1]], [mul.inputs[1], mul.inputs[0]]] as const) {
    const add = other ? index.producer(other) : undefined;
    if (add?.op !== 'Add') continue;
    const erfOut = constantScalar(add.inputs[1], index) === 1 ? add.inputs[0] : constantScalar(add.inputs[0], index) === 1 ? add.inputs[1] : undefined;
    const erf = erfOut ? index.producer(erfOut) : undefined;
    const div = erf?.op === 'Erf' && erf.inputs[0] ? index.producer(erf.inputs[0]) : undefined;
    if (div?.op === 'Div' && div.inputs[0] === z && z) return { input: z, nodes: [mul, add, erf!, div] };
  }
  return undefined;
}

function constantScalar(tensor: string | undefined, index: GraphIndex): number | undefined {
  const v = tensor ? constantValues(tensor, index) : undefined;
  return v && v.length === 1 ? v[0] : undefined;
}

/**
 * Walks back from the excitation output to the squeeze(s) of `x`. Returns the branches (one, or two for
 * CBAM's avg + max joined by Add), or undefined when the chain leaves the op set an SE block uses.
 */
function traceBranches(tensor: string, x: string, model: Model, index: GraphIndex, hops: number, seen: Set<string>): Branch[] | undefined {
  const fcs: Fc[] = [];
  const activations: string[] = [];
  const nodes: Node[] = [];
  const innerWeights: Weight[] = [];
  let t = tensor;
  for (let hop = hops; hop < MAX_HOPS; hop++) {
    if (seen.has(t)) return undefined;
    seen.add(t);
    const node = index.producer(t);
    if (!node) return undefined;
    const pooled = poolOf(node, x, model, index) ?? mixedPool(node, x, model, index);
    if (pooled) {
      const { pooling, channelsLast, extra } = pooled;
      return [{ pool: node, pooling, channelsLast, fcs: fcs.reverse(), activations: activations.reverse(), nodes: [...nodes, node, ...extra], innerWeights }];
    }
    nodes.push(node);
    if (NORMS.has(node.op) && fcs.length > 0) {
      for (const w of node.inputs.slice(1, 3)) {
        const weight = w ? weightOf(w, index) : undefined;
        if (weight) innerWeights.push(weight);
      }
      t = node.inputs[0]!;
      continue;
    }
    if (GLUE.has(node.op)) {
      t = node.inputs[0]!;
      continue;
    }
    const fc = fcOf(node, index);
    if (fc) {
      fcs.push(fc);
      t = node.inputs[0]!;
      continue;
    }
    const act = ACTIVATIONS[node.op] ?? (node.op === 'Clip' ? 'relu6' : undefined);
    if (act) {
      activations.push(act);
      const slopes = node.op === 'PRelu' && node.inputs[1] ? weightOf(node.inputs[1], index) : undefined;
      if (slopes) innerWeights.push(slopes);
      t = node.inputs[0]!;
      continue;
    }
    if (node.op === 'Mul') {
      // SiLU inside the excitation: Mul(z, Sigmoid(z)).
      const [a, b] = node.inputs;
      const silu = [[a, b], [b, a]].find(([z, s]) => index.producer(s!)?.op === 'Sigmoid' && index.producer(s!)!.inputs[0] === z);
      const gelu = silu ? undefined : erfGelu(node, index);
      if (gelu) {
        nodes.push(...gelu.nodes);
        activations.push('gelu');
        t = gelu.input;
        continue;
      }
      if (!silu) return undefined;
      nodes.push(index.producer(silu[1]!)!);
      activations.push('silu');
      t = silu[0]!;
      continue;
    }
    if (node.op === 'Add') {
      const [a, b] = node.inputs;
      const aConst = constantValues(a!, index) !== undefined || Boolean(weightOf(a!, index));
      const bConst = constantValues(b!, index) !== undefined || Boolean(weightOf(b!, index));
      if (aConst !== bConst) {
        // A bias after MatMul (Linear with bias exported without Gemm).
        const biasName = aConst ? a! : b!;
        const prev = index.producer(aConst ? b! : a!);
        if (prev?.op === 'MatMul') {
          const bias = weightOf(biasName, index);
          const fc = fcOf(prev, index);
          if (fc && bias) {
            fcs.push({ ...fc, bias });
            nodes.push(prev);
            t = prev.inputs[0]!;
            continue;
          }
        }
        return undefined;
      }
      if (fcs.length || activations.length) return undefined;
      // CBAM: Add(mlp(avg(x)), mlp(max(x))) directly before the gate.
      const left = traceBranches(a!, x, model, index, hop + 1, new Set(seen));
      const right = traceBranches(b!, x, model, index, hop + 1, new Set(seen));
      if (!left || !right) return undefined;
      return [...left, ...right].map((br, i) => (i === 0 ? { ...br, nodes: [node, ...br.nodes] } : br));
    }
    return undefined;
  }
  return undefined;
}

interface Pooled {
  readonly pooling: Pooling;
  readonly channelsLast: boolean;
  /** Nodes of a mixed descriptor besides the one the branch ends at. */
  readonly extra: Node[];
}

/** Whether `node` is a global squeeze of `x` over its spatial axes, and which kind. */
function poolOf(node: Node, x: string, model: Model, index: GraphIndex): Pooled | undefined {
  const input = skipIdentity(node.inputs[0], index);
  // The scaled tensor may itself come through an Identity (a Dropout at inference) that the pool reads past.
  if (input !== x && input !== skipIdentity(x, index)) return stepwisePool(node, input, x, model, index);
  const shape = model.graph.values.get(x)?.shape;
  const rank = shape?.length ?? 4;
  const spatial = model.layout === 'NHWC' ? range(1, rank - 1) : range(2, rank);
  const pooled = (pooling: 'avg' | 'max', channelsLast = false): Pooled => ({ pooling, channelsLast, extra: [] });
  switch (node.op) {
    case 'GlobalAveragePool': return pooled('avg');
    case 'GlobalMaxPool': return pooled('max');
    case 'MaxPool':
    case 'AveragePool': {
      const kernel = attrInts(node, 'kernel_shape');
      const hw = shape?.slice(2);
      const global = kernel && hw && kernel.length === hw.length && kernel.every((k, i) => k === hw[i]);
      return global ? pooled(node.op === 'MaxPool' ? 'max' : 'avg') : undefined;
    }
    case 'ReduceMean':
    case 'ReduceMax': {
      const axes = attrInts(node, 'axes') ?? (node.inputs[1] ? constantValues(node.inputs[1], index) : undefined);
      if (!axes) return undefined;
      const norm = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
      const covers = (want: number[]) => norm.size === want.length && want.every((a) => norm.has(a));
      const kind = node.op === 'ReduceMean' ? 'avg' : 'max';
      if (covers(spatial)) return pooled(kind);
      // `x.mean((1, 2))` on an NHWC tensor in an NCHW model: the channels are the last axis.
      if (model.layout !== 'NHWC' && rank >= 3 && covers(range(1, rank - 1))) return pooled(kind, true);
      return undefined;
    }
    default: return undefined;
  }
}

/**
 * A global pool written in two steps over NCHW `x`: the spatial axes merged first (`x.view(b, c, -1).mean(2)`)
 * or reduced one at a time (`x.mean(-1).mean(-1)`).
 */
function stepwisePool(node: Node, input: string | undefined, x: string, model: Model, index: GraphIndex): Pooled | undefined {
  if ((node.op !== 'ReduceMean' && node.op !== 'ReduceMax') || !input || model.layout === 'NHWC') return undefined;
  const first = index.producer(input);
  const xShape = model.graph.values.get(x)?.shape;
  if (!first || !xShape || xShape.length < 3 || skipIdentity(first.inputs[0], index) !== skipIdentity(x, index)) return undefined;
  const axesOf = (n: Node) => attrInts(n, 'axes') ?? (n.inputs[1] ? constantValues(n.inputs[1], index) : undefined);
  const kind = node.op === 'ReduceMean' ? 'avg' : 'max';
  const axes = axesOf(node);
  if (!axes) return undefined;
  const spatial = range(2, xShape.length);
  if (first.op === 'Reshape' || first.op === 'Flatten') {
    const merged = model.graph.values.get(first.outputs[0]!)?.shape;
    const spatialSize = xShape.slice(2).reduce<number | undefined>((n, d) => (n !== undefined && typeof d === 'number' ? n * d : undefined), 1);
    const mergesSpatial = merged?.length === 3 && merged[1] === xShape[1] && (merged[2] === spatialSize || spatialSize === undefined);
    const norm = axes.map((a) => (a < 0 ? a + 3 : a));
    return mergesSpatial && norm.length === 1 && norm[0] === 2 ? { pooling: kind, channelsLast: false, extra: [first] } : undefined;
  }
  if (first.op !== node.op) return undefined;
  const firstAxes = axesOf(first)?.map((a) => (a < 0 ? a + xShape.length : a));
  if (!firstAxes) return undefined;
  const kept = attrInt(first, 'keepdims', 1) === 1;
  const remaining = kept ? range(0, xShape.length) : range(0, xShape.length).filter((a) => !firstAxes.includes(a));
  const secondAxes = axes.map((a) => remaining[a < 0 ? a + remaining.length : a]);
  const all = new Set([...firstAxes, ...secondAxes]);
  const covers = all.size === spatial.length && spatial.every((a) => all.has(a));
  return covers ? { pooling: kind, channelsLast: false, extra: [first] } : undefined;
}

/** `a * mean(x) + b * max(x)` (or without the factors): one descriptor mixing both poolings. */
function mixedPool(node: Node, x: string, model: Model, index: GraphIndex): Pooled | undefined {
  if (node.op !== 'Add') return undefined;
  const sides: { pooled: Pooled; nodes: Node[] }[] = [];
  for (const input of node.inputs) {
    let p = input ? index.producer(input) : undefined;
    const nodes: Node[] = [];
    if (p?.op === 'Mul') {
      const [a, b] = p.inputs;
      const inner = constantScalar(a, index) !== undefined ? b : constantScalar(b, index) !== undefined ? a : undefined;
      nodes.push(p);
      p = inner ? index.producer(inner) : undefined;
    }
    const pooled = p ? poolOf(p, x, model, index) : undefined;
    if (!p || !pooled) return undefined;
    sides.push({ pooled, nodes: [...nodes, p] });
  }
  const [a, b] = sides;
  if (!a || !b || a.pooled.channelsLast !== b.pooled.channelsLast) return undefined;
  return { pooling: a.pooled.pooling === b.pooled.pooling ? a.pooled.pooling : 'both', channelsLast: a.pooled.channelsLast, extra: [...a.nodes, ...b.nodes] };
}

function skipIdentity(tensor: string | undefined, index: GraphIndex): string | undefined {
  let t = tensor;
  for (let hop = 0; t && hop < MAX_HOPS; hop++) {
    const p = index.producer(t);
    if (!p || p.op !== 'Identity') break;
    t = p.inputs[0];
  }
  return t;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);
}

/** A fully connected step: Gemm, MatMul with a constant weight, or a Conv whose weight is constant. */
function fcOf(node: Node, index: GraphIndex): Fc | undefined {
  if (node.op === 'Gemm') {
    const weight = weightOf(node.inputs[1]!, index);
    if (!weight || weight.shape.length !== 2) return undefined;
    const transB = attrInt(node, 'transB', 0) === 1;
    const bias = node.inputs[2] ? weightOf(node.inputs[2], index) : undefined;
    return { node, kind: 'linear', weight, bias, outChannels: transB ? weight.shape[0] : weight.shape[1], inChannels: transB ? weight.shape[1] : weight.shape[0] };
  }
  if (node.op === 'MatMul') {
    const weight = weightOf(node.inputs[1]!, index);
    if (!weight || weight.shape.length !== 2) return undefined;
    return { node, kind: 'linear', weight, bias: undefined, outChannels: weight.shape[1], inChannels: weight.shape[0] };
  }
  if (node.op === 'Conv') {
    const weight = weightOf(node.inputs[1]!, index);
    if (!weight || weight.shape.length < 3) return undefined;
    const bias = node.inputs[2] ? weightOf(node.inputs[2], index) : undefined;
    const kernel = weight.shape.slice(2);
    const group = attrInt(node, 'group', 1);
    if (weight.shape.length === 3 && weight.shape[0] === 1 && weight.shape[1] === 1) {
      return { node, kind: 'conv1d', weight, bias, outChannels: undefined, inChannels: undefined };
    }
    const pointwise = kernel.every((k) => k === 1) && group === 1;
    if (!pointwise) return undefined;
    return { node, kind: 'conv1x1', weight, bias, outChannels: weight.shape[0], inChannels: weight.shape[1] };
  }
  return undefined;
}

function buildBlock(mul: Node, x: string, xFirst: boolean, gate: Gate, branches: Branch[], glue: Node[], model: Model, index: GraphIndex): SEBlock | undefined {
  const graph = model.graph;
  const first = branches[0]!;
  if (branches.some((b) => b.fcs.length !== first.fcs.length || b.fcs.length === 0 || b.fcs.length > 2)) return undefined;
  const shape = graph.values.get(x)?.shape;
  const channelAxis = model.layout === 'NHWC' || first.channelsLast ? (shape ? shape.length - 1 : 3) : 1;
  const cDim = shape?.[channelAxis];
  const fcs = first.fcs;
  const kind = fcs[0]!.kind;
  const lastOut = fcs[fcs.length - 1]!.outChannels;
  const channels = typeof cDim === 'number' ? cDim : lastOut;
  if (channels === undefined) return undefined;
  let squeezeChannels: number | null;
  if (kind === 'conv1d') {
    if (fcs.length !== 1) return undefined;
    squeezeChannels = null;
  } else {
    if (lastOut !== undefined && lastOut !== channels) return undefined;
    squeezeChannels = fcs.length === 2 ? (fcs[0]!.outChannels ?? null) : channels;
    if (fcs.length === 2 && fcs[1]!.inChannels !== undefined && fcs[1]!.inChannels !== squeezeChannels) return undefined;
  }
  // A shared MLP (CBAM) references the same initializers from both branches: count each tensor once.
  const paramTensors = new Map<string, number>();
  for (const br of branches) for (const fc of br.fcs) for (const w of [fc.weight, fc.bias]) if (w) paramTensors.set(w.name, numel(w.shape));
  for (const br of branches) for (const w of br.innerWeights ?? []) paramTensors.set(w.name, numel(w.shape));
  const params = [...paramTensors.values()].reduce((a, b) => a + b, 0);
  const poolings = new Set(branches.map((b) => b.pooling));
  const pooling: Pooling = poolings.size > 1 || poolings.has('both') ? 'both' : first.pooling;
  const inner = first.activations.length ? first.activations.join('+') : null;
  const fcBias = branches.every((b) => b.fcs.every((fc) => fc.bias !== undefined));
  const variant = variantOf({ branches: branches.length, fcKind: kind, fcCount: fcs.length, gate: gate.kind, inner, xFirst, fcBias });

  const nodes = new Set<Node>([mul, ...glue, ...gate.nodes]);
  for (const br of branches) for (const n of br.nodes) nodes.add(n);
  for (const br of branches) for (const fc of br.fcs) nodes.add(fc.node);
  addHelpers(nodes, index, x);
  const id = blockId(mul, [...nodes]);
  const kernelSize = kind === 'conv1d' ? fcs[0]!.weight.shape[2] : undefined;
  return {
    id,
    variant,
    channels,
    squeezeChannels,
    reductionRatio: squeezeChannels ? channels / squeezeChannels : null,
    pooling,
    fcKind: kind,
    fcBias,
    innerActivation: inner,
    gate: gate.kind,
    params,
    inputShape: shape ? [...shape] : undefined,
    tensors: { input: x, gate: gate.tensor, output: mul.outputs[0]! },
    nodes: [...nodes].map((n) => n.id),
    ...(kernelSize !== undefined ? { kernelSize } : {}),
  };
}

/** Shape plumbing and weight re-routing that only feed the block's nodes (Constant, Identity, Shape, ...). */
function addHelpers(nodes: Set<Node>, index: GraphIndex, x: string): void {
  const helperOps = new Set(['Constant', 'Identity', 'Shape', 'Gather', 'Unsqueeze', 'Concat', 'Squeeze', 'Cast', 'Slice']);
  const queue = [...nodes];
  while (queue.length) {
    const node = queue.pop()!;
    for (const input of node.inputs) {
      if (!input) continue;
      const p = index.producer(input);
      if (!p || nodes.has(p) || !helperOps.has(p.op)) continue;
      // Shape(x) belongs to the block (expand_as / dynamic batch); anything else must be used only inside it.
      const onlyInside = index.consumersOf(input).every((c) => nodes.has(c));
      if (!onlyInside && !(p.op === 'Shape' && p.inputs[0] === x)) continue;
      nodes.add(p);
      queue.push(p);
    }
  }
}

/** The module path the scale Mul was written in; whole-model blocks get `''`. */
function blockId(mul: Node, nodes: Node[]): string {
  if (mul.scope !== undefined) return mul.scope;
  const scopes = nodes.map((n) => n.scope).filter((s): s is string => s !== undefined);
  if (!scopes.length) return '';
  let prefix = scopes[0]!.split('.');
  for (const s of scopes.slice(1)) {
    const parts = s.split('.');
    let i = 0;
    while (i < prefix.length && prefix[i] === parts[i]) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix.join('.');
}

function variantOf(f: { branches: number; fcKind: FcKind; fcCount: number; gate: GateKind; inner: string | null; xFirst: boolean; fcBias: boolean }): SEVariant {
  if (f.fcKind === 'conv1d') return 'eca';
  if (f.branches > 1) return 'cbam_channel';
  if (f.fcCount === 1) return 'effective_se';
  if (f.inner?.includes('silu')) return 'efficientnet_se';
  if (f.fcKind === 'conv1x1' && f.fcBias && !f.xFirst) return 'torchvision_se';
  if (f.gate !== 'sigmoid') return 'mobilenetv3_se';
  return f.fcKind === 'conv1x1' ? 'se_conv1x1' : 'se';
}

