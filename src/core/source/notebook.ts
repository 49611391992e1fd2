import { SeLensError } from '../errors.js';

/** A cell as a notebook host holds it: Jupyter JSON on disk, or VS Code's `NotebookCell`. */
export interface NotebookCellText {
  readonly kind: 'code' | 'markup';
  /** The cell's language when the host knows it per cell (VS Code); JSON cells take the notebook's. */
  readonly language?: string;
  readonly text: string;
}

/** Where one line of the module text came from. */
export interface CellLine {
  /** Index of the cell in the notebook's cell list (markup cells count). */
  readonly cell: number;
  /** 0-based line inside the cell. */
  readonly line: number;
}

/**
 * A notebook's code cells as one Python module, in cell order, the way the kernel runs them top to bottom:
 * a class in one cell and the model built from it in a later one are one program. IPython syntax that is not
 * Python (`%magic`, `%%cell magic`, `!shell`, `name?`) is blanked, so it neither errors nor shifts lines.
 */
export interface NotebookModule {
  readonly text: string;
  /** One entry per module line. */
  readonly lines: readonly CellLine[];
  /** First module line of each cell by cell index; undefined for cells left out (markup, other languages). */
  readonly cellStarts: readonly (number | undefined)[];
  /** How many lines of IPython syntax were blanked. */
  readonly blankedLines: number;
}

/** Cell magics whose body is Python: only the `%%` line is blanked. Any other cell magic blanks the whole cell. */
const PYTHON_BODY_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun', 'debug', 'autoreload']);

/** The module text and line map of `cells`; code cells in `language` (default Python) only. */
export function notebookModule(cells: readonly NotebookCellText[], language = 'python'): NotebookModule {
  const out: string[] = [];
  const lines: CellLine[] = [];
  const cellStarts: (number | undefined)[] = [];
  let blankedLines = 0;
  cells.forEach((cell, index) => {
    if (cell.kind !== 'code' || (cell.language ?? language).toLowerCase() !== language) {
      cellStarts.push(undefined);
      return;
    }
    cellStarts.push(out.length);
    const cellLines = cell.text.split(/\r\n|\r|\n/);
    const magic = /^%%(\w+)/.exec(cellLines.find((l) => l.trim() !== '')?.trimStart() ?? '');
    const wholeCell = magic !== null && !PYTHON_BODY_CELL_MAGICS.has(magic[1]!);
    let magicLineSeen = false;
    cellLines.forEach((text, line) => {
      let python = text;
      if (wholeCell) python = '';
      else if (magic && !magicLineSeen && text.trimStart().startsWith('%%')) {
        magicLineSeen = true;
        python = '';
      } else python = withoutIPythonSyntax(text);
      if (python !== text) blankedLines++;
      out.push(python);
      lines.push({ cell: index, line });
    });
  });
  return { text: out.join('\n'), lines, cellStarts, blankedLines };
}

/**
 * One line with IPython syntax replaced: `%magic` and `!shell` become `pass` at the same indentation (so a
 * block whose body they were stays a block), `x = !cmd` / `x = %magic` keep the name bound to None,
 * `obj?` help lines become `pass`. Python lines come back unchanged.
 */
function withoutIPythonSyntax(text: string): string {
  const indent = /^\s*/.exec(text)![0];
  const body = text.slice(indent.length);
  if (/^(%{1,2}[A-Za-z_]|!\s*\S|\?)/.test(body) || /^[\w.]+\?{1,2}\s*$/.test(body)) return `${indent}pass`;
  const assigned = /^([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=\s*(?:%[A-Za-z_]|!\s*\S)/.exec(body);
  if (assigned) return `${indent}${assigned[1]} = None`;
  return text;
}

/** The cell and cell line of a module line; undefined past the end. */
export function cellLineOf(module: NotebookModule, moduleLine: number): CellLine | undefined {
  return module.lines[moduleLine];
}

/** A module line as a person finds it in the notebook: `cell 3, line 5` (both 1-based, cells counted as the editor shows them). */
export function describeCellLine(module: NotebookModule, moduleLine: number): string {
  const at = cellLineOf(module, moduleLine);
  return at ? `cell ${at.cell + 1}, line ${at.line + 1}` : `line ${moduleLine + 1}`;
}

interface JupyterCell {
  readonly cell_type?: unknown;
  readonly source?: unknown;
  /** nbformat 3 kept a code cell's text here. */
  readonly input?: unknown;
}

/**
 * The cells and kernel language of a Jupyter notebook file (nbformat 4, and 3's worksheets). Text that is
 * not a notebook is a `bad-argument` error with one line saying why.
 */
export function readJupyterNotebook(json: string): { readonly cells: NotebookCellText[]; readonly language: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(json.charCodeAt(0) === 0xfeff ? json.slice(1) : json);
  } catch (e) {
    throw new SeLensError('bad-argument', `Not a Jupyter notebook: the file is not JSON (${e instanceof Error ? e.message : String(e)}).`);
  }
  if (typeof doc !== 'object' || doc === null) throw new SeLensError('bad-argument', 'Not a Jupyter notebook: the JSON is not an object.');
  const nb = doc as { cells?: unknown; worksheets?: unknown; metadata?: unknown };
  let raw: unknown[];
  if (Array.isArray(nb.cells)) raw = nb.cells;
  else if (Array.isArray(nb.worksheets)) raw = nb.worksheets.flatMap((w) => (typeof w === 'object' && w !== null && Array.isArray((w as { cells?: unknown }).cells) ? (w as { cells: unknown[] }).cells : []));
  else throw new SeLensError('bad-argument', 'Not a Jupyter notebook: no "cells" list.');
  const cells = raw.map((c): NotebookCellText => {
    const cell = (typeof c === 'object' && c !== null ? c : {}) as JupyterCell;
    const kind = cell.cell_type === 'code' ? 'code' : 'markup';
    return { kind, text: joinSource(cell.source ?? cell.input) };
  });
  return { cells, language: kernelLanguage(nb.metadata) };
}

/** Jupyter stores a cell's text as one string or as a list of lines that keep their newlines. */
function joinSource(source: unknown): string {
  if (typeof source === 'string') return source;
  if (Array.isArray(source)) return source.filter((s): s is string => typeof s === 'string').join('');
  return '';
}

function kernelLanguage(metadata: unknown): string {
  const m = (typeof metadata === 'object' && metadata !== null ? metadata : {}) as { kernelspec?: { language?: unknown }; language_info?: { name?: unknown } };
  const language = m.kernelspec?.language ?? m.language_info?.name;
  return typeof language === 'string' && language ? language.toLowerCase() : 'python';
}
