import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { errorMessage, log } from '../log.js';

/**
 * The default, read-only editor for `*.onnx`: the inspector on the model. The panel shows at once; the
 * model is read with progress in the status bar, in memory when small and in a worker thread when over
 * the size setting, so the extension host never waits on a large file.
 */
export class OnnxEditorProvider implements vscode.CustomReadonlyEditorProvider {
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
