// Reads a large ONNX model off the extension host thread: positional reads from the file, the core's
// analysis, then tables on request. Bundled as dist/onnx-worker.js.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeOnnx, type ModelAnalysis } from '../../core/analyze.js';
import { isSeLensError } from '../../core/errors.js';
import { inspectOnnx } from '../../core/inspect/inspection.js';
import type { ByteSource } from '../../core/onnx/byte-source.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';
import { countParams } from './count-params.js';

function fileSource(path: string): ByteSource & { close(): void } {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  return {
    size,
    read(offset, length) {
      const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      let done = 0;
      while (done < out.length) {
        const n = readSync(fd, out, done, out.length - done, offset + done);
        if (n === 0) break;
        done += n;
      }
      return out.subarray(0, done);
    },
    close: () => closeSync(fd),
  };
}

function fail(id: number, e: unknown): WorkerReply {
  return isSeLensError(e) ? { id, type: 'error', message: e.message, code: e.code } : { id, type: 'error', message: e instanceof Error ? e.message : String(e) };
}

const port = parentPort!;
let analysis: ModelAnalysis | undefined;
let source: ByteSource | undefined;
try {
  source = fileSource((workerData as { path: string }).path);
  // The reader keeps lazy payload references but never reads them for blocks and tables; the file stays open for the worker's life.
  analysis = analyzeOnnx(source);
  port.postMessage({ id: 0, type: 'ready', blocks: [...analysis.blocks], params: countParams(analysis.model.graph.initializers) } satisfies WorkerReply);
} catch (e) {
  port.postMessage(fail(0, e));
}
port.on('message', (request: WorkerRequest) => {
  if (!analysis || !source) return;
  try {
    if (request.type === 'table') {
      port.postMessage({ id: request.id, type: 'table', table: analysis.table(request.convention, request.blockId) } satisfies WorkerReply);
    } else {
      const inspection = inspectOnnx(analysis, source, request.title, request.convention);
      port.postMessage({ id: request.id, type: 'inspection', inspection } satisfies WorkerReply);
    }
  } catch (e) {
    port.postMessage(fail(request.id, e));
  }
});
