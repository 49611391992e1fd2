import { dirname, isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { projectRootOf } from '../../node/source-location.js';
import type { SourceRequestLocation } from '../engine/api.js';
import { log } from '../log.js';
import type { PythonEnvironments } from './python-environments.js';

/**
 * Where a document's imports are resolved from: its own path, the workspace folders (the document's own first)
 * as search roots, the Python environment's site-packages, and the unsaved text of other open documents so an
 * import sees the helper file as it is being edited. Documents that are not files on disk (virtual
 * workspaces, untitled buffers) get no location: their imports stay unknown, said once in the log.
 */
export class SourceLocations {
  private readonly noted = new Set<string>();

  constructor(
    private readonly python: PythonEnvironments,
    private readonly isSource: (doc: vscode.TextDocument) => boolean,
  ) {}

  /** `uri`: the analysed document, or the notebook whose cells are analysed as one module. */
  async of(uri: vscode.Uri): Promise<SourceRequestLocation | undefined> {
    if (uri.scheme !== 'file') {
      if (!this.noted.has(uri.scheme)) {
        this.noted.add(uri.scheme);
        log().info(`${uri.scheme}: documents are not files on disk; their imports of other files are not resolved`);
      }
      return undefined;
    }
    const path = uri.fsPath;
    const own = vscode.workspace.getWorkspaceFolder(uri);
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
    // The document's own workspace folder (or project, outside any), its own folder as Python's sys.path[0], the other folders.
    const roots = [
      own && own.uri.scheme === 'file' ? own.uri.fsPath : projectRootOf(path),
      dirname(path),
      ...folders.filter((f) => f !== own).map((f) => f.uri.fsPath),
    ];
    const searchRoots = roots.filter((r, i) => roots.indexOf(r) === i);
    const pythonPaths = [...extraPaths(uri, searchRoots[0]!), ...(await this.python.sitePackages(uri, searchRoots[0]!))];
    const unsaved: Record<string, string> = {};
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isDirty && doc.uri.scheme === 'file' && doc.uri.fsPath !== path && this.isSource(doc)) unsaved[doc.uri.fsPath] = doc.getText();
    }
    return { path, searchRoots, pythonPaths, unsaved };
  }
}

/**
 * `python.analysis.extraPaths`, the folders Pylance and Pyright add to their import search (a `src/` layout,
 * vendored code): the user already told the editor where those imports live. Relative entries and
 * `${workspaceFolder}` are read against the document's root.
 */
function extraPaths(uri: vscode.Uri, root: string): string[] {
  const configured = vscode.workspace.getConfiguration('python.analysis', uri).get<unknown>('extraPaths');
  if (!Array.isArray(configured)) return [];
  return configured
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.replace(/\$\{workspaceFolder\}/g, root))
    .map((p) => (isAbsolute(p) ? p : join(root, p)));
}
