import * as vscode from 'vscode';
import { dirnamePath } from '../../core/source/modules/source-files.js';
import type { SourceRequestLocation } from '../engine/api.js';
import { log } from '../log.js';
import type { ImportLocations } from '../platform.js';
import { readSettings } from '../settings.js';

/** Files an import may name. */
const IMPORTABLE = '**/*.{py,pyi,ts,tsx,mts,cts,js,jsx,mjs,cjs}';
/** Bounds on what is fetched per workspace folder: a repository of sources, not a vendored tree. */
const MAX_FILES = 3000;
const MAX_FILE_BYTES = 1 << 20;
const MAX_TOTAL_BYTES = 24 << 20;
/** The folder's file list is read again after this long (created and deleted files are also watched). */
const LISTING_TTL_MS = 30_000;

interface Listing {
  readonly at: number;
  readonly uris: Promise<readonly vscode.Uri[]>;
}

/**
 * Import locations in the web extension host. The front-ends read other files synchronously, and
 * `vscode.workspace.fs` is asynchronous, so the source files of the document's workspace folder are fetched
 * before each analysis (their texts cached until the file changes) and handed over as the location's files.
 * A Python environment's site-packages cannot be located on a virtual file system: said once in the log.
 */
export class WebImportLocations implements ImportLocations {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, Promise<string | undefined>>();
  private readonly listings = new Map<string, Listing>();
  private readonly noted = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly isSource: (doc: vscode.TextDocument) => boolean) {
    const watcher = vscode.workspace.createFileSystemWatcher(IMPORTABLE);
    const drop = (uri: vscode.Uri) => this.texts.delete(uri.toString());
    const relist = (uri: vscode.Uri) => {
      drop(uri);
      this.listings.clear();
    };
    this.subscriptions = [this.changed, watcher, watcher.onDidChange(drop), watcher.onDidCreate(relist), watcher.onDidDelete(relist)];
  }

  async of(uri: vscode.Uri): Promise<SourceRequestLocation | undefined> {
    const folder = vscode.workspace.getWorkspaceFolder(uri);
    if (!folder) {
      this.note('outside', `${uri.scheme}: documents outside a workspace folder are analysed alone; their imports of other files are not resolved in the web extension host`);
      return undefined;
    }
    this.note('python', "web extension host: imports are resolved from the workspace folder's own source files; a Python environment's site-packages cannot be read here, so imports of installed packages stay unknown");
    const path = uri.path;
    const files: Record<string, string> = {};
    let total = 0;
    for (const [file, text] of await this.fetchFolder(folder)) {
      if (total + text.length > MAX_TOTAL_BYTES) {
        this.note(`bytes ${folder.uri}`, `web extension host: only the first ${MAX_TOTAL_BYTES >> 20} MB of source files in ${folder.name} are read for imports`);
        break;
      }
      total += text.length;
      files[file.path] = text;
    }
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme === uri.scheme && doc.uri.authority === uri.authority && doc.uri.path !== path && (doc.isDirty || !(doc.uri.path in files)) && this.isSource(doc)) {
        files[doc.uri.path] = doc.getText();
      }
    }
    const searchRoots = [folder.uri.path, dirnamePath(path)].filter((r, i, all) => all.indexOf(r) === i);
    return { path, searchRoots, pythonPaths: [], unsaved: files };
  }

  private async fetchFolder(folder: vscode.WorkspaceFolder): Promise<[vscode.Uri, string][]> {
    const uris = await this.list(folder);
    const texts = await Promise.all(uris.map((u) => this.text(u)));
    return uris.flatMap((u, i) => (texts[i] === undefined ? [] : [[u, texts[i]] as [vscode.Uri, string]]));
  }

  private list(folder: vscode.WorkspaceFolder): Promise<readonly vscode.Uri[]> {
    const key = folder.uri.toString();
    const known = this.listings.get(key);
    if (known && Date.now() - known.at < LISTING_TTL_MS) return known.uris;
    const exclude = readSettings(folder.uri).scanExclude;
    const uris = Promise.resolve(vscode.workspace.findFiles(new vscode.RelativePattern(folder, IMPORTABLE), exclude, MAX_FILES + 1)).then((found) => {
      if (found.length > MAX_FILES) this.note(`files ${key}`, `web extension host: only ${MAX_FILES} source files of ${folder.name} are read for imports`);
      return found.slice(0, MAX_FILES).sort((a, b) => a.path.localeCompare(b.path));
    }, (e: unknown) => {
      log().warn(`web extension host: the files of ${folder.name} could not be listed (${e instanceof Error ? e.message : String(e)}); imports stay unknown`);
      return [];
    });
    this.listings.set(key, { at: Date.now(), uris });
    return uris;
  }

  private text(uri: vscode.Uri): Promise<string | undefined> {
    const key = uri.toString();
    let text = this.texts.get(key);
    if (!text) {
      text = (async () => {
        const stat = await vscode.workspace.fs.stat(uri);
        if (stat.size > MAX_FILE_BYTES) return undefined;
        return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      })().catch(() => undefined);
      this.texts.set(key, text);
    }
    return text;
  }

  private note(key: string, line: string): void {
    if (this.noted.has(key)) return;
    this.noted.add(key);
    log().info(line);
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
