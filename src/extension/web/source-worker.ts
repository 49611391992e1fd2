// Source analysis in a Web Worker started by the web extension host from a Blob URL (dist/web/source-worker.js,
// a classic script): the tree-sitter parsers, the per-document trees and the front-ends live here. The first
// message hands over the grammar .wasm bytes (a Blob worker cannot read the extension's files); the rest is the
// Node source worker's protocol (../engine/worker-protocol.ts).
import { isSeLensError } from '../../core/errors.js';
import { withoutTable } from '../../core/source/finish-unit.js';
import { SourceFrontEnds } from '../engine/source-front-ends.js';
import type { SourceWorkerReply, SourceWorkerRequest } from '../engine/worker-protocol.js';
import { fetchedLocation } from './fetched-source-files.js';

/** Host → worker before any request: the grammar files by the names the core asks for. */
export interface GrammarsMessage {
  readonly type: 'grammars';
  readonly files: Readonly<Record<string, Uint8Array>>;
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<GrammarsMessage | SourceWorkerRequest>) => void) | null;
  postMessage(message: SourceWorkerReply): void;
}

const scope = globalThis as unknown as WorkerScope;
let front: SourceFrontEnds | undefined;

scope.onmessage = ({ data: m }) => {
  if (m.type === 'grammars') {
    front = new SourceFrontEnds({
      load: async (file) => {
        const bytes = m.files[file];
        if (!bytes) throw new Error(`grammar ${file} was not handed to the source worker`);
        return bytes;
      },
    }, fetchedLocation);
    return;
  }
  if (m.type === 'forget') {
    front?.forget(m.key);
    return;
  }
  if (!front) {
    scope.postMessage({ id: m.id, type: 'error', message: 'the source worker got a request before its grammars' });
    return;
  }
  front.analyze(m.request).then(
    // Tables stay behind, as in the Node host's worker: the host makes one when it is first read.
    (analysis) => scope.postMessage({ id: m.id, type: 'analysis', analysis: { ...analysis, units: analysis.units.map(withoutTable) } } satisfies SourceWorkerReply),
    (e: unknown) => scope.postMessage({
      id: m.id, type: 'error', message: e instanceof Error ? e.message : String(e), ...(isSeLensError(e) ? { code: e.code } : {}),
    }),
  );
};
