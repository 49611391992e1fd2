// The 5,000-line Python file: full analysis, re-analysis after a one-line edit, and after a line inserted mid-file.
// Measured as the extension runs it: the analyzer bundled by esbuild (as in dist/engine.js) in a fresh process,
// inside a worker thread with default limits, as the Node extension host analyses source
// (src/extension/engine/source-worker-client.ts). The thread matters: the same bundle on a process's main thread
// runs ~3 ms slower here (median of eleven runs each, 02:35–02:41 UTC: 28.3 ms in the worker, 31.9 ms on the main thread).
// (Run through tsx, every closure is wrapped by keepNames' `__name`, which costs the interpreter ~15 %.)
import { isMainThread } from 'node:worker_threads';
import { sourceAnalyzer } from '../src/core/source/analyze-source.js';
import { StatementCache } from '../src/core/source/statement-cache.js';
import { generatedPythonFile } from '../test/fixtures/source/generated-python.js';
import { nodeGrammars } from '../test/unit/source-loader.js';
import { repetitions } from './quick.js';
import { cpuMs, measuredInWorker, median, openedDocumentAnalysis, type Row } from './worker-probe.js';

/** Measured in a worker thread of a fresh bundled process (see worker-probe.ts), the CLI's main thread beside it. */
export async function run(): Promise<Row[]> {
  return measuredInWorker('source.bench', "source: the same full analysis on a process's main thread (as the CLI runs it)", "none (the ≤ 30 ms goal is the editor's)");
}

/** The measurements, in the process that runs them (the bundle made by `run`). */
export async function measure(): Promise<Row[]> {
  const analyzer = await sourceAnalyzer(nodeGrammars);
  const text = generatedPythonFile();
  const lineCount = text.split('\n').length;
  // Warm-up: the JIT (the interpreter is large: fewer rounds leave part of it unoptimised) and the first parse.
  for (let i = 0; i < repetitions(10); i++) openedDocumentAnalysis(analyzer, text, 'python');

  // The floor beside the full analysis, interleaved so that each round sees the same load: tree-sitter's parse
  // alone, and the parse with the statement snapshots every analysis starts from (the least work before any class
  // is interpreted).
  const parseOnly: number[] = [];
  const floor: number[] = [];
  const copyCpu: number[] = [];
  const full: number[] = [];
  const fullCpu: number[] = [];
  let units = 0;
  let blocks = 0;
  let blockParams = 0;
  for (let i = 0; i < repetitions(21); i++) {
    let t0 = performance.now();
    analyzer.parsers.python.parse(text)?.delete();
    parseOnly.push(performance.now() - t0);
    t0 = performance.now();
    const tree = analyzer.parsers.python.parse(text);
    if (!tree) break;
    let c0 = process.cpuUsage();
    new StatementCache().topStatements(tree.rootNode, text);
    copyCpu.push(cpuMs(c0));
    floor.push(performance.now() - t0);
    tree.delete();

    const { result: r, ms, cpu } = openedDocumentAnalysis(analyzer, text, 'python');
    // What a lens shows: each unit's blocks with their channels and parameters.
    blockParams = r.units.reduce((a, u) => a + u.blocks.reduce((p, b) => p + b.params, 0), 0);
    full.push(ms);
    fullCpu.push(cpu);
    units = r.units.length;
    blocks = r.units.reduce((a, u) => a + u.blocks.length, 0);
  }

  // One-line edits: the ratio of one class in the middle of the file flips between 4 and 8.
  const key = 'bench.py';
  // Warm-up edits too: a user typing has the edit path compiled by the JIT; the first few edits measure the JIT.
  const WARM_EDITS = 20;
  analyzer.analyze(text, 'python', { documentKey: key });
  const target = 'def __init__(self, channels=16, ratio=4, mode="avg"):';
  const at = text.indexOf(target, Math.floor(text.length / 2));
  const edited = text.slice(0, at) + target.replace('ratio=4', 'ratio=8') + text.slice(at + target.length);
  for (let i = 0; i < WARM_EDITS; i++) analyzer.analyze(i % 2 === 0 ? edited : text, 'python', { documentKey: key });
  const incremental: number[] = [];
  const incrementalCpu: number[] = [];
  for (let i = 0; i < repetitions(21); i++) {
    const next = i % 2 === 0 ? edited : text;
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    analyzer.analyze(next, 'python', { documentKey: key });
    incremental.push(performance.now() - t0);
    incrementalCpu.push(cpuMs(c0));
  }
  analyzer.forget(key);

  // Enter pressed between two classes in the middle of the file, then the line removed: every class below
  // moves one line down and back (their snapshots and cached units are kept, with their lines moved).
  const between = text.indexOf('\nclass ', Math.floor(text.length / 2));
  const inserted = text.slice(0, between) + '\n' + text.slice(between);
  analyzer.analyze(text, 'python', { documentKey: key });
  for (let i = 0; i < WARM_EDITS; i++) analyzer.analyze(i % 2 === 0 ? inserted : text, 'python', { documentKey: key });
  const shifted: number[] = [];
  const shiftedCpu: number[] = [];
  for (let i = 0; i < 21; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    analyzer.analyze(i % 2 === 0 ? inserted : text, 'python', { documentKey: key });
    shifted.push(performance.now() - t0);
    shiftedCpu.push(cpuMs(c0));
  }
  analyzer.forget(key);

  const ms = (x: number) => x.toFixed(1);
  return [
    {
      name: 'source: full analysis, 5,000-line Python file, 100 classes',
      median_ms: median(full),
      note: `${lineCount} lines, ${units} units, ${blocks} SE blocks holding ${blockParams} params (read per unit, as a lens does); the first analysis of a newly opened document (its own document key, as the extension asks); esbuild bundle, fresh process, ${isMainThread ? 'main thread' : 'in a worker thread as the extension host runs it'}, parsers preloaded; median of ${full.length} (fastest ${ms(Math.min(...full))} ms, as the machine's load allows); CPU ${ms(median(fullCpu))} ms (the GC runs partly on other threads); floor in the same rounds: tree-sitter parse alone ${ms(median(parseOnly))} ms (fastest ${ms(Math.min(...parseOnly))}), parse + statement snapshots ${ms(median(floor))} ms (fastest ${ms(Math.min(...floor))}) (snapshots ${ms(median(copyCpu))} ms CPU)`,
    },
    {
      name: 'source: re-analysis after a one-line edit (same file)',
      median_ms: median(incremental),
      note: `incremental reparse, only the edited class interpreted again; median of ${incremental.length} after ${WARM_EDITS} warm-up edits; CPU ${ms(median(incrementalCpu))} ms`,
    },
    {
      name: 'source: re-analysis after a line inserted mid-file (Enter), 50 classes move',
      median_ms: median(shifted),
      note: `statements below keep their snapshots; cached units get their lines moved, none interpreted again; median of ${shifted.length} after ${WARM_EDITS} warm-up edits; CPU ${ms(median(shiftedCpu))} ms`,
    },
  ];
}
