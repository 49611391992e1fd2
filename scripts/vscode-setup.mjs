#!/usr/bin/env node
// Installs a real VS Code for the extension tests: npm code-server@4.100.3 (VS Code 1.100.3, the newest
// that runs on Node 20) into test/vscode/.runtime, outside the root dependencies so `npm ci` at the root stays plain.
// Its postinstall compiles native modules and fetches ripgrep from GitHub, which these machines cannot reach;
// the env vars below are the checked recipe in shared/notes/vscode-e2e.md. Idempotent: a finished install is kept.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const runtime = join(root, 'test', 'vscode', '.runtime');
const codeServer = join(runtime, 'node_modules', 'code-server');
const serverMain = join(codeServer, 'lib', 'vscode', 'out', 'server-main.js');
// postinstall's last step installs the built-in extensions' dependencies; its presence marks a finished install.
const finished = join(codeServer, 'lib', 'vscode', 'extensions', 'node_modules');
const wanted = JSON.parse(readFileSync(join(runtime, 'package.json'), 'utf8')).dependencies['code-server'];

function installedVersion() {
  try {
    return JSON.parse(readFileSync(join(codeServer, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

if (existsSync(serverMain) && existsSync(finished) && installedVersion() === wanted) {
  console.log(`code-server ${wanted} already installed in ${runtime}`);
  process.exit(0);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const rg = which('rg');
if (!rg) {
  console.error('ripgrep is missing: apt-get install -y ripgrep chromium libkrb5-dev');
  process.exit(1);
}
if (!existsSync('/usr/include/gssapi/gssapi.h')) {
  console.error('libkrb5-dev is missing (kerberos needs gssapi.h): apt-get install -y libkrb5-dev');
  process.exit(1);
}

// @vscode/ripgrep@1.15.11 downloads this tarball from GitHub unless its cache under TMPDIR already holds it.
const tmp = join(runtime, 'tmp');
const rgCache = join(tmp, 'vscode-ripgrep-cache-1.15.11');
const rgTar = join(rgCache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz');
if (!existsSync(rgTar)) {
  const staging = join(rgCache, 'x');
  mkdirSync(staging, { recursive: true });
  copyFileSync(rg, join(staging, 'rg'));
  const tar = spawnSync('tar', ['czf', rgTar, '-C', staging, 'rg'], { stdio: 'inherit' });
  if (tar.status !== 0) process.exit(tar.status ?? 1);
}

// Node headers must be local (node-gyp would download them); the Debian nodejs package puts them under /usr.
const nodedir = process.env.npm_config_nodedir || (existsSync('/usr/include/node/node.h') ? '/usr' : undefined);
const env = {
  ...process.env,
  TMPDIR: tmp,
  npm_config_unsafe_perm: 'true',
  npm_config_yes: 'true',
  // The repository's .npmrc sets ignore-scripts, and `npm run` passes that on; code-server's postinstall is the install.
  npm_config_ignore_scripts: 'false',
  ...(nodedir ? { npm_config_nodedir: nodedir } : {}),
};
// A half-finished install (interrupted postinstall) is removed so npm runs the postinstall again.
if (existsSync(codeServer)) rmSync(codeServer, { recursive: true, force: true });
const hasLock = existsSync(join(runtime, 'package-lock.json'));
const args = [hasLock ? 'ci' : 'install', '--foreground-scripts', '--no-audit', '--no-fund'];
console.log(`npm ${args.join(' ')} in ${runtime} (about a minute; compiles native modules)`);
const started = Date.now();
const r = spawnSync('npm', args, { cwd: runtime, env, stdio: 'inherit' });
if (r.status !== 0 || !existsSync(serverMain) || !existsSync(finished)) {
  console.error(`code-server install failed (npm exit ${r.status})`);
  process.exit(r.status || 1);
}
console.log(`code-server ${installedVersion()} installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
