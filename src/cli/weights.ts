import { analysisOf } from '../core/analyze.js';
import { SeLensError } from '../core/errors.js';
import { readWeightsFile } from '../core/formats/weights-file.js';
import type { Model } from '../core/ir/graph.js';
import { pairWeights, pairingSummary, withPairedValues, type Pairing } from '../core/pairing/pair-weights.js';
import { FileSource } from '../node/file-source.js';
import type { Report } from './render.js';

/** `--weights FILE`: the source report's model with the file's tensors paired in, and the pairing summary as notes. */
export async function withWeights(report: Report, weightsPath: string, prefix: string | undefined): Promise<Report & { readonly pairing: Pairing }> {
  if (!report.analysis.model.graph.modules) {
    throw new SeLensError('bad-argument', '--weights pairs a state dict with a model\'s source (.py); this model file carries its own weights.');
  }
  const source = new FileSource(weightsPath);
  try {
    const file = await readWeightsFile(source);
    const pairing = pairWeights(report.analysis.model, file.tensors, prefix);
    const notes = [...(report.notes ?? []), `${weightsPath}: ${file.description}`, ...file.notes, ...pairingSummary(pairing, weightsPath)];
    return { ...report, analysis: analysisOf(pairing.model, report.analysis.blocks), notes, pairing };
  } finally {
    source.close();
  }
}

/** Reads the paired tensors' values from the weights file into a copy of the model, so it can be written and run. */
export function loadPairedValues(model: Model, weightsPath: string): Model {
  const source = new FileSource(weightsPath);
  try {
    return withPairedValues(model, source);
  } finally {
    source.close();
  }
}
