import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { analysisOf } from '../core/analyze.js';
import { SeLensError } from '../core/errors.js';
import type { SourceAnalysis, SourceUnit } from '../core/source/analysis.js';
import { analyzeSource } from '../core/source/analyze-source.js';
import { cellView } from '../core/source/notebook-view.js';
import { describeCellLine, notebookModule, readJupyterNotebook, type NotebookModule } from '../core/source/notebook.js';
import type { SourceLanguage } from '../core/source/parsers.js';
import { cliLocationSpec, sourceLocation } from '../node/source-location.js';
import type { CliArgs } from './args.js';
import { nodeGrammars } from './node-grammars.js';
import type { Report } from './render.js';
import { chooseUnit } from './unit-choice.js';

/**
 * A Python file, a Jupyter notebook (its code cells as one module) or a TypeScript / JavaScript file,
 * analysed statically with its imports resolved from its project and Python paths. The report is the unit
 * the file's own top level builds (its entry point), whatever it holds; see `chooseUnit`.
 */
export async function analyzeSourceFile(file: string, args: CliArgs): Promise<Report> {
  const raw = readText(file);
  const ext = extname(file).toLowerCase();
  let text = raw;
  let language: SourceLanguage = ext === '.py' ? 'python' : 'typescript';
  let notebook: NotebookModule | undefined;
  if (ext === '.ipynb') {
    const nb = readJupyterNotebook(raw);
    if (nb.language !== 'python') throw new SeLensError('unsupported', `${file} is a ${nb.language} notebook; SE Lens reads Python notebooks.`);
    notebook = notebookModule(nb.cells);
    text = notebook.text;
    language = 'python';
  }
  const where = (line: number) => (notebook ? describeCellLine(notebook, line) : `line ${line + 1}`);
  const defaultInput = args.inputShape ? shapeDefaults(args.inputShape) : {};
  const location = sourceLocation(cliLocationSpec(file, args.pythonPaths));
  const result = await analyzeSource(text, language, { grammars: nodeGrammars, defaultInput, location });
  if (!result.units.length) {
    // Why, in the same line: the first thing the top level could not follow (a builder from a module not found, a registry).
    const first = result.topLevelNotes?.[0];
    const why = first ? `; ${where(first.range.startLine)}: ${first.note}` : '';
    throw new SeLensError('unsupported', `No nn.Module class or TF.js model builder found in ${file}${why}.`);
  }
  const choice = chooseUnit(result.units, args, where);
  // A notebook's ranges are given in the chosen unit's cell, as the notebook editor numbers its lines.
  const unit = notebook ? inOwnCell(choice.unit, result, notebook) : choice.unit;
  const notes = [
    `${language === 'python' ? 'PyTorch' : 'TF.js'} source${notebook ? ` (notebook, ${notebookSummary(notebook)})` : ''}, unit ${unit.name} (${span(choice.unit, notebook)}), input [${unit.inputShape.join(',')}] from ${inputSource(unit, language)}${unit.model.layout === 'NHWC' ? ', NHWC' : ''}`,
    ...choice.notes,
    ...choice.unit.unknowns.map((u) => `partial: ${where(u.range.startLine)}: ${u.note}`),
    ...(unit.partial && !unit.unknowns.length ? [`partial: ${unit.name} was not read to its end (no line recorded)`] : []),
    ...result.syntaxErrors.slice(0, 3).map((r) => `syntax error near ${where(r.startLine)} (read as far as possible)`),
  ];
  return { model: file, analysis: analysisOf(unit.model, unit.blocks), convention: args.convention, blockId: args.block, notes };
}

function inOwnCell(unit: SourceUnit, analysis: SourceAnalysis, notebook: NotebookModule): SourceUnit {
  const cell = notebook.lines[unit.range.startLine]?.cell;
  if (cell === undefined) return unit;
  const view = cellView({ ...analysis, units: [unit] }, notebook, cell);
  return view.units[0] ?? unit;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EISDIR') throw new SeLensError('bad-argument', `${file} is a folder, not a source file.`);
    throw new SeLensError(code === 'ENOENT' ? 'missing-file' : 'bad-argument', code === 'ENOENT' ? `No such file: ${file}` : `Cannot read ${file} (${code}).`);
  }
}

function notebookSummary(notebook: NotebookModule): string {
  const cells = notebook.cellStarts.filter((s) => s !== undefined).length;
  const skipped = notebook.blankedLines ? `, ${notebook.blankedLines} IPython line${notebook.blankedLines === 1 ? '' : 's'} skipped` : '';
  return `${cells} code cell${cells === 1 ? '' : 's'} as one module${skipped}`;
}

/** `lines 3-9`, or in a notebook `cell 2, lines 1-7` (a unit spread over cells names both ends). */
function span(unit: SourceUnit, notebook: NotebookModule | undefined): string {
  const { startLine, endLine } = unit.range;
  if (!notebook) return `lines ${startLine + 1}-${endLine + 1}`;
  const [a, b] = [notebook.lines[startLine], notebook.lines[endLine]];
  if (a && b && a.cell === b.cell) return `cell ${a.cell + 1}, lines ${a.line + 1}-${b.line + 1}`;
  return `${describeCellLine(notebook, startLine)} to ${describeCellLine(notebook, endLine)}`;
}

function inputSource(unit: SourceUnit, language: SourceLanguage): string {
  switch (unit.inputShapeSource) {
    case 'call-site': return 'the file\'s call site';
    case 'comment': return `a ${language === 'python' ? '#' : '//'} se-lens: input= comment`;
    default: return 'the default';
  }
}

/** `--input-shape` for source: batch, channels and spatial size of the default input. */
function shapeDefaults(shape: readonly (number | string)[]): { batch?: number; channels?: number; height?: number; width?: number } {
  const [batch, channels, height, width] = shape.map((d) => (typeof d === 'number' ? d : undefined));
  return { ...(batch ? { batch } : {}), ...(channels ? { channels } : {}), ...(height ? { height } : {}), ...(width ? { width } : {}) };
}
