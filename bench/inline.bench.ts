// Run gates → strip data for the reference block, in the extension host's runtime (onnxruntime-web WASM
// under Node). Cold: a fresh process that loads ORT, compiles its .wasm and runs once. Warm: later runs.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { repetitions } from './quick.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const PROBE = `
import { HostGateRunner } from '../../src/extension/inline/gate-runner';
import { readFileSync } from 'node:fs';
import { analyzeText, unitNamed } from '../../test/unit/source-loader';
async function main() {
  const unit = unitNamed(await analyzeText(readFileSync('test/fixtures/source/se_block_reference.py', 'utf8'), 'python'), 'SEBlock');
  const ortDist = process.argv[2];
  const t0 = performance.now();
  const runner = new HostGateRunner(ortDist + '/ort-wasm-simd-threaded.wasm', ortDist + '/ort-wasm-simd-threaded.mjs');
  await runner.run(unit.model, unit.blocks, { kind: 'normal', seed: 0, batch: 4 }, 0);
  const cold = performance.now() - t0;
  const warm = [];
  for (let i = 0; i < ${repetitions(7)}; i++) {
    const t = performance.now();
    await runner.run(unit.model, unit.blocks, { kind: 'normal', seed: i, batch: 4 }, 0);
    warm.push(performance.now() - t);
  }
  console.log(JSON.stringify({ cold, warm }));
}
main();
`;

export async function run(): Promise<{ name: string; median_ms: number; target: string; note?: string }[]> {
  const dir = mkdtempSync(join(tmpdir(), 'se-lens-inline-'));
  const entry = join(process.cwd(), 'bench', 'data', 'inline-probe.ts');
  writeFileSync(entry, PROBE);
  const out = join(dir, 'probe.js');
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error',
    // web-tree-sitter asks import.meta.url where it lives; in a CJS bundle that is the bundle.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  const ortDist = join(process.cwd(), 'node_modules', 'onnxruntime-web', 'dist');
  const colds: number[] = [];
  const warms: number[] = [];
  for (let i = 0; i < repetitions(5); i++) {
    const r = JSON.parse(execFileSync(process.execPath, [out, ortDist], { cwd: process.cwd(), encoding: 'utf8' })) as { cold: number; warm: number[] };
    colds.push(r.cold);
    warms.push(...r.warm);
  }
  return [
    { name: 'Run gates on the reference block, cold (fresh process: ORT load + .wasm compile + run)', median_ms: median(colds), target: '≤ 1.5 s', note: `${colds.length} processes; the extension warms the runner when the first Run gates lens shows, so a click usually finds it warm` },
    { name: 'Run gates on the reference block, warm (model build + session + 4 samples + strip)', median_ms: median(warms), target: '≤ 300 ms', note: `${warms.length} runs` },
  ];
}
