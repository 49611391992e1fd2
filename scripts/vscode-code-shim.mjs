#!/usr/bin/env node
// Stands in for the `code` executable that @vscode/test-electron's runTests() launches: it reads the
// desktop command line (--extensionDevelopmentPath=, --extensionTestsPath=, the folder), ignores the
// Electron-only flags, and runs the suite in the VS Code 1.100 server's extension host instead.
import { resolve } from 'node:path';
import { runExtensionTests } from './vscode-test-host.mjs';

const options = { name: 'test-electron' };
const positional = [];
for (const arg of process.argv.slice(2)) {
  const m = /^--([^=]+)=(.*)$/.exec(arg);
  if (m && m[1] === 'extensionDevelopmentPath') options.extensionDevelopmentPath = resolve(m[2]);
  else if (m && m[1] === 'extensionTestsPath') options.extensionTestsPath = resolve(m[2]);
  else if (!arg.startsWith('--')) positional.push(resolve(arg));
}
if (positional.length) options.folder = positional[0];
if (!options.extensionDevelopmentPath || !options.extensionTestsPath) {
  console.error('usage: vscode-code-shim.mjs --extensionDevelopmentPath=DIR --extensionTestsPath=FILE [FOLDER]');
  process.exit(2);
}
process.exit(await runExtensionTests(options));
