import { analyzeModel } from '../analyze.js';
import type { SEBlock } from '../detect/block.js';
import type { Model } from '../ir/graph.js';
import type { TrainedModel } from '../pairing/trained-model.js';
import { chooseInputSizes, sizedInputs, type SizeRequest } from '../inputs/sizes.js';
import type { ByteSource, ExternalDataHost } from '../onnx/byte-source.js';
import type { InputSizeChoice, LoadMessage, ModelInput, WeightsOrigin } from '../protocol.js';
import { seOverhead, type SeOverhead } from '../stats/se-overhead.js';
import type { Convention, StatsTable } from '../stats/table.js';
import { DEFAULT_SOURCE_RUN, gateModelFromOnnx, gateModelFromSource, type SourceRunOptions } from './gate-model.js';

/** Everything of a `load` message the engine computes; the panel adds the user's settings. */
export type Inspection = Pick<LoadMessage, 'modelKey' | 'title' | 'origin' | 'modelBytes' | 'inputs' | 'layout' | 'blocks' | 'stats' | 'blockStats' | 'convention' | 'weights' | 'sizes' | 'imageFit'> & {
  readonly seOverhead: SeOverhead;
};

/** A model and its tables, as `analyzeOnnx` / the engine's source units give them. */
export interface AnalysedModel {
  readonly model: Model;
  readonly blocks: readonly SEBlock[];
  table(convention: Convention, blockId?: string): StatsTable;
}

function tables(a: AnalysedModel, convention: Convention): Pick<Inspection, 'stats' | 'blockStats' | 'convention' | 'seOverhead'> {
  return {
    convention,
    stats: a.table(convention),
    // Its own conventions (torchstat params, torchinfo MACs), whatever the user's: a convention switch keeps it.
    seOverhead: seOverhead(a),
    blockStats: a.blocks.map((b) => ({ blockId: b.id, table: a.table(convention, b.id) })),
  };
}

function graphInputs(model: Model): ModelInput[] {
  const g = model.graph;
  return g.inputs.filter((i) => !g.initializers.has(i.name)).map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape ?? [] }));
}

/**
 * The model with its dynamic input dims set to the chosen sizes, shapes inferred again and blocks
 * found again, so tables, block shapes and the gate model all use the sizes the run feeds.
 */
function withInputSizes(a: AnalysedModel, request: SizeRequest): { analysis: AnalysedModel; sizes: InputSizeChoice[] } {
  const sizes = chooseInputSizes(graphInputs(a.model), a.model.layout, request, a.model.metadata);
  if (!sizes.some((c) => c.role !== 'batch')) return { analysis: a, sizes };
  const g = a.model.graph;
  const inputs = sizedInputs(g.inputs, sizes);
  const values = new Map(g.values);
  for (const i of inputs) values.set(i.name, { name: i.name, dtype: i.dtype, shape: i.shape });
  const model: Model = { ...a.model, graph: { ...g, inputs, values } };
  return { analysis: analyzeModel(model), sizes };
}

function sizesKey(sizes: readonly InputSizeChoice[]): string {
  return sizes.filter((c) => c.role !== 'batch').map((c) => `${c.symbol}=${c.value}`).join(',');
}

function imageFit(sizes: readonly InputSizeChoice[]): Inspection['imageFit'] {
  return sizes.some((c) => c.source === 'image') ? 'stretch' : 'crop';
}

/** An ONNX file: gates as outputs, pruned, payloads read from `source`, dynamic dims sized by `sizes`. */
export function inspectOnnx(a: AnalysedModel, source: ByteSource, title: string, convention: Convention, external?: ExternalDataHost, request: SizeRequest = {}): Inspection {
  const { analysis, sizes } = withInputSizes(a, request);
  const gm = gateModelFromOnnx(analysis.model, analysis.blocks, source, external);
  return {
    modelKey: `onnx:${title}:${source.size}:${gm.bytes.length}:${sizesKey(sizes)}`,
    title,
    origin: 'onnx',
    modelBytes: gm.bytes,
    inputs: gm.inputs,
    layout: analysis.model.layout,
    blocks: [...analysis.blocks],
    sizes,
    imageFit: imageFit(sizes),
    ...tables(analysis, convention),
  };
}

/**
 * A source unit (PyTorch / TF.js): run with `trained` (a checkpoint paired with it) when given, else with
 * framework-default weights from a visible seed; dynamic dims sized by `sizes`. The model key names the weights
 * (file, its version, the pairing; or scheme and seed), so a panel or session reused across a change of
 * weights never shows the gates of the old ones.
 */
export function inspectSource(a: AnalysedModel, title: string, convention: Convention, options: Partial<SourceRunOptions> = {}, request: SizeRequest = {}, trained?: TrainedModel): Inspection {
  const run: SourceRunOptions = { ...DEFAULT_SOURCE_RUN, scheme: a.model.layout === 'NHWC' ? 'tfjs' : 'pytorch', ...options };
  const base = trained?.model ?? a.model;
  const sizes = chooseInputSizes(graphInputs(base), base.layout, request, base.metadata);
  const model: Model = { ...base, graph: { ...base.graph, inputs: sizedInputs(base.graph.inputs, sizes) } };
  const gm = gateModelFromSource(model, a.blocks, run);
  const weights: WeightsOrigin = trained
    ? { kind: 'trained', file: trained.file, label: `weights: ${trained.file} (trained)`, notes: [...trained.notes] }
    : { kind: 'default', seed: run.seed, label: `framework-default weights, seed ${run.seed}` };
  const weightsKey = trained ? `trained=${trained.file}@${trained.version}#${trained.pairing}` : `${run.scheme}:${run.seed}`;
  return {
    modelKey: `source:${title}:${weightsKey}:${gm.bytes.length}:${sizesKey(sizes)}`,
    title,
    origin: 'source',
    modelBytes: gm.bytes,
    inputs: gm.inputs,
    layout: a.model.layout,
    blocks: [...a.blocks],
    weights,
    sizes,
    imageFit: imageFit(sizes),
    ...tables(a, convention),
  };
}
