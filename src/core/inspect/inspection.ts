import type { SEBlock } from '../detect/block.js';
import type { Model } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from '../onnx/byte-source.js';
import type { LoadMessage } from '../protocol.js';
import type { Convention, StatsTable } from '../stats/table.js';
import { DEFAULT_SOURCE_RUN, gateModelFromOnnx, gateModelFromSource, type SourceRunOptions } from './gate-model.js';

/** Everything of a `load` message the engine computes; the panel adds the user's settings. */
export type Inspection = Pick<LoadMessage, 'modelKey' | 'title' | 'origin' | 'modelBytes' | 'inputs' | 'layout' | 'blocks' | 'stats' | 'blockStats' | 'convention' | 'weightSeed'>;

/** A model and its tables, as `analyzeOnnx` / the engine's source units give them. */
export interface AnalysedModel {
  readonly model: Model;
  readonly blocks: readonly SEBlock[];
  table(convention: Convention, blockId?: string): StatsTable;
}

function tables(a: AnalysedModel, convention: Convention): Pick<Inspection, 'stats' | 'blockStats' | 'convention'> {
  return {
    convention,
    stats: a.table(convention),
    blockStats: a.blocks.map((b) => ({ blockId: b.id, table: a.table(convention, b.id) })),
  };
}

/** An ONNX file: gates as outputs, pruned, payloads read from `source`. */
export function inspectOnnx(a: AnalysedModel, source: ByteSource, title: string, convention: Convention, external?: ExternalDataHost): Inspection {
  const gm = gateModelFromOnnx(a.model, a.blocks, source, external);
  return {
    modelKey: `onnx:${title}:${source.size}:${gm.bytes.length}`,
    title,
    origin: 'onnx',
    modelBytes: gm.bytes,
    inputs: gm.inputs,
    layout: a.model.layout,
    blocks: [...a.blocks],
    ...tables(a, convention),
  };
}

/** A source unit (PyTorch / TF.js): framework-default weights from a visible seed. */
export function inspectSource(a: AnalysedModel, title: string, convention: Convention, options: Partial<SourceRunOptions> = {}): Inspection {
  const run: SourceRunOptions = { ...DEFAULT_SOURCE_RUN, scheme: a.model.layout === 'NHWC' ? 'tfjs' : 'pytorch', ...options };
  const gm = gateModelFromSource(a.model, a.blocks, run);
  return {
    modelKey: `source:${title}:${run.scheme}:${run.seed}:${gm.bytes.length}`,
    title,
    origin: 'source',
    modelBytes: gm.bytes,
    inputs: gm.inputs,
    layout: a.model.layout,
    blocks: [...a.blocks],
    weightSeed: run.seed,
    ...tables(a, convention),
  };
}
