// The web worker extension host's entry (package.json `browser`): vscode.dev, github.dev, browser-hosted VS Code.
// One bundle (dist/web/extension.js) with the engine and onnxruntime-web in it: a web host cannot require
// other bundles by path. No Node built-ins here (the build refuses them); files go through vscode.workspace.fs
// and WebAssembly comes from the extension's own files.
import * as vscode from 'vscode';
import { activateSeLens, type SeLensApi } from '../activate.js';
import type { Engine } from '../engine/api.js';
import { buildEngine, type SourceAnalyzerPort } from '../engine/core-engine.js';
import { SourceFrontEnds } from '../engine/source-front-ends.js';
import { GateRunner } from '../inline/ort-gate-runner.js';
import { log } from '../log.js';
import type { HostPlatform } from '../platform.js';
import type { GrammarFile } from '../../core/source/parsers.js';
import { fetchedLocation } from './fetched-source-files.js';
import { WebImportLocations } from './web-import-locations.js';
import { WebSourceWorkerClient } from './web-source-worker-client.js';

/** Every grammar the core may ask for, handed to the source worker up front. */
const GRAMMARS: readonly GrammarFile[] = ['web-tree-sitter.wasm', 'tree-sitter-python.wasm', 'tree-sitter-typescript.wasm'];

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
      engine ??= (async () => {
        const started = Date.now();
        const grammars = { load: (file: string) => extensionFile(context, 'dist', 'wasm', file) };
        let front: SourceAnalyzerPort;
        if (typeof Worker === 'function') {
          // Source analysis in a Web Worker, so a long file never blocks the extension host's providers.
          const [script, ...bytes] = await Promise.all([extensionFile(context, 'dist', 'web', 'source-worker.js'), ...GRAMMARS.map((g) => grammars.load(g))]);
          front = new WebSourceWorkerClient(
            new TextDecoder().decode(script),
            Object.fromEntries(GRAMMARS.map((g, i) => [g, bytes[i]!])),
            () => new SourceFrontEnds(grammars, fetchedLocation),
          );
        } else {
          log().info('web extension host: no Worker here; source analysis runs in the extension host thread');
          front = new SourceFrontEnds(grammars, fetchedLocation);
        }
        const built = buildEngine(front);
        log().info(`engine ready in ${Date.now() - started} ms (web extension host)`);
        return built;
      })();
      engine.catch(() => (engine = undefined));
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
