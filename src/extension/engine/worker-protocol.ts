import type { SEBlock } from '../../core/detect/block.js';
import type { SeLensErrorCode } from '../../core/errors.js';
import type { Inspection } from '../../core/inspect/inspection.js';
import type { SizeRequest } from '../../core/inputs/sizes.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import type { SeOverhead } from '../../core/stats/se-overhead.js';
import type { Convention, StatsTable } from '../../core/stats/table.js';
import type { EngineSourceAnalysis, SourceRequest } from './api.js';

/** Host → ONNX worker (dist/onnx-worker.js): a table, or the inspector's data, for the model it read at start. */
export type WorkerRequest =
  | { readonly id: number; readonly type: 'table'; readonly convention: Convention; readonly blockId?: string }
  | { readonly id: number; readonly type: 'inspect'; readonly convention: Convention; readonly title: string; readonly sizes?: SizeRequest }
  | { readonly id: number; readonly type: 'overhead' };

/** ONNX worker → host. `id` 0 answers the initial read. */
export type WorkerReply =
  | { readonly id: 0; readonly type: 'ready'; readonly blocks: SEBlock[]; readonly params: number }
  | { readonly id: number; readonly type: 'table'; readonly table: StatsTable }
  | { readonly id: number; readonly type: 'inspection'; readonly inspection: Inspection }
  | { readonly id: number; readonly type: 'overhead'; readonly overhead: SeOverhead }
  | { readonly id: number; readonly type: 'error'; readonly message: string; readonly code?: SeLensErrorCode };

/** Host → source worker (dist/source-worker.js). */
export type SourceWorkerRequest =
  | { readonly id: number; readonly type: 'analyze'; readonly request: SourceRequest }
  | { readonly type: 'forget'; readonly key: string };

/** A source analysis as the source worker sends it: units without their tables, made on the host when read. */
export type TablelessSourceAnalysis = Omit<EngineSourceAnalysis, 'units'> & { readonly units: readonly Omit<SourceUnit, 'table'>[] };

/** Source worker → host. */
export type SourceWorkerReply =
  | { readonly id: number; readonly type: 'analysis'; readonly analysis: TablelessSourceAnalysis }
  | { readonly id: number; readonly type: 'error'; readonly message: string; readonly code?: SeLensErrorCode };
