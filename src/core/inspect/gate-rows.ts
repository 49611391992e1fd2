import type * as Ort from 'onnxruntime-web';
import type { SEBlock } from '../detect/block.js';
import type { SamplePlan } from '../inputs/samples.js';

/**
 * Runs each feed of a sample plan through an ORT session (web or Node build; only the types are imported
 * here) and collects every block's gate tensor: one row of channel gates per sample, in run order. A block
 * whose gate the model does not output has no entry.
 */
export async function gateRows(
  ort: Pick<typeof Ort, 'Tensor'>,
  session: Ort.InferenceSession,
  plan: SamplePlan,
  blocks: readonly SEBlock[],
): Promise<Map<string, Float32Array[]>> {
  const rows = new Map<string, Float32Array[]>();
  for (const feeds of plan.runs) {
    const inputs: Record<string, Ort.Tensor> = {};
    for (const f of feeds) inputs[f.name] = new ort.Tensor('float32', f.data, f.dims);
    const out = await session.run(inputs);
    for (const b of blocks) {
      const t = out[b.tensors.gate];
      if (!t) continue;
      const data = t.data as Float32Array;
      const batch = Number(t.dims[0] ?? 1);
      const per = data.length / batch;
      const list = rows.get(b.id) ?? [];
      for (let s = 0; s < batch; s++) list.push(data.slice(s * per, (s + 1) * per));
      rows.set(b.id, list);
    }
  }
  return rows;
}
