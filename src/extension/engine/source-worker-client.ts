import { Worker } from 'node:worker_threads';
import { SeLensError } from '../../core/errors.js';
import { withTableOnRead } from '../../core/source/finish-unit.js';
import type { EngineSourceAnalysis, SourceRequest } from './api.js';
import type { SourceWorkerReply, SourceWorkerRequest } from './worker-protocol.js';

/**
 * The host's side of dist/source-worker.js: parsing and interpretation of a 10,000-line file take seconds on a
 * busy machine, which must not happen on the extension host thread. A worker that dies is started again on the
 * next request (its document trees are lost, so that request parses from scratch).
 */
export class SourceWorkerClient {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, { resolve(a: EngineSourceAnalysis): void; reject(e: Error): void }>();
  private nextId = 1;

  constructor(private readonly script: string, private readonly wasmDir: string) {}

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
    const worker = new Worker(this.script, { workerData: { wasmDir: this.wasmDir } });
    worker.unref();
    worker.on('message', (reply: SourceWorkerReply) => {
      const waiter = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (!waiter) return;
      if (reply.type === 'analysis') waiter.resolve({ ...reply.analysis, units: reply.analysis.units.map(withTableOnRead) });
      else waiter.reject(new SeLensError(reply.code ?? 'unsupported', reply.message));
    });
    const fail = (e: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the source analysis worker stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }
}
