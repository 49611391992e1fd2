// Engine speed (issue #2): open → blocks + all stats on a ~250 MB EfficientNet-B7-like model with 55 SE blocks
// (~1,000 nodes, weights in raw_data, written once by the project's ONNX writer into bench/data/), and on each
// fixture. Every measured run is a fresh child process (cold JIT, cold caches, like a CLI call): the child loads
// the engine, then times readOnnx over a file-backed ByteSource + analysis + computeStats for the whole model
// and every block. Peak memory: the child's maxRSS minus that of a bare child that loads the same modules and
// does nothing (both read from /proc/self/status VmHWM on Linux). Run directly to see the numbers: `node --import tsx bench/engine.bench.ts`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileSource } from '../src/node/file-source.js';
import { analyzeModel } from '../src/core/analyze.js';
import { readOnnx } from '../src/core/onnx/reader.js';
import { writeOnnx } from '../src/core/onnx/writer.js';
import { CONVENTIONS, type Convention } from '../src/core/stats/table.js';
import { B7_STAGES, efficientNetLike } from '../test/helpers/se-graphs.js';
import { repetitions } from './quick.js';
import { pythonOnnxMissing, timePythonOnnx } from './python-onnx.js';

const self = fileURLToPath(import.meta.url);
/** The repository root: the nearest folder above this file with a package.json (this file may run bundled). */
function findRoot(): string {
  let dir = dirname(self);
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}
const root = findRoot();
const DATA = join(root, 'bench', 'data');
/** Bump when the generator changes, so a stale model is rebuilt. */
const MODEL_VERSION = 1;
export const B7_MODEL = join(DATA, `efficientnet_b7_like_v${MODEL_VERSION}.onnx`);
const FIXTURES = ['seed_se_c32_r4_avg', 'seed_se_c32_r4_max', 'var_se_conv1x1_bias', 'var_eca', 'mobilenet_v3_small', 'mobilenet_v2'];
const RUNS = repetitions(7);

export interface BenchResult {
  name: string;
  median_ms: number;
  peak_mb?: number;
  note?: string;
  target?: string;
}

interface ChildReport {
  ms: number;
  /** Phases of `ms`: readOnnx, analyzeModel (shapes + detection), the tables. */
  readMs: number;
  analyzeMs: number;
  tablesMs: number;
  /** Peak RSS of the child itself (see `peakRssMB`). */
  maxRssMB: number;
  blocks: number;
  nodes: number;
  tables: number;
  bytesRead: number;
  size: number;
}

/** Writes the synthetic model once (≈ 262 MB): stages of EfficientNet-B7, 55 MBConv blocks with SE, 925 nodes. */
export function ensureB7Model(): { path: string; built: boolean; ms: number } {
  if (existsSync(B7_MODEL)) return { path: B7_MODEL, built: false, ms: 0 };
  const t = performance.now();
  mkdirSync(DATA, { recursive: true });
  const c = efficientNetLike({ stages: B7_STAGES, stemChannels: 64, inputSize: 600, weights: 'pattern', identityBiases: true });
  const bytes = writeOnnx(c.model, { producer: 'se-lens bench' });
  const tmp = `${B7_MODEL}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, B7_MODEL);
  return { path: B7_MODEL, built: true, ms: performance.now() - t };
}

/** A FileSource that counts the bytes the walk actually reads. */
class CountingSource extends FileSource {
  bytesRead = 0;
  override read(offset: number, length: number): Uint8Array {
    const out = super.read(offset, length);
    this.bytesRead += out.length;
    return out;
  }
}

/** In the child: open → blocks → tables (whole model + every block) for the given conventions; one timed run. */
function measureOnce(path: string, conventions: readonly Convention[]): ChildReport {
  const t0 = performance.now();
  const source = new CountingSource(path);
  let tables = 0;
  let blocks = 0;
  let nodes = 0;
  let t1 = t0;
  let t2 = t0;
  try {
    const model = readOnnx(source);
    t1 = performance.now();
    const analysis = analyzeModel(model);
    t2 = performance.now();
    for (const c of conventions) {
      analysis.table(c);
      tables++;
      for (const b of analysis.blocks) {
        analysis.table(c, b.id);
        tables++;
      }
    }
    blocks = analysis.blocks.length;
    nodes = analysis.model.graph.nodes.length;
  } finally {
    source.close();
  }
  const t3 = performance.now();
  return { ms: t3 - t0, readMs: t1 - t0, analyzeMs: t2 - t1, tablesMs: t3 - t2, maxRssMB: peakRssMB(), blocks, nodes, tables, bytesRead: source.bytesRead, size: source.size };
}

/**
 * The process's own peak RSS. Linux: VmHWM from /proc/self/status — getrusage's maxRSS is not used there because
 * it keeps the parent's RSS across fork + exec, so a child of a big parent would report the parent's size.
 * Elsewhere: maxRSS, or the current RSS where even that is missing (a lower bound).
 */
function peakRssMB(): number {
  try {
    const m = /VmHWM:\s+(\d+)\s*kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  const max = process.resourceUsage().maxRSS / 1024;
  return max > 0 ? max : process.memoryUsage().rss / 1024 ** 2;
}

function child(args: string[]): ChildReport {
  const entry = self.endsWith('.ts') ? ['--import', 'tsx', self] : [self];
  const r = spawnSync(process.execPath, [...entry, '--child', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`bench child ${args.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ChildReport;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Median time and peak RSS over a bare child's, over `runs` fresh processes each. */
function series(path: string, mode: 'torchstat' | 'all', runs: number): { ms: number; minMs: number; peakMB: number; phases: string; last: ChildReport } {
  const work: ChildReport[] = [];
  const bare: number[] = [];
  for (let i = 0; i < runs; i++) {
    work.push(child([mode, path]));
    bare.push(child(['bare', path]).maxRssMB);
  }
  const phases = `read ${round(median(work.map((w) => w.readMs)))} + analyse ${round(median(work.map((w) => w.analyzeMs)))} + tables ${round(median(work.map((w) => w.tablesMs)))} ms (medians)`;
  return { ms: median(work.map((w) => w.ms)), minMs: Math.min(...work.map((w) => w.ms)), phases, peakMB: Math.max(0, median(work.map((w) => w.maxRssMB)) - median(bare)), last: work[work.length - 1]! };
}

/**
 * The anchor note for a model-open row: Python's onnx.load + infer_shapes on the same file and our time over its,
 * or why it was not measured.
 */
function pythonAnchor(path: string, ourMs: number, missing: string | undefined): string {
  if (missing) return `Python anchor not measured: ${missing}`;
  const py = timePythonOnnx(path, repetitions(3));
  return `Python onnx ${py.version} onnx.load + infer_shapes ${round(py.ms)} ms (load ${round(py.loadMs)} + infer ${round(py.inferMs)}, median of ${repetitions(3)} processes) → ours/Python ${round(ourMs / py.ms, 2)}×`;
}

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const pythonMissing = pythonOnnxMissing();
  const model = ensureB7Model();
  const sizeMB = statSync(model.path).size / 1024 ** 2;
  for (const mode of ['torchstat', 'all'] as const) {
    const s = series(model.path, mode, RUNS);
    const what = mode === 'torchstat' ? 'blocks + torchstat tables (whole model and each block)' : `blocks + tables in all ${CONVENTIONS.length} conventions (whole model and each block)`;
    results.push({
      name: `B7-like ${round(sizeMB, 0)} MB, ${s.last.nodes} nodes, ${s.last.blocks} SE: open → ${what}`,
      median_ms: round(s.ms),
      peak_mb: round(s.peakMB),
      target: '≤ 70 ms; < 100 MB over Node',
      note: `${RUNS} fresh processes (fastest ${round(s.minMs)} ms); ${s.phases}; ${s.last.tables} tables; read ${round(s.last.bytesRead / 1024 ** 2, 2)} MB of ${round(s.last.size / 1024 ** 2, 0)} MB${model.built ? `; model written in ${round(model.ms / 1000, 1)} s this run` : ''}${mode === 'torchstat' ? `; ${pythonAnchor(model.path, s.ms, pythonMissing)}` : ''}`,
    });
  }
  for (const name of FIXTURES) {
    const path = join(root, 'test', 'fixtures', `${name}.onnx`);
    const s = series(path, 'torchstat', repetitions(5));
    results.push({
      name: `fixture ${name} (${round(s.last.size / 1024 ** 2, 2)} MB, ${s.last.nodes} nodes, ${s.last.blocks} SE): open → blocks + torchstat tables`,
      median_ms: round(s.ms),
      peak_mb: round(s.peakMB),
      note: `${repetitions(5)} fresh processes (fastest ${round(s.minMs)} ms); ${s.phases}; read ${round(s.last.bytesRead / 1024, 0)} KB; ${pythonAnchor(path, s.ms, pythonMissing)}`,
    });
  }
  return results;
}

// Child entry: `--child <torchstat|all|bare> <model>` prints one JSON line.
const invokedAsScript = process.argv[1] !== undefined && pathToFileURL(resolve(process.argv[1])).href === import.meta.url;
if (invokedAsScript && process.argv[2] === '--child') {
  const [mode, path] = process.argv.slice(3) as ['torchstat' | 'all' | 'bare', string];
  if (mode === 'bare') {
    process.stdout.write(`${JSON.stringify({ ms: 0, readMs: 0, analyzeMs: 0, tablesMs: 0, maxRssMB: peakRssMB(), blocks: 0, nodes: 0, tables: 0, bytesRead: 0, size: 0 })}\n`);
  } else {
    process.stdout.write(`${JSON.stringify(measureOnce(path, mode === 'all' ? CONVENTIONS : ['torchstat']))}\n`);
  }
} else if (invokedAsScript) {
  void run().then((rows) => {
    for (const r of rows) console.log(`${r.median_ms.toFixed(1).padStart(8)} ms  ${String(r.peak_mb ?? '').padStart(6)} MB  ${r.name}${r.note ? ` (${r.note})` : ''}`);
  });
}
