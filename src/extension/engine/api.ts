import type { SEBlock } from '../../core/detect/block.js';
import type { Model } from '../../core/ir/graph.js';
import type { Inspection } from '../../core/inspect/inspection.js';
import type { SizeRequest } from '../../core/inputs/sizes.js';
import type { ByteSource, ExternalDataHost } from '../../core/onnx/byte-source.js';
import type { TrainedModel } from '../../core/pairing/trained-model.js';
import type { DefaultInput, SourceAnalysis, SourceUnit } from '../../core/source/analysis.js';
import type { SourceLanguage } from '../../core/source/parsers.js';
import type { Convention, StatsTable } from '../../core/stats/table.js';

export type StatsFormat = 'markdown' | 'csv' | 'json';

export interface SourceRequest {
  /** Identifies the document, so a re-analysis after an edit reparses incrementally. */
  readonly key: string;
  readonly text: string;
  readonly language: SourceLanguage;
  readonly defaultInput: DefaultInput;
  /** Input shapes the user set for units by name (`Set Input Shape…`); they win over every other source. */
  readonly inputOverrides: Readonly<Record<string, readonly number[]>>;
  /** Where the document's imports are resolved from; absent for documents not on disk (imports stay unknown). */
  readonly location?: SourceRequestLocation;
}

/** Plain data (it crosses to the source worker): the document's path, folders searched, and unsaved buffers. */
export interface SourceRequestLocation {
  readonly path: string;
  readonly searchRoots: readonly string[];
  readonly pythonPaths: readonly string[];
  /** Texts of other open documents with unsaved edits, by file path: an import reads them instead of the disk. */
  readonly unsaved: Readonly<Record<string, string>>;
}

/** A weights file as the host read it, and what identifies it. */
export interface WeightsBytes {
  readonly bytes: Uint8Array;
  /** Files its manifest names (shards), fetched, by the names it gives them. */
  readonly beside?: ExternalDataHost;
  /** The file as the user named it (relative to the workspace folder). */
  readonly label: string;
  /** Sizes and modification times of the file and of `beside`. */
  readonly version: string;
  /** Taken off the file's names before pairing (`seLens.weightsPrefix`); absent: a shared prefix is tried. */
  readonly prefix?: string;
}

/** Where a model file's neighbours come from. */
export interface ModelPlace {
  /** The file's path on disk: files beside it are opened from its folder when read (the Node host). */
  readonly path?: string;
  /** Files beside it fetched ahead through `workspace.fs`, by the names the model gives them (hosts without a file system). */
  readonly beside?: ExternalDataHost;
  /** The file's name without its extension: a TF.js model's name when its JSON gives none. */
  readonly name?: string;
}

/** A model file read for the surfaces (ONNX, TF.js, TFLite, …): its blocks and tables per convention. */
export interface ModelAnalysis {
  readonly model: Model;
  readonly blocks: readonly SEBlock[];
  table(convention: Convention, blockId?: string): StatsTable;
}

/**
 * What the extension host needs from the core. It lives in its own bundle (dist/engine.js), loaded on first
 * use, so activation does not pay for tree-sitter, protobuf and the counters.
 */
/** A document's analysis plus the units whose input shape came from `Set Input Shape…`. */
export interface EngineSourceAnalysis extends SourceAnalysis {
  readonly overridden: readonly string[];
}

export interface Engine {
  analyzeSource(request: SourceRequest): Promise<EngineSourceAnalysis>;
  /** The unit's table under a convention, whole unit or one block. */
  unitTable(unit: SourceUnit, convention: Convention, blockId?: string): StatsTable;
  /** `place`: where the files beside the model (TF.js weight shards, ONNX external data) are read from. */
  analyzeModel(source: ByteSource, place?: ModelPlace): Promise<ModelAnalysis>;
  /** The files beside a model its reader opens, by the names the model gives them (each inside its folder): what a host without a file system fetches first. */
  filesBeside(source: ByteSource): Promise<string[]>;
  formatTable(table: StatsTable, format: StatsFormat): string;
  /** What the inspector webview runs and shows for a source unit: with `trained` (a paired checkpoint) when given, else framework-default weights from a fixed seed. */
  inspectSource(unit: SourceUnit, title: string, convention: Convention, sizes?: SizeRequest, trained?: TrainedModel): Inspection;
  /** The same for a model file: gates as outputs, weights read from `source`. */
  inspectModel(analysis: ModelAnalysis, source: ByteSource, title: string, convention: Convention, place?: ModelPlace, sizes?: SizeRequest): Inspection;
  /**
   * A weights file paired with a unit by state-dict or layer name, its paired values read: a PyTorch file,
   * safetensors, a shard index (its shards in `file.beside`), a TF.js model.json or a Keras file. Throws, in
   * one line, when nothing pairs.
   */
  pairWeights(unit: SourceUnit, file: WeightsBytes): Promise<TrainedModel>;
  /** ONNX bytes of a unit's graph, with initialised weights, through the core's writer. */
  exportOnnx(unit: SourceUnit): Uint8Array;
  forget(key: string): void;
}

export interface EngineOptions {
  /** Run source analysis in this worker script (dist/source-worker.js), reading grammars from `wasmDir`; else in-thread. */
  readonly sourceWorker?: { readonly script: string; readonly wasmDir: string };
}

/** The engine bundle's one export. */
export type CreateEngine = (grammars: { load(file: string): Promise<Uint8Array> }, options?: EngineOptions) => Engine;
