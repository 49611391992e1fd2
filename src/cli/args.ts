import { extname } from 'node:path';
import { SeLensError } from '../core/errors.js';
import { CONVENTIONS, type Convention } from '../core/stats/table.js';

export type OutputFormat = 'table' | 'json' | 'markdown' | 'csv';
const FORMATS: readonly OutputFormat[] = ['table', 'json', 'markdown', 'csv'];

export interface CliArgs {
  readonly file: string | undefined;
  readonly block: string | undefined;
  /** A source file's unit (class or builder) to report, by name, instead of the file's entry point. */
  readonly unit: string | undefined;
  readonly convention: Convention;
  readonly inputShape: (number | string)[] | undefined;
  readonly format: OutputFormat;
  /** Extra folders searched for Python imports (`--python-path`, repeatable), before the project's `.venv`. */
  readonly pythonPaths: readonly string[];
  readonly help: boolean;
  /** A state dict / checkpoint / safetensors file to pair with a source model, and the prefix its names carry. */
  readonly weights?: string;
  readonly weightsPrefix?: string;
}

export const USAGE = `usage: se-lens <model.onnx | model.py | notebook.ipynb | model.ts> [--block ID] [--unit NAME] [--convention torchstat|macs|fvcore|onnx-tool]
                [--input-shape 1,3,224,224] [--format table|json|markdown|csv] [--python-path DIR]...
                [--weights state_dict.pth|model.safetensors|model.safetensors.index.json|model.json|model.h5 [--weights-prefix module.]]
       se-lens gates <model> [--weights CKPT] [--input IMAGE|DIR|X.npy] [--format table|csv|json|npy] [--png FILE]
With no file, inspects the bundled example (the reference SE block, input [4,32,16,16]).
Imports of a source file are read from its project (the nearest folder up holding .git, pyproject.toml,
setup.py, package.json or tsconfig.json), then from each --python-path DIR, PYTHONPATH, VIRTUAL_ENV, then the
project's .venv / venv.`;

/** Files read as source (Python, notebooks, TypeScript / JavaScript); every other file is read as a model. */
const SOURCE_EXTENSIONS = new Set(['.py', '.ipynb', '.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);

/** `ext` as `path.extname` gives it (`.py`, any case). */
export function isSourceExtension(ext: string): boolean {
  return SOURCE_EXTENSIONS.has(ext.toLowerCase());
}

/**
 * Walks a command line: each argument as its flag (`--x=v` split at the `=`), with `value()` reading the
 * flag's value from after the `=` or else from the next argument, which the walk then skips.
 */
export function forEachArgument(argv: readonly string[], visit: (flag: string, value: () => string, arg: string) => void): void {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const [flag, inline] = eq >= 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    visit(flag, () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new SeLensError('bad-argument', `${flag} needs a value.`);
      return v;
    }, arg);
  }
}

export function parseArgs(argv: readonly string[]): CliArgs {
  let file: string | undefined;
  let block: string | undefined;
  let unit: string | undefined;
  let convention: Convention = 'torchstat';
  let inputShape: (number | string)[] | undefined;
  let format: OutputFormat = 'table';
  const pythonPaths: string[] = [];
  let help = false;
  let weights: string | undefined;
  let weightsPrefix: string | undefined;
  forEachArgument(argv, (flag, value) => {
    switch (flag) {
      case '-h': case '--help': help = true; break;
      case '--block': block = value(); break;
      case '--unit': unit = value(); break;
      case '--convention': {
        const v = value();
        if (!CONVENTIONS.includes(v as Convention)) throw new SeLensError('bad-argument', `Unknown convention "${v}"; use one of ${CONVENTIONS.join(', ')}.`);
        convention = v as Convention;
        break;
      }
      case '--format': {
        const v = value();
        if (!FORMATS.includes(v as OutputFormat)) throw new SeLensError('bad-argument', `Unknown format "${v}"; use one of ${FORMATS.join(', ')}.`);
        format = v as OutputFormat;
        break;
      }
      case '--input-shape': inputShape = parseShape(value()); break;
      case '--python-path': pythonPaths.push(value()); break;
      case '--weights': weights = value(); break;
      case '--weights-prefix': weightsPrefix = value(); break;
      default:
        if (flag.startsWith('-')) throw new SeLensError('bad-argument', `Unknown option "${flag}". ${USAGE.split('\n')[0]}`);
        if (file !== undefined) throw new SeLensError('bad-argument', `One model at a time: got "${file}" and "${flag}".`);
        file = flag;
    }
  });
  if (unit !== undefined && (file === undefined || !isSourceExtension(extname(file)))) {
    throw new SeLensError('bad-argument', '--unit names a class or builder of a source file; a model file has none.');
  }
  return { file, block, unit, convention, inputShape, format, pythonPaths, help, ...(weights !== undefined ? { weights } : {}), ...(weightsPrefix !== undefined ? { weightsPrefix } : {}) };
}

/** `1,3,224,224` or `[N,3,224,224]`; a non-numeric dim is a symbol. */
export function parseShape(text: string): (number | string)[] {
  const dims = text.replace(/^\[|\]$/g, '').split(/[,x\s]+/).filter(Boolean);
  if (!dims.length) throw new SeLensError('bad-argument', `--input-shape "${text}" has no dimensions.`);
  return dims.map((d) => {
    if (/^\d+$/.test(d)) {
      const n = Number(d);
      if (n < 1 || !Number.isSafeInteger(n)) throw new SeLensError('bad-argument', `--input-shape dimension "${d}" must be a positive integer.`);
      return n;
    }
    if (/^[A-Za-z_]\w*$/.test(d)) return d;
    throw new SeLensError('bad-argument', `--input-shape dimension "${d}" is neither a number nor a name.`);
  });
}
