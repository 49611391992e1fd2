import { SeLensError } from '../../errors.js';
import { field } from './weights-manifest.js';

/** One node of a TF GraphDef as the TF.js converter writes it in JSON. */
export interface TfNode {
  readonly name: string;
  readonly op: string;
  /** Data inputs as `node` or `node:k`; control inputs (`^node`) dropped. */
  readonly inputs: readonly string[];
  readonly attr: Readonly<Record<string, unknown>>;
}

/** Checks the JSON shape of `modelTopology.node` and returns the nodes; the converter's field names are TF's. */
export function graphDefNodes(topology: unknown): TfNode[] {
  const list = field(topology, 'node');
  if (!Array.isArray(list)) throw new SeLensError('corrupt', 'The graph model has no "modelTopology.node" list.');
  const names = new Set<string>();
  return list.map((n: unknown, i) => {
    const name = field(n, 'name');
    const op = field(n, 'op');
    const input = field(n, 'input') ?? [];
    const attr = field(n, 'attr') ?? {};
    if (typeof name !== 'string' || !name || typeof op !== 'string' || !Array.isArray(input) || !input.every((x) => typeof x === 'string') || typeof attr !== 'object' || attr === null) {
      throw new SeLensError('corrupt', `Node ${i} of the graph model is malformed (it needs a name, an op, and a list of inputs).`);
    }
    if (names.has(name)) throw new SeLensError('corrupt', `The graph model has two nodes named "${name}".`);
    names.add(name);
    return { name, op, inputs: (input as string[]).filter((x) => !x.startsWith('^')), attr: attr as Record<string, unknown> };
  });
}

/** `node:0` and `node` are the same tensor; other outputs keep their index. */
export function tensorKey(input: string): string {
  const m = /^(.*):(\d+)$/.exec(input);
  return m && m[2] === '0' ? m[1]! : input;
}

export function producerName(input: string): string {
  const m = /^(.*):(\d+)$/.exec(input);
  return m ? m[1]! : input;
}

/** Producers before consumers (Kahn's order, stable); nodes on a cycle (TF while loops) keep their file order at the end. */
export function topologicalOrder(nodes: readonly TfNode[]): TfNode[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const pending = new Map<string, number>();
  const consumers = new Map<string, TfNode[]>();
  for (const n of nodes) {
    const deps = new Set(n.inputs.map(producerName).filter((p) => byName.has(p) && p !== n.name));
    pending.set(n.name, deps.size);
    for (const d of deps) {
      const list = consumers.get(d) ?? [];
      list.push(n);
      consumers.set(d, list);
    }
  }
  const order: TfNode[] = [];
  const ready = nodes.filter((n) => pending.get(n.name) === 0);
  for (let i = 0; i < ready.length; i++) {
    const n = ready[i]!;
    order.push(n);
    for (const c of consumers.get(n.name) ?? []) {
      const left = pending.get(c.name)! - 1;
      pending.set(c.name, left);
      if (left === 0) ready.push(c);
    }
  }
  if (order.length < nodes.length) {
    const placed = new Set(order.map((n) => n.name));
    for (const n of nodes) if (!placed.has(n.name)) order.push(n);
  }
  return order;
}

/** Attribute readers over the converter's JSON (`{"i": "1"}`, `{"list": {"i": [...]}}`, `{"s": base64}`, ...). */
export class TfAttrs {
  constructor(private readonly node: TfNode) {}

  float(name: string): number | undefined {
    const v = field(this.node.attr[name], 'f');
    return v === undefined ? undefined : Number(v);
  }

  bool(name: string): boolean {
    return field(this.node.attr[name], 'b') === true;
  }

  /** `{"i": "3"}` (int64 as a string in the converter's JSON); undefined when absent or not an integer. */
  int(name: string): number | undefined {
    const v = Number(field(this.node.attr[name], 'i'));
    return Number.isSafeInteger(v) ? v : undefined;
  }

  str(name: string): string | undefined {
    const v = field(this.node.attr[name], 's');
    return typeof v === 'string' ? decodeBase64(v) : undefined;
  }

  ints(name: string): number[] | undefined {
    const v = field(field(this.node.attr[name], 'list'), 'i');
    return Array.isArray(v) ? v.map(Number) : undefined;
  }

  strs(name: string): string[] {
    const v = field(field(this.node.attr[name], 'list'), 's');
    return Array.isArray(v) ? v.map((s) => decodeBase64(String(s))) : [];
  }

  type(name: string): string | undefined {
    const v = field(this.node.attr[name], 'type');
    return typeof v === 'string' ? v : undefined;
  }

  /** `attr.shape.shape.dim[].size`, `-1` for unknown sizes; undefined for unknown rank. */
  shape(name: string): number[] | undefined {
    const s = field(this.node.attr[name], 'shape');
    if (field(s, 'unknownRank') === true) return undefined;
    const dims = field(s, 'dim');
    if (dims === undefined) return s === undefined ? undefined : [];
    return Array.isArray(dims) ? dims.map((d) => Number(field(d, 'size') ?? -1)) : undefined;
  }
}

function decodeBase64(s: string): string {
  let bin: string;
  try {
    bin = atob(s);
  } catch {
    return '';
  }
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

export const TF_DTYPES: Record<string, 'float32' | 'int32' | 'int64' | 'bool' | 'uint8' | 'string' | 'float16' | 'int8'> = {
  DT_FLOAT: 'float32', DT_INT32: 'int32', DT_INT64: 'int64', DT_BOOL: 'bool', DT_UINT8: 'uint8', DT_STRING: 'string', DT_HALF: 'float16', DT_INT8: 'int8',
};
