import { DEFAULT_INPUT_SIZE } from '../../core/inputs/sizes.js';
import type * as Ort from 'onnxruntime-web';
import type { SEBlock } from '../../core/detect/block.js';
import { gateStrip, type GateStrip } from '../../core/inline/gate-strip.js';
import { planSamples, type SamplePlan } from '../../core/inputs/samples.js';
import { gateModelFromSource } from '../../core/inspect/gate-model.js';
import { gateRows } from '../../core/inspect/gate-rows.js';
import type { Model } from '../../core/ir/graph.js';
import type { InputSpec } from '../../core/protocol.js';

/** One block's gates from one run: the samples × channels matrix and its editor strip. */
export interface BlockGates {
  readonly blockId: string;
  readonly values: Float32Array;
  readonly samples: number;
  readonly channels: number;
  readonly strip: GateStrip;
}

export interface GateRunResult {
  readonly blocks: BlockGates[];
  /** Human words for the input, shown in hovers: `seeded normal (seed 0), batch 4`. */
  readonly inputLabel: string;
  readonly weightSeed: number;
  readonly createMs: number;
  readonly runMs: number;
  /** Set when the unit ran with a checkpoint's tensors instead of seeded framework defaults. */
  readonly weights?: { readonly file: string; readonly notes: readonly string[] };
}

export type OrtModule = typeof Ort;

/** What an inline run feeds: seeded or constant values, or a `.npy` array the user chose. */
export type InlineInput = Extract<InputSpec, { kind: 'normal' | 'uniform' | 'constant' | 'npy' }>;

/**
 * Runs source-built SE blocks in the extension host with onnxruntime-web's WASM build (single thread):
 * the same runtime as the inspector, no webview needed for the inline strips. WebGPU stays in the
 * webview. The .wasm compiles once per host (the cold cost); `warm()` starts that in the background.
 * `loadOrt`: the host's way to get ORT configured with its .wasm bytes (file reads differ between hosts).
 */
export class GateRunner {
  private ort: Promise<OrtModule> | undefined;
  private initialised = false;

  /** True once a session has been created: the .wasm is compiled and ORT initialised, a run costs only its own session. */
  get isWarm(): boolean {
    return this.initialised;
  }

  constructor(private readonly loadOrt: () => Promise<OrtModule>) {}

  private load(): Promise<OrtModule> {
    this.ort ??= this.loadOrt();
    this.ort.catch(() => (this.ort = undefined));
    return this.ort;
  }

  /** Compiles ORT's wasm ahead of the first run (it is most of the cold cost). */
  warm(modelBytes: Uint8Array): Promise<void> {
    return this.load()
      .then((ort) => ort.InferenceSession.create(modelBytes, { executionProviders: ['wasm'] }))
      .then((s) => {
        this.initialised = true;
        return s.release();
      });
  }

  /**
   * `spatial` sizes input dims the source left unknown (`seLens.defaultInputSize`). Weights the model
   * already holds (a paired checkpoint) are kept; the others are drawn from `weightSeed`.
   */
  async run(model: Model, blocks: readonly SEBlock[], spec: InlineInput, weightSeed: number, spatial = DEFAULT_INPUT_SIZE.spatial): Promise<GateRunResult> {
    const scheme = model.layout === 'NHWC' ? 'tfjs' : 'pytorch';
    const gm = gateModelFromSource(structuredClone(model), blocks, { scheme, seed: weightSeed, spatial });
    const plan = planSamples(gm.inputs, spec, model.layout);
    const { rows, createMs, runMs } = await this.runGateModel(gm.bytes, plan, blocks);
    const result: BlockGates[] = [];
    for (const b of blocks) {
      const list = rows.get(b.id);
      if (!list?.length) continue;
      const values = stackRows(list);
      const channels = list[0]!.length;
      result.push({ blockId: b.id, values, samples: list.length, channels, strip: gateStrip(values, list.length, channels) });
    }
    return { blocks: result, inputLabel: inputLabel(spec, plan.samples), weightSeed, createMs, runMs };
  }

  /**
   * Runs a built gate model (every block's gate an output) over `plan` in a session of its own, released after:
   * the inline strips' runs, and the inspector's first heatmap while the webview's own runtime starts.
   */
  async runGateModel(bytes: Uint8Array, plan: SamplePlan, blocks: readonly SEBlock[]): Promise<GateModelRun> {
    const ort = await this.load();
    const started = performance.now();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const createMs = performance.now() - started;
    this.initialised = true;
    try {
      const ranAt = performance.now();
      const rows = await gateRows(ort, session, plan, blocks);
      return { rows, createMs, runMs: performance.now() - ranAt };
    } finally {
      await session.release();
    }
  }
}

/** A gate model's run: each block's rows (one per sample) by block id, and the session's timings. */
export interface GateModelRun {
  readonly rows: Map<string, Float32Array[]>;
  readonly createMs: number;
  readonly runMs: number;
}

/** Rows of equal length, one after the other: a samples × channels matrix, row-major. */
export function stackRows(rows: readonly Float32Array[]): Float32Array {
  const channels = rows[0]?.length ?? 0;
  const values = new Float32Array(rows.length * channels);
  rows.forEach((r, i) => values.set(r, i * channels));
  return values;
}

function inputLabel(spec: InputSpec, samples: number): string {
  switch (spec.kind) {
    case 'normal': return `seeded normal (seed ${spec.seed}), batch ${samples}`;
    case 'uniform': return `seeded uniform ${spec.low}…${spec.high} (seed ${spec.seed}), batch ${samples}`;
    case 'constant': return `constant ${spec.value}, batch ${samples}`;
    case 'npy': return `${spec.name}, batch ${samples}`;
    default: return `batch ${samples}`;
  }
}
