import * as vscode from 'vscode';
import { isSeLensError } from '../core/errors.js';

let channel: vscode.LogOutputChannel | undefined;

/** Diagnostics go here; users see one clear message through `reportError`. */
export function log(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('SE Lens', { log: true });
  return channel;
}

/** The one-line text to show for an error: the core's message as is, anything else generically. */
export function errorMessage(e: unknown): string {
  if (isSeLensError(e)) return e.message;
  return vscode.l10n.t('SE Lens failed: {0}', e instanceof Error ? e.message : String(e));
}

/** Logs the full error and shows one message; never throws. */
export function reportError(what: string, e: unknown): void {
  log().error(`${what}:`, e instanceof Error ? (e.stack ?? e.message) : String(e));
  void vscode.window.showErrorMessage(errorMessage(e));
}

/** Runs a command body so no rejection escapes to VS Code as an unhandled one. */
export function guarded<A extends unknown[], R>(what: string, fn: (...args: A) => Promise<R> | R): (...args: A) => Promise<R | undefined> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (e) {
      reportError(what, e);
      return undefined;
    }
  };
}
