import * as vscode from 'vscode';

/** A workspace file's bytes, its path relative to the workspace folder, and what changes when the file does. */
export interface WorkspaceFile {
  readonly uri: vscode.Uri;
  readonly label: string;
  /** Size and modification time. */
  readonly version: string;
  readonly bytes: Uint8Array;
}

/**
 * A file a setting or a source comment names, resolved against `base` and read only when it stays inside
 * the document's workspace folder: a comment in a cloned repository must not make the extension read
 * `~/.ssh/…`. Symbolic links are refused for the same reason (their target is not checked here).
 * A notebook cell's paths are its notebook file's. Throws an Error whose message is one line for the user.
 */
export async function readWorkspaceFile(written: string, base: vscode.Uri, document: vscode.Uri, what: string): Promise<WorkspaceFile> {
  const { uri, label, stat } = await statWorkspaceFile(written, base, document, what);
  return { uri, label, version: `${stat.size}:${stat.mtime}`, bytes: await vscode.workspace.fs.readFile(uri) };
}

/** The checks of `readWorkspaceFile`, and the file's stat, without reading it. */
export async function statWorkspaceFile(written: string, cellOrBase: vscode.Uri, cellOrDocument: vscode.Uri, what: string): Promise<{ uri: vscode.Uri; label: string; stat: vscode.FileStat }> {
  const document = notebookOf(cellOrDocument) ?? cellOrDocument;
  const base = onNotebookFile(cellOrBase);
  const folder = vscode.workspace.getWorkspaceFolder(document);
  if (!folder) throw new Error(vscode.l10n.t('{0} "{1}" is read only from a workspace folder; open the folder that holds it.', what, written));
  if (/^([a-zA-Z]:)?[\\/]/.test(written) || /^[a-zA-Z][\w+.-]*:/.test(written)) {
    throw new Error(vscode.l10n.t('{0} "{1}" must be a path relative to the workspace folder.', what, written));
  }
  // joinPath normalises `..`; what is left must still lie under the folder.
  const uri = vscode.Uri.joinPath(base, ...written.split(/[\\/]/));
  const root = folder.uri.path.endsWith('/') ? folder.uri.path : `${folder.uri.path}/`;
  if (uri.scheme !== folder.uri.scheme || uri.authority !== folder.uri.authority || !uri.path.startsWith(root)) {
    throw new Error(vscode.l10n.t('{0} "{1}" leaves the workspace folder; refused.', what, written));
  }
  const label = uri.path.slice(root.length);
  let stat: vscode.FileStat;
  try {
    stat = await vscode.workspace.fs.stat(uri);
  } catch {
    throw new Error(vscode.l10n.t('{0} "{1}" not found ({2}).', what, written, label));
  }
  if (stat.type & vscode.FileType.SymbolicLink) throw new Error(vscode.l10n.t('{0} "{1}" is a symbolic link; refused.', what, written));
  if (!(stat.type & vscode.FileType.File)) throw new Error(vscode.l10n.t('{0} "{1}" is not a file.', what, written));
  return { uri, label, stat };
}

/** The notebook file a cell's URI belongs to (`vscode-notebook-cell:` URIs have no workspace folder of their own). */
export function notebookOf(cell: vscode.Uri): vscode.Uri | undefined {
  if (cell.scheme !== 'vscode-notebook-cell') return undefined;
  const key = cell.toString();
  return vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document.uri.toString() === key))?.uri;
}

/** A path next to a cell (its folder, `cell/..`) as the same path on the notebook's file system. */
function onNotebookFile(uri: vscode.Uri): vscode.Uri {
  if (uri.scheme !== 'vscode-notebook-cell') return uri;
  const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.uri.path === uri.path || nb.uri.path.startsWith(`${uri.path.replace(/\/$/, '')}/`));
  return notebook ? uri.with({ scheme: notebook.uri.scheme, authority: notebook.uri.authority, query: '', fragment: '' }) : uri;
}
