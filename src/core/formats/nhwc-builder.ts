import { SeLensError } from '../errors.js';
import { emptyGraph, numel, type AttrValue, type Dim, type DType, type Graph, type Model, type ModuleInfo, type Node, type TensorConst } from '../ir/graph.js';
import { applyShapeRule } from '../shapes/infer.js';

const OPSET = 17;
/** Folded shape-math values are kept up to this many elements, as the model-wide inference does. */
const MAX_FOLDED = 64;

export const ints = (value: number[]): AttrValue => ({ type: 'ints', value });
export const int = (value: number): AttrValue => ({ type: 'int', value });
export const float = (value: number): AttrValue => ({ type: 'float', value });

/** How a convolution or pooling window is padded: TF's `SAME` / `VALID`, or explicit `[top, left, bottom, right]`. */
export type Padding = 'SAME' | 'VALID' | readonly number[];

export interface WindowSpec {
  readonly strides: readonly number[];
  readonly dilations?: readonly number[];
  readonly padding: Padding;
}

interface OpenModule {
  readonly path: string;
  /** What the module's nodes carry as `scope`: the detector names a block after its scale node's scope. */
  readonly scope: string;
  kind: string;
  config: Record<string, number | boolean | string | number[]>;
  readonly nodeIds: string[];
  readonly params: Set<string>;
}

/**
 * Builds the IR of a channels-last model file (TF.js, TFLite) with ONNX ops, as the TF.js source
 * front-end does: convolutions and windowed pools are wrapped in NHWC→NCHW→NHWC transposes, a window
 * that covers the whole input becomes a `ReduceMean`/`ReduceMax` over H and W (what the detector reads as
 * a squeeze), and each operator of the file becomes one module row for the stats. Shapes are inferred as
 * nodes are added, so ops whose ONNX form needs them (Resize sizes, global windows) are exact.
 */
export class NhwcBuilder {
  readonly graph: Graph;
  private readonly constants = new Map<string, Dim[]>();
  private readonly modules: OpenModule[] = [];
  private current: OpenModule | undefined;
  private readonly usedIds = new Set<string>();
  private counter = 0;

  constructor(name: string) {
    this.graph = emptyGraph(name);
  }

  shape(tensor: string): Dim[] | undefined {
    return this.graph.values.get(tensor)?.shape;
  }

  /** Values of a small constant (initializer values or folded shape math). */
  constantOf(tensor: string): number[] | undefined {
    const init = this.graph.initializers.get(tensor);
    if (init?.values) return Array.from(init.values);
    const folded = this.constants.get(tensor);
    return folded?.every((d): d is number => typeof d === 'number') ? folded : undefined;
  }

  addInput(name: string, dtype: DType, shape: Dim[]): void {
    this.graph.inputs.push({ name, dtype, shape: [...shape] });
    this.graph.values.set(name, { name, dtype, shape: [...shape] });
  }

  addOutput(name: string): void {
    const v = this.graph.values.get(name);
    if (!this.graph.outputs.some((o) => o.name === name)) this.graph.outputs.push({ name, dtype: v?.dtype ?? 'unknown', shape: v?.shape ? [...v.shape] : undefined });
  }

  addInitializer(name: string, tensor: TensorConst): string {
    const unique = this.graph.initializers.has(name) || this.graph.values.has(name) ? this.fresh(name) : name;
    this.graph.initializers.set(unique, { name: unique, ...tensor });
    this.graph.values.set(unique, { name: unique, dtype: tensor.dtype, shape: [...tensor.shape] });
    if (tensor.values && tensor.values.length <= MAX_FOLDED && tensor.dtype.startsWith('int')) this.constants.set(unique, Array.from(tensor.values));
    return unique;
  }

  int64(base: string, values: readonly number[]): string {
    return this.addInitializer(this.fresh(base), { dtype: 'int64', shape: [values.length], values: [...values] });
  }

  scalar(base: string, value: number): string {
    return this.addInitializer(this.fresh(base), { dtype: 'float32', shape: [], values: new Float32Array([value]) });
  }

  /** A new name from `base`; `#` is not allowed in TF names, so made names cannot meet a file's own names later. */
  fresh(base: string): string {
    let name = `${base}#${this.counter++}`;
    while (this.graph.values.has(name) || this.usedIds.has(name)) name = `${base}#${this.counter++}`;
    return name;
  }

  /**
   * Runs `body` with its nodes attributed to one module row (`kind` in TF.js layer terms, which the stats map
   * to PyTorch's formulas). The module's parameters are the float weights its nodes read as parameters.
   */
  within<T>(path: string, kind: string, body: () => T, scope = path): T {
    const saved = this.current;
    const open: OpenModule = { path, scope, kind, config: {}, nodeIds: [], params: new Set() };
    this.modules.push(open);
    this.current = open;
    try {
      return body();
    } finally {
      this.current = saved;
    }
  }

  /** Constructor facts of the module being built (`in_channels`, `kernel_size`, ...). */
  configure(config: Record<string, number | boolean | string | number[]>, kind?: string): void {
    if (!this.current) return;
    Object.assign(this.current.config, config);
    if (kind) this.current.kind = kind;
  }

  markParameters(...tensors: (string | undefined)[]): void {
    for (const t of tensors) if (t && this.current) this.current.params.add(t);
  }

  /** Adds one node; its outputs are named `outputs` (fresh names when omitted) and their shapes inferred. */
  node(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, outputs?: readonly string[], note?: string): string[] {
    const base = this.current?.path ?? op;
    let id = outputs?.[0] ?? base;
    if (this.usedIds.has(id)) id = this.fresh(`${id}/${op}`);
    this.usedIds.add(id);
    const outs = outputs ? [...outputs] : [this.fresh(`${base}/${op}`)];
    for (const o of outs) if (this.graph.values.has(o) && !this.graph.initializers.has(o) && !this.graph.inputs.some((i) => i.name === o)) {
      // A file that writes a tensor twice is corrupt; the graph stays well-formed by refusing it.
      throw new SeLensError('corrupt', `The model file writes tensor "${o}" twice.`);
    }
    const node: Node = { id, op, domain: '', attrs, inputs: [...inputs], outputs: outs, ...(this.current ? { scope: this.current.scope } : {}), ...(note ? { note } : {}) };
    this.graph.nodes.push(node);
    this.current?.nodeIds.push(id);
    this.infer(node);
    return outs;
  }

  one(op: string, inputs: readonly string[], attrs: Record<string, AttrValue> = {}, output?: string): string {
    return this.node(op, inputs, attrs, output === undefined ? undefined : [output])[0]!;
  }

  /** An NHWC 2-D convolution (or transposed convolution) with an OIHW (IOHW) weight, written as ONNX does it. */
  conv(op: 'Conv' | 'ConvTranspose', x: string, weight: string, bias: string | undefined, window: WindowSpec, group: number, output?: string, outputSpatial?: readonly number[]): string {
    const w = this.shape(weight);
    const kernel = (w?.slice(2) ?? []).map((d) => (typeof d === 'number' ? d : 1));
    const attrs: Record<string, AttrValue> = { kernel_shape: ints(kernel), strides: ints([...window.strides]), dilations: ints([...(window.dilations ?? [1, 1])]), group: int(group) };
    if (outputSpatial) {
      // With an output shape ONNX derives the pads; TF's SAME crops the odd pixel at the end, which is SAME_UPPER.
      attrs['output_shape'] = ints([...outputSpatial]);
      if (window.padding === 'SAME') attrs['auto_pad'] = { type: 'string', value: 'SAME_UPPER' };
    }
    else Object.assign(attrs, this.padAttrs(x, window, kernel));
    const nchw = this.one('Transpose', [x], { perm: ints([0, 3, 1, 2]) });
    const y = this.one(op, bias ? [nchw, weight, bias] : [nchw, weight], attrs);
    this.markParameters(weight, bias);
    return this.one('Transpose', [y], { perm: ints([0, 2, 3, 1]) }, output);
  }

  /** A max or average pool; a window that covers the whole (known) input with no padding is a global reduction. */
  pool(kind: 'max' | 'avg', x: string, kernel: readonly number[], window: WindowSpec, output?: string): string {
    const s = this.shape(x);
    const pads = this.padAttrs(x, window, [...kernel]);
    const unpadded = window.padding === 'VALID' || (Array.isArray(window.padding) && window.padding.every((p) => p === 0));
    if (s?.length === 4 && unpadded && s[1] === kernel[0] && s[2] === kernel[1]) {
      return this.one(kind === 'max' ? 'ReduceMax' : 'ReduceMean', [x], { axes: ints([1, 2]), keepdims: int(1) }, output);
    }
    const nchw = this.one('Transpose', [x], { perm: ints([0, 3, 1, 2]) });
    const attrs: Record<string, AttrValue> = { kernel_shape: ints([...kernel]), strides: ints([...window.strides]), ...pads };
    // TF's average pool divides by the window's valid elements, as ONNX does without count_include_pad.
    const y = this.one(kind === 'max' ? 'MaxPool' : 'AveragePool', [nchw], attrs);
    return this.one('Transpose', [y], { perm: ints([0, 2, 3, 1]) }, output);
  }

  /** NHWC resize to `[height, width]`, as ONNX `Resize` with full sizes. */
  resize(x: string, size: readonly number[], mode: 'linear' | 'nearest', alignCorners: boolean, halfPixel: boolean, output?: string): string {
    const s = this.shape(x);
    const n = s?.[0] ?? 1;
    const c = s?.[3];
    const attrs: Record<string, AttrValue> = {
      mode: { type: 'string', value: mode },
      coordinate_transformation_mode: { type: 'string', value: alignCorners ? 'align_corners' : halfPixel ? (mode === 'nearest' ? 'tf_half_pixel_for_nn' : 'half_pixel') : 'asymmetric' },
      ...(mode === 'nearest' ? { nearest_mode: { type: 'string', value: alignCorners ? 'round_prefer_ceil' : 'floor' } as AttrValue } : {}),
    };
    if (typeof c !== 'number' || typeof n !== 'number') {
      // Without a known batch and channel count the sizes cannot be written in full: scales of 1 for them.
      const inH = s?.[1];
      const inW = s?.[2];
      const scales = typeof inH === 'number' && typeof inW === 'number' ? [1, size[0]! / inH, size[1]! / inW, 1] : undefined;
      if (!scales) return this.one('Resize', [x], attrs, output);
      return this.one('Resize', [x, '', this.addInitializer(this.fresh('scales'), { dtype: 'float32', shape: [4], values: new Float32Array(scales) })], attrs, output);
    }
    return this.one('Resize', [x, '', '', this.int64('sizes', [n, size[0]!, size[1]!, c])], attrs, output);
  }

  private padAttrs(x: string, window: WindowSpec, kernel: number[]): Record<string, AttrValue> {
    if (window.padding === 'VALID') return { pads: ints([0, 0, 0, 0]) };
    if (window.padding !== 'SAME') {
      const [t = 0, l = 0, b = 0, r = 0] = window.padding;
      return { pads: ints([t, l, b, r]) };
    }
    // TF's SAME puts the odd pixel at the end, as ONNX's SAME_UPPER; written out when the input is known.
    const s = this.shape(x);
    const dil = window.dilations ?? [1, 1];
    const pads = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      const d = s?.[i + 1];
      if (typeof d !== 'number') return { auto_pad: { type: 'string', value: 'SAME_UPPER' } };
      const stride = window.strides[i] ?? 1;
      const out = Math.ceil(d / stride);
      const total = Math.max((out - 1) * stride + (dil[i] ?? 1) * ((kernel[i] ?? 1) - 1) + 1 - d, 0);
      pads[i] = Math.floor(total / 2);
      pads[i + 2] = total - Math.floor(total / 2);
    }
    return { pads: ints(pads) };
  }

  private infer(node: Node): void {
    const graph = this.graph;
    const results = applyShapeRule(node, graph.values, this.constants, OPSET);
    const firstInput = node.inputs[0] ? graph.values.get(node.inputs[0]) : undefined;
    node.outputs.forEach((name, i) => {
      const r = results[i];
      graph.values.set(name, { name, dtype: r && r.dtype !== 'unknown' ? r.dtype : firstInput?.dtype ?? 'unknown', shape: r?.shape });
      if (r?.constant && r.constant.length <= MAX_FOLDED) this.constants.set(name, r.constant);
    });
  }

  finish(producer: string): Model {
    const modules: ModuleInfo[] = this.modules
      .filter((m) => m.nodeIds.length > 0)
      .map((m) => {
        let params = 0;
        for (const t of m.params) {
          const init = this.graph.initializers.get(t);
          if (init) params += numel(init.shape);
        }
        return { path: m.path, kind: m.kind, params, config: m.config, nodeIds: m.nodeIds };
      });
    this.graph.modules = modules;
    return { graph: this.graph, opsets: [{ domain: '', version: OPSET }], irVersion: 8, producer, functions: [], layout: 'NHWC' };
  }
}

/**
 * Depth-to-space in NHWC, DCR order (`tf.depthToSpace`, TFLite's DEPTH_TO_SPACE):
 * `out[n, h·b + i, w·b + j, c] = in[n, h, w, (i·b + j)·C + c]`, written as reshape → transpose → reshape, which the
 * shape rules and every runtime know. `batch` is the input's batch size, or -1 when it is open.
 */
export function depthToSpaceNodes(b: NhwcBuilder, x: string, [batch, h, w, depth]: readonly [number, number, number, number], block: number, output?: string): string {
  const channels = depth / (block * block);
  const split = b.one('Reshape', [x, b.int64('shape', [batch, h, w, block, block, channels])]);
  const moved = b.one('Transpose', [split], { perm: ints([0, 1, 3, 2, 4, 5]) });
  return b.one('Reshape', [moved, b.int64('shape', [batch, h * block, w * block, channels])], {}, output);
}
