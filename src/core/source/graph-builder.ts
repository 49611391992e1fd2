import type { AttrValue, DType, Dim, Graph, Model, ModuleInfo, Node, Shape, SourceRange, TensorConst } from '../ir/graph.js';
import { emptyGraph } from '../ir/graph.js';

/** A tensor flowing through interpreted code: its IR value name and what is known of its shape. */
export interface TensorRef {
  readonly name: string;
  readonly shape: Shape;
}

export interface SourceUnknown {
  readonly nodeId: string;
  readonly note: string;
  readonly range: SourceRange;
}

export interface NodeSpec {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputShapes: readonly Shape[];
  readonly attrs?: Record<string, AttrValue>;
  readonly range?: SourceRange;
  readonly note?: string;
  readonly dtype?: DType;
}

/**
 * Accumulates the IR of one analysed unit: nodes in execution order, weights without values, every
 * tensor's shape, the module table and the unknowns. Names are deterministic so re-analysis of
 * unchanged code gives the same graph.
 */
export class GraphBuilder {
  readonly graph: Graph;
  readonly unknowns: SourceUnknown[] = [];
  /** Module path of the innermost module being called (`''` for the analysed module itself); nodes take it as their scope. */
  scope = '';
  private counter = 0;
  private readonly moduleNodes = new Map<string, string[]>();
  private readonly nodeSink: string[][] = [];

  constructor(name: string) {
    this.graph = emptyGraph(name);
  }

  private fresh(base: string): string {
    return `${base}_${this.counter++}`;
  }

  addInput(name: string, shape: Dim[]): TensorRef {
    this.graph.inputs.push({ name, dtype: 'float32', shape: [...shape] });
    this.graph.values.set(name, { name, dtype: 'float32', shape: [...shape] });
    return { name, shape: [...shape] };
  }

  /** A weight or constant; `values` only for small constants whose values carry meaning (shapes, axes). */
  addInitializer(base: string, tensor: TensorConst): string {
    const name = this.scope ? `${this.scope}.${base}` : this.fresh(base);
    const unique = this.graph.initializers.has(name) ? this.fresh(name) : name;
    this.graph.initializers.set(unique, { name: unique, ...tensor });
    this.graph.values.set(unique, { name: unique, dtype: tensor.dtype, shape: [...tensor.shape] });
    return unique;
  }

  weight(base: string, shape: number[]): string {
    return this.addInitializer(base, { dtype: 'float32', shape });
  }

  /** A weight under its framework name (`dense/kernel`), made unique if the name is taken. */
  namedWeight(name: string, shape: number[]): string {
    const unique = this.graph.initializers.has(name) ? this.fresh(name) : name;
    this.graph.initializers.set(unique, { name: unique, dtype: 'float32', shape });
    this.graph.values.set(unique, { name: unique, dtype: 'float32', shape: [...shape] });
    return unique;
  }

  int64(base: string, values: number[]): string {
    return this.addInitializer(base, { dtype: 'int64', shape: [values.length], values: [...values] });
  }

  scalar(value: number): string {
    return this.addInitializer('const', { dtype: 'float32', shape: [], values: new Float32Array([value]) });
  }

  add(spec: NodeSpec): TensorRef[] {
    const id = this.nodeId(spec.op);
    const single = spec.outputShapes.length === 1;
    const outputs = spec.outputShapes.map((shape) => this.output(single ? `${id}_out` : this.fresh(`${id}_out`), shape, spec.dtype));
    this.push(id, spec, outputs.map((o) => o.name));
    return outputs;
  }

  /** `add` with one output, without the spec copy and arrays `add` would make (most nodes have one output). */
  one(spec: Omit<NodeSpec, 'outputShapes'> & { outputShape: Shape }): TensorRef {
    const id = this.nodeId(spec.op);
    const out = this.output(`${id}_out`, spec.outputShape, spec.dtype);
    this.push(id, spec, [out.name]);
    return out;
  }

  private nodeId(op: string): string {
    return this.fresh(this.scope ? `${this.scope}/${op}` : op);
  }

  private output(name: string, shape: Shape, dtype: DType | undefined): TensorRef {
    this.graph.values.set(name, { name, dtype: dtype ?? 'float32', shape: shape ? [...shape] : undefined });
    return { name, shape: shape ? [...shape] : undefined };
  }

  private push(id: string, spec: Omit<NodeSpec, 'outputShapes'>, outputs: string[]): void {
    const node: { -readonly [K in keyof Node]: Node[K] } = { id, op: spec.op, domain: '', attrs: spec.attrs ?? {}, inputs: [...spec.inputs], outputs, scope: this.scope };
    if (spec.range) node.range = spec.range;
    if (spec.note) node.note = spec.note;
    this.graph.nodes.push(node);
    for (const sink of this.nodeSink) sink.push(id);
  }

  /** What could not be interpreted: an explicit node, so the graph stays connected and the gap visible. */
  unknown(note: string, range: SourceRange, inputs: readonly TensorRef[] = []): TensorRef {
    const out = this.one({ op: 'Unknown', inputs: inputs.map((t) => t.name), outputShape: undefined, range, note });
    const node = this.graph.nodes[this.graph.nodes.length - 1]!;
    // The same problem already noted on this line (where a value was made) becomes this node.
    const earlier = this.unknowns.findIndex((u) => u.nodeId === '' && u.note === note && u.range.startLine === range.startLine);
    if (earlier !== -1) this.unknowns.splice(earlier, 1);
    this.unknowns.push({ nodeId: node.id, note, range });
    return out;
  }

  /** Records a problem that produced no tensor (a statement skipped). */
  note(note: string, range: SourceRange): void {
    if (this.unknowns.some((u) => u.note === note && u.range.startLine === range.startLine)) return;
    this.unknowns.push({ nodeId: '', note, range });
  }

  /** Runs `body` with every node it creates attributed to module `path`. */
  within<T>(path: string, body: () => T): T {
    const ids = this.moduleNodes.get(path) ?? [];
    this.moduleNodes.set(path, ids);
    const saved = this.scope;
    this.scope = path;
    this.nodeSink.push(ids);
    try {
      return body();
    } finally {
      this.nodeSink.pop();
      this.scope = saved;
    }
  }

  /** Ids of the nodes made inside `within(path, ...)`, over all its calls. */
  nodesOf(path: string): readonly string[] {
    return this.moduleNodes.get(path) ?? [];
  }

  finish(outputs: readonly TensorRef[], modules: ModuleInfo[], layout: Model['layout'], producer: string): Model {
    for (const out of outputs) {
      const info = this.graph.values.get(out.name);
      if (!this.graph.outputs.some((o) => o.name === out.name)) {
        this.graph.outputs.push({ name: out.name, dtype: info?.dtype ?? 'float32', shape: out.shape ? [...out.shape] : undefined });
      }
    }
    this.graph.modules = modules;
    return {
      graph: this.graph,
      opsets: [{ domain: '', version: 17 }],
      irVersion: 8,
      producer,
      functions: [],
      layout,
    };
  }
}
