import { SeLensError } from '../errors.js';
import type { Model } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from '../onnx/byte-source.js';
import { pairWeights, pairingSummary, withPairedValues, type Pairing } from './pair-weights.js';
import type { NamedWeights } from './read-weights.js';

/** A source unit's model with a checkpoint's values in it, and what tells this pairing from any other. */
export interface TrainedModel {
  readonly model: Model;
  /** The weights file as the user named it (relative to the workspace folder in the extension). */
  readonly file: string;
  /** Changes whenever the file does (its size and modification time, and its shards'). */
  readonly version: string;
  /** The pairing's identity: prefix removed and the names paired. */
  readonly pairing: string;
  /** Paired count, then missing / unexpected / mismatched names, then what the file's reader noted. */
  readonly notes: readonly string[];
}

/**
 * Pairs `weights` with `model` by state-dict name and reads the paired values (from `source`, or from
 * `shards` for a sharded checkpoint). A file that pairs nothing is refused, so a unit never runs on
 * framework defaults under a trained label.
 */
export function trainedModel(
  model: Model,
  weights: NamedWeights,
  read: { readonly source: ByteSource; readonly shards?: ExternalDataHost },
  file: { readonly label: string; readonly version: string; readonly prefix?: string },
): TrainedModel {
  const pairing = pairWeights(model, weights.tensors, file.prefix);
  const notes = [...pairingSummary(pairing, file.label), ...weights.notes];
  if (pairing.paired.length === 0) throw new SeLensError('bad-argument', notes.join('; '));
  return { model: withPairedValues(pairing.model, read.source, read.shards), file: file.label, version: file.version, pairing: pairingKey(pairing), notes };
}

/** Prefix, count and a hash of the paired names: equal keys mean the same tensors went to the same weights. */
function pairingKey(p: Pairing): string {
  let h = 0x811c9dc5;
  for (const name of p.paired) {
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x2c, 0x01000193);
  }
  return `${p.prefix}|${p.paired.length}|${(h >>> 0).toString(16)}`;
}
