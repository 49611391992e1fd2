// The inline-heatmap gate runner (onnxruntime-web's WASM build under Node), loaded by the extension host on
// first use. ORT's .wasm is the webview's copy (dist/webview/ort); only its small ES-module glue is copied here.
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const copyGlue = {
  name: 'copy-ort-node-glue',
  setup(build) {
    build.onEnd(() => {
      mkdirSync(join('dist', 'ort-node'), { recursive: true });
      const glue = 'ort-wasm-simd-threaded.mjs';
      copyFileSync(join(import.meta.dirname, '..', '..', 'node_modules', 'onnxruntime-web', 'dist', glue), join('dist', 'ort-node', glue));
    });
  },
};

export default [
  {
    entryPoints: ['src/extension/inline/gate-runner.ts'],
    outfile: 'dist/inline-runner.js',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    plugins: [copyGlue],
  },
];
