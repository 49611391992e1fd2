import { SeLensError } from '../../core/errors.js';
import { withTableOnRead } from '../../core/source/finish-unit.js';
import type { SourceAnalyzerPort } from '../engine/core-engine.js';
import type { EngineSourceAnalysis, SourceRequest } from '../engine/api.js';
import type { SourceWorkerReply, SourceWorkerRequest } from '../engine/worker-protocol.js';
import { log } from '../log.js';
import type { GrammarsMessage } from './source-worker.js';

/**
 * The web host's side of dist/web/source-worker.js, the same port the Node host's worker-thread client offers.
 * The worker is started from a Blob URL of its source (a worker from an extension file URL is refused on
 * remote-served extensions), then handed the grammar bytes. A worker that fails after it has answered is started
 * again on the next request; one that never answered (a host that refuses Blob workers) gives way to `inThread`,
 * the front-ends in the extension host's thread, said once in the log.
 */
export class WebSourceWorkerClient implements SourceAnalyzerPort {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, { request: SourceRequest; resolve(a: EngineSourceAnalysis): void; reject(e: Error): void }>();
  private nextId = 1;
  private answered = false;
  private fallback: SourceAnalyzerPort | undefined;

  constructor(
    private readonly script: string,
    private readonly grammars: Readonly<Record<string, Uint8Array>>,
    private readonly inThread: () => SourceAnalyzerPort,
  ) {}

  analyze(request: SourceRequest): Promise<EngineSourceAnalysis> {
    if (this.fallback) return this.fallback.analyze(request);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { request, resolve, reject });
      this.send({ id, type: 'analyze', request });
    });
  }

  forget(key: string): void {
    if (this.fallback) this.fallback.forget(key);
    else if (this.worker) this.send({ type: 'forget', key });
  }

  private send(message: SourceWorkerRequest): void {
    this.started().postMessage(message);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const url = URL.createObjectURL(new Blob([this.script], { type: 'text/javascript' }));
    // The URL stays valid for the worker's life: the host's Worker wrapper loads it later, with importScripts.
    const worker = new Worker(url, { name: 'se-lens source analysis' });
    // Copies: the host keeps its bytes for a restart.
    worker.postMessage({ type: 'grammars', files: Object.fromEntries(Object.entries(this.grammars).map(([k, v]) => [k, v.slice()])) } satisfies GrammarsMessage);
    worker.onmessage = ({ data: reply }: MessageEvent<SourceWorkerReply>) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiter) return;
      this.answered = true;
      if (reply.type === 'analysis') waiter.resolve({ ...reply.analysis, units: reply.analysis.units.map(withTableOnRead) });
      else waiter.reject(new SeLensError(reply.code ?? 'unsupported', reply.message));
    };
    worker.onerror = (e) => {
      e.preventDefault();
      if (this.worker === worker) this.worker = undefined;
      worker.terminate();
      URL.revokeObjectURL(url);
      const waiting = [...this.waiting.values()];
      this.waiting.clear();
      if (!this.answered) {
        log().warn(`web extension host: the source analysis worker did not start (${e.message}); source analysis runs in the extension host thread`);
        this.fallback = this.inThread();
        for (const w of waiting) this.fallback.analyze(w.request).then(w.resolve, w.reject);
        return;
      }
      for (const w of waiting) w.reject(new Error(`the source analysis worker failed: ${e.message}`));
    };
    this.worker = worker;
    return worker;
  }
}
