import type { Initializer, Model, TensorConst } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from '../onnx/byte-source.js';
import { loadTensorValues } from '../onnx/tensor-data.js';

/** How a file's tensors met the weights a source front-end made, by state-dict name (`fc_layers.0.weight`). */
export interface Pairing {
  /** The source's model with each paired initializer carrying the file's payload (located, not read). */
  readonly model: Model;
  /** The prefix taken off the file's names (`module.`), `''` for none. */
  readonly prefix: string;
  /** State-dict names (after the prefix) that paired. */
  readonly paired: readonly string[];
  /** Weights the source has and the file lacks: they keep their framework-default values. */
  readonly missing: readonly string[];
  /** File tensors no source weight has (after the prefix), besides the bookkeeping buffers below. */
  readonly unexpected: readonly string[];
  readonly shapeMismatches: readonly { readonly name: string; readonly source: readonly number[]; readonly file: readonly number[] }[];
}

/** Buffers PyTorch saves that no computation reads: never worth a mismatch line. */
const BOOKKEEPING = /(^|\.)num_batches_tracked$/;

/**
 * Pairs by exact name after removing `prefix`. With no prefix given, the prefixes every file name shares
 * (`module.` from DataParallel, `model.` from Lightning, `module.model.`) are tried and kept only when they
 * pair more weights than none does: checked by the names themselves, never guessed. Names or shapes that
 * differ are listed.
 */
export function pairWeights(model: Model, tensors: ReadonlyMap<string, TensorConst>, prefix?: string): Pairing {
  if (prefix !== undefined) return pairWith(model, tensors, prefix);
  let best = pairWith(model, tensors, '');
  for (const candidate of sharedPrefixes([...tensors.keys()])) {
    const p = pairWith(model, tensors, candidate);
    if (p.paired.length > best.paired.length) best = p;
  }
  return best;
}

/** `a.`, `a.b.` when every name starts with them (two levels at most). */
function sharedPrefixes(names: readonly string[]): string[] {
  const out: string[] = [];
  let prefix = '';
  for (let level = 0; level < 2 && names.length; level++) {
    const first = names[0]!.slice(prefix.length).split('.')[0]!;
    const next = `${prefix}${first}.`;
    if (!names.every((n) => n.startsWith(next) && n.length > next.length)) break;
    out.push(next);
    prefix = next;
  }
  return out;
}

/**
 * Each source weight's state-dict name: `<module path>.<role>` from the module whose node reads it (a
 * front-end may give library-built weights other initializer names), else the initializer's own name.
 */
const ROLES: Readonly<Record<string, readonly (string | undefined)[]>> = {
  Conv: [undefined, 'weight', 'bias'],
  ConvTranspose: [undefined, 'weight', 'bias'],
  Gemm: [undefined, 'weight', 'bias'],
  MatMul: [undefined, 'weight'],
  BatchNormalization: [undefined, 'weight', 'bias', 'running_mean', 'running_var'],
  LayerNormalization: [undefined, 'weight', 'bias'],
  PRelu: [undefined, 'weight'],
};

function stateDictNames(model: Model): Map<string, string> {
  const graph = model.graph;
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const out = new Map<string, string>();
  for (const m of graph.modules ?? []) {
    for (const id of m.nodeIds) {
      const node = byId.get(id);
      const roles = node ? ROLES[node.op] : undefined;
      roles?.forEach((role, i) => {
        const input = node!.inputs[i];
        if (role && input && graph.initializers.has(input) && !out.has(input)) out.set(input, m.path ? `${m.path}.${role}` : role);
      });
    }
  }
  return out;
}

function pairWith(model: Model, tensors: ReadonlyMap<string, TensorConst>, strip: string): Pairing {
  const names = [...tensors.keys()];
  const byName = new Map<string, TensorConst>();
  for (const [name, t] of tensors) if (name.startsWith(strip)) byName.set(name.slice(strip.length), t);
  const weights = [...model.graph.initializers.values()].filter((i) => i.values === undefined && i.payload === undefined);
  const fromModules = stateDictNames(model);
  const initializers = new Map(model.graph.initializers);
  const paired: string[] = [];
  const missing: string[] = [];
  const used = new Set<string>();
  const shapeMismatches: { name: string; source: number[]; file: number[] }[] = [];
  for (const w of weights) {
    const key = [fromModules.get(w.name), w.name].find((k): k is string => k !== undefined && byName.has(k)) ?? fromModules.get(w.name) ?? w.name;
    const t = byName.get(key);
    if (!t || (!t.payload && !t.values)) {
      missing.push(key);
      continue;
    }
    used.add(key);
    if (t.shape.length !== w.shape.length || t.shape.some((d, i) => d !== w.shape[i])) {
      shapeMismatches.push({ name: key, source: [...w.shape], file: [...t.shape] });
      continue;
    }
    const init: Initializer = { name: w.name, dtype: t.dtype, shape: [...w.shape], ...(t.payload ? { payload: t.payload } : {}), ...(t.values ? { values: t.values } : {}) };
    initializers.set(w.name, init);
    paired.push(key);
  }
  const unexpected = names.filter((n) => !(n.startsWith(strip) && used.has(n.slice(strip.length))) && !BOOKKEEPING.test(n));
  return { model: { ...model, graph: { ...model.graph, initializers } }, prefix: strip, paired, missing, unexpected, shapeMismatches };
}

/** One line per fact, as the CLI and hovers print them. */
export function pairingSummary(p: Pairing, file: string): string[] {
  const lines = [`weights from ${file}: ${p.paired.length} tensor${p.paired.length === 1 ? '' : 's'} paired${p.prefix ? ` (prefix "${p.prefix}" removed)` : ''}`];
  if (p.missing.length) lines.push(`not in the file (framework defaults kept): ${p.missing.join(', ')}`);
  if (p.unexpected.length) lines.push(`in the file, not in the source: ${p.unexpected.slice(0, 20).join(', ')}${p.unexpected.length > 20 ? `, … (${p.unexpected.length} in all)` : ''}`);
  for (const m of p.shapeMismatches) lines.push(`shape mismatch: ${m.name} is [${m.source.join(',')}] in the source, [${m.file.join(',')}] in the file (not used)`);
  return lines;
}

/**
 * The paired weights' values read from the weights file into a copy of the model, so it can be written and run.
 * `shards`: the files a sharded checkpoint's tensors point into (beside its index).
 */
export function withPairedValues(model: Model, weights: ByteSource, shards?: ExternalDataHost): Model {
  const initializers = new Map(model.graph.initializers);
  for (const [name, init] of initializers) {
    if (!init.payload || init.values !== undefined) continue;
    const values = loadTensorValues(init, weights, shards);
    initializers.set(name, { name, dtype: 'float32', shape: init.shape, values: values instanceof Float32Array ? values : Float32Array.from(values) });
  }
  return { ...model, graph: { ...model.graph, initializers } };
}
