import { SeLensError } from '../../errors.js';
import type { ByteSource, ExternalDataHost } from '../../onnx/byte-source.js';
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

/**
 * Every file beside a model that its reader opens (TF.js weight shards, ONNX external data, a shard index's
 * shards), found by reading its structure once against a folder that only takes names down (each checked to
 * stay inside the folder) and answers with a stand-in no structure walk reads from. `read` is the format's
 * reader (`readModelFile` or `readWeights`); an error it throws is left for the real read to report.
 */
export async function filesReadBeside(source: ByteSource, read: (source: ByteSource, folder: ExternalDataHost) => Promise<unknown>): Promise<string[]> {
  const listed = manifestFiles(source);
  if (listed.length) return listed;
  const asked: string[] = [];
  const standIn: ByteSource = {
    size: Number.MAX_SAFE_INTEGER,
    read: () => {
      throw new SeLensError('unsupported', 'a file beside the model was read while listing them');
    },
  };
  try {
    await read(source, {
      open(location) {
        if (!insideFolder(location)) throw new SeLensError('refused-path', `"${location}" lies outside the model's folder; refused.`);
        if (!asked.includes(location)) asked.push(location);
        return standIn;
      },
    });
  } catch {
    // The read with the fetched files says what is wrong, in one line.
  }
  return asked;
}
