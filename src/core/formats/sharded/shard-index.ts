import { SeLensError } from '../../errors.js';
import type { ByteSource } from '../../onnx/byte-source.js';

/**
 * A Hugging Face sharded checkpoint's index (`model.safetensors.index.json`, `pytorch_model.bin.index.json`):
 * `{"metadata": {...}, "weight_map": {"<tensor name>": "<shard file>"}}`, the shards beside it.
 */
export interface ShardIndex {
  /** Tensor name → shard file, in the index's order. */
  readonly weightMap: ReadonlyMap<string, string>;
  /** Each shard file once, in order of first mention. */
  readonly shards: readonly string[];
}

/** A shard index is a few MB even for 100-billion-parameter models, a TF.js model.json's topology rarely more. */
const MAX_INDEX_BYTES = 256 * 1024 * 1024;

/** A JSON object's first byte (after a BOM and whitespace): no weights file begins with `{` (safetensors begins with its header length). */
export function isJsonObject(source: ByteSource): boolean {
  const head = source.read(0, Math.min(source.size, 64));
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  return head[i] === 0x7b;
}

/** The JSON text of a file that starts like a JSON object (a manifest, an index); one-line errors. */
export function readJson(source: ByteSource, what: string): unknown {
  if (source.size > MAX_INDEX_BYTES) throw new SeLensError('too-large', `The JSON file is ${source.size} bytes, too large for ${what}.`);
  try {
    return JSON.parse(new TextDecoder().decode(source.read(0, source.size)).replace(/^\uFEFF/, ''));
  } catch {
    throw new SeLensError('corrupt', `The weights file is JSON that does not parse; expected ${what}.`);
  }
}

/** Whether parsed JSON is a shard index (has a `weight_map`), not a TF.js model.json. */
export function isShardIndex(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'weight_map' in json;
}

/**
 * Reads and checks the index. Every shard name is checked before any shard is opened: a name that is
 * absolute, has a scheme or a drive, or climbs with `..` is refused, so a hostile index reads nothing.
 */
export function readShardIndex(json: unknown): ShardIndex {
  const map = isShardIndex(json) ? (json as { weight_map?: unknown }).weight_map : undefined;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new SeLensError('unsupported', 'This JSON file is no shard index: it has no "weight_map" object of tensor names and shard files.');
  }
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [name, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || shard === '') throw new SeLensError('corrupt', `The shard index maps "${name}" to ${JSON.stringify(shard)}, not a file name.`);
    if (!insideFolder(shard)) throw new SeLensError('refused-path', `The shard index maps "${name}" to "${shard}", outside the index's folder; refused, no shard was read.`);
    weightMap.set(name, shard);
    if (!shards.includes(shard)) shards.push(shard);
  }
  if (weightMap.size === 0) throw new SeLensError('corrupt', 'The shard index\'s "weight_map" is empty.');
  return { weightMap, shards };
}

/** A relative path that stays below its folder: no root, drive, scheme, `..` segment or NUL. */
export function insideFolder(path: string): boolean {
  if (path.includes('\0') || /^[\\/]/.test(path) || /^[a-zA-Z][\w+.-]*:/.test(path)) return false;
  return path.split(/[\\/]/).every((segment) => segment !== '..');
}
