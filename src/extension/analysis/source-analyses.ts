import * as vscode from 'vscode';
import type { SourceAnalysis, SourceUnit } from '../../core/source/analysis.js';
import type { EngineSourceAnalysis, SourceRequestLocation } from '../engine/api.js';
import type { SourceLanguage } from '../../core/source/parsers.js';
import { seOverhead, type SeOverhead } from '../../core/stats/se-overhead.js';
import type { Engine } from '../engine/api.js';
import { readSettings } from '../settings.js';
import { log } from '../log.js';
import { NOTEBOOK_CELL_SCHEME, NotebookSources } from './notebook-sources.js';
import type { ImportLocations } from '../platform.js';

/** Languages the source front-ends read; JavaScript goes through the TypeScript grammar. */
export const SOURCE_LANGUAGES: Readonly<Record<string, SourceLanguage>> = {
  python: 'python',
  typescript: 'typescript',
  javascript: 'typescript',
  typescriptreact: 'typescript',
  javascriptreact: 'typescript',
};

export const SOURCE_SELECTOR: vscode.DocumentSelector = Object.keys(SOURCE_LANGUAGES).map((language) => ({ language }));

const OVERRIDES_KEY = 'seLens.inputOverrides';
/** Files whose change can change what an open document imports. */
const IMPORTABLE_FILES = '**/*.{py,pyi,ts,tsx,mts,cts,js,jsx,mjs,cjs}';
/** Quiet time after an edit of one document before the documents that may import it are analysed again. */
const IMPORT_REFRESH_MS = 400;

interface Cached {
  readonly version: number;
  readonly epoch: number;
  readonly result: Promise<EngineSourceAnalysis | undefined>;
}

/**
 * One analysis per document version, shared by code lens, hover, inlay hints, tree and commands.
 * Settings changes, `Set Input Shape…` and a change of the Python interpreter bump an epoch, which
 * invalidates every entry and fires `onDidChange`; a change of a file that a document may import (saved on
 * disk, or edited in another editor) drops the other documents' entries. Notebook cells are analysed as
 * their notebook's one module.
 */
export class SourceAnalyses implements vscode.Disposable {
  private readonly cache = new Map<string, Cached>();
  private epoch = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly notebooks = new NotebookSources((notebook, text) => this.run({
    key: NotebookSources.documentKey(notebook), text, language: 'python', uri: notebook.uri, label: `${notebook.uri.toString()} (notebook)`,
  }));
  private importRefresh: ReturnType<typeof setTimeout> | undefined;
  private pendingBefore: (() => void) | undefined;

  constructor(
    private readonly engine: () => Promise<Engine>,
    private readonly state: vscode.Memento,
    /** The host's answer to where a document's imports are resolved from. */
    private readonly locations: ImportLocations,
  ) {
    const watcher = vscode.workspace.createFileSystemWatcher(IMPORTABLE_FILES);
    this.subscriptions.push(
      locations,
      watcher,
      watcher.onDidChange((uri) => this.importsChanged(uri)),
      watcher.onDidCreate((uri) => this.importsChanged(uri)),
      watcher.onDidDelete((uri) => this.importsChanged(uri)),
      locations.onDidChange(() => this.invalidate()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && e.document.uri.scheme === 'file' && SourceAnalyses.languageOf(e.document)) this.importsChanged(e.document.uri);
      }),
      vscode.workspace.onDidChangeNotebookDocument(() => this.scheduleRefresh()),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => {
        if (this.notebooks.forget(notebook)) void this.engine().then((e) => e.forget(NotebookSources.documentKey(notebook)), () => undefined);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('seLens') || e.affectsConfiguration('python.analysis.extraPaths')) this.invalidate();
      }),
    );
  }

  static languageOf(doc: vscode.TextDocument): SourceLanguage | undefined {
    return SOURCE_LANGUAGES[doc.languageId];
  }

  /** What a unit's SE blocks cost against the whole unit (SENet Table 2), from the engine's tables. */
  async overhead(unit: SourceUnit): Promise<SeOverhead> {
    const engine = await this.engine();
    return seOverhead({ model: unit.model, blocks: unit.blocks, table: (convention, blockId) => engine.unitTable(unit, convention, blockId) });
  }

  /** The analysis of the document as it is now; undefined for other languages or when analysis failed (logged). */
  analyze(doc: vscode.TextDocument): Promise<EngineSourceAnalysis | undefined> {
    const language = SourceAnalyses.languageOf(doc);
    if (!language) return Promise.resolve(undefined);
    // Python notebooks are one module; a cell in another language is read alone.
    const cell = language === 'python' ? NotebookSources.cellOf(doc) : undefined;
    if (cell) return this.notebooks.analyze(cell.notebook, cell.index, doc.languageId, this.epoch);
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version && hit.epoch === this.epoch) return hit.result;
    const result = this.run({ key, text: doc.getText(), language, uri: doc.uri, label: `${key} v${doc.version} (${doc.lineCount} lines)` });
    this.cache.set(key, { version: doc.version, epoch: this.epoch, result });
    return result;
  }

  /** `uri`: the document, or the notebook whose module `text` is; settings, input overrides and imports go by it. */
  private async run(job: { key: string; text: string; language: SourceLanguage; uri: vscode.Uri; label: string }): Promise<EngineSourceAnalysis | undefined> {
    const settings = readSettings(job.uri);
    const [batch, channels, height, width] = settings.defaultInputShape;
    try {
      const [engine, location] = await Promise.all([this.engine(), this.locations.of(job.uri)]);
      const started = Date.now();
      const analysis = await engine.analyzeSource({
        key: job.key,
        text: job.text,
        language: job.language,
        defaultInput: { batch, channels, height, width },
        inputOverrides: this.overridesFor(job.uri),
        ...(location ? { location } : {}),
      });
      const ms = Date.now() - started;
      const line = `analysed ${job.label} in ${ms} ms: ${analysis.units.length} units`;
      // The analysis runs in a worker thread; a slow one is still worth a line, since lenses wait for it.
      if (ms > 1000) log().info(line);
      else log().debug(line);
      return analysis;
    } catch (e) {
      log().error(`analysis of ${job.label} failed:`, e instanceof Error ? (e.stack ?? e.message) : String(e));
      return undefined;
    }
  }

  /** Where a file's imports are resolved from (for analyses of files that are not open, such as the workspace scan). */
  locationOf(uri: vscode.Uri): Promise<SourceRequestLocation | undefined> {
    return this.locations.of(uri);
  }

  /** The unit whose range holds the line, innermost first. */
  static unitAt(analysis: SourceAnalysis, line: number): SourceUnit | undefined {
    let best: SourceUnit | undefined;
    for (const unit of analysis.units) {
      if (line < unit.range.startLine || line > unit.range.endLine) continue;
      if (!best || unit.range.startLine >= best.range.startLine) best = unit;
    }
    return best;
  }

  /** Input shapes set for the document's units; a notebook cell's are its notebook's (one module). */
  overridesFor(uri: vscode.Uri): Record<string, number[]> {
    const all = this.state.get<Record<string, Record<string, number[]>>>(OVERRIDES_KEY, {});
    return all[overridesKey(uri)] ?? {};
  }

  async setInputOverride(uri: vscode.Uri, unitName: string, shape: number[] | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, Record<string, number[]>>>(OVERRIDES_KEY, {}) };
    const key = overridesKey(uri);
    const forFile = { ...(all[key] ?? {}) };
    if (shape) forFile[unitName] = shape;
    else delete forFile[unitName];
    all[key] = forFile;
    await this.state.update(OVERRIDES_KEY, all);
    this.invalidate();
  }

  invalidate(): void {
    this.epoch++;
    this.changed.fire();
  }

  /**
   * A file that open documents may import changed (on disk, or in an editor): once edits pause, every other
   * document's analysis is dropped and analysed again when asked. Their parse trees are dropped too, so no
   * cache of the front-ends keeps what the old file said. The changed document's own analysis stays.
   */
  private importsChanged(changed: vscode.Uri): void {
    const key = changed.toString();
    if (![...this.cache.keys()].some((k) => k !== key) && !vscode.workspace.notebookDocuments.length) return;
    this.scheduleRefresh(() => {
      const others = [...this.cache.keys()].filter((k) => k !== key);
      for (const k of others) this.cache.delete(k);
      this.notebooks.clear();
      void this.engine().then((e) => {
        for (const k of others) e.forget(k);
        for (const nb of vscode.workspace.notebookDocuments) e.forget(NotebookSources.documentKey(nb));
      }, () => undefined);
    });
  }

  /** Fires `onDidChange` after a quiet time; `before` runs first (once, for the last caller that gave one). */
  private scheduleRefresh(before?: () => void): void {
    if (before) this.pendingBefore = before;
    if (this.importRefresh) clearTimeout(this.importRefresh);
    this.importRefresh = setTimeout(() => {
      this.importRefresh = undefined;
      const run = this.pendingBefore;
      this.pendingBefore = undefined;
      run?.();
      this.changed.fire();
    }, IMPORT_REFRESH_MS);
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    if (!this.cache.delete(key)) return;
    void this.engine().then((e) => e.forget(key), () => undefined);
  }

  dispose(): void {
    if (this.importRefresh) clearTimeout(this.importRefresh);
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}

/** Overrides are stored per file; a notebook cell's belong to its notebook (one module). */
function overridesKey(uri: vscode.Uri): string {
  if (uri.scheme !== NOTEBOOK_CELL_SCHEME) return uri.toString();
  const key = uri.toString();
  const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.getCells().some((c) => c.document.uri.toString() === key));
  return (notebook?.uri ?? uri).toString();
}
