// Source benches measured as the Node extension host runs source analysis: the analyzer bundled by esbuild (as in
// dist/engine.js), in a fresh process, inside a worker thread with default limits (src/extension/engine/
// source-worker.ts analyses Python and TF.js alike); then the same full analysis on the process's main thread, as the
// CLI runs it. Run through tsx instead, every closure is wrapped by keepNames' `__name`, which the bundles lack.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Row {
  name: string;
  median_ms: number;
  note?: string;
  target?: string;
}

/**
 * Runs `measure()` of `bench/<benchFile>.ts` in a worker thread of a fresh bundled process, then its first row
 * again on the main thread under `cliName`.
 */
export async function measuredInWorker(benchFile: string, cliName: string, cliTarget: string): Promise<Row[]> {
  const { build } = await import('esbuild');
  mkdirSync(join(process.cwd(), 'bench', 'data'), { recursive: true });
  const entry = join(process.cwd(), 'bench', 'data', `${benchFile}-probe.ts`);
  writeFileSync(entry, `
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { measure } from '../${benchFile}';
if (isMainThread) {
  new Worker(__filename).on('message', async (rows) => {
    // The CLI analyses on the main thread: its full analysis beside the editor's, for the record.
    const [full] = await measure();
    console.log(JSON.stringify([...rows, { ...full, name: ${JSON.stringify(cliName)}, target: ${JSON.stringify(cliTarget)} }]));
  }).on('error', (e) => {
    console.error(e);
    process.exitCode = 1;
  });
} else {
  measure().then((rows) => parentPort!.postMessage(rows));
}
`);
  const out = join(mkdtempSync(join(tmpdir(), `se-lens-${benchFile}-`)), 'probe.js');
  await build({
    entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error', external: ['esbuild'],
    // web-tree-sitter asks import.meta.url where it lives; in a CJS bundle that is the bundle.
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  });
  return JSON.parse(execFileSync(process.execPath, [out], { cwd: process.cwd(), encoding: 'utf8', env: process.env })) as Row[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** CPU time since `start`: on a shared machine the wall clock also counts other processes. */
export function cpuMs(start: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/**
 * The first analysis of a document just opened, as the extension asks for it: under a document key of its own, so
 * the analysis keeps what later edits reuse (its tree and statements). The key is forgotten after,
 * outside the time measured, as closing the document does.
 */
export function openedDocumentAnalysis<T>(analyzer: { analyze(text: string, language: 'python' | 'typescript', options: { documentKey: string }): T; forget(key: string): void }, text: string, language: 'python' | 'typescript'): { result: T; ms: number; cpu: number } {
  const key = `opened-${++opened}`;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = analyzer.analyze(text, language, { documentKey: key });
  const ms = performance.now() - t0;
  const cpu = cpuMs(c0);
  analyzer.forget(key);
  return { result, ms, cpu };
}

let opened = 0;
