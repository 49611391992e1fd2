import { sourceAnalyzer } from '../src/core/source/analyze-source.js';
import { generatedTfjsFile } from '../test/fixtures/source/tfjs/generated-tfjs.js';
import { nodeGrammars } from '../test/unit/source-loader.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Issue 10: a 3,000-line TF.js model file whose entry point calls 50 stage helpers, each with one SE call. */
export async function run(): Promise<{ name: string; median_ms: number; note?: string; target?: string }[]> {
  const analyzer = await sourceAnalyzer(nodeGrammars);
  const text = generatedTfjsFile(50);
  const lines = text.split('\n').length;
  for (let i = 0; i < 3; i++) analyzer.analyze(text, 'typescript');
  const full: number[] = [];
  const cpu: number[] = [];
  let blocks = 0;
  let units = 0;
  for (let i = 0; i < 9; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = analyzer.analyze(text, 'typescript');
    full.push(performance.now() - t0);
    const d = process.cpuUsage(c0);
    cpu.push((d.user + d.system) / 1000);
    units = r.units.length;
    blocks = r.units.reduce((a, u) => a + u.blocks.length, 0);
  }
  // A one-line edit in one stage helper (its default ratio), back and forth, in an open document.
  const key = 'tfjs-bench.ts';
  const target = 'ratio = 4, dropout = 0 }';
  const at = text.indexOf(target, Math.floor(text.length / 2));
  const edited = text.slice(0, at) + target.replace('ratio = 4', 'ratio = 8') + text.slice(at + target.length);
  analyzer.analyze(text, 'typescript', { documentKey: key });
  // Warm-up edits: a user typing has the edit path compiled by the JIT.
  const WARM_EDITS = 10;
  for (let i = 0; i < WARM_EDITS; i++) analyzer.analyze(i % 2 === 0 ? edited : text, 'typescript', { documentKey: key });
  const edits: number[] = [];
  const editsCpu: number[] = [];
  for (let i = 0; i < 21; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    analyzer.analyze(i % 2 === 0 ? edited : text, 'typescript', { documentKey: key });
    edits.push(performance.now() - t0);
    const d = process.cpuUsage(c0);
    editsCpu.push((d.user + d.system) / 1000);
  }
  // Enter pressed between two stage helpers, then the line removed: the units are kept with their lines moved.
  const between = text.indexOf('\n/**', Math.floor(text.length / 2));
  const inserted = text.slice(0, between) + '\n' + text.slice(between);
  for (let i = 0; i < WARM_EDITS; i++) analyzer.analyze(i % 2 === 0 ? inserted : text, 'typescript', { documentKey: key });
  const shifted: number[] = [];
  const shiftedCpu: number[] = [];
  for (let i = 0; i < 21; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    analyzer.analyze(i % 2 === 0 ? inserted : text, 'typescript', { documentKey: key });
    shifted.push(performance.now() - t0);
    const d = process.cpuUsage(c0);
    shiftedCpu.push((d.user + d.system) / 1000);
  }
  analyzer.forget(key);
  return [
    {
      name: 'tfjs source: full analysis, 3,000-line TF.js file, 50 helper calls',
      median_ms: median(full),
      target: '≤ 50 ms (issue #10)',
      note: `${lines} lines, ${units} units, ${blocks} SE blocks (one per call site); parsers preloaded; median of ${full.length}; CPU ${median(cpu).toFixed(1)} ms`,
    },
    {
      name: 'tfjs source: re-analysis after a one-line edit in one stage helper',
      median_ms: median(edits),
      note: `incremental reparse, only the edited statement copied out of the tree again; the model is one unit, so it is interpreted again whole; median of ${edits.length} after ${WARM_EDITS} warm-up edits; CPU ${median(editsCpu).toFixed(1)} ms`,
    },
    {
      name: 'tfjs source: re-analysis after a line inserted between two helpers (Enter)',
      median_ms: median(shifted),
      note: `statements keep their snapshots; the units are kept with their lines moved; median of ${shifted.length} after ${WARM_EDITS} warm-up edits; CPU ${median(shiftedCpu).toFixed(1)} ms`,
    },
  ];
}
