import type { Dim, Graph, Model } from '../ir/graph.js';

/**
 * Short names for the dynamic dims of a model's inputs. Exporters name them after themselves
 * (`p2o.DynamicDimension.1`, `unk__42`, `input:2`); a reader wants `N`, `H`, `W`. A `dim_param` that is
 * already short and readable (`batch`, `height`) is kept. One name per distinct `dim_param`, so two
 * inputs that share a dim still share it.
 */
export function readableInputSymbols(model: Model): Map<string, string> {
  const graph = model.graph;
  const renamed = new Map<string, string>();
  const used = new Set<string>();
  const dynamic = graph.inputs.filter((v) => !graph.initializers.has(v.name) && v.shape);
  // Readable names are claimed first, so a positional name never takes one of them.
  for (const v of dynamic) for (const d of v.shape!) if (typeof d === 'string' && isReadable(d)) {
    renamed.set(d, d);
    used.add(d);
  }
  for (const v of dynamic) {
    const names = positionalNames(v.shape!.length, model.layout);
    v.shape!.forEach((d, axis) => {
      if (typeof d !== 'string' || renamed.has(d)) return;
      const base = names[axis] ?? `d${axis}`;
      let name = base;
      for (let k = 2; used.has(name); k++) name = `${base}${k}`;
      renamed.set(d, name);
      used.add(name);
    });
  }
  return renamed;
}

/** Renames the input dims everywhere the file declared them (inputs, outputs, value_info). */
export function applyInputSymbols(graph: Graph, renamed: ReadonlyMap<string, string>): void {
  if (![...renamed].some(([from, to]) => from !== to)) return;
  const rename = (shape: Dim[] | undefined) => shape?.map((d) => (typeof d === 'string' ? renamed.get(d) ?? d : d));
  for (const v of [...graph.inputs, ...graph.outputs]) v.shape = rename(v.shape);
  for (const v of graph.values.values()) v.shape = rename(v.shape);
}

const GENERATED = /^(unk__\d+|dim_?\d+|d\d+|\d.*)$|DynamicDimension|[^A-Za-z0-9_]/;

function isReadable(name: string): boolean {
  return name.length <= 12 && /^[A-Za-z]/.test(name) && !GENERATED.test(name);
}

function positionalNames(rank: number, layout: Model['layout']): string[] {
  switch (rank) {
    case 1: return ['N'];
    case 2: return ['N', 'D'];
    case 3: return layout === 'NHWC' ? ['N', 'L', 'C'] : ['N', 'C', 'L'];
    case 4: return layout === 'NHWC' ? ['N', 'H', 'W', 'C'] : ['N', 'C', 'H', 'W'];
    case 5: return layout === 'NHWC' ? ['N', 'D', 'H', 'W', 'C'] : ['N', 'C', 'D', 'H', 'W'];
    default: return [];
  }
}
