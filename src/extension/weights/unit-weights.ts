import * as vscode from 'vscode';
import { readWeightsFile } from '../../core/formats/weights-file.js';
import type { Model } from '../../core/ir/graph.js';
import { bytesSource } from '../../core/onnx/byte-source.js';
import { pairWeights, pairingSummary, withPairedValues } from '../../core/pairing/pair-weights.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import { readWorkspaceFile } from './workspace-file.js';

/** A source unit's model with a checkpoint's tensors in it, and what to tell the user about them. */
export interface TrainedWeights {
  readonly model: Model;
  /** The weights file, relative to the workspace folder. */
  readonly file: string;
  /** How the file's names met the source's: paired count, then missing / unexpected / mismatched names. */
  readonly notes: readonly string[];
}

export const WEIGHTS_SETTING = 'seLens.weights';

/**
 * The trained weights for `unit`: its `# se-lens: weights=…` comment (a path relative to the source file's
 * folder) wins over the `seLens.weights` setting (relative to the workspace folder); `undefined` when
 * neither names one, so the unit runs on framework-default weights. The file's tensors pair with the
 * source's weights by state-dict name (`seLens.weightsPrefix`, else a shared prefix the names prove):
 * names that do not pair are listed in the notes, never guessed.
 */
export async function trainedWeightsFor(unit: SourceUnit, document: vscode.Uri): Promise<TrainedWeights | undefined> {
  const config = vscode.workspace.getConfiguration('seLens', document);
  const fromSetting = config.get<string>('weights', '').trim();
  const written = unit.weightsDirective ?? (fromSetting || undefined);
  if (!written) return undefined;
  const folder = vscode.workspace.getWorkspaceFolder(document);
  const base = unit.weightsDirective ? vscode.Uri.joinPath(document, '..') : (folder?.uri ?? vscode.Uri.joinPath(document, '..'));
  const what = unit.weightsDirective ? vscode.l10n.t('The weights comment') : vscode.l10n.t('The seLens.weights setting');
  const { label, bytes } = await readWorkspaceFile(written, base, document, what);
  const prefix = config.get<string>('weightsPrefix', '') || undefined;
  const source = bytesSource(bytes);
  const file = await readWeightsFile(source);
  const pairing = pairWeights(unit.model, file.tensors, prefix);
  const notes = pairingSummary(pairing, label);
  if (pairing.paired.length === 0) throw new Error(notes.join('; '));
  return { model: withPairedValues(pairing.model, source), file: label, notes: [...notes, ...file.notes] };
}
