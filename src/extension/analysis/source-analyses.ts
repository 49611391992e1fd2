import * as vscode from 'vscode';
import type { SourceAnalysis, SourceUnit } from '../../core/source/analysis.js';
import type { EngineSourceAnalysis } from '../engine/api.js';
import type { SourceLanguage } from '../../core/source/parsers.js';
import type { Engine } from '../engine/api.js';
import { readSettings } from '../settings.js';
import { log } from '../log.js';

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

interface Cached {
  readonly version: number;
  readonly epoch: number;
  readonly result: Promise<EngineSourceAnalysis | undefined>;
}

/**
 * One analysis per document version, shared by code lens, hover, inlay hints, tree and commands.
 * Settings changes and `Set Input Shape…` bump an epoch, which invalidates every entry and fires `onDidChange`.
 */
export class SourceAnalyses implements vscode.Disposable {
  private readonly cache = new Map<string, Cached>();
  private epoch = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly engine: () => Promise<Engine>,
    private readonly state: vscode.Memento,
  ) {
    this.subscriptions.push(
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri)),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('seLens')) this.invalidate();
      }),
    );
  }

  static languageOf(doc: vscode.TextDocument): SourceLanguage | undefined {
    return SOURCE_LANGUAGES[doc.languageId];
  }

  /** The analysis of the document as it is now; undefined for other languages or when analysis failed (logged). */
  analyze(doc: vscode.TextDocument): Promise<EngineSourceAnalysis | undefined> {
    const language = SourceAnalyses.languageOf(doc);
    if (!language) return Promise.resolve(undefined);
    const key = doc.uri.toString();
    const hit = this.cache.get(key);
    if (hit && hit.version === doc.version && hit.epoch === this.epoch) return hit.result;
    const result = this.run(doc, language);
    this.cache.set(key, { version: doc.version, epoch: this.epoch, result });
    return result;
  }

  private async run(doc: vscode.TextDocument, language: SourceLanguage): Promise<EngineSourceAnalysis | undefined> {
    const settings = readSettings(doc.uri);
    const [batch, channels, height, width] = settings.defaultInputShape;
    try {
      const engine = await this.engine();
      const started = Date.now();
      const analysis = await engine.analyzeSource({
        key: doc.uri.toString(),
        text: doc.getText(),
        language,
        defaultInput: { batch, channels, height, width },
        inputOverrides: this.overridesFor(doc.uri),
      });
      const ms = Date.now() - started;
      const line = `analysed ${doc.uri.toString()} v${doc.version} (${doc.lineCount} lines) in ${ms} ms: ${analysis.units.length} units`;
      // The analysis runs in a worker thread; a slow one is still worth a line, since lenses wait for it.
      if (ms > 1000) log().info(line);
      else log().debug(line);
      return analysis;
    } catch (e) {
      log().error(`analysis of ${doc.uri.toString()} failed:`, e instanceof Error ? (e.stack ?? e.message) : String(e));
      return undefined;
    }
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

  overridesFor(uri: vscode.Uri): Record<string, number[]> {
    const all = this.state.get<Record<string, Record<string, number[]>>>(OVERRIDES_KEY, {});
    return all[uri.toString()] ?? {};
  }

  async setInputOverride(uri: vscode.Uri, unitName: string, shape: number[] | undefined): Promise<void> {
    const all = { ...this.state.get<Record<string, Record<string, number[]>>>(OVERRIDES_KEY, {}) };
    const forFile = { ...(all[uri.toString()] ?? {}) };
    if (shape) forFile[unitName] = shape;
    else delete forFile[unitName];
    all[uri.toString()] = forFile;
    await this.state.update(OVERRIDES_KEY, all);
    this.invalidate();
  }

  invalidate(): void {
    this.epoch++;
    this.changed.fire();
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    if (!this.cache.delete(key)) return;
    void this.engine().then((e) => e.forget(key), () => undefined);
  }

  dispose(): void {
    this.changed.dispose();
    for (const s of this.subscriptions) s.dispose();
  }
}
