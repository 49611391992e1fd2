import * as vscode from 'vscode';
import type { SeLensApi } from '../../../src/extension/activate.js';

export const EXTENSION_ID = 'se-lens.se-lens';

export function api(): SeLensApi {
  const extension = vscode.extensions.getExtension<SeLensApi>(EXTENSION_ID);
  if (!extension?.isActive) throw new Error('SE Lens is not active');
  return extension.exports;
}

export function workspaceUri(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('the web suite needs a workspace folder');
  return vscode.Uri.joinPath(folder.uri, ...parts);
}

export async function openDoc(...parts: string[]): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(workspaceUri(...parts));
  await vscode.window.showTextDocument(doc);
  return doc;
}

export function lineOf(doc: vscode.TextDocument, text: string): number {
  const i = doc.getText().indexOf(text);
  if (i < 0) throw new Error(`"${text}" not in ${doc.uri.path}`);
  return doc.positionAt(i).line;
}

export async function codeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
}

export async function hoverText(doc: vscode.TextDocument, pos: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, tries = 300, everyMs = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}
