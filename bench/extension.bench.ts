// Extension host costs outside VS Code: loading dist/extension.js and running activate() against a stand-in
// `vscode` module (the calls activation makes, answered with inert disposables), then the first-use engine load and one
// warm analysis of the reference file. Needs `npm run build` first. VS Code's own cost of starting the
// extension host is not in these numbers; the real-VS-Code log line "SE Lens activated in N ms" is.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { repetitions } from './quick.js';

const root = join(import.meta.dirname, '..');
const require = createRequire(import.meta.url);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Anything activation may touch beyond `vscodeStub`'s explicit answers: every property is another inert value and
 * every call returns one (so a new `vscode.x.y(...)` in activate() does not break the bench); `then` is absent so
 * it is never taken for a promise.
 */
function inert(): unknown {
  const target = function () {} as unknown as Record<string | symbol, unknown>;
  return new Proxy(target, {
    get: (_t, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => '' : key === 'dispose' ? () => {} : inert()),
    apply: () => inert(),
    construct: () => inert() as object,
  });
}

/** A record whose missing keys answer with `inert()`. */
function withFallback<T extends object>(known: T): T {
  return new Proxy(known, { get: (t, key) => (key in t ? (t as Record<string | symbol, unknown>)[key] : key === 'then' ? undefined : inert()) });
}

/** The `vscode` API as activation sees it: what it reads answered explicitly, registrations as inert disposables. */
function vscodeStub(): Record<string, unknown> {
  const disposable = { dispose() {} };
  const event = () => disposable;
  const log = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, appendLine() {}, dispose() {} };
  const uri = (fsPath: string) => ({ scheme: 'file', fsPath, path: fsPath, toString: () => `file://${fsPath}` });
  return withFallback({
    EventEmitter: class { event = event; fire() {} dispose() {} },
    TabInputCustom: class {},
    TabInputText: class {},
    Uri: { file: uri, joinPath: (base: { fsPath: string }, ...parts: string[]) => uri(join(base.fsPath, ...parts)) },
    version: '1.100.0',
    env: withFallback({ appName: 'bench' }),
    l10n: { t: (message: string) => message },
    window: withFallback({
      createOutputChannel: () => withFallback(log),
      tabGroups: withFallback({ activeTabGroup: { activeTab: undefined }, all: [], onDidChangeTabs: event }),
      activeTextEditor: undefined,
      visibleTextEditors: [],
    }),
    workspace: withFallback({ textDocuments: [], workspaceFolders: undefined, getConfiguration: () => withFallback({ get: (_k: string, d?: unknown) => d }) }),
    languages: withFallback({}),
    commands: withFallback({}),
  });
}

/** Makes `require('vscode')` inside the bundles return the stand-in. */
function installVscodeStub(): void {
  const Module = require('node:module') as { _resolveFilename: (request: string, ...rest: unknown[]) => string };
  const original = Module._resolveFilename;
  const stubPath = join(root, 'bench', '.vscode-stub.js');
  Module._resolveFilename = function (request: string, ...rest: unknown[]) {
    return request === 'vscode' ? stubPath : original.call(this, request, ...rest);
  };
  require.cache[stubPath] = { id: stubPath, filename: stubPath, loaded: true, exports: vscodeStub() } as NodeJS.Module;
}

/** The bench reads the built bundles. */
export function prerequisites(): string | undefined {
  return existsSync(join(root, 'dist', 'extension.js')) && existsSync(join(root, 'dist', 'engine.js')) ? undefined : 'needs `npm run build` (dist/extension.js, dist/engine.js)';
}

export async function run(): Promise<{ name: string; median_ms: number; note?: string }[]> {
  installVscodeStub();
  const bundle = join(root, 'dist', 'extension.js');
  const engineBundle = join(root, 'dist', 'engine.js');
  const context = { subscriptions: [] as unknown[], extensionPath: root, extensionUri: { scheme: 'file', fsPath: root, path: root }, workspaceState: { get: () => undefined, update: async () => {} }, extensionMode: 1 };

  const activation: number[] = [];
  for (let i = 0; i < repetitions(15); i++) {
    delete require.cache[bundle];
    const t0 = performance.now();
    const ext = require(bundle) as { activate(c: unknown): unknown };
    ext.activate(context);
    activation.push(performance.now() - t0);
    context.subscriptions.length = 0;
  }

  const engineLoad: number[] = [];
  let createEngine: ((g: { load(f: string): Promise<Uint8Array> }) => import('../src/extension/engine/api.js').Engine) | undefined;
  for (let i = 0; i < repetitions(5); i++) {
    delete require.cache[engineBundle];
    const t0 = performance.now();
    createEngine = (require(engineBundle) as { createEngine: typeof createEngine }).createEngine;
    engineLoad.push(performance.now() - t0);
  }
  const engine = createEngine!({ load: async (f) => readFileSync(join(root, 'dist', 'wasm', f)) });
  const text = readFileSync(join(root, 'test', 'vscode', 'workspace', 'se_block.py'), 'utf8');
  const request = { key: 'bench', text, language: 'python' as const, defaultInput: { batch: 1, channels: 64, height: 56, width: 56 }, inputOverrides: {} };
  const t0 = performance.now();
  await engine.analyzeSource(request);
  const firstAnalysis = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 0; i < repetitions(21); i++) {
    const edited = i % 2 ? text : text.replace('ratio=4', 'ratio=8');
    const t1 = performance.now();
    const analysis = await engine.analyzeSource({ ...request, text: edited });
    for (const unit of analysis.units) engine.unitTable(unit, 'torchstat');
    warm.push(performance.now() - t1);
  }

  const kb = (p: string) => `${(statSync(p).size / 1024).toFixed(1)} KB`;
  return [
    { name: 'extension: load dist/extension.js + activate()', median_ms: median(activation), note: `bundle ${kb(bundle)}` },
    { name: 'extension: load dist/engine.js (first use)', median_ms: median(engineLoad), note: `bundle ${kb(engineBundle)}, grammars loaded separately` },
    { name: 'extension: first analysis incl. tree-sitter + grammar load', median_ms: firstAnalysis, note: 'one run, se_block.py' },
    { name: 'extension: lens data for se_block.py after an edit', median_ms: median(warm), note: 'analyzeSource + torchstat table per unit' },
  ];
}
