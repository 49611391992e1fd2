import * as vscode from 'vscode';
import { parseNpy } from '../../core/inputs/npy.js';
import type { SourceUnit } from '../../core/source/analysis.js';
import type { Engine } from '../engine/api.js';
import { SOURCE_SELECTOR, type SourceAnalyses } from '../analysis/source-analyses.js';
import { log } from '../log.js';
import { defaultInputSize } from '../settings.js';
import { notebookOf, readWorkspaceFile } from '../weights/workspace-file.js';
import { trainedWeightsFor } from '../weights/unit-weights.js';
import type { GateRunner, GateRunResult, InlineInput } from './ort-gate-runner.js';
import { INLINE_SECTION, InlineHeatmaps } from './inline-heatmaps.js';

export const INLINE_COMMANDS = { runGates: 'seLens.runGates', clearInlineHeatmaps: 'seLens.clearInlineHeatmaps' } as const;

/** Seeds and batch of an inline run: fixed, so the same code always draws the same strip. */
const WEIGHT_SEED = 0;
const INPUT_SEED = 0;
const BATCH = 4;

/** `seLens.inline.inputFile` (a .npy in the workspace) wins over the generated `seLens.inline.input`. */
async function inputSpec(uri: vscode.Uri): Promise<InlineInput> {
  const config = vscode.workspace.getConfiguration(INLINE_SECTION, uri);
  const file = config.get<string>('inputFile', '').trim();
  if (file) {
    const folder = vscode.workspace.getWorkspaceFolder(notebookOf(uri) ?? uri);
    const { label, bytes } = await readWorkspaceFile(file, folder?.uri ?? vscode.Uri.joinPath(uri, '..'), uri, vscode.l10n.t('The seLens.inline.inputFile setting'));
    return { kind: 'npy', name: label, bytes };
  }
  return config.get<string>('input', 'normal') === 'zeros' ? { kind: 'constant', value: 0, batch: BATCH } : { kind: 'normal', seed: INPUT_SEED, batch: BATCH };
}

/** Unknown spatial dims: an .npy array's own last dim (its shape is checked in full before the run), else the setting. */
function spatialFor(spec: InlineInput, uri: vscode.Uri): number {
  if (spec.kind === 'npy') {
    const shape = parseNpy(spec.bytes).shape;
    const last = shape[shape.length - 1];
    if (last !== undefined && last > 0) return last;
  }
  return defaultInputSize(uri).spatial;
}

/** A unit's run: its trained weights when a comment or `seLens.weights` names them, seeded defaults otherwise. */
async function runUnit(runner: GateRunner, engine: Engine, unit: SourceUnit, uri: vscode.Uri): Promise<GateRunResult> {
  const [trained, spec] = await Promise.all([trainedWeightsFor(engine, unit, uri), inputSpec(uri)]);
  const result = await runner.run(trained?.model ?? unit.model, unit.blocks, spec, WEIGHT_SEED, spatialFor(spec, uri));
  return trained ? { ...result, weights: { file: trained.file, notes: trained.notes } } : result;
}

/**
 * Inline heatmaps: the `Run gates` lens, the strips and hovers, and the two commands. onnxruntime-web's
 * WASM build runs in the extension host, from the runner the host creates (`createRunner`: its own bundle on
 * Node, the web entry on the web), on the first `Run gates` lens and warmed then, so activation pays nothing
 * and the first click finds the .wasm compiled.
 */
export function registerInlineHeatmaps(
  context: vscode.ExtensionContext,
  sources: SourceAnalyses,
  createRunner: () => Promise<GateRunner>,
  engine: () => Promise<Engine>,
): { inline: InlineHeatmaps; runner: () => Promise<GateRunner>; disposables: vscode.Disposable[] } {
  let runner: Promise<GateRunner> | undefined;
  const getRunner = (): Promise<GateRunner> => {
    runner ??= createRunner().then((r) => {
      const example = vscode.Uri.joinPath(context.extensionUri, 'media', 'examples', 'se_block_c32_r4_avg.onnx');
      void vscode.workspace.fs.readFile(example).then(
        (bytes) => r.warm(bytes.slice()),
        (e: unknown) => log().warn(`could not warm the gate runner: ${String(e)}`),
      );
      return r;
    });
    runner.catch(() => (runner = undefined));
    return runner;
  };
  const inline = new InlineHeatmaps(sources, async (unit, uri) => runUnit(await getRunner(), await engine(), unit, uri));
  const lenses: vscode.CodeLensProvider = {
    onDidChangeCodeLenses: inline.onDidChangeCodeLenses,
    provideCodeLenses: async (doc, token) => {
      const list = await inline.provideCodeLenses(doc);
      if (list.length && !token.isCancellationRequested) void getRunner().catch((e: unknown) => log().warn(`gate runner unavailable: ${String(e)}`));
      return list;
    },
  };
  const disposables = [
    inline,
    vscode.languages.registerCodeLensProvider(SOURCE_SELECTOR, lenses),
    vscode.languages.registerHoverProvider(SOURCE_SELECTOR, inline),
    vscode.commands.registerCommand(INLINE_COMMANDS.runGates, async (uri?: vscode.Uri, unitName?: string) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Open a PyTorch or TF.js file to run its SE blocks.'));
        return [];
      }
      return inline.run(target, unitName);
    }),
    vscode.commands.registerCommand(INLINE_COMMANDS.clearInlineHeatmaps, () => inline.clear()),
  ];
  return { inline, runner: getRunner, disposables };
}
