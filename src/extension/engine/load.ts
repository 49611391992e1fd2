import * as vscode from 'vscode';
import type { CreateEngine, Engine } from './api.js';
import { log } from '../log.js';

let pending: Promise<Engine> | undefined;

/**
 * Loads dist/engine.js (the core bundle) on first use. `require` with a computed path keeps esbuild from
 * inlining it into dist/extension.js; the grammars' wasm files are read from dist/wasm.
 */
export function loadEngine(extensionUri: vscode.Uri): Promise<Engine> {
  if (!pending) {
    pending = (async () => {
      const started = Date.now();
      const bundle = vscode.Uri.joinPath(extensionUri, 'dist', 'engine.js').fsPath;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { createEngine } = require(bundle) as { createEngine: CreateEngine };
      const dist = vscode.Uri.joinPath(extensionUri, 'dist');
      const engine = createEngine(
        { load: async (file) => vscode.workspace.fs.readFile(vscode.Uri.joinPath(dist, 'wasm', file)) },
        // Source analysis runs in a worker thread so no provider call blocks the extension host.
        { sourceWorker: { script: vscode.Uri.joinPath(dist, 'source-worker.js').fsPath, wasmDir: vscode.Uri.joinPath(dist, 'wasm').fsPath } },
      );
      log().info(`engine loaded in ${Date.now() - started} ms`);
      return engine;
    })();
    pending.catch(() => (pending = undefined));
  }
  return pending;
}
