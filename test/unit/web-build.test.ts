import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { build, type BuildOptions } from 'esbuild';
// @ts-expect-error -- an untyped build script (ESM JavaScript)
import webTargets from '../../scripts/targets/web.mjs';

const [extensionTarget] = webTargets as BuildOptions[];
const root = join(import.meta.dirname, '..', '..');

/** Bundles `source` as an entry in the repository root with the web target's options; the build errors. */
async function bundle(source: string): Promise<{ errors: string[] }> {
  try {
    await build({ ...extensionTarget, entryPoints: undefined, stdin: { contents: source, resolveDir: root, sourcefile: 'entry.ts', loader: 'ts' }, outfile: undefined, outdir: undefined, write: false, bundle: true, logLevel: 'silent', sourcemap: false });
    return { errors: [] };
  } catch (e) {
    return { errors: ((e as { errors?: { text: string }[] }).errors ?? []).map((x) => x.text) };
  }
}

test('the web target refuses a Node built-in, with or without the node: prefix, naming the importer', async () => {
  for (const name of ['node:path', 'fs', 'worker_threads']) {
    const { errors } = await bundle(`import * as m from '${name}';\nconsole.log(m);\n`);
    assert.equal(errors.length, 1, name);
    assert.match(errors[0]!, new RegExp(`Node built-in "${name}" imported by .*: the web extension host has none`));
  }
});

test("the web target accepts a built-in that a package maps to nothing for browsers (web-tree-sitter's fs/promises)", async () => {
  const { errors } = await bundle(`import { Parser } from 'web-tree-sitter';\nconsole.log(Parser);\n`);
  assert.deepEqual(errors, []);
});

test('the web entry itself builds under that rule', async () => {
  const { errors } = await bundle(`export * from '${'./src/extension/web/extension.js'}';\n`);
  assert.deepEqual(errors, []);
});
