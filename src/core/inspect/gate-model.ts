import type { SEBlock } from '../detect/block.js';
import { SeLensError } from '../errors.js';
import type { Model, TensorConst } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from '../onnx/byte-source.js';
import { withGateOutputs } from '../onnx/gate-outputs.js';
import { loadTensorValues } from '../onnx/tensor-data.js';
import { writeOnnx } from '../onnx/writer.js';
import type { ModelInput } from '../protocol.js';
import { initialiseWeights, type InitScheme } from '../inputs/init.js';

/** What the inspector runs: the model's bytes with every gate as an output, and the inputs to feed. */
export interface GateModel {
  readonly bytes: Uint8Array;
  readonly inputs: ModelInput[];
}

/**
 * An ONNX model file → the model to run: every block's gate tensor becomes a graph output, nodes no
 * gate needs are dropped (ORT has no way to fetch internal tensors, and the rest of the network would
 * only cost time), and lazy payloads are read from `source` while writing.
 */
export function gateModelFromOnnx(model: Model, blocks: readonly SEBlock[], source: ByteSource, external?: ExternalDataHost): GateModel {
  if (blocks.length === 0) throw new SeLensError('bad-argument', 'The model has no SE blocks to inspect.');
  const pruned = withGateOutputs(model, blocks);
  // A float16 model runs in float32 (see WriteOptions.widenFloat16).
  const bytes = writeOnnx(pruned, { valuesOf: (t: TensorConst) => loadTensorValues(t, source, external), widenFloat16: true });
  return { bytes, inputs: inputsOf(pruned) };
}

export interface SourceRunOptions {
  readonly scheme: InitScheme;
  readonly seed: number;
  /** Size for unknown spatial dims (source code rarely fixes H and W). */
  readonly spatial: number;
}

export const DEFAULT_SOURCE_RUN: SourceRunOptions = { scheme: 'pytorch', seed: 0, spatial: 16 };

/**
 * A block written in source (PyTorch / TF.js) → a runnable model: weights drawn as the framework
 * initialises them by default from `seed` (no checkpoint), unknown non-batch input dims set to
 * `spatial`, gates as outputs. `source` is left as it was: the weights go into a copy.
 * Returns the copy too, so a caller can read the weights the block ran with.
 */
export function gateModelFromSource(source: Model, blocks: readonly SEBlock[], options: SourceRunOptions = DEFAULT_SOURCE_RUN): GateModel & { readonly model: Model } {
  if (blocks.length === 0) throw new SeLensError('bad-argument', 'The source has no SE blocks to inspect.');
  const g = source.graph;
  const model: Model = {
    ...source,
    graph: { ...g, inputs: g.inputs.map((i) => ({ ...i })), initializers: new Map(g.initializers), values: new Map(g.values) },
  };
  const report = initialiseWeights(model, options.scheme, options.seed);
  if (report.missing.length > 0) {
    throw new SeLensError('unsupported', `Cannot build the block to run: no shape for weight${report.missing.length === 1 ? '' : 's'} ${report.missing.join(', ')}.`);
  }
  for (const input of model.graph.inputs) {
    if (!input.shape) throw new SeLensError('unsupported', `Input ${input.name} has no known rank; give the block an input shape.`);
    input.shape = input.shape.map((d, i) => (i > 0 && typeof d !== 'number' ? options.spatial : d));
    model.graph.values.set(input.name, { name: input.name, dtype: input.dtype, shape: input.shape });
  }
  const pruned = withGateOutputs(model, blocks);
  return { bytes: writeOnnx(pruned), inputs: inputsOf(pruned), model };
}

function inputsOf(model: Model): ModelInput[] {
  return model.graph.inputs.map((i) => ({
    name: i.name,
    dtype: i.dtype === 'unknown' || i.dtype === 'float16' ? 'float32' : i.dtype,
    shape: i.shape ?? [],
  }));
}
