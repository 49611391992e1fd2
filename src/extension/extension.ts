// The Node extension host's entry (package.json `main`): desktop VS Code, remote hosts, code-server.
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { activateSeLens, type SeLensApi } from './activate.js';
import { PythonEnvironments } from './analysis/python-environments.js';
import { SourceLocations } from './analysis/source-locations.js';
import { loadEngine } from './engine/load.js';
import { openModelInWorker } from './engine/onnx-worker-client.js';
import type { HostPlatform } from './platform.js';

export type { SeLensApi } from './activate.js';

export function activate(context: vscode.ExtensionContext): SeLensApi {
  return activateSeLens(context, nodePlatform(context));
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}

/** Engine and gate runner in bundles required on first use; source analysis and large models in worker threads. */
function nodePlatform(context: vscode.ExtensionContext): HostPlatform {
  const dist = join(context.extensionPath, 'dist');
  return {
    name: 'node',
    engine: () => loadEngine(context.extensionUri),
    importLocations(isSource) {
      const python = new PythonEnvironments();
      const locations = new SourceLocations(python, isSource);
      return { of: (uri) => locations.of(uri), onDidChange: python.onDidChange, dispose: () => python.dispose() };
    },
    models: { openInWorker: (uri, size, progress) => openModelInWorker(context.extensionUri, uri, size, progress) },
    gateRunner: async () => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a separate bundle, loaded on first use
      const bundle = require(join(dist, 'inline-runner.js')) as typeof import('./inline/gate-runner.js');
      return new bundle.HostGateRunner(join(dist, 'webview', 'ort', 'ort-wasm-simd-threaded.wasm'), join(dist, 'ort-node', 'ort-wasm-simd-threaded.mjs'));
    },
  };
}
