import { sourceAnalyzer } from '../src/core/source/analyze-source.js';
import { generatedPythonFile } from '../test/fixtures/source/generated-python.js';
import { nodeGrammars } from '../test/unit/source-loader.js';
import { repetitions } from './quick.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function run(): Promise<{ name: string; median_ms: number; note?: string }[]> {
  const analyzer = await sourceAnalyzer(nodeGrammars);
  const text = generatedPythonFile();
  const lineCount = text.split('\n').length;
  // Warm-up: JIT and the grammar's first parse.
  for (let i = 0; i < repetitions(3); i++) analyzer.analyze(text, 'python');

  // CPU time beside wall time: on a shared machine the wall clock also counts other processes.
  const cpuMs = (start: NodeJS.CpuUsage) => {
    const d = process.cpuUsage(start);
    return (d.user + d.system) / 1000;
  };
  const parseOnly: number[] = [];
  for (let i = 0; i < repetitions(9); i++) {
    const t0 = performance.now();
    analyzer.parsers.python.parse(text)?.delete();
    parseOnly.push(performance.now() - t0);
  }
  const full: number[] = [];
  const fullCpu: number[] = [];
  let units = 0;
  let blocks = 0;
  for (let i = 0; i < repetitions(9); i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = analyzer.analyze(text, 'python');
    full.push(performance.now() - t0);
    fullCpu.push(cpuMs(c0));
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
      note: `${lineCount} lines, ${units} units, ${blocks} SE blocks; parsers preloaded; median of ${full.length}; CPU ${ms(median(fullCpu))} ms; of which tree-sitter parse alone ${ms(median(parseOnly))} ms`,
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
