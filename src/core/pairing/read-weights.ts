import { readModelFile, sniffFile } from '../formats/read-model.js';
import { isJsonObject, isShardIndex, readJson } from '../formats/sharded/shard-index.js';
import { readShardedWeights } from '../formats/sharded/sharded-weights.js';
import { readWeightsFile } from '../formats/weights-file.js';
import type { TensorConst } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from '../onnx/byte-source.js';

/** Trained tensors by the names a source front-end gives its weights, read from any file that holds them. */
export interface NamedWeights {
  /** One line for humans: `TF.js layers model, 38 weights`. */
  readonly description: string;
  readonly tensors: ReadonlyMap<string, TensorConst>;
  readonly notes: readonly string[];
}

const MODEL_KINDS = { tfjs: 'TF.js model', 'keras-h5': 'Keras .h5 model', keras: 'Keras .keras model' } as const;

/**
 * The weights a source unit can be paired with, from:
 * - a PyTorch file (`.pt`/`.pth`/`.bin`) or safetensors: state-dict names (`fc.0.weight`);
 * - a sharded checkpoint's index (`model.safetensors.index.json`, `pytorch_model.bin.index.json`);
 * - a TF.js layers model (`model.json` + weight shards) or a Keras `.h5` / `.keras`: TF.js weight names
 *   (`stage1_se_fc1/kernel`), which the TF.js front-end gives the layers it builds; kernels come out in the
 *   front-end's axis order (the readers permute them).
 * `folder` opens files beside `source` (shards) and refuses what leaves its folder. Payloads stay unread.
 */
export async function readWeights(source: ByteSource, folder?: ExternalDataHost): Promise<NamedWeights> {
  if (source.size > 0 && isJsonObject(source)) {
    const json = readJson(source, 'a shard index or a TF.js model.json');
    if (isShardIndex(json)) return readShardedWeights(json, folder);
  }
  // Sniffed once: a zip (.keras, .pt) is opened here and handed on, not opened again by the reader.
  const sniffed = source.size > 0 ? await sniffFile(source) : undefined;
  const format = sniffed?.format;
  if (sniffed && (format === 'tfjs' || format === 'keras-h5' || format === 'keras')) {
    const model = await readModelFile(source, folder ? { folder } : {}, sniffed);
    const tensors = new Map<string, TensorConst>();
    // Stored weights only: constants the reader makes for the graph (a Reshape's shape) are no layer's weights.
    for (const [name, init] of model.graph.initializers) if (init.payload) tensors.set(name, init);
    return { description: `${MODEL_KINDS[format]}, ${tensors.size} weight${tensors.size === 1 ? '' : 's'}`, tensors, notes: [] };
  }
  return readWeightsFile(source, sniffed?.zip);
}
