// A real VS Code for tests without downloading VS Code or Electron: the VS Code 1.100 server that ships in
// npm code-server@4.100.3 (installed by `npm run setup:vscode`), its web workbench opened in Debian's
// /usr/bin/chromium through playwright-core. Recipe and selectors: shared/notes/vscode-e2e.md.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(import.meta.dirname, '..');
export const serverMain = join(repoRoot, 'test', 'vscode', '.runtime', 'node_modules', 'code-server', 'lib', 'vscode', 'out', 'server-main.js');
export const outputRoot = join(repoRoot, 'test-output', 'vscode');
const chromiumPath = process.env.SE_LENS_CHROMIUM || '/usr/bin/chromium';

/** Per-run settings: the server-main workbench keeps user settings in the browser, so they go in the workspace. */
const workspaceSettings = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.ignoreRecommendations': true,
  'editor.hover.delay': 150,
  'editor.inlayHints.enabled': 'on',
  'editor.codeLens': true,
  'files.autoSave': 'off',
  'window.commandCenter': false,
  'workbench.enableExperiments': false,
  'update.mode': 'none',
  'git.enabled': false,
  'git.openRepositoryInParentFolders': 'never',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
};

const DISABLED_BUILTINS = ['vscode.typescript-language-features', 'vscode.git', 'vscode.github', 'vscode.github-authentication'];

export function requireRuntime() {
  if (!existsSync(serverMain)) {
    throw new Error(`VS Code server not installed (${serverMain}); run: npm run setup:vscode`);
  }
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing; run: apt-get install -y chromium`);
}

/**
 * A fresh folder for one run: user data, server data, extensions, browser profile, and a copy of the
 * test workspace with the ONNX fixtures beside the source files (tests may write into it).
 */
export function prepareRun(name) {
  const dir = join(outputRoot, name);
  rmSync(dir, { recursive: true, force: true });
  const paths = {
    dir,
    userData: join(dir, 'user-data'),
    serverData: join(dir, 'server-data'),
    extensions: join(dir, 'extensions'),
    browser: join(dir, 'browser'),
    workspace: join(dir, 'workspace'),
    screenshots: join(dir, 'screenshots'),
  };
  for (const p of Object.values(paths)) mkdirSync(p, { recursive: true });
  cpSync(join(repoRoot, 'test', 'vscode', 'workspace'), paths.workspace, { recursive: true });
  const fixtures = join(repoRoot, 'test', 'fixtures');
  for (const f of readdirSync(fixtures).filter((f) => f.endsWith('.onnx') || f.endsWith('.truth.json'))) {
    cpSync(join(fixtures, f), join(paths.workspace, 'models', f));
  }
  mkdirSync(join(paths.workspace, '.vscode'), { recursive: true });
  writeFileSync(join(paths.workspace, '.vscode', 'settings.json'), JSON.stringify(workspaceSettings, null, 2));
  return paths;
}

/** `server-main.js --install-extension`: installs a .vsix into the run's extensions folder and exits. */
export function installVsix(paths, vsix) {
  const r = spawnSync(process.execPath, [serverMain, '--install-extension', vsix, '--extensions-dir', paths.extensions,
    '--server-data-dir', paths.serverData, '--user-data-dir', paths.userData, '--accept-server-license-terms', '--force'],
  { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`installing ${vsix} failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Starts the VS Code server on a free port; resolves once it listens. `log` receives every output line.
 * The server runs in its own process group so `stop()` also ends the extension host and file watcher.
 */
export function startServer(paths, { log = () => {}, timeoutMs = 60_000 } = {}) {
  const args = [serverMain, '--host', '127.0.0.1', '--port', '0', '--without-connection-token',
    '--accept-server-license-terms', '--user-data-dir', paths.userData, '--server-data-dir', paths.serverData,
    '--extensions-dir', paths.extensions, '--disable-workspace-trust', '--telemetry-level', 'off',
    '--enable-smoke-test-driver', '--disable-telemetry', '--skip-requirements-check',
    // Built-ins the tests do not need: TypeScript's server would answer every TF.js hover query after a slow start.
    ...DISABLED_BUILTINS.flatMap((id) => ['--disable-extension', id])];
  const env = { ...process.env, HOME: paths.dir, XDG_CONFIG_HOME: join(paths.dir, 'config'), XDG_DATA_HOME: join(paths.dir, 'data'), VSCODE_CLI: undefined };
  const proc = spawn(process.execPath, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try { process.kill(-proc.pid, 'SIGTERM'); } catch { /* already gone */ }
    setTimeout(() => { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* already gone */ } }, 2000).unref();
  };
  // The server has its own process group, so it would outlive a runner killed by `timeout` or Ctrl+C: stop it first.
  process.once('exit', stop);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      stop();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
  const ready = new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`VS Code server did not start in ${timeoutMs} ms`)), timeoutMs);
    const onLine = (line) => {
      log(line);
      const m = /Extension host agent listening on (\d+)/.exec(line);
      if (m) { clearTimeout(timer); resolvePort(Number(m[1])); }
    };
    for (const stream of [proc.stdout, proc.stderr]) {
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (d) => {
        buf += d;
        let i;
        while ((i = buf.indexOf('\n')) >= 0) { onLine(buf.slice(0, i)); buf = buf.slice(i + 1); }
      });
    }
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`VS Code server exited early (${code})`)); });
  });
  return { proc, stop, ready };
}

/** Workbench URL for a folder, with test-electron style development options passed as the URL payload. */
export function workbenchUrl(port, folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  let url = `http://127.0.0.1:${port}/?folder=${encodeURIComponent(folder)}`;
  if (payload.length) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  return url;
}

export async function launchBrowser(paths) {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(paths.browser, {
    executablePath: chromiumPath,
    headless: false,
    args: ['--headless=new', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1400, height: 900 },
  });
}

export function elapsed(start) {
  return `${((Date.now() - start) / 1000).toFixed(1)}s`;
}
