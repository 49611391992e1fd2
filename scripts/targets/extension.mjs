// Extension host bundles. dist/extension.js is what activation loads and stays small; dist/engine.js (the core:
// ONNX reader, counters, writer) is required on first use; dist/source-worker.js (tree-sitter and the source
// front-ends) and dist/onnx-worker.js (large models) run in worker threads; the tree-sitter .wasm files are
// copied to dist/wasm. out/vscode-tests/suite.js is the extension-host test suite.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Package folders directly: web-tree-sitter's `exports` hides its package.json from require.resolve.
const pkgDir = (name) => join(import.meta.dirname, '..', '..', 'node_modules', name);
/** Names as the core's GrammarLoader asks for them. */
const GRAMMARS = {
  'web-tree-sitter.wasm': join(pkgDir('web-tree-sitter'), 'web-tree-sitter.wasm'),
  'tree-sitter-python.wasm': join(pkgDir('tree-sitter-python'), 'tree-sitter-python.wasm'),
  'tree-sitter-typescript.wasm': join(pkgDir('tree-sitter-typescript'), 'tree-sitter-typescript.wasm'),
};

const copyGrammars = {
  name: 'copy-grammar-wasm',
  setup(build) {
    build.onEnd(() => {
      const out = join('dist', 'wasm');
      mkdirSync(out, { recursive: true });
      for (const [name, from] of Object.entries(GRAMMARS)) {
        const to = join(out, name);
        if (!existsSync(to) || statSync(to).size !== statSync(from).size) copyFileSync(from, to);
      }
    });
  },
};

const host = { platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] };
/** web-tree-sitter's Emscripten glue calls createRequire(import.meta.url) under Node; a CJS bundle has no import.meta. */
const importMetaUrl = {
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('url').pathToFileURL(__filename).href;" },
};

export default [
  { ...host, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', minify: true },
  { ...host, entryPoints: ['src/extension/engine/index.ts'], outfile: 'dist/engine.js', minify: true, plugins: [copyGrammars], ...importMetaUrl },
  { ...host, entryPoints: ['src/extension/engine/onnx-worker.ts'], outfile: 'dist/onnx-worker.js', minify: true },
  { ...host, entryPoints: ['src/extension/engine/source-worker.ts'], outfile: 'dist/source-worker.js', minify: true, ...importMetaUrl },
  { ...host, entryPoints: ['test/vscode/suite/index.ts'], outfile: 'out/vscode-tests/suite.js' },
];
