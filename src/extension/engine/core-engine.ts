// The extension host's view of the core, shared by the Node bundle (dist/engine.js) and the web entry: the
// host gives it the source front-ends and, where models have files beside them, the external-data reader.
import { analyzeModel } from '../../core/analyze.js';
import { readModelFile } from '../../core/formats/read-model.js';
import type { SEBlock } from '../../core/detect/block.js';
import { SeLensError } from '../../core/errors.js';
import { initialiseWeights } from '../../core/inputs/init.js';
import { inspectOnnx, inspectSource } from '../../core/inspect/inspection.js';
import { writeOnnx } from '../../core/onnx/writer.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import { formatCsv, formatMarkdown } from '../../core/stats/format.js';
import { computeStats } from '../../core/stats/stats.js';
import type { Convention, StatsTable } from '../../core/stats/table.js';
import { bytesSource, type ExternalDataHost } from '../../core/onnx/byte-source.js';
import { readWeights } from '../../core/pairing/read-weights.js';
import { trainedModel } from '../../core/pairing/trained-model.js';
import type { Engine, EngineSourceAnalysis, ModelPlace, SourceRequest, StatsFormat } from './api.js';
import { filesReadBeside } from '../../core/formats/sharded/manifest-files.js';

/** Seed for the weights of exported source blocks, so an export is reproducible. */
export const EXPORT_SEED = 0;

/** What analyses source documents: the front-ends in this thread, or a worker that runs them. */
export interface SourceAnalyzerPort {
  analyze(request: SourceRequest): Promise<EngineSourceAnalysis>;
  forget(key: string): void;
}

/** `externalData`: tensors stored beside a model file; absent where models have no readable folder (the web host). */
export function buildEngine(front: SourceAnalyzerPort, externalData?: (modelPath: string) => ExternalDataHost): Engine {
  const external = (place?: ModelPlace) => place?.beside ?? (place?.path && externalData ? externalData(place.path) : undefined);
  const tables = new WeakMap<SourceUnit, Map<string, StatsTable>>();
  const engine: Engine = {
    analyzeSource: (request) => front.analyze(request),
    unitTable(unit, convention, blockId) {
      let perUnit = tables.get(unit);
      if (!perUnit) tables.set(unit, (perUnit = new Map()));
      const key = `${convention}\u0000${blockId ?? '\u0001'}`;
      let table = perUnit.get(key);
      if (!table) {
        const block = blockId === undefined ? undefined : findBlock(unit.blocks, blockId);
        // The front-end already counted the whole unit the torchstat way.
        table = !block && convention === 'torchstat' && unit.table?.convention === 'torchstat'
          ? unit.table
          : computeStats(unit.model, convention, block ? { block } : {});
        perUnit.set(key, table);
      }
      return table;
    },
    // Any model format, told apart by content; TF.js shards and ONNX external data are read beside it.
    analyzeModel: async (source, place) => {
      const host = external(place);
      const name = place?.name ?? (place?.path ? modelName(place.path) : undefined);
      return analyzeModel(await readModelFile(source, { ...(host ? { folder: host } : {}), ...(name ? { name } : {}) }));
    },
    filesBeside: (source) => filesReadBeside(source, (s, folder) => readModelFile(s, { folder })),
    inspectSource: (unit, title, convention, sizes, trained) =>
      inspectSource({ model: unit.model, blocks: unit.blocks, table: (c, id) => engine.unitTable(unit, c, id) }, title, convention, {}, sizes, trained),
    inspectModel: (analysis, source, title, convention, place, sizes) => inspectOnnx(analysis, source, title, convention, external(place), sizes),
    formatTable: (table, format) => formatTable(table, format),
    async pairWeights(unit, file) {
      const source = bytesSource(file.bytes);
      const weights = await readWeights(source, file.beside);
      const described = { ...weights, notes: [`${file.label}: ${weights.description}`, ...weights.notes] };
      return trainedModel(unit.model, described, { source, ...(file.beside ? { shards: file.beside } : {}) }, { label: file.label, version: file.version, ...(file.prefix ? { prefix: file.prefix } : {}) });
    },
    exportOnnx(unit) {
      const report = initialiseWeights(unit.model, unit.model.layout === 'NHWC' ? 'tfjs' : 'pytorch', EXPORT_SEED);
      if (report.missing.length) {
        throw new SeLensError('unsupported', `Cannot export ${unit.name}: weights ${report.missing.join(', ')} have no known shape.`);
      }
      return writeOnnx(unit.model, { producer: 'se-lens' });
    },
    forget: (key) => front.forget(key),
  };
  return engine;
}

/** The file's name without its extension: a TF.js model's name when its JSON does not give one. */
function modelName(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  return base.includes('.') ? base.slice(0, base.lastIndexOf('.')) : base;
}

function findBlock(blocks: readonly SEBlock[], id: string): SEBlock {
  const found = blocks.find((b) => b.id === id);
  if (!found) throw new SeLensError('bad-argument', `No SE block "${id}" here; blocks: ${blocks.map((b) => JSON.stringify(b.id)).join(', ') || 'none'}.`);
  return found;
}

export function formatTable(table: StatsTable, format: StatsFormat): string {
  if (format === 'markdown') return formatMarkdown(table);
  if (format === 'csv') return formatCsv(table);
  return JSON.stringify(tableJson(table), null, 2);
}

/** The CLI's `layers`/`totals` JSON shape, for one table. */
function tableJson(t: StatsTable): unknown {
  return {
    convention: t.convention satisfies Convention,
    layers: t.rows.map((row) => ({
      name: row.name, kind: row.kind, inputShape: row.inputShape, outputShape: row.outputShape, params: row.params,
      memoryMB: row.memoryMB, ...row.counts, ...(row.range ? { range: { startLine: row.range.startLine + 1, endLine: row.range.endLine + 1 } } : {}),
    })),
    totals: { params: t.totals.params, memoryMB: t.totals.memoryMB, ...t.totals.counts },
    summary: t.summary,
  };
}
