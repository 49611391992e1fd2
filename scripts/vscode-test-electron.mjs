#!/usr/bin/env node
// The extension-host suite through @vscode/test-electron's runTests(). Default: against the VS Code 1.100
// server installed by `npm run setup:vscode` (through scripts/vscode-code-shim.mjs), since VS Code and Electron
// cannot be downloaded here. With `--download` (or SE_LENS_VSCODE_DOWNLOAD=1) on a machine that can reach
// update.code.visualstudio.com, runTests downloads VS Code 1.100.3 and runs the same suite in Electron.
// The workspace is the scratch copy prepared by the harness, so both ways see the same files.
import { runTests } from '@vscode/test-electron';
import { join } from 'node:path';
import { prepareRun, repoRoot } from './vscode-harness.mjs';

const download = process.argv.includes('--download') || process.env.SE_LENS_VSCODE_DOWNLOAD === '1';
const paths = prepareRun(download ? 'electron' : 'test-electron-workspace');
try {
  await runTests({
    ...(download ? { version: '1.100.3' } : { vscodeExecutablePath: join(repoRoot, 'scripts', 'vscode-code-shim.mjs') }),
    extensionDevelopmentPath: repoRoot,
    extensionTestsPath: join(repoRoot, 'out', 'vscode-tests', 'suite.js'),
    launchArgs: [paths.workspace, '--disable-extensions'],
  });
  console.log('extension-host suite passed');
} catch (e) {
  console.error(`extension-host suite failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
}
