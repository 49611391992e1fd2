// Source analysis off the extension host thread: the tree-sitter parsers, the per-document trees and the
// front-ends live in this worker; the host sends document text and receives the analysis (structured clone).
// Bundled as dist/source-worker.js.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { isSeLensError } from '../../core/errors.js';
import { withoutTable } from '../../core/source/finish-unit.js';
import { nodeSourceLocations } from './node-source-locations.js';
import { SourceFrontEnds } from './source-front-ends.js';
import type { SourceWorkerReply, SourceWorkerRequest } from './worker-protocol.js';

const { wasmDir } = workerData as { wasmDir: string };
const front = new SourceFrontEnds({ load: async (file) => new Uint8Array(await readFile(join(wasmDir, file))) }, nodeSourceLocations());
const port = parentPort!;

port.on('message', (m: SourceWorkerRequest) => {
  if (m.type === 'forget') {
    front.forget(m.key);
    return;
  }
  // Requests for one document run in arrival order: each awaits the same parser promise, then analyses synchronously.
  front.analyze(m.request).then(
    // Tables stay behind: most are never opened, and the clone would make every one here, before the lenses.
    (analysis) => port.postMessage({ id: m.id, type: 'analysis', analysis: { ...analysis, units: analysis.units.map(withoutTable) } } satisfies SourceWorkerReply),
    (e: unknown) => port.postMessage({
      id: m.id, type: 'error', message: e instanceof Error ? e.message : String(e), ...(isSeLensError(e) ? { code: e.code } : {}),
    } satisfies SourceWorkerReply),
  );
});
