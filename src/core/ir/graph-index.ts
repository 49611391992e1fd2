import type { AttrValue, Graph, Node } from './graph.js';

/** Producer and consumer lookups over one graph, built once per analysis. */
export class GraphIndex {
  private readonly producers = new Map<string, Node>();
  private readonly consumers = new Map<string, Node[]>();
  private readonly byId = new Map<string, Node>();

  constructor(readonly graph: Graph) {
    for (const node of graph.nodes) {
      this.byId.set(node.id, node);
      for (const out of node.outputs) if (out) this.producers.set(out, node);
      for (const input of node.inputs) {
        if (!input) continue;
        const list = this.consumers.get(input);
        if (list) list.push(node);
        else this.consumers.set(input, [node]);
      }
    }
  }

  producer(tensor: string): Node | undefined {
    return this.producers.get(tensor);
  }

  consumersOf(tensor: string): readonly Node[] {
    return this.consumers.get(tensor) ?? [];
  }

  node(id: string): Node | undefined {
    return this.byId.get(id);
  }
}

export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  const a: AttrValue | undefined = node.attrs[name];
  return a && (a.type === 'int' || a.type === 'float') ? a.value : fallback;
}

export function attrFloat(node: Node, name: string, fallback: number): number {
  const a = node.attrs[name];
  return a && (a.type === 'float' || a.type === 'int') ? a.value : fallback;
}

export function attrInts(node: Node, name: string): number[] | undefined {
  const a = node.attrs[name];
  return a && a.type === 'ints' ? a.value : undefined;
}

export function attrString(node: Node, name: string): string | undefined {
  const a = node.attrs[name];
  return a && a.type === 'string' ? a.value : undefined;
}
