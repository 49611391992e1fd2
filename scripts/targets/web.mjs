// The web worker extension host's bundle and its test suite (package.json `browser`): platform browser, CommonJS, `vscode` external.
// It carries the engine and onnxruntime-web (a web host cannot require other bundles by path); the tree-sitter
// and ORT .wasm files are the ones the extension and webview targets copy to dist/wasm and dist/webview/ort.
// A Node built-in reached from the web path fails the build, naming the importer.
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

const SKIP = Symbol('resolving a built-in');
const refuseNodeBuiltins = {
  name: 'refuse-node-builtins',
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === SKIP || (!NODE_BUILTINS.has(args.path) && !args.path.startsWith('node:'))) return undefined;
      // A package may map a built-in to nothing for browsers (its package.json `browser` field): then it is not needed.
      const resolved = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: SKIP });
      // (esbuild resolves such a mapping without error, to an empty module; an unmapped built-in does not resolve.)
      if (!resolved.errors.length && !resolved.external) return undefined;
      return { errors: [{ text: `Node built-in "${args.path}" imported by ${args.importer || 'the entry'}: the web extension host has none` }] };
    });
  },
};

const browser = {
  platform: 'browser',
  format: 'cjs',
  target: 'es2022',
  external: ['vscode'],
  minify: true,
  // web-tree-sitter's glue resolves its .wasm against import.meta.url even when handed the bytes (and fetches
  // nothing then); the host's own location can be a blob: URL, which is no base, so a fixed valid URL stands in.
  define: { 'import.meta.url': '"file:///se-lens/dist/web/extension.js"' },
  plugins: [refuseNodeBuiltins],
};

export default [
  {
    ...browser,
    entryPoints: ['src/extension/web/extension.ts'],
    outfile: 'dist/web/extension.js',
    alias: { pngjs: join(root, 'src/extension/web/no-image-decoders.ts'), 'jpeg-js': join(root, 'src/extension/web/no-image-decoders.ts') },
  },
  // Source analysis in a Web Worker the host starts from a Blob URL of this file: a classic script (iife).
  { ...browser, format: 'iife', external: [], entryPoints: ['src/extension/web/source-worker.ts'], outfile: 'dist/web/source-worker.js' },
  // The web suite (scripts/vscode-test-web.mjs runs it in code-server's web worker extension host).
  { ...browser, minify: false, entryPoints: ['test/vscode-web/suite/index.ts'], outfile: 'out/vscode-web-tests/suite.js' },
];
