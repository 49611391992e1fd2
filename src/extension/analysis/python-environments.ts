import { isAbsolute } from 'node:path';
import * as vscode from 'vscode';
import { interpreterSitePackages, projectVenvSitePackages } from '../../node/python-environment.js';
import { log } from '../log.js';

const PYTHON_EXTENSION = 'ms-python.python';
/** The Python extension activates itself on Python files; a slow start must not hold the lenses for long. */
const API_TIMEOUT_MS = 5000;
/** Folder layouts are read again after this long, so a `.venv` created meanwhile is found without a reload. */
const LAYOUT_TTL_MS = 10_000;

/** The parts of the Python extension's API read here (`environments` in current versions, `settings` in older ones). */
interface PythonExtensionApi {
  /** Resolves once the extension has read its settings and the selected interpreter. */
  readonly ready?: Promise<void>;
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { readonly path: string } | undefined;
    readonly onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  readonly settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { readonly execCommand?: readonly string[] } | undefined;
  };
}

/**
 * The site-packages folders the source front-ends search for a document's imports: those of the interpreter the
 * Python extension has selected for the document's workspace folder, when that extension is installed, else the
 * `.venv` / `venv` of the folder. Derived from folder layouts and `pyvenv.cfg`; Python is never run.
 */
export class PythonEnvironments implements vscode.Disposable {
  private api: Promise<PythonExtensionApi | undefined> | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the selected interpreter changes: imports may now resolve elsewhere. */
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [this.changed];
  private readonly reported = new Set<string>();
  /** Site-packages per interpreter or project root: every analysis asks, and the answer reads the disk. */
  private readonly layouts = new Map<string, { readonly at: number; readonly dirs: string[] }>();

  /** `resource`: the document (its workspace folder picks the interpreter); `root`: where to look for a `.venv`. */
  async sitePackages(resource: vscode.Uri, root: string): Promise<string[]> {
    const interpreter = await this.interpreter(resource);
    if (interpreter) {
      const dirs = this.layout(`interpreter ${interpreter}`, () => interpreterSitePackages(interpreter));
      if (dirs.length) return dirs;
    }
    return this.layout(`${root} (.venv / venv)`, () => projectVenvSitePackages(root));
  }

  private layout(source: string, read: () => string[]): string[] {
    const now = Date.now();
    const known = this.layouts.get(source);
    if (known && now - known.at < LAYOUT_TTL_MS) return known.dirs;
    const dirs = read();
    this.layouts.set(source, { at: now, dirs });
    if (dirs.length || source.startsWith('interpreter')) this.report(source, dirs);
    return dirs;
  }

  private async interpreter(resource: vscode.Uri): Promise<string | undefined> {
    const api = await this.pythonApi();
    if (!api) return undefined;
    try {
      const path = api.environments?.getActiveEnvironmentPath(resource)?.path ?? api.settings?.getExecutionDetails?.(resource)?.execCommand?.[0];
      // A bare command (`python3`) names no folder to read; the workspace's .venv is the better guess then.
      return path && isAbsolute(path) ? path : undefined;
    } catch (e) {
      log().warn(`the Python extension did not say which interpreter is selected: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
  }

  private pythonApi(): Promise<PythonExtensionApi | undefined> {
    const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION);
    if (!extension) return Promise.resolve(undefined);
    this.api ??= (async () => {
      try {
        const api = extension.isActive ? extension.exports : await withTimeout(Promise.resolve(extension.activate()), API_TIMEOUT_MS);
        if (api?.ready) await withTimeout(api.ready, API_TIMEOUT_MS);
        const onChange = api?.environments?.onDidChangeActiveEnvironmentPath;
        if (onChange) {
          this.subscriptions.push(onChange(() => {
            this.layouts.clear();
            this.changed.fire();
          }));
        }
        return api;
      } catch (e) {
        log().warn(`the Python extension's API is not available (${e instanceof Error ? e.message : String(e)}); using the workspace's .venv / venv`);
        return undefined;
      }
    })();
    return this.api;
  }

  private report(source: string, dirs: readonly string[]): void {
    const line = `Python imports for ${source}: ${dirs.length ? dirs.join(', ') : 'no site-packages folder found'}`;
    if (this.reported.has(line)) return;
    this.reported.add(line);
    log().info(line);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer in ${ms} ms`)), ms);
    promise.then(
      (v) => { clearTimeout(timer); resolve(v); },
      (e: unknown) => { clearTimeout(timer); reject(e instanceof Error ? e : new Error(String(e))); },
    );
  });
}
