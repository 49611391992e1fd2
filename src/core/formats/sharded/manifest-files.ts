import { SeLensError } from '../../errors.js';
import type { ByteSource } from '../../onnx/byte-source.js';
import { insideFolder, isJsonObject, isShardIndex, readJson, readShardIndex } from './shard-index.js';

/**
 * The files beside a JSON manifest that reading it will open: a sharded checkpoint's shards, a TF.js
 * model's weight shards (`weightsManifest[].paths`). A host that cannot open files on demand (the web
 * host) fetches these first. Every name is checked to stay inside the manifest's folder before any is
 * read; `[]` for a file that is no JSON manifest.
 */
export function manifestFiles(source: ByteSource): string[] {
  if (source.size === 0 || !isJsonObject(source)) return [];
  const json = readJson(source, 'a shard index or a TF.js model.json');
  if (typeof json !== 'object' || json === null) return [];
  if (isShardIndex(json)) return [...readShardIndex(json).shards];
  const groups = (json as { weightsManifest?: unknown }).weightsManifest;
  if (!Array.isArray(groups)) return [];
  const files: string[] = [];
  for (const group of groups) {
    const paths = typeof group === 'object' && group !== null ? (group as { paths?: unknown }).paths : undefined;
    if (!Array.isArray(paths)) continue;
    for (const p of paths) {
      if (typeof p !== 'string') continue;
      if (!insideFolder(p)) throw new SeLensError('refused-path', `model.json names the weight file "${p}", outside its folder; refused, nothing was read.`);
      if (!files.includes(p)) files.push(p);
    }
  }
  return files;
}
