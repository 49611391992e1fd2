import type { Tree } from 'web-tree-sitter';
import { DEFAULT_INPUT, type DefaultInput, type SourceAnalysis, type SourceUnit } from './analysis.js';
import { loadSourceParsers, DocumentTrees, type GrammarLoader, type SourceLanguage, type SourceParsers, type TextEdit } from './parsers.js';
import { analyzePython, newPythonCache, type PythonCache } from './python/analyze-python.js';
import { StatementCache } from './statement-cache.js';
import { PythonFileCache } from './modules/python-files.js';
import type { SourceLocation } from './modules/source-files.js';
import { errorRanges } from './syntax.js';
import { withUnitFields } from './finish-unit.js';
import { weightsDirectiveAt } from './input-comment.js';
import { analyzeTypeScript } from './typescript/analyze-typescript.js';

/** TF.js units' `// se-lens: weights=model.json` comments, read as the Python front-end reads its classes' (after its cache). */
function withWeightsDirectives(units: SourceUnit[], text: string): SourceUnit[] {
  // Every directive is written after `se-lens:`; most files have none, and need not be split into lines.
  if (!text.includes('se-lens:')) return units;
  const lines = text.split('\n');
  return units.map((u) => {
    const weights = weightsDirectiveAt(lines, u.range.startLine);
    return weights ? withUnitFields(u, { weightsDirective: weights }) : u;
  });
}

export interface AnalyzeSourceOptions {
  /** Same key for successive versions of one document: the previous tree and results are reused. */
  readonly documentKey?: string;
  /** What changed since the previous version of `documentKey`; computed from the texts when absent. */
  readonly edit?: TextEdit;
  readonly defaultInput?: Partial<DefaultInput>;
  /** Interpretation steps per unit before it is cut off (loops, recursion in user code). */
  readonly maxSteps?: number;
  /** Where the document lives and where its imports are found; without it, imports of other files stay unknown. */
  readonly location?: SourceLocation;
}

interface DocumentState {
  readonly language: SourceLanguage;
  readonly statements: StatementCache;
  readonly python: PythonCache;
}

/** Parsers plus per-document state: trees for incremental parsing and caches of unchanged units. */
export class SourceAnalyzer {
  private readonly trees = new DocumentTrees();
  private readonly docs = new Map<string, DocumentState>();
  /** Imported Python files, parsed once per version for every document this analyzer sees. */
  private readonly pythonFiles: PythonFileCache;

  constructor(readonly parsers: SourceParsers) {
    this.pythonFiles = new PythonFileCache(parsers.python);
  }

  analyze(text: string, language: SourceLanguage, options: AnalyzeSourceOptions = {}): SourceAnalysis {
    const parser = language === 'python' ? this.parsers.python : this.parsers.typescript;
    const key = options.documentKey === undefined ? undefined : `${language}:${options.documentKey}`;
    let tree: Tree | null = null;
    try {
      tree = this.trees.parse(parser, key, text, options.edit);
    } catch {
      // A stale edit from the host: parse from scratch.
      if (key) this.trees.forget(key);
      tree = this.trees.parse(parser, key, text);
    }
    if (!tree) return { language, units: [], syntaxErrors: [] };
    const doc = this.state(key, language);
    const defaultInput = { ...DEFAULT_INPUT, ...options.defaultInput };
    const maxSteps = options.maxSteps ?? 200_000;
    try {
      const root = tree.rootNode;
      const syntaxErrors = root.hasError ? errorRanges(root) : [];
      let units: SourceUnit[];
      let topLevelNotes: SourceAnalysis['topLevelNotes'];
      if (language === 'python') ({ units, topLevelNotes } = analyzePython(root, text, doc.statements, doc.python, { defaultInput, maxSteps, location: options.location, pythonFiles: this.pythonFiles }));
      else units = withWeightsDirectives(analyzeTypeScript(root, text, doc.statements, { defaultInput, maxSteps, location: options.location }), text);
      doc.statements.commit();
      return { language, units, syntaxErrors, ...(topLevelNotes?.length ? { topLevelNotes } : {}) };
    } finally {
      if (key === undefined) tree.delete();
    }
  }

  forget(documentKey: string): void {
    for (const language of ['python', 'typescript'] as const) {
      this.trees.forget(`${language}:${documentKey}`);
      this.docs.delete(`${language}:${documentKey}`);
    }
  }

  private state(key: string | undefined, language: SourceLanguage): DocumentState {
    const fresh = (): DocumentState => ({ language, statements: new StatementCache(), python: newPythonCache() });
    if (key === undefined) return fresh();
    let doc = this.docs.get(key);
    if (!doc) {
      doc = fresh();
      this.docs.set(key, doc);
      // Bounded like the trees: the oldest document's caches go first.
      while (this.docs.size > 32) this.docs.delete(this.docs.keys().next().value as string);
    }
    return doc;
  }
}

const analyzers = new WeakMap<GrammarLoader, Promise<SourceAnalyzer>>();

/** Loads the parsers once per loader and keeps one analyzer (with its document caches) per loader. */
export function sourceAnalyzer(grammars: GrammarLoader): Promise<SourceAnalyzer> {
  let a = analyzers.get(grammars);
  if (!a) {
    a = loadSourceParsers(grammars).then((p) => new SourceAnalyzer(p));
    analyzers.set(grammars, a);
    a.catch(() => analyzers.delete(grammars));
  }
  return a;
}

/**
 * Static analysis of PyTorch (`python`) or TF.js (`typescript`) source: never executed, never imported.
 * Every `nn.Module` class, TF.js builder function, `tf.model` and `tf.sequential` becomes a unit with
 * its IR graph, SE blocks, torchstat table, shapes per line and source ranges.
 */
export async function analyzeSource(
  text: string,
  language: SourceLanguage,
  options: AnalyzeSourceOptions & { readonly grammars: GrammarLoader },
): Promise<SourceAnalysis> {
  const analyzer = await sourceAnalyzer(options.grammars);
  return analyzer.analyze(text, language, options);
}
