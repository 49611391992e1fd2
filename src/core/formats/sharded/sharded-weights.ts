import { SeLensError } from '../../errors.js';
import type { TensorConst } from '../../ir/graph.js';
import type { ExternalDataHost } from '../../onnx/byte-source.js';
import { readWeightsFile, type WeightsFile } from '../weights-file.js';
import { readShardIndex } from './shard-index.js';

/**
 * A sharded checkpoint: its index, and the shards `folder` opens (the index's folder; it refuses what leaves
 * it). Each shard's header is read to locate its tensors; payloads stay unread, each pointing into its shard
 * by name.
 */
export async function readShardedWeights(json: unknown, folder: ExternalDataHost | undefined): Promise<WeightsFile> {
  const index = readShardIndex(json);
  if (!folder) throw new SeLensError('refused-path', 'This is a shard index; its shards cannot be read here.');
  const tensors = new Map<string, TensorConst>();
  const notes: string[] = [];
  let first: WeightsFile | undefined;
  for (const shard of index.shards) {
    const file = await readWeightsFile(folder.open(shard));
    first ??= file;
    let elsewhere = 0;
    for (const [name, t] of file.tensors) {
      const owner = index.weightMap.get(name);
      if (owner === shard) tensors.set(name, inShard(t, shard));
      else elsewhere++;
    }
    if (elsewhere) notes.push(`${shard}: ${elsewhere} tensor${elsewhere === 1 ? '' : 's'} the index does not place there (not used)`);
    notes.push(...file.notes.map((n) => `${shard}: ${n}`));
  }
  const absent = [...index.weightMap].filter(([name]) => !tensors.has(name));
  if (absent.length) notes.push(`in the index, not in its shard: ${absent.slice(0, 20).map(([n, s]) => `${n} (${s})`).join(', ')}${absent.length > 20 ? `, … (${absent.length} in all)` : ''}`);
  const n = index.shards.length;
  return {
    format: first!.format,
    kind: first!.kind,
    description: `sharded checkpoint, ${n} shard${n === 1 ? '' : 's'} (${first!.description.replace(/, \d+ tensors?$/, '')}), ${tensors.size} tensor${tensors.size === 1 ? '' : 's'}`,
    tensors,
    notes,
  };
}

/** The shard's tensor with its payload read from the shard file (by name, through the folder) instead of the index. */
function inShard(t: TensorConst, shard: string): TensorConst {
  if (!t.payload) return t;
  const { stored } = t.payload;
  const spans = stored?.spans?.map((s) => ({ ...s, location: shard }));
  return { ...t, payload: { ...t.payload, kind: 'external', location: shard, ...(stored ? { stored: { ...stored, ...(spans ? { spans } : {}) } } : {}) } };
}
