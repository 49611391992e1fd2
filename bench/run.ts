// `npm run bench`: imports every bench/*.bench.ts, runs them in turn and writes bench/RESULTS.md (machine, date,
// one table per bench file: name, median ms, peak MB, target from the issues, note).
//
// A bench file exports `run(): Promise<BenchRow[]>` and may export `prerequisites(): string | undefined |
// Promise<string | undefined>` returning why it cannot run here (no chromium, no build); it is then skipped with
// that note. A bench that throws is recorded as not measured, with the error's first line, and the rest go on.
// `npm run bench -- engine source` runs only the files whose names contain one of the words; the sections of the
// others are kept from the previous RESULTS.md (each section carries its own date), as are sections that are not
// about one bench file (numbers from another machine).
//
// `npm run bench -- --quick` (or BENCH_QUICK=1): one repetition of everything (bench/quick.ts), RESULTS.md left
// alone. In both modes the exit status is 1 when any bench threw, so the quick run is CI's check that every bench still runs. A bench whose
// prerequisites are missing is skipped with its reason and does not fail the run.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, platform, release, totalmem, arch, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { quickMode } from './quick.js';

export interface BenchRow {
  name: string;
  median_ms: number;
  peak_mb?: number;
  note?: string;
  /** The goal from the issues, when the bench states it; otherwise the runner's table below supplies it. */
  target?: string;
}

interface BenchModule {
  run(): Promise<BenchRow[]>;
  prerequisites?: () => string | undefined | Promise<string | undefined>;
}

const here = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(here, 'RESULTS.md');

/** Goals stated in the issues, for rows whose bench does not give one: [bench file, row-name pattern, target]. */
const TARGETS: [RegExp, RegExp, string][] = [
  [/^engine/, /B7-like.*open/, '≤ 70 ms; < 100 MB over Node (issue #2)'],
  [/^source/, /edit/i, '≤ 5 ms (issue #3)'],
  [/^source/, /full analysis/i, '≤ 30 ms (issue #3)'],
  [/^extension/, /activate/i, '≤ 30 ms; host bundle ≤ 500 KB (issue #4)'],
  [/./, /vsix/i, '≤ 20 MB (issue #4)'],
  [/./, /heatmap.*1,?024/i, '≤ 16 ms (issue #5)'],
  [/./, /click.*heatmap|first heatmap/i, '≤ 600 ms (issue #5)'],
  [/./, /run gates|strip drawn/i, '≤ 300 ms warm, ≤ 1.5 s cold (issue #6)'],
];

function targetOf(file: string, row: BenchRow): string {
  if (row.target) return row.target;
  return TARGETS.find(([f, n]) => f.test(file) && n.test(row.name))?.[2] ?? '';
}

const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

function machine(): string[] {
  const cpu = cpus();
  const gb = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GB`;
  return [
    `- OS: ${platform()} ${release()} (${arch()})`,
    `- CPU: ${cpu[0]?.model.trim() ?? 'unknown'}, ${cpu.length} logical cores`,
    `- Memory: ${gb(totalmem())} (${gb(freemem())} free at start)`,
    `- Node: ${process.version}`,
    `- Load average at start (1/5/15 min): ${loadAverage()} — shared machines inflate every number; each section gives its own`,
  ];
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const num = (x: number | undefined, digits = 1) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(digits));

function section(file: string, date: string, load: { before: string; after: string }, rows: BenchRow[] | undefined, skipped: string | undefined): string {
  const lines = [`## \`bench/${file}\``, '', `Measured ${date}; load average (1/5/15 min) ${load.before} before, ${load.after} after.`, ''];
  if (skipped !== undefined) {
    lines.push(`Not measured: ${cell(skipped)}`, '');
    return lines.join('\n');
  }
  lines.push('| name | median ms | peak MB | target | note |', '| --- | ---: | ---: | --- | --- |');
  for (const r of rows ?? []) lines.push(`| ${cell(r.name)} | ${num(r.median_ms)} | ${num(r.peak_mb)} | ${cell(targetOf(file, r))} | ${cell(r.note ?? '')} |`);
  lines.push('');
  return lines.join('\n');
}

/**
 * Sections of the previous RESULTS.md: by bench file (kept for files not run this time), and any other `## `
 * section (e.g. numbers measured on another machine, added by hand), kept verbatim at the end.
 */
function previousSections(): { byFile: Map<string, string>; other: string[] } {
  const byFile = new Map<string, string>();
  const other: string[] = [];
  if (!existsSync(RESULTS)) return { byFile, other };
  const text = readFileSync(RESULTS, 'utf8');
  for (const p of text.split(/^(?=## )/m).slice(1)) {
    const m = /^## `bench\/([^`]+)`/.exec(p);
    if (m) byFile.set(m[1]!, p.trimEnd() + '\n');
    else other.push(p.trimEnd() + '\n');
  }
  return { byFile, other };
}

/** Runs the chosen benches; resolves to the names of the bench files that threw. */
export async function main(filters: string[]): Promise<string[]> {
  const failed: string[] = [];
  const files = readdirSync(here).filter((f) => f.endsWith('.bench.ts')).sort();
  const chosen = files.filter((f) => !filters.length || filters.some((w) => f.includes(w)));
  const previous = previousSections();
  const sections = new Map<string, string>();
  for (const file of files) {
    if (!chosen.includes(file)) {
      const kept = previous.byFile.get(file);
      if (kept) sections.set(file, kept);
      continue;
    }
    const date = new Date().toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
    process.stdout.write(`bench/${file} ...\n`);
    const before = loadAverage();
    let rows: BenchRow[] | undefined;
    let skipped: string | undefined;
    try {
      const mod = (await import(pathToFileURL(join(here, file)).href)) as Partial<BenchModule>;
      if (typeof mod.run !== 'function') throw new Error('exports no run()');
      const missing = mod.prerequisites ? await mod.prerequisites() : undefined;
      if (missing) skipped = `skipped, ${missing}`;
      else rows = await mod.run();
    } catch (e) {
      failed.push(file);
      skipped = `failed or prerequisites missing: ${String((e as Error)?.message ?? e).split('\n')[0]}`;
    }
    for (const r of rows ?? []) process.stdout.write(`  ${num(r.median_ms).padStart(9)} ms  ${num(r.peak_mb).padStart(7)} MB  ${r.name}\n`);
    if (skipped) process.stdout.write(`  ${skipped}\n`);
    sections.set(file, section(file, date, { before, after: loadAverage() }, rows, skipped));
  }
  if (quickMode()) {
    process.stdout.write(`quick mode: ${RESULTS} left as it was${failed.length ? `; failed: ${failed.join(', ')}` : ''}\n`);
    return failed;
  }
  const text = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}; medians of several runs. Machine:`,
    '',
    ...machine(),
    '',
    ...files.filter((f) => sections.has(f)).map((f) => sections.get(f)!),
    ...previous.other,
  ].join('\n');
  writeFileSync(RESULTS, text.trimEnd() + '\n');
  process.stdout.write(`wrote ${RESULTS}\n`);
  return failed;
}

if (process.argv[1] && pathToFileURL(process.argv[1]).href === import.meta.url) {
  const args = process.argv.slice(2);
  if (args.includes('--quick')) process.env.BENCH_QUICK = '1';
  void main(args.filter((a) => !a.startsWith('--'))).then((failed) => {
    if (failed.length) process.exitCode = 1;
  }, (e: unknown) => {
    process.stderr.write(`bench: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  });
}
