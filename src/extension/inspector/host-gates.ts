/**
 * The first heatmap of a fresh inspector panel, from the extension host: the inline strips' runner (onnxruntime-web
 * WASM, already compiled in the host) runs the same gate model on the same samples the webview will, while the
 * webview's own runtime is still fetching and compiling its .wasm. The webview paints these gates first and compares
 * them with its own run (webview/host-gates.ts).
 */
import { planSamples, type SamplePlan } from '../../core/inputs/samples.js';
import type { Inspection } from '../../core/inspect/inspection.js';
import type { HostGateMatrix, HostGatesMessage, InputSpec } from '../../core/protocol.js';
import { stackRows, type GateRunner } from '../inline/ort-gate-runner.js';

/**
 * Most multiply-accumulates (whole model × samples) the host runs for a panel. A run blocks the extension host's
 * thread (single-threaded WASM), so a large model is left to the webview. mobilenet_v3_small's 4 samples are 0.22 G
 * and took 90–210 ms (session + run, warm runner) on the loaded 2-core test machine: the whole budget is about a
 * second of the host's thread at most, once per fresh panel.
 */
export const HOST_RUN_MAC_BUDGET = 1e9;

/**
 * The samples the host would run for `inspection` on `input` (the same plan the webview builds); undefined when there
 * is nothing to run or the run is over the budget, or its cost unknown: the webview then runs alone.
 */
export function hostRunPlan(inspection: Inspection, input: InputSpec): SamplePlan | undefined {
  const macs = inspection.seOverhead.totalMacs;
  if (inspection.blocks.length === 0 || macs <= 0) return undefined;
  const plan = planSamples(inspection.inputs, input, inspection.layout, inspection.imageFit);
  return macs * plan.samples <= HOST_RUN_MAC_BUDGET ? plan : undefined;
}

/** Runs `inspection`'s gate model over `plan` in the host: one matrix per gate tensor, as the webview keys them. */
export async function hostGates(runner: GateRunner, inspection: Inspection, plan: SamplePlan): Promise<HostGatesMessage> {
  const run = await runner.runGateModel(inspection.modelBytes, plan, inspection.blocks);
  const gates: HostGateMatrix[] = [];
  const seen = new Set<string>();
  for (const b of inspection.blocks) {
    const rows = run.rows.get(b.id);
    // A shared MLP's blocks have one gate tensor: one matrix.
    if (!rows?.length || seen.has(b.tensors.gate)) continue;
    seen.add(b.tensors.gate);
    const values = stackRows(rows);
    // Float32 bytes in the platform's order: host and webview run on the same little-endian machine.
    gates.push({ tensor: b.tensors.gate, rows: rows.length, cols: rows[0]!.length, values: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });
  }
  return { type: 'hostGates', modelKey: inspection.modelKey, gates, createMs: run.createMs, runMs: run.runMs };
}
