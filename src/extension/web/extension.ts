// The web worker extension host's entry (package.json `browser`): vscode.dev, github.dev, browser-hosted VS Code.
// One bundle (dist/web/extension.js) with the engine and onnxruntime-web in it: a web host cannot require
// other bundles by path. No Node built-ins here (the build refuses them); files go through vscode.workspace.fs
// and WebAssembly comes from the extension's own files.
import * as vscode from 'vscode';
import { activateSeLens, type SeLensApi } from '../activate.js';
import type { Engine } from '../engine/api.js';
import { buildEngine } from '../engine/core-engine.js';
import { SourceFrontEnds } from '../engine/source-front-ends.js';
import { GateRunner } from '../inline/ort-gate-runner.js';
import { log } from '../log.js';
import type { HostPlatform } from '../platform.js';
import { FetchedSourceFiles } from './fetched-source-files.js';
import { WebImportLocations } from './web-import-locations.js';

/**
 * Models are read whole through `vscode.workspace.fs` (it has no ranged reads); beyond this the custom editor and
 * the tree say so instead of holding a copy the browser tab may not have room for.
 */
export const WEB_MAX_MODEL_BYTES = 512 << 20;

export type { SeLensApi } from '../activate.js';

export function activate(context: vscode.ExtensionContext): SeLensApi {
  return activateSeLens(context, webPlatform(context));
}

export function deactivate(): void {
  // Disposables registered on the context are released by VS Code.
}

/** A copy: readFile may return a view into a larger buffer, and WebAssembly wants the bytes alone. */
async function extensionFile(context: vscode.ExtensionContext, ...parts: string[]): Promise<Uint8Array> {
  return (await vscode.workspace.fs.readFile(vscode.Uri.joinPath(context.extensionUri, ...parts))).slice();
}

function webPlatform(context: vscode.ExtensionContext): HostPlatform {
  let engine: Promise<Engine> | undefined;
  return {
    name: 'web',
    engine() {
      engine ??= Promise.resolve().then(() => {
        const started = Date.now();
        // Source analysis runs in this thread: the web host is itself a worker, apart from the window.
        const front = new SourceFrontEnds(
          { load: (file) => extensionFile(context, 'dist', 'wasm', file) },
          (spec, unsaved) => ({ path: spec.path, searchRoots: spec.searchRoots, pythonPaths: spec.pythonPaths, files: new FetchedSourceFiles(Object.fromEntries(unsaved)) }),
        );
        const built = buildEngine(front);
        log().info(`engine ready in ${Date.now() - started} ms (web extension host)`);
        return built;
      });
      return engine;
    },
    importLocations: (isSource) => new WebImportLocations(isSource),
    models: { maxWholeReadBytes: WEB_MAX_MODEL_BYTES },
    gateRunner: async () => new GateRunner(async () => {
      const [ort, wasm] = await Promise.all([import('onnxruntime-web/wasm'), extensionFile(context, 'dist', 'webview', 'ort', 'ort-wasm-simd-threaded.wasm')]);
      // No SharedArrayBuffer in the web host (not cross-origin isolated): one thread, no proxy worker.
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      ort.env.wasm.wasmBinary = wasm;
      return ort;
    }),
  };
}
