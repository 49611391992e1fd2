import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { GrammarFile, GrammarLoader } from '../core/source/parsers.js';

/** Where each npm package ships its .wasm (web-tree-sitter exports that subpath). */
const NPM_PATH: Record<GrammarFile, string> = {
  'web-tree-sitter.wasm': 'web-tree-sitter/web-tree-sitter.wasm',
  'tree-sitter-python.wasm': 'tree-sitter-python/tree-sitter-python.wasm',
  'tree-sitter-typescript.wasm': 'tree-sitter-typescript/tree-sitter-typescript.wasm',
};

/** Node's grammar loader: `wasm/` beside the running bundle when it has one, else the npm packages. */
export const nodeGrammars: GrammarLoader = {
  async load(file) {
    const beside = typeof __dirname === 'string' ? join(__dirname, 'wasm', file) : '';
    if (beside && existsSync(beside)) return new Uint8Array(await readFile(beside));
    return new Uint8Array(await readFile(require.resolve(NPM_PATH[file], { paths: [process.cwd()] })));
  },
};
