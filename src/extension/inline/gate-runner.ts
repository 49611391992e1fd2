import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { GateRunner } from './ort-gate-runner.js';

export type { BlockGates, GateRunResult } from './ort-gate-runner.js';

/** The Node host's gate runner: ORT's .wasm read from a file, its Emscripten glue loaded by file URL. */
export class HostGateRunner extends GateRunner {
  constructor(wasmFile: string, glueFile: string) {
    super(async () => {
      const [ort, wasm] = await Promise.all([import('onnxruntime-web/wasm'), readFile(wasmFile)]);
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      // Under Node the Emscripten glue cannot fetch a file path: hand it the bytes, and the glue by file URL.
      ort.env.wasm.wasmBinary = wasm;
      ort.env.wasm.wasmPaths = { mjs: pathToFileURL(glueFile).href };
      return ort;
    });
  }
}
