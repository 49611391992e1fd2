import * as vscode from 'vscode';
import type { SourceRange } from '../core/ir/graph.js';

/** Core ranges are 0-based with an inclusive end line, like VS Code's. */
export function toRange(r: SourceRange): vscode.Range {
  return new vscode.Range(r.startLine, r.startColumn, r.endLine, r.endColumn);
}

export function containsLine(r: SourceRange | undefined, line: number): boolean {
  return !!r && line >= r.startLine && line <= r.endLine;
}
