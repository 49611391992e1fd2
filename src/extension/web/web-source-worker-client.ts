import { SeLensError } from '../../core/errors.js';
import type { SourceAnalyzerPort } from '../engine/core-engine.js';
import type { EngineSourceAnalysis, SourceRequest } from '../engine/api.js';
import type { SourceWorkerReply, SourceWorkerRequest } from '../engine/worker-protocol.js';
import type { GrammarsMessage } from './source-worker.js';

/**
 * The web host's side of dist/web/source-worker.js, the same port the Node host's worker-thread client offers.
 * The worker is started from a Blob URL of its source (a worker from an extension file URL is refused on
 * remote-served extensions), then handed the grammar bytes. A worker that fails is started again on the next
 * request.
 */
export class WebSourceWorkerClient implements SourceAnalyzerPort {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, { resolve(a: EngineSourceAnalysis): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor(private readonly script: string, private readonly grammars: Readonly<Record<string, Uint8Array>>) {}

  analyze(request: SourceRequest): Promise<EngineSourceAnalysis> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.send({ id, type: 'analyze', request });
    });
  }

  forget(key: string): void {
    if (this.worker) this.send({ type: 'forget', key });
  }

  private send(message: SourceWorkerRequest): void {
    this.started().postMessage(message);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const url = URL.createObjectURL(new Blob([this.script], { type: 'text/javascript' }));
    const worker = new Worker(url, { name: 'se-lens source analysis' });
    URL.revokeObjectURL(url);
    // Copies: the host keeps its bytes for a restart.
    worker.postMessage({ type: 'grammars', files: Object.fromEntries(Object.entries(this.grammars).map(([k, v]) => [k, v.slice()])) } satisfies GrammarsMessage);
    worker.onmessage = ({ data: reply }: MessageEvent<SourceWorkerReply>) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiter) return;
      if (reply.type === 'analysis') waiter.resolve(reply.analysis);
      else waiter.reject(new SeLensError(reply.code ?? 'unsupported', reply.message));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      if (this.worker === worker) this.worker = undefined;
      worker.terminate();
      for (const w of this.waiting.values()) w.reject(new Error(`the source analysis worker failed: ${e.message}`));
      this.waiting.clear();
    };
    this.worker = worker;
    return worker;
  }
}
