import * as vscode from 'vscode';
import type { Inspection } from '../../core/inspect/inspection.js';
import type { SizeRequest } from '../../core/inputs/sizes.js';
import type { WeightsOrigin } from '../../core/protocol.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import type { Convention } from '../../core/stats/table.js';
import type { Engine } from '../engine/api.js';
import { trainedWeightsFor } from './unit-weights.js';

/**
 * The inspector's data for a source unit: run with the checkpoint its weights comment or `seLens.weights`
 * names (read again only when the file changes), else with seeded framework defaults; the panel's line
 * about the weights in the user's language.
 */
export async function inspectUnit(engine: Engine, unit: SourceUnit, document: vscode.Uri, convention: Convention, sizes: SizeRequest): Promise<Inspection> {
  const inspection = engine.inspectSource(unit, unit.name, convention, sizes, await trainedWeightsFor(engine, unit, document));
  return inspection.weights ? { ...inspection, weights: localized(inspection.weights) } : inspection;
}

function localized(w: WeightsOrigin): WeightsOrigin {
  return w.kind === 'trained'
    ? { ...w, label: vscode.l10n.t('weights: {0} (trained)', w.file) }
    : { ...w, label: vscode.l10n.t('framework-default weights, seed {0}', String(w.seed)) };
}
