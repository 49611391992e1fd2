import * as vscode from 'vscode';
import { notebookModule, type NotebookModule } from '../../core/source/notebook.js';
import { cellView } from '../../core/source/notebook-view.js';
import type { EngineSourceAnalysis } from '../engine/api.js';

/** VS Code's scheme for the text document of a notebook cell. */
export const NOTEBOOK_CELL_SCHEME = 'vscode-notebook-cell';

/** Analyses one module text; undefined when the analysis failed (the caller logs it). */
export type ModuleAnalysis = (notebook: vscode.NotebookDocument, text: string) => Promise<EngineSourceAnalysis | undefined>;

interface Entry {
  readonly text: string;
  readonly epoch: number;
  readonly module: NotebookModule;
  readonly result: Promise<EngineSourceAnalysis | undefined>;
  /** Per cell index, so every provider asking about one cell gets the same unit objects (tables are cached by unit). */
  readonly views: Map<number, EngineSourceAnalysis>;
}

/**
 * A notebook's Python cells analysed as one module, as the kernel runs them top to bottom: the class in one
 * cell and the model built and called in a later one. Each cell document gets the part of that analysis
 * defined in it, in its own line numbers, so lenses, hovers and inlay shapes work on cells unchanged.
 */
export class NotebookSources {
  private readonly cache = new Map<string, Entry>();

  constructor(private readonly analyzeModule: ModuleAnalysis) {}

  /** The notebook and cell index of a cell document; undefined for other documents or a cell not found. */
  static cellOf(doc: vscode.TextDocument): { notebook: vscode.NotebookDocument; index: number } | undefined {
    if (doc.uri.scheme !== NOTEBOOK_CELL_SCHEME) return undefined;
    for (const notebook of vscode.workspace.notebookDocuments) {
      if (notebook.uri.path !== doc.uri.path) continue;
      const index = notebook.getCells().findIndex((c) => c.document === doc || c.document.uri.toString() === doc.uri.toString());
      if (index >= 0) return { notebook, index };
    }
    return undefined;
  }

  async analyze(notebook: vscode.NotebookDocument, index: number, language: string, epoch: number): Promise<EngineSourceAnalysis | undefined> {
    const module = notebookModule(notebook.getCells().map((c) => ({
      kind: c.kind === vscode.NotebookCellKind.Code ? 'code' : 'markup',
      language: c.document.languageId,
      text: c.document.getText(),
    })), language);
    const key = notebook.uri.toString();
    let entry = this.cache.get(key);
    if (!entry || entry.text !== module.text || entry.epoch !== epoch) {
      entry = { text: module.text, epoch, module, result: this.analyzeModule(notebook, module.text), views: new Map() };
      this.cache.set(key, entry);
    }
    const analysis = await entry.result;
    if (!analysis) return undefined;
    let view = entry.views.get(index);
    if (!view) entry.views.set(index, (view = cellView(analysis, entry.module, index)));
    return view;
  }

  /** Drops the notebook's analysis; true when it had one. */
  forget(notebook: vscode.NotebookDocument): boolean {
    return this.cache.delete(notebook.uri.toString());
  }

  /** Drops every notebook's analysis (a file they may import changed). */
  clear(): void {
    this.cache.clear();
  }

  /** The key the engine keeps the notebook's parse tree under. */
  static documentKey(notebook: vscode.NotebookDocument): string {
    return `${notebook.uri.toString()}#notebook`;
  }
}
