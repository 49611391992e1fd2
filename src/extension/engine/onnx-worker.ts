// Reads a large model file (any format readModelFile knows) off the extension host thread: positional reads from the file, the core's
// analysis, then tables on request. Bundled as dist/onnx-worker.js.
import { basename, extname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeModel, type ModelAnalysis } from '../../core/analyze.js';
import { readModelFile } from '../../core/formats/read-model.js';
import { isSeLensError } from '../../core/errors.js';
import { inspectOnnx } from '../../core/inspect/inspection.js';
import type { ByteSource, ExternalDataHost } from '../../core/onnx/byte-source.js';
import { FileSource, folderExternalData } from '../../node/file-source.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';
import { seOverhead } from '../../core/stats/se-overhead.js';
import { storedElements } from '../../core/stats/stored-elements.js';

function fail(id: number, e: unknown): WorkerReply {
  return isSeLensError(e) ? { id, type: 'error', message: e.message, code: e.code } : { id, type: 'error', message: e instanceof Error ? e.message : String(e) };
}

const port = parentPort!;
let analysis: ModelAnalysis | undefined;
let source: ByteSource | undefined;
let external: ExternalDataHost | undefined;
async function open(): Promise<void> {
  try {
    const { path } = workerData as { path: string };
    source = new FileSource(path);
    external = folderExternalData(path);
    // The reader keeps lazy payload references but never reads them for blocks and tables; the file stays open for the worker's life.
    analysis = analyzeModel(await readModelFile(source, { folder: external, name: basename(path, extname(path)) }));
    port.postMessage({ id: 0, type: 'ready', blocks: [...analysis.blocks], params: storedElements(analysis.model.graph) } satisfies WorkerReply);
  } catch (e) {
    port.postMessage(fail(0, e));
  }
}
void open();
port.on('message', (request: WorkerRequest) => {
  if (!analysis || !source) return;
  try {
    if (request.type === 'table') {
      port.postMessage({ id: request.id, type: 'table', table: analysis.table(request.convention, request.blockId) } satisfies WorkerReply);
    } else if (request.type === 'overhead') {
      port.postMessage({ id: request.id, type: 'overhead', overhead: seOverhead(analysis) } satisfies WorkerReply);
    } else {
      const inspection = inspectOnnx(analysis, source, request.title, request.convention, external, request.sizes);
      port.postMessage({ id: request.id, type: 'inspection', inspection } satisfies WorkerReply);
    }
  } catch (e) {
    port.postMessage(fail(request.id, e));
  }
});
