import * as assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'se-lens.se-lens';

export function workspaceUri(...parts: string[]): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need a workspace folder');
  return vscode.Uri.joinPath(folder.uri, ...parts);
}

/** Copies `from` into the workspace at `to` (folders made as needed), through `edit` when given. */
export async function placeInWorkspace(from: string, to: readonly string[], edit?: (text: string) => string): Promise<vscode.Uri> {
  const uri = workspaceUri(...to);
  await mkdir(join(uri.fsPath, '..'), { recursive: true });
  if (edit) await writeFile(uri.fsPath, edit(await readFile(from, 'utf8')));
  else await copyFile(from, uri.fsPath);
  return uri;
}

export async function openDoc(...parts: string[]): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(workspaceUri(...parts));
  await vscode.window.showTextDocument(doc);
  return doc;
}

/** The line of the first occurrence of `text` in the document (0-based). */
export function lineOf(doc: vscode.TextDocument, text: string): number {
  const i = doc.getText().indexOf(text);
  assert.ok(i >= 0, `"${text}" not in ${doc.uri.path}`);
  return doc.positionAt(i).line;
}

export function positionOf(doc: vscode.TextDocument, text: string, offsetInText = 0): vscode.Position {
  const i = doc.getText().indexOf(text);
  assert.ok(i >= 0, `"${text}" not in ${doc.uri.path}`);
  return doc.positionAt(i + offsetInText);
}

export async function codeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
}

export async function hoverText(doc: vscode.TextDocument, pos: vscode.Position): Promise<string> {
  const hovers = (await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, pos)) ?? [];
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

export async function inlayHints(doc: vscode.TextDocument): Promise<vscode.InlayHint[]> {
  const range = new vscode.Range(0, 0, doc.lineCount, 0);
  return (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, range)) ?? [];
}

export function label(hint: vscode.InlayHint): string {
  return typeof hint.label === 'string' ? hint.label : hint.label.map((p) => p.value).join('');
}

export async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, tries = 300, everyMs = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`gave up waiting for ${what}`);
}
