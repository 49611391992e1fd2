#!/usr/bin/env node
// Runs the web suite (out/vscode-web-tests/suite.js) in the web worker extension host of the VS Code 1.100
// server that code-server 4.100.3 ships, opened in headless Chromium (scripts/vscode-harness.mjs). A workbench
// runs an extension in its Node host whenever package.json has `main`, so the suite runs against a copy of the
// extension folder whose package.json keeps only `browser` (the packaged extension keeps both). The suite itself
// checks that it ran in the web host. Usage: node scripts/vscode-test-web.mjs [--verbose]; needs `npm run build`.
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareRun, repoRoot } from './vscode-harness.mjs';
import { runExtensionTests } from './vscode-test-host.mjs';

/** What the web entry reads at run time: its bundle, the .wasm files, the example model, translations. */
const SHIPPED = ['dist', 'media', 'l10n', 'package.nls.json', 'out'];

const suite = join(repoRoot, 'out', 'vscode-web-tests', 'suite.js');
for (const file of [join(repoRoot, 'dist', 'web', 'extension.js'), suite]) {
  if (!existsSync(file)) {
    console.error(`${file} missing; run: npm run build`);
    process.exit(1);
  }
}
const paths = prepareRun('web');
// Model files beyond ONNX whose neighbours the web host must fetch: a TF.js layers model and its weight shard, a
// sharded checkpoint and its shards, with their truth and the checkpoint's input.
const formats = join(repoRoot, 'test', 'fixtures', 'formats');
for (const [from, to] of [['tfjs-layers/se_resnet_tiny', 'se_resnet_tiny'], ['tfjs-layers.truth.json', 'tfjs-layers.truth.json'], ['sharded/se_block_st', 'se_block_st'], ['sharded/sharded.truth.json', 'sharded.truth.json'], ['pytorch/input.npy', 'input.npy']]) {
  cpSync(join(formats, from), join(paths.workspace, 'formats', to), { recursive: true });
}
const extension = join(paths.dir, 'web-extension');
mkdirSync(extension, { recursive: true });
const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
delete manifest.main;
writeFileSync(join(extension, 'package.json'), JSON.stringify(manifest, null, 2));
for (const entry of SHIPPED) {
  if (existsSync(join(repoRoot, entry))) symlinkSync(join(repoRoot, entry), join(extension, entry));
}
const code = await runExtensionTests({
  paths,
  name: 'web',
  extensionDevelopmentPath: extension,
  extensionTestsPath: join(extension, 'out', 'vscode-web-tests', 'suite.js'),
  verbose: process.argv.includes('--verbose'),
});
process.exit(code);
