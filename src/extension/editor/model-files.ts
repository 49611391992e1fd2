/**
 * Which files SE Lens reads as models, in one place: the custom editor's selectors, the SE Blocks view,
 * the workspace scan and the picker of Inspect Model File… all follow this list (package.json repeats the
 * patterns because VS Code reads them before the extension runs; a unit test keeps the two equal).
 * The reader itself tells formats apart by content (`readModelFile`), so a name only decides whether to try.
 * Pure: no `vscode`, no Node built-ins.
 */

/** Extensions whose files are models whatever their name: ONNX, TFLite, PyTorch, safetensors, Keras. */
export const MODEL_EXTENSIONS = ['onnx', 'tflite', 'pt', 'pth', 'safetensors', 'keras', 'h5'] as const;

/**
 * Names that are models only by convention, since their extension is shared with other files: TF.js saves
 * `model.json` beside its `.bin` weight shards, Hugging Face saves PyTorch weights as `pytorch_model*.bin`.
 * Other `.json` and `.bin` files open in the inspector only through Open With… (the option editor).
 */
export const MODEL_FILE_NAMES = ['model.json', 'pytorch_model*.bin'] as const;

/** Extensions the option editor offers for any file (a TF.js model under another name, a PyTorch `.bin`). */
export const MODEL_OPTION_EXTENSIONS = ['json', 'bin'] as const;

/** Glob patterns (VS Code `filenamePattern`) of the default editor, then of the option editor. */
export const DEFAULT_EDITOR_PATTERNS: readonly string[] = [...MODEL_EXTENSIONS.map((e) => `*.${e}`), ...MODEL_FILE_NAMES];
export const OPTION_EDITOR_PATTERNS: readonly string[] = MODEL_OPTION_EXTENSIONS.map((e) => `*.${e}`);

/** Extensions the file picker of Inspect Model File… filters on. */
export const PICKER_EXTENSIONS: readonly string[] = [...MODEL_EXTENSIONS, ...MODEL_OPTION_EXTENSIONS];

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).toLowerCase();
}

/** `*` in a file name pattern: any run of characters. */
function matchesName(name: string, pattern: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(name);
}

/** Whether a file is read as a model by its name alone (the default editor's patterns). */
export function isModelPath(path: string): boolean {
  const name = baseName(path);
  return DEFAULT_EDITOR_PATTERNS.some((p) => matchesName(name, p));
}

/**
 * The workspace scan's default glob: source files and model files. One flat brace group, since VS Code's
 * globs do not nest braces.
 */
export function scanIncludeGlob(sourceExtensions: readonly string[]): string {
  return `**/{${[...sourceExtensions.map((e) => `*.${e}`), ...DEFAULT_EDITOR_PATTERNS].join(',')}}`;
}

export const SOURCE_SCAN_EXTENSIONS = ['py', 'ipynb', 'ts', 'js'] as const;
export const DEFAULT_SCAN_INCLUDE = scanIncludeGlob(SOURCE_SCAN_EXTENSIONS);
