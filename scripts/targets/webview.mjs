// The inspector webview bundle (browser, ESM, split: each ORT build is its own chunk, imported on
// first use) plus the onnxruntime-web .wasm files it loads at run time. ORT's glue is inlined in its
// bundle builds; only the .wasm is fetched, from dist/webview/ort/ (env.wasm.wasmPaths).
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// The package's require entry is dist/ort.min.js; its folder holds the .wasm files.
const ortDist = dirname(require.resolve('onnxruntime-web'));
/** `onnxruntime-web/wasm` (WASM EP) and `onnxruntime-web` (JSEP: WebGPU + WASM); see webview/ort-runner.ts. */
export const ORT_WASM_FILES = ['ort-wasm-simd-threaded.wasm', 'ort-wasm-simd-threaded.jsep.wasm'];

const copyOrtFiles = {
  name: 'copy-ort-wasm',
  setup(build) {
    build.onEnd(() => {
      const out = join('dist', 'webview', 'ort');
      mkdirSync(out, { recursive: true });
      for (const f of ORT_WASM_FILES) {
        const from = join(ortDist, f);
        const to = join(out, f);
        // 28 MB: copy only when the installed version differs from the one already in dist.
        if (!existsSync(to) || statSync(to).size !== statSync(from).size) copyFileSync(from, to);
      }
    });
  },
};

export default [
  {
    entryPoints: { inspector: 'webview/main.ts' },
    outdir: 'dist/webview',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    platform: 'browser',
    format: 'esm',
    target: 'chrome120',
    minify: true,
    plugins: [copyOrtFiles],
  },
];
