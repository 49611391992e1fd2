import * as vscode from 'vscode';
import { SeLensError } from '../../core/errors.js';
import type { ModelView } from '../analysis/model-analyses.js';
import { log } from '../log.js';
import type { WorkerReply, WorkerRequest } from './worker-protocol.js';

/** The Node host's side of dist/onnx-worker.js: a large local model read with positional reads in a worker thread. */
export function openModelInWorker(extensionUri: vscode.Uri, uri: vscode.Uri, size: number, progress?: vscode.Progress<{ message?: string }>): Promise<ModelView> {
  progress?.report({ message: vscode.l10n.t('Reading a {0} MB model in the background…', Math.round(size / 1048576)) });
  // Required here, not at the top: activation should not pay for loading worker_threads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new Worker(vscode.Uri.joinPath(extensionUri, 'dist', 'onnx-worker.js').fsPath, { workerData: { path: uri.fsPath } });
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
          overhead: async () => {
            const answer = await ask({ id: nextId++, type: 'overhead' });
            if (answer.type === 'overhead') return answer.overhead;
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
