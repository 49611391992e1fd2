#!/usr/bin/env node
// Runs an extension test suite inside a real VS Code extension host, with the same contract as
// @vscode/test-electron's runTests(): the module at extensionTestsPath exports `run(): Promise<void>`; the
// host exits with 0 when it resolves and 1 when it rejects. Here the host is the VS Code 1.100 server's, opened
// through its web workbench; the workbench reports the exit code through the smoke-test driver hook
// `codeAutomationExit`. Usage: node scripts/vscode-test-host.mjs [--dev PATH] [--tests PATH] [--folder PATH] [--name RUN]
// SE_LENS_TEST_GREP=text runs only the tests whose name contains it.
import { pathToFileURL } from 'node:url';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { elapsed, launchBrowser, prepareRun, repoRoot, requireRuntime, startServer, workbenchUrl } from './vscode-harness.mjs';

/** Lines the suite prints start with this; everything else the workbench logs stays out of the test output. */
const SUITE_PREFIX = '[se-lens-test]';

/**
 * @param {{ extensionDevelopmentPath: string, extensionTestsPath: string, folder?: string, name?: string,
 *           paths?: ReturnType<typeof prepareRun>, timeoutMs?: number, verbose?: boolean }} options
 * @returns {Promise<number>} the extension host's exit code
 */
export async function runExtensionTests(options) {
  requireRuntime();
  const start = Date.now();
  const paths = options.paths ?? prepareRun(options.name ?? 'host');
  const folder = options.folder ?? paths.workspace;
  // The remote extension host does not see this process's environment: a test filter travels as a file.
  if (process.env.SE_LENS_TEST_GREP) {
    mkdirSync(join(folder, '.vscode'), { recursive: true });
    writeFileSync(join(folder, '.vscode', 'se-lens-test-grep'), process.env.SE_LENS_TEST_GREP);
  }
  const timeoutMs = options.timeoutMs ?? 480_000;
  const serverLog = [];
  const server = startServer(paths, { log: (l) => serverLog.push(l) });
  let context;
  try {
    const port = await server.ready;
    context = await launchBrowser(paths);
    const page = context.pages()[0] ?? (await context.newPage());
    let settle;
    const exited = new Promise((r) => (settle = r));
    await page.exposeFunction('codeAutomationExit', (code) => settle(Number(code)));
    page.on('console', (msg) => {
      const text = msg.text();
      if (text.includes(SUITE_PREFIX)) console.log(text.slice(text.indexOf(SUITE_PREFIX) + SUITE_PREFIX.length + 1));
      else if (options.verbose) console.log(`[page] ${text}`);
    });
    page.on('pageerror', (e) => options.verbose && console.log(`[pageerror] ${e.message}`));
    await page.goto(workbenchUrl(port, folder, options));
    const timeout = new Promise((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    const code = await Promise.race([exited, timeout]);
    if (code === 'timeout') {
      console.error(`extension tests did not finish in ${timeoutMs / 1000} s`);
      await page.screenshot({ path: join(paths.dir, 'timeout.png') }).catch(() => {});
      return 1;
    }
    console.log(`extension host exited with ${code} after ${elapsed(start)}`);
    return code;
  } catch (e) {
    console.error(`extension test run failed: ${e instanceof Error ? e.message : e}`);
    console.error(serverLog.slice(-30).join('\n'));
    return 1;
  } finally {
    await context?.close().catch(() => {});
    server.stop();
  }
}

function argValue(args, flag) {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const code = await runExtensionTests({
    extensionDevelopmentPath: argValue(args, '--dev') ?? repoRoot,
    extensionTestsPath: argValue(args, '--tests') ?? join(repoRoot, 'out', 'vscode-tests', 'suite.js'),
    folder: argValue(args, '--folder'),
    name: argValue(args, '--name') ?? 'host',
    verbose: args.includes('--verbose'),
  });
  process.exit(code);
}
