import * as vscode from 'vscode';
import type { SEBlock } from '../../core/detect/block.js';
import { bytesSource } from '../../core/onnx/byte-source.js';
import type { Inspection } from '../../core/inspect/inspection.js';
import type { SizeRequest } from '../../core/inputs/sizes.js';
import type { Convention, StatsTable } from '../../core/stats/table.js';
import type { Engine } from '../engine/api.js';
import type { WorkerReply, WorkerRequest } from '../engine/worker-protocol.js';
import { SeLensError } from '../../core/errors.js';
import { storedElements } from '../../core/stats/stored-elements.js';
import { log } from '../log.js';
import { readSettings } from '../settings.js';

/** A model file as the surfaces see it; tables are async because a large model lives in a worker. */
export interface ModelView {
  readonly uri: vscode.Uri;
  readonly size: number;
  readonly blocks: readonly SEBlock[];
  /** Total parameters (initializer elements). */
  readonly params: number;
  readonly inWorker: boolean;
  table(convention: Convention, blockId?: string): Promise<StatsTable>;
  /** The inspector's data: the model with its gates as outputs, and the tables. */
  inspection(convention: Convention, sizes?: SizeRequest): Promise<Inspection>;
  dispose(): void;
}

interface Entry {
  readonly mtime: number;
  readonly view: Promise<ModelView>;
}

/** One analysis per model file and modification time; large local files are read in a worker thread. */
export class ModelAnalyses implements vscode.Disposable {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly engine: () => Promise<Engine>, private readonly extensionUri: vscode.Uri) {}

  async get(uri: vscode.Uri, progress?: vscode.Progress<{ message?: string }>): Promise<ModelView> {
    const stat = await vscode.workspace.fs.stat(uri);
    const key = uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.mtime === stat.mtime) return hit.view;
    if (hit) void hit.view.then((v) => v.dispose(), () => undefined);
    const threshold = readSettings(uri).workerThresholdBytes;
    const view = uri.scheme === 'file' && stat.size > threshold ? this.inWorker(uri, stat.size, progress) : this.inHost(uri, stat.size, progress);
    this.cache.set(key, { mtime: stat.mtime, view });
    view.catch(() => this.cache.delete(key));
    return view;
  }

  private async inHost(uri: vscode.Uri, size: number, progress?: vscode.Progress<{ message?: string }>): Promise<ModelView> {
    progress?.report({ message: vscode.l10n.t('Reading {0}…', uri.path.split('/').pop() ?? '') });
    const [bytes, engine] = await Promise.all([vscode.workspace.fs.readFile(uri), this.engine()]);
    const started = Date.now();
    const source = bytesSource(bytes);
    const path = uri.scheme === 'file' ? uri.fsPath : undefined;
    const analysis = engine.analyzeModel(source, path);
    const title = uri.path.split('/').pop() ?? '';
    log().info(`read ${uri.fsPath} (${bytes.length} B) in ${Date.now() - started} ms: ${analysis.blocks.length} SE blocks`);
    return {
      uri,
      size,
      blocks: analysis.blocks,
      params: storedElements(analysis.model.graph),
      inWorker: false,
      table: async (convention, blockId) => analysis.table(convention, blockId),
      inspection: async (convention, sizes) => engine.inspectModel(analysis, source, title, convention, path, sizes),
      dispose: () => undefined,
    };
  }

  private inWorker(uri: vscode.Uri, size: number, progress?: vscode.Progress<{ message?: string }>): Promise<ModelView> {
    progress?.report({ message: vscode.l10n.t('Reading a {0} MB model in the background…', Math.round(size / 1048576)) });
    // Required here, not at the top: activation should not pay for loading worker_threads.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
    const worker = new Worker(vscode.Uri.joinPath(this.extensionUri, 'dist', 'onnx-worker.js').fsPath, { workerData: { path: uri.fsPath } });
    worker.unref();
    const waiting = new Map<number, (reply: WorkerReply) => void>();
    let nextId = 1;
    const ask = (request: WorkerRequest) =>
      new Promise<WorkerReply>((resolve) => {
        waiting.set(request.id, resolve);
        worker.postMessage(request);
      });
    return new Promise<ModelView>((resolve, reject) => {
      worker.on('error', (e) => {
        reject(e);
        for (const r of waiting.values()) r({ id: 0, type: 'error', message: e.message });
        waiting.clear();
      });
      worker.on('message', (reply: WorkerReply) => {
        if (reply.type === 'ready') {
          log().info(`read ${uri.fsPath} (${size} B) in a worker: ${reply.blocks.length} SE blocks`);
          resolve({
            uri,
            size,
            blocks: reply.blocks,
            params: reply.params,
            inWorker: true,
            table: async (convention, blockId) => {
              const answer = await ask({ id: nextId++, type: 'table', convention, blockId });
              if (answer.type === 'table') return answer.table;
              throw new SeLensError('corrupt', answer.type === 'error' ? answer.message : 'unexpected worker reply');
            },
            inspection: async (convention, sizes) => {
              const answer = await ask({ id: nextId++, type: 'inspect', convention, title: uri.path.split('/').pop() ?? '', ...(sizes ? { sizes } : {}) });
              if (answer.type === 'inspection') return answer.inspection;
              throw new SeLensError('corrupt', answer.type === 'error' ? answer.message : 'unexpected worker reply');
            },
            dispose: () => void worker.terminate(),
          });
        } else if (reply.type === 'error' && reply.id === 0) {
          reject(new SeLensError(reply.code ?? 'corrupt', reply.message));
          void worker.terminate();
        } else {
          waiting.get(reply.id)?.(reply);
          waiting.delete(reply.id);
        }
      });
    });
  }

  forget(uri: vscode.Uri): void {
    const hit = this.cache.get(uri.toString());
    this.cache.delete(uri.toString());
    if (hit) void hit.view.then((v) => v.dispose(), () => undefined);
  }

  dispose(): void {
    for (const e of this.cache.values()) void e.view.then((v) => v.dispose(), () => undefined);
    this.cache.clear();
  }
}
