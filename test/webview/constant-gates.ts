/** A block whose gates are known without running it: the last FC's weights zeroed, so every gate is sigmoid(0) = 0.5. */
import { analyzeOnnx } from '../../src/core/analyze.js';
import { GraphIndex } from '../../src/core/ir/graph-index.js';
import { weightOf } from '../../src/core/detect/weights.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import type { Prepared } from './fixtures.js';

export function constantGateModel(p: Prepared): Uint8Array {
  const analysis = analyzeOnnx(p.source);
  const block = analysis.blocks[0]!;
  const index = new GraphIndex(analysis.model.graph);
  const fcs = block.nodes.map((id) => index.node(id)!).filter((n) => n.op === 'MatMul' || n.op === 'Gemm' || n.op === 'Conv');
  const last = fcs[fcs.length - 1]!;
  if (last.inputs[2]) throw new Error('constantGateModel expects a bias-free last FC');
  const weight = weightOf(last.inputs[1]!, index)!;
  const init = analysis.model.graph.initializers.get(weight.name)!;
  analysis.model.graph.initializers.set(weight.name, { ...init, values: new Float32Array(weight.shape.reduce((a, b) => a * b, 1)), payload: undefined });
  return gateModelFromOnnx(analysis.model, analysis.blocks, p.source).bytes;
}
