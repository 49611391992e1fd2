import { numel, type Dim, type Model, type TensorConst } from '../../ir/graph.js';
import type { ExternalDataHost } from '../../onnx/byte-source.js';
import { NhwcBuilder } from '../nhwc-builder.js';
import { graphDefNodes, producerName, TF_DTYPES, tensorKey, TfAttrs, topologicalOrder, type TfNode } from './graph-def.js';
import { TF_OPS, type TfOpContext } from './tf-ops.js';
import { field, readWeightsManifest, type ManifestWeight } from './weights-manifest.js';

/**
 * A TF.js graph model (`"format": "graph-model"`): the converter's GraphDef in JSON, weights in shard files.
 * Every node becomes ONNX ops in NHWC through the op catalogue; constants become initializers whose bytes
 * stay in the shards (small ones are read: axes, shapes, the `3` and `1/6` of a hard sigmoid).
 */
export function readTfjsGraphModel(json: Record<string, unknown>, host: ExternalDataHost | undefined, name = 'model'): Model {
  const nodes = topologicalOrder(graphDefNodes(json['modelTopology']));
  const weights = readWeightsManifest(json['weightsManifest'] ?? [], host);
  const converter = new GraphConverter(nodes, weights, name, signatureShapes(json['signature']));
  return converter.run(`TF.js graph model${typeof json['convertedBy'] === 'string' ? ` (${json['convertedBy']})` : ''}`);
}

/** Input shapes from the model signature, for placeholders whose own shape is missing. */
function signatureShapes(signature: unknown): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  const inputs = field(signature, 'inputs');
  if (inputs && typeof inputs === 'object') {
    for (const spec of Object.values(inputs as Record<string, unknown>)) {
      const dims = field(field(spec, 'tensorShape'), 'dim');
      const tensor = field(spec, 'name');
      if (typeof tensor === 'string' && Array.isArray(dims)) shapes.set(tensorKey(tensor), dims.map((d) => Number(field(d, 'size') ?? -1)));
    }
  }
  return shapes;
}

class GraphConverter {
  private readonly b: NhwcBuilder;
  private readonly byName: Map<string, TfNode>;
  private readonly consumers = new Map<string, number>();
  /** TF tensor (`node`, `node:1`) → IR tensor, for nodes that only forward a tensor (Identity, folded BiasAdd). */
  private readonly aliases = new Map<string, string>();
  /** Constants made into initializers, by TF tensor and permutation. */
  private readonly materialized = new Map<string, string>();
  /** Nodes whose work another node does (a bias folded into its convolution, the steps of a hard sigmoid). */
  private readonly absorbed = new Set<string>();
  /** Convolution / MatMul node → the constant its following BiasAdd adds. */
  private readonly foldedBias = new Map<string, string>();
  /**
   * Mul (or RealDiv) node → `z` and `c` of `Relu6(z + 3) · c`, written as one HardSigmoid. Converters store `c` = 1/6 in
   * float16 (0.16662598), so the gate tops out at `6c`, not 1: the HardSigmoid (range [0, 1]) is the gate and
   * the factor `6c` is applied after the scale (`x · g · 6c`), which keeps every later tensor exact.
   */
  private readonly hardSigmoids = new Map<string, { z: string; c: number; unit: string | undefined }>();

  constructor(private readonly nodes: readonly TfNode[], private readonly weights: Map<string, ManifestWeight>, name: string, private readonly signature: Map<string, number[]>) {
    this.b = new NhwcBuilder(name);
    this.byName = new Map(nodes.map((n) => [n.name, n]));
    for (const n of nodes) for (const i of n.inputs) this.consumers.set(tensorKey(i), (this.consumers.get(tensorKey(i)) ?? 0) + 1);
  }

  run(producer: string): Model {
    this.planFusions();
    for (const node of this.nodes) {
      if (this.absorbed.has(node.name)) continue;
      this.convert(node);
    }
    for (const node of this.nodes) {
      if ((this.consumers.get(node.name) ?? 0) === 0 && node.op !== 'Const' && node.op !== 'NoOp' && !this.absorbed.has(node.name)) {
        const t = this.resolveMaybe(node.name);
        if (t && this.b.graph.values.has(t) && !this.b.graph.initializers.has(t)) this.b.addOutput(t);
      }
    }
    return this.b.finish(producer);
  }

  private convert(node: TfNode): void {
    const attrs = new TfAttrs(node);
    if (node.op === 'Placeholder') {
      const shape = attrs.shape('shape') ?? this.signature.get(node.name);
      const dims: Dim[] = (shape ?? []).map((d, i) => (d >= 0 ? d : i === 0 ? 'N' : `${node.name}:${i}`));
      this.b.addInput(node.name, TF_DTYPES[attrs.type('dtype') ?? ''] ?? 'float32', dims);
      return;
    }
    if (node.op === 'Const') return;
    const hs = this.hardSigmoids.get(node.name);
    const scope = node.name.includes('/') ? node.name.slice(0, node.name.lastIndexOf('/')) : node.name;
    const handler = TF_OPS[node.op];
    this.b.within(node.name, handler?.kind ?? node.op, () => {
      if (hs) {
        this.b.configure({ activation: 'hardSigmoid' }, 'Activation');
        const factor = 6 * hs.c;
        const unitAttrs = { alpha: { type: 'float', value: 1 / 6 }, beta: { type: 'float', value: 0.5 } } as const;
        if (factor === 1) {
          this.b.one('HardSigmoid', [this.resolve(hs.z)], unitAttrs, node.name);
          return;
        }
        hs.unit = this.b.one('HardSigmoid', [this.resolve(hs.z)], unitAttrs, `${node.name}#unit`);
        const consumers = this.consumersOf(node.name);
        if (consumers.some((c) => !this.scalesByGate(c))) this.b.one('Mul', [hs.unit, this.b.scalar('six_c', factor)], {}, node.name);
        return;
      }
      const scaled = this.scalesByGate(node);
      if (scaled) {
        const y = this.b.one('Mul', [this.resolve(scaled.x), scaled.unit], {}, `${node.name}#scaled`);
        // The factor is a row of its own, so the block's table keeps the scale Mul's row.
        this.b.within(`${node.name}#six_c`, 'Multiply', () => this.b.one('Mul', [y, this.b.scalar('six_c', scaled.factor)], {}, node.name), scope);
        return;
      }
      if (!handler) {
        this.unknown(node, `TF op ${node.op} is not mapped`);
        return;
      }
      try {
        handler.convert(this.context(node, attrs));
      } catch (e) {
        if (!(e instanceof UnmappedNode)) throw e;
        this.unknown(node, e.message);
      }
    }, scope);
  }

  private consumersOf(name: string): TfNode[] {
    return this.nodes.filter((n) => n.inputs.some((i) => tensorKey(i) === name));
  }

  /** `x · g` where `g` is a hard sigmoid whose top is `6c` ≠ 1: the parts to write it as `(x · unit) · 6c`. */
  private scalesByGate(node: TfNode): { x: string; unit: string; factor: number } | undefined {
    if (node.op !== 'Mul' || node.inputs.length !== 2) return undefined;
    for (const [gi, xi] of [[0, 1], [1, 0]] as const) {
      const hs = this.hardSigmoids.get(producerName(tensorKey(node.inputs[gi]!)));
      if (!hs || 6 * hs.c === 1 || tensorKey(node.inputs[gi]!) !== producerName(tensorKey(node.inputs[gi]!))) continue;
      if (this.constEntry(node.inputs[xi]!)) return undefined;
      return hs.unit ? { x: node.inputs[xi]!, unit: hs.unit, factor: 6 * hs.c } : undefined;
    }
    return undefined;
  }

  private unknown(node: TfNode, note: string): void {
    const inputs = node.inputs.map((i) => this.resolveMaybe(i)).filter((t): t is string => t !== undefined);
    this.b.node('Unknown', inputs, {}, [node.name], note);
  }

  private context(node: TfNode, attrs: TfAttrs): TfOpContext {
    return {
      node,
      attrs,
      b: this.b,
      output: node.name,
      input: (i) => {
        const ref = node.inputs[i];
        if (ref === undefined) throw new UnmappedNode(`${node.op} "${node.name}" lacks input ${i}`);
        return this.resolve(ref);
      },
      constant: (i) => {
        const ref = node.inputs[i];
        return ref === undefined ? undefined : this.constantValues(ref);
      },
      weight: (i, perm, shape) => {
        const ref = node.inputs[i];
        if (ref === undefined) throw new UnmappedNode(`${node.op} "${node.name}" lacks input ${i}`);
        const w = this.constWeight(ref, perm, shape);
        if (!w) throw new UnmappedNode(`${node.op} "${node.name}": input ${i} is not a constant weight`);
        return w;
      },
      weightShape: (i) => {
        const ref = node.inputs[i];
        return ref === undefined ? undefined : this.constEntry(ref)?.shape;
      },
      foldedBias: () => {
        const bias = this.foldedBias.get(node.name);
        return bias ? this.constWeight(bias, undefined, undefined, true) : undefined;
      },
      fail: (why) => {
        throw new UnmappedNode(why);
      },
    };
  }

  /** The IR tensor for a TF input reference, materialising a constant on first use. */
  private resolve(ref: string): string {
    const t = this.resolveMaybe(ref);
    if (t === undefined) throw new UnmappedNode(`input "${ref}" is not produced by any node`);
    return t;
  }

  private resolveMaybe(ref: string): string | undefined {
    let key = tensorKey(ref);
    for (let hop = 0; hop < 64 && this.aliases.has(key); hop++) key = this.aliases.get(key)!;
    if (this.b.graph.values.has(key)) return key;
    const producer = this.byName.get(producerName(key));
    if (producer?.op === 'Const') return this.constWeight(key);
    return undefined;
  }

  private constEntry(ref: string): ManifestWeight | TensorConst | undefined {
    const key = tensorKey(ref);
    const producer = this.byName.get(producerName(key));
    if (producer?.op === 'Identity' && producer.inputs[0]) return this.constEntry(producer.inputs[0]);
    if (producer?.op !== 'Const') return undefined;
    return this.weights.get(key) ?? inlineConst(producer);
  }

  private constantValues(ref: string): number[] | undefined {
    const entry = this.constEntry(ref);
    if (entry?.values) return Array.from(entry.values);
    const t = this.resolveMaybe(ref);
    return t ? this.b.constantOf(t) : undefined;
  }

  /**
   * The constant `ref` as an initializer; with `perm`, in the axis order the ONNX op wants (the bytes stay in
   * TF's order and the payload records the permutation), reshaped to `shape` when given; `flat` makes it 1-D.
   */
  private constWeight(ref: string, perm?: readonly number[], shape?: readonly number[], flat = false): string | undefined {
    const key = tensorKey(ref);
    const cacheKey = `${key}\u0000${perm?.join(',') ?? ''}\u0000${shape?.join(',') ?? ''}\u0000${flat}`;
    const hit = this.materialized.get(cacheKey);
    if (hit) return hit;
    const entry = this.constEntry(ref);
    if (!entry) return undefined;
    const permuted = perm ? perm.map((p) => entry.shape[p] ?? 1) : entry.shape;
    const target = flat ? [numel(entry.shape)] : shape ? [...shape] : permuted;
    if (numel(target) !== numel(entry.shape)) throw new UnmappedNode(`constant "${key}" of shape [${entry.shape}] cannot be used as [${target}]`);
    const stored = entry.payload?.stored;
    const payload = entry.payload && stored ? { ...entry.payload, stored: { ...stored, ...(perm ? { storedShape: [...entry.shape], perm: [...perm] } : {}) } } : undefined;
    const values = entry.values && perm ? undefined : entry.values;
    const tensor: TensorConst = { dtype: entry.dtype, shape: target, ...(values ? { values } : {}), ...(payload ? { payload } : {}) };
    const name = this.b.addInitializer(perm || shape || flat ? `${key}#${perm ? 'oihw' : 'reshaped'}` : key, tensor);
    this.materialized.set(cacheKey, name);
    return name;
  }

  /** Finds the patterns whose ONNX form is one op: BiasAdd after a convolution, and Relu6(z + 3) * (1/6). */
  private planFusions(): void {
    const single = (tensor: string) => (this.consumers.get(tensorKey(tensor)) ?? 0) === 1;
    const producerOf = (ref: string) => this.byName.get(producerName(tensorKey(ref)));
    for (const node of this.nodes) {
      if ((node.op === 'BiasAdd' || node.op === 'Add' || node.op === 'AddV2') && node.inputs.length === 2) {
        const [x, c] = node.inputs as [string, string];
        let conv = producerOf(x);
        const bias = this.constEntry(c);
        if (!conv || !bias || !single(x) || tensorKey(x) !== conv.name) continue;
        // Keras' Dense on a 4-D tensor converts as Reshape → MatMul → Reshape (Tensordot) → BiasAdd: the bias
        // belongs to the MatMul when the reshape keeps the last axis.
        const reshape = conv.op === 'Reshape' ? conv : undefined;
        if (reshape) {
          conv = reshape.inputs[0] ? producerOf(reshape.inputs[0]) : undefined;
          if (!conv || conv.op !== 'MatMul' || !single(reshape.inputs[0]!) || tensorKey(reshape.inputs[0]!) !== conv.name) continue;
        }
        const matmul = conv;
        const channels = outputChannels(matmul, (i) => (matmul.inputs[i] ? this.constEntry(matmul.inputs[i]!)?.shape : undefined));
        const perChannel = bias.shape.length >= 1 && bias.shape[bias.shape.length - 1] === channels && numel(bias.shape) === channels;
        const target = reshape?.inputs[1] ? this.constEntry(reshape.inputs[1])?.values : undefined;
        if (reshape && (!target || Number(target[target.length - 1]) !== channels)) continue;
        if (channels === undefined || !perChannel || this.foldedBias.has(matmul.name)) continue;
        this.foldedBias.set(matmul.name, c);
        this.absorbed.add(node.name);
        this.aliases.set(node.name, reshape?.name ?? matmul.name);
      }
    }
    for (const node of this.nodes) {
      if ((node.op !== 'Mul' && node.op !== 'RealDiv') || node.inputs.length !== 2) continue;
      // Relu6(z + 3) · c, or Relu6(z + 3) / d (Keras 3's hard_sigmoid): c = 1/d.
      const orders = node.op === 'Mul' ? ([[0, 1], [1, 0]] as const) : ([[1, 0]] as const);
      for (const [ci, ri] of orders) {
        const k = scalarOf(this.constEntry(node.inputs[ci]!));
        const c = k === undefined ? undefined : node.op === 'Mul' ? k : 1 / k;
        const relu6 = producerOf(node.inputs[ri]!);
        if (c === undefined || Math.abs(6 * c - 1) > 1e-3 || relu6?.op !== 'Relu6' || !single(node.inputs[ri]!) || !relu6.inputs[0]) continue;
        const add = producerOf(relu6.inputs[0]);
        if (!add || (add.op !== 'Add' && add.op !== 'AddV2') || !single(relu6.inputs[0]) || add.inputs.length !== 2) continue;
        const threeAt = add.inputs.findIndex((i) => scalarOf(this.constEntry(i)) === 3);
        if (threeAt < 0) continue;
        this.hardSigmoids.set(node.name, { z: add.inputs[1 - threeAt]!, c, unit: undefined });
        this.absorbed.add(relu6.name);
        this.absorbed.add(add.name);
        break;
      }
    }
  }
}

class UnmappedNode extends Error {}

function scalarOf(entry: ManifestWeight | TensorConst | undefined): number | undefined {
  return entry?.values && entry.values.length === 1 ? Number(entry.values[0]) : undefined;
}

/** Output channels of a convolution or MatMul from its filter's TF shape, when it has no bias yet. */
function outputChannels(node: TfNode, shapeOf: (i: number) => number[] | undefined): number | undefined {
  const w = shapeOf(1);
  const fused = new TfAttrs(node).strs('fused_ops');
  if (fused.length) return undefined;
  switch (node.op) {
    case 'Conv2D': return w?.[3];
    case 'DepthwiseConv2dNative': return w && w.length === 4 ? w[2]! * w[3]! : undefined;
    case 'Conv2DBackpropInput': return w?.[2];
    case 'MatMul': return new TfAttrs(node).bool('transpose_b') ? w?.[0] : w?.[1];
    default: return undefined;
  }
}

/** A constant written in the node itself (`attr.value.tensor`) rather than in the weights manifest. */
function inlineConst(node: TfNode): TensorConst | undefined {
  const tensor = field(node.attr['value'], 'tensor');
  if (tensor === undefined) return undefined;
  const dims = field(field(tensor, 'tensorShape'), 'dim');
  const shape = Array.isArray(dims) ? dims.map((d) => Number(field(d, 'size') ?? 0)) : [];
  const dtype = TF_DTYPES[String(field(tensor, 'dtype'))] ?? 'float32';
  const list = field(tensor, 'floatVal') ?? field(tensor, 'intVal') ?? field(tensor, 'int64Val');
  if (!Array.isArray(list) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) return { dtype, shape };
  const count = numel(shape);
  if (count > 1 << 16) return { dtype, shape };
  const values = Array.from({ length: count }, (_, i) => Number(list[Math.min(i, list.length - 1)] ?? 0));
  return { dtype, shape, values: dtype === 'float32' ? Float32Array.from(values) : values };
}
