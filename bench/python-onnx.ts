// The side-by-side anchor for the model-open rows: Python's `onnx.load` + `onnx.shape_inference.infer_shapes` on
// the same file, timed inside a fresh python3 process (interpreter start and `import onnx` excluded, as our rows
// exclude Node's start). Debian's python3-onnx provides the module.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's interpreter (where python3-onnx installs), not a python3 that a version manager puts first on PATH. */
const PYTHON = process.env.SE_LENS_PYTHON ?? (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');

const SCRIPT = `
import sys, time, json
import onnx
import onnx.shape_inference
t0 = time.perf_counter()
model = onnx.load(sys.argv[1])
t1 = time.perf_counter()
onnx.shape_inference.infer_shapes(model)
t2 = time.perf_counter()
print(json.dumps({"loadMs": (t1 - t0) * 1000, "inferMs": (t2 - t1) * 1000, "version": onnx.__version__}))
`;

export interface PythonOnnxTiming {
  /** Median of load + infer_shapes over the runs. */
  ms: number;
  loadMs: number;
  inferMs: number;
  version: string;
}

/** Why the anchor cannot be measured here, in one line, or undefined when python3 can import onnx. */
export function pythonOnnxMissing(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import onnx, onnx.shape_inference'], { encoding: 'utf8', timeout: 60_000 });
  if (r.error) return `no ${PYTHON} (${r.error.message})`;
  return r.status === 0 ? undefined : `${PYTHON} cannot import onnx (apt-get install -y python3-onnx)`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `runs` fresh python3 processes on `path`; throws with python's last error line when one fails. */
export function timePythonOnnx(path: string, runs: number): PythonOnnxTiming {
  const reports: { loadMs: number; inferMs: number; version: string }[] = [];
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(PYTHON, ['-c', SCRIPT, path], { encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`python3 onnx.load failed on ${path}: ${(r.stderr || String(r.error)).trim().split('\n').pop()}`);
    reports.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as { loadMs: number; inferMs: number; version: string });
  }
  return {
    ms: median(reports.map((r) => r.loadMs + r.inferMs)),
    loadMs: median(reports.map((r) => r.loadMs)),
    inferMs: median(reports.map((r) => r.inferMs)),
    version: reports[0]!.version,
  };
}
