import { analysisOf } from '../core/analyze.js';
import { SeLensError } from '../core/errors.js';
import { readWeights } from '../core/pairing/read-weights.js';
import type { Model } from '../core/ir/graph.js';
import { pairWeights, pairingSummary, withPairedValues, type Pairing } from '../core/pairing/pair-weights.js';
import { FileSource, folderExternalData } from '../node/file-source.js';
import type { Report } from './render.js';

/**
 * `--weights FILE`: the source report's model with the file's tensors paired in, and the pairing summary as
 * notes. FILE may be a sharded checkpoint's index (`model.safetensors.index.json`), its shards read from its folder.
 */
export async function withWeights(report: Report, weightsPath: string, prefix: string | undefined): Promise<Report & { readonly pairing: Pairing }> {
  if (!report.analysis.model.graph.modules) {
    throw new SeLensError('bad-argument', '--weights pairs a state dict with a model\'s source (.py); this model file carries its own weights.');
  }
  return withWeightsFile(weightsPath, async (source, shards) => {
    const file = await readWeights(source, shards);
    const pairing = pairWeights(report.analysis.model, file.tensors, prefix);
    const notes = [...(report.notes ?? []), `${weightsPath}: ${file.description}`, ...file.notes, ...pairingSummary(pairing, weightsPath)];
    return { ...report, analysis: analysisOf(pairing.model, report.analysis.blocks), notes, pairing };
  });
}

/** Reads the paired tensors' values from the weights file (or its shards) into a copy of the model, so it can be written and run. */
export function loadPairedValues(model: Model, weightsPath: string): Promise<Model> {
  return withWeightsFile(weightsPath, (source, shards) => withPairedValues(model, source, shards));
}

/** The weights file and the files beside it (shards), closed after `use`. */
async function withWeightsFile<T>(path: string, use: (source: FileSource, shards: ReturnType<typeof folderExternalData>) => Promise<T> | T): Promise<T> {
  const source = new FileSource(path);
  const shards = folderExternalData(path);
  try {
    return await use(source, shards);
  } finally {
    source.close();
    shards.close();
  }
}
