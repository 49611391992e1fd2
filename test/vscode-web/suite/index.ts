// The web suite, bundled to out/vscode-web-tests/suite.js (platform browser) and run by
// scripts/vscode-test-web.mjs in code-server's web worker extension host; `run()` is the test-electron contract.
import { runAll, say } from '../../vscode/suite/harness.js';
import './web.test.js';
import './web-weights.test.js';

export async function run(): Promise<void> {
  say('SE Lens web-extension-host suite');
  await runAll();
}
