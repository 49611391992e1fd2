// The web extension in code-server's web worker extension host (VS Code 1.100 in headless Chromium): activation
// and the time to the first code lens on the reference file, as the web suite measures them from inside the
// host (scripts/vscode-test-web.mjs prints them). Each repetition is a fresh workbench, so both are cold.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repetitions } from './quick.js';

const root = process.cwd();
const NEEDED = [
  [join(root, 'dist', 'web', 'extension.js'), 'the web bundle (npm run build)'],
  [join(root, 'out', 'vscode-web-tests', 'suite.js'), 'the web suite bundle (npm run build)'],
  [join(root, 'test', 'vscode', '.runtime', 'node_modules', 'code-server'), 'code-server (npm run setup:vscode)'],
  [process.env.SE_LENS_CHROMIUM ?? '/usr/bin/chromium', 'chromium (apt-get install chromium)'],
] as const;

export function prerequisites(): string | undefined {
  const missing = NEEDED.find(([path]) => !existsSync(path));
  return missing ? `needs ${missing[1]}` : undefined;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function measureOnce(): { activation: number; firstLens: number } {
  const r = spawnSync(process.execPath, [join('scripts', 'vscode-test-web.mjs')], { encoding: 'utf8', timeout: 300_000 });
  const out = `${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`web suite failed (exit ${r.status}): ${out.trim().split('\n').slice(-3).join(' | ')}`);
  const activation = /activation: (\d+) ms/.exec(out);
  const firstLens = /first code lens on the reference file[^:]*: (\d+) ms/.exec(out);
  // The suite activates SE Lens itself; when the workbench had already activated it, no activation time exists.
  if (!activation || !firstLens) throw new Error(`the web suite printed no ${activation ? 'first-lens' : 'activation'} time`);
  return { activation: Number(activation[1]), firstLens: Number(firstLens[1]) };
}

export async function run(): Promise<{ name: string; median_ms: number; target?: string; note?: string }[]> {
  const runs = Array.from({ length: repetitions(3) }, measureOnce);
  const note = `${runs.length} fresh workbenches; the Node host's numbers are in bench/extension.bench.ts's section`;
  return [
    { name: 'web host: activate() (web worker extension host, 0.6 MB bundle)', median_ms: median(runs.map((r) => r.activation)), note },
    {
      name: 'web host: first code lens on the reference file, cold (engine, source Web Worker, grammars)',
      median_ms: median(runs.map((r) => r.firstLens)),
      note: `${note}; Node host: see "first analysis incl. tree-sitter + grammar load"`,
    },
  ];
}
