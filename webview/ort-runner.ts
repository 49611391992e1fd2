/**
 * Runs the gate model with onnxruntime-web. One session per model (and EP) is kept and reused;
 * WebGPU is used when `navigator.gpu` gives an adapter (or when forced), else WASM. Single thread
 * and no proxy worker: webviews are not cross-origin isolated, and the CSP allows no worker scripts.
 *
 * Two ORT builds, each loaded (dynamic import, its own chunk) only when first needed: the WASM-only
 * build (14 MB .wasm) for the WASM EP, the JSEP build (WebGPU kernels + WASM, 28 MB .wasm) for WebGPU.
 * Compiling the .wasm is most of a first session's cost, so the common no-GPU case pays half, and the page's first
 * script has usually fetched and compiled it already (early-wasm.ts).
 */
import type * as Ort from 'onnxruntime-web';
import type { BackendPreference, ExecutionProvider } from '../src/core/protocol.js';
import type { Feed } from '../src/core/inputs/samples.js';
import { earlyWasmFor } from './early-wasm.js';
import { GateMatrix } from './gates.js';

export interface SessionInfo {
  readonly ep: ExecutionProvider;
  /** 0 when the session was reused. */
  readonly createMs: number;
  /** Why WebGPU was not used although it was asked for (adapter missing, session failed). */
  readonly fallbackReason?: string;
}

export interface GateRun extends SessionInfo {
  readonly runMs: number;
  /** One matrix per requested gate tensor, rows = samples, cols = channels. */
  readonly gates: Map<string, GateMatrix>;
}

type OrtModule = typeof Ort;

/** The .wasm each build loads; the build target copies exactly these into dist/webview/ort/. */
export const ORT_WASM: Record<ExecutionProvider, string> = {
  wasm: 'ort-wasm-simd-threaded.wasm',
  webgpu: 'ort-wasm-simd-threaded.jsep.wasm',
};

const runtimes = new Map<ExecutionProvider, Promise<OrtModule>>();

/**
 * An 84-byte ONNX model (opset 13, y = Identity(x), x: float32[1]) written by the core's writer.
 * Creating a session of it makes ORT fetch and compile its .wasm, which is most of the first session's
 * cost, while the host is still reading the model.
 */
const WARMUP_MODEL = 'CAgSB3NlLWxlbnM6QQoVCgF4EgF5GgFuIghJZGVudGl0eToAEgZ3YXJtdXBaDwoBeBIKCggIARIECgIIAWIPCgF5EgoKCAgBEgQKAggBQgQKABAN';

/**
 * The ORT build for `ep`, pointed at the shipped .wasm under `ortBase` (its JS glue is inlined in the
 * bundle, so only the .wasm is fetched: `connect-src` covers it, no script source is needed).
 */
function runtime(ep: ExecutionProvider, ortBase: string): Promise<OrtModule> {
  let loading = runtimes.get(ep);
  if (!loading) {
    const wasmUrl = new URL(ORT_WASM[ep], ortBase).href;
    loading = Promise.all([ep === 'webgpu' ? import('onnxruntime-web') : import('onnxruntime-web/wasm'), earlyWasmFor(wasmUrl)]).then(([ort, early]) => {
      performance.mark(`se-lens:ort-${ep}-imported`);
      ort.env.wasm.wasmPaths = { wasm: wasmUrl };
      // The bytes the page's first script fetched (and is compiling): ORT then fetches nothing itself.
      if (early) ort.env.wasm.wasmBinary = early.bytes;
      ort.env.wasm.numThreads = 1;
      ort.env.wasm.proxy = false;
      ort.env.logLevel = 'error';
      return ort;
    });
    runtimes.set(ep, loading);
  }
  return loading;
}

interface GpuNavigator {
  readonly gpu?: { requestAdapter(): Promise<unknown> };
}

export async function webgpuAdapterAvailable(): Promise<boolean> {
  const gpu = (navigator as unknown as GpuNavigator).gpu;
  if (!gpu) return false;
  try {
    return (await gpu.requestAdapter()) != null;
  } catch {
    return false;
  }
}

interface OpenSession {
  readonly session: Ort.InferenceSession;
  readonly ep: ExecutionProvider;
  /** The build that created the session: its Tensor class is the one the session accepts. */
  readonly ort: OrtModule;
}

export class GateRunner {
  private readonly sessions = new Map<ExecutionProvider, OpenSession>();
  private currentKey: string | undefined;

  /** Serialises ORT's one-time WebAssembly init: it refuses a second init call while one is running. */
  private warming: Promise<void> = Promise.resolve();

  /** `ortBase`: URL of the folder holding ORT's .wasm files (dist/webview/ort/). */
  constructor(private readonly ortBase: string) {}

  /** Set once a real model asks for a session: the warm-up then skips its stand-in session. */
  private modelWaiting = false;

  /**
   * Starts loading the runtime the preference will most likely use, then initialises it with a stand-in session,
   * unless a model already waits: its own session initialises ORT then, one session sooner. Failures surface on
   * the real run.
   */
  warmUp(preference: BackendPreference): void {
    this.warming = (async () => {
      try {
        const ep: ExecutionProvider = preference !== 'wasm' && (await webgpuAdapterAvailable()) ? 'webgpu' : 'wasm';
        const ort = await runtime(ep, this.ortBase);
        if (this.modelWaiting) return;
        const bytes = Uint8Array.from(atob(WARMUP_MODEL), (c) => c.charCodeAt(0));
        const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep] });
        await session.release();
        performance.mark(`se-lens:ort-${ep}-warm`);
      } catch {
        // The real session reports any problem with the runtime.
      }
    })();
  }

  /** Creates (or reuses) the session for `modelKey`. A new key releases the previous model's sessions. */
  async session(modelKey: string, bytes: Uint8Array, preference: BackendPreference): Promise<SessionInfo & OpenSession> {
    this.modelWaiting = true;
    await this.warming;
    if (modelKey !== this.currentKey) await this.releaseAll();
    this.currentKey = modelKey;
    let fallbackReason: string | undefined;
    let want: ExecutionProvider = preference === 'wasm' ? 'wasm' : 'webgpu';
    if (want === 'webgpu' && !(await webgpuAdapterAvailable())) {
      if (preference === 'webgpu') throw new Error('WebGPU was forced, but navigator.gpu offers no adapter here.');
      want = 'wasm';
      fallbackReason = 'no WebGPU adapter';
    }
    const cached = this.sessions.get(want);
    if (cached) return { ...cached, createMs: 0, ...(fallbackReason ? { fallbackReason } : {}) };
    const started = performance.now();
    try {
      const ort = await runtime(want, this.ortBase);
      const session = await ort.InferenceSession.create(bytes, { executionProviders: [want], graphOptimizationLevel: 'all' });
      performance.mark('se-lens:session-created');
      const open = { session, ep: want, ort };
      this.sessions.set(want, open);
      return { ...open, createMs: performance.now() - started, ...(fallbackReason ? { fallbackReason } : {}) };
    } catch (e) {
      if (want === 'wasm' || preference === 'webgpu') throw e;
      // WebGPU session failed (unsupported op, device lost): the same model on WASM.
      const retry = await this.session(modelKey, bytes, 'wasm');
      return { ...retry, fallbackReason: `WebGPU session failed: ${String(e instanceof Error ? e.message : e)}` };
    }
  }

  /** Runs every planned batch and stacks each gate output into a samples × channels matrix. */
  async run(
    modelKey: string,
    bytes: Uint8Array,
    preference: BackendPreference,
    runs: readonly Feed[][],
    gates: readonly { tensor: string; channels: number }[],
  ): Promise<GateRun> {
    const info = await this.session(modelKey, bytes, preference);
    const fetches = [...new Set(gates.map((g) => g.tensor))];
    const parts = new Map<string, Float32Array[]>(fetches.map((f) => [f, []]));
    const started = performance.now();
    for (const feeds of runs) {
      const feedMap: Record<string, Ort.Tensor> = {};
      for (const f of feeds) feedMap[f.name] = new info.ort.Tensor('float32', f.data, f.dims);
      const out = await info.session.run(feedMap, fetches);
      for (const name of fetches) {
        const tensor = out[name];
        if (!tensor) throw new Error(`The model gave no output ${name}.`);
        parts.get(name)!.push((tensor.data as Float32Array).slice());
        tensor.dispose();
      }
    }
    const runMs = performance.now() - started;
    performance.mark('se-lens:ran');
    const result = new Map<string, GateMatrix>();
    for (const g of gates) {
      const chunks = parts.get(g.tensor)!;
      const total = chunks.reduce((a, c) => a + c.length, 0);
      if (total % g.channels !== 0) throw new Error(`Gate ${g.tensor} has ${total} values, not a multiple of its ${g.channels} channels.`);
      const values = new Float32Array(total);
      let offset = 0;
      for (const c of chunks) {
        values.set(c, offset);
        offset += c.length;
      }
      result.set(g.tensor, new GateMatrix(total / g.channels, g.channels, values));
    }
    return { ep: info.ep, createMs: info.createMs, runMs, gates: result, ...(info.fallbackReason ? { fallbackReason: info.fallbackReason } : {}) };
  }

  async releaseAll(): Promise<void> {
    for (const { session } of this.sessions.values()) await session.release();
    this.sessions.clear();
  }
}
