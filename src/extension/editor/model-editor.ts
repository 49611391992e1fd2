import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { errorMessage, log } from '../log.js';
import { MODEL_OPTION_EDITOR, ONNX_EDITOR } from '../commands/ids.js';
import { isModelPath } from './model-files.js';

const MODEL_EDITORS = new Set<string>([ONNX_EDITOR, MODEL_OPTION_EDITOR]);

/**
 * The read-only editor for model files (ONNX, TF.js `model.json` with its shards, TFLite, PyTorch,
 * safetensors, Keras; see model-files.ts): the inspector on the model. The panel shows at once; the
 * model is read with progress in the status bar, in memory when small and in a worker thread when over
 * the size setting, so the extension host never waits on a large file. The same provider serves the
 * default editor and the Open With… option for `.json` and `.bin` files.
 */
export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly services: Services) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => this.services.models.forget(uri) };
  }

  resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): void {
    const { inspector, models } = this.services;
    const uri = document.uri;
    const name = uri.path.split('/').pop() ?? '';
    let reported = false;
    inspector.attach(panel, {
      title: name,
      modelFolder: vscode.Uri.joinPath(uri, '..'),
      modelId: uri.toString(),
      prepare: async (convention, sizes) => {
        try {
          const view = await vscode.window.withProgress(
            { location: vscode.ProgressLocation.Window, title: vscode.l10n.t('SE Lens: reading {0}', name) },
            (progress) => models.get(uri, progress),
          );
          return await view.inspection(convention, sizes);
        } catch (e) {
          // The panel shows the message too; the notification appears once per editor, not per retry.
          log().error(`opening ${uri.toString()}:`, e instanceof Error ? (e.stack ?? e.message) : String(e));
          if (!reported) void vscode.window.showErrorMessage(errorMessage(e));
          reported = true;
          throw e;
        }
      },
    });
  }
}

/** Whether a tab shows `uri` in the model editor (default or Open With…), whatever the file's name. */
export function isOpenAsModel(uri: vscode.Uri): boolean {
  const key = uri.toString();
  return vscode.window.tabGroups.all.some((group) => group.tabs.some((tab) =>
    tab.input instanceof vscode.TabInputCustom && MODEL_EDITORS.has(tab.input.viewType) && tab.input.uri.toString() === key));
}

/** A file SE Lens reads as a model: by its name, or because the user opened it in the model editor. */
export function isModelFile(uri: vscode.Uri): boolean {
  return isModelPath(uri.path) || isOpenAsModel(uri);
}
