// The Node extension host's engine, bundled as dist/engine.js and required on first use: source analysis in a
// worker thread (or in this thread), external tensor data read from the model's folder.
import { folderExternalData } from '../../node/file-source.js';
import type { CreateEngine } from './api.js';
import { buildEngine } from './core-engine.js';
import { SourceFrontEnds } from './source-front-ends.js';
import { SourceWorkerClient } from './source-worker-client.js';
import { nodeSourceLocations } from './node-source-locations.js';

export { EXPORT_SEED, formatTable } from './core-engine.js';

export const createEngine: CreateEngine = (grammars, options = {}) => {
  const front = options.sourceWorker
    ? new SourceWorkerClient(options.sourceWorker.script, options.sourceWorker.wasmDir)
    : new SourceFrontEnds(grammars, nodeSourceLocations());
  return buildEngine(front, folderExternalData);
};
