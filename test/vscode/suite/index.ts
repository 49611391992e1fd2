// Extension-host test suite, bundled to out/vscode-tests/suite.js; `run()` is the @vscode/test-electron contract.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { runAll, say } from './harness.js';
import './activation.test.js';
import './source.test.js';
import './commands.test.js';
import './onnx.test.js';
import './inline.test.js';
import './notebook.test.js';
import './modules.test.js';
import './formats.test.js';
import './formats-weights.test.js';
import './inline-weights.test.js';
import './inspector-weights.test.js';

/** A filter written by the runner (SE_LENS_TEST_GREP): the remote extension host has its own environment. */
async function grep(): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) return undefined;
  const text = await readFile(join(folder, '.vscode', 'se-lens-test-grep'), 'utf8').catch(() => '');
  return text.trim() || undefined;
}

export async function run(): Promise<void> {
  const only = await grep();
  say(`SE Lens extension-host suite${only ? ` (only "${only}")` : ''}`);
  await runAll(only);
}
