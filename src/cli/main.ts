import { existsSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { analyzeModel } from '../core/analyze.js';
import { readModelFile } from '../core/formats/read-model.js';
import { isSeLensError } from '../core/errors.js';
import { isSourceExtension, parseArgs, USAGE } from './args.js';
import { FileSource, folderExternalData } from '../node/file-source.js';
import { render, type Report } from './render.js';

/** The bundled example: the reference block written by our own ONNX writer (scripts/make-example.ts). */
export function exampleModelPath(): string {
  const candidates = [join(__dirname, '..', 'media', 'examples', 'se_block_c32_r4_avg.onnx'), join(process.cwd(), 'media', 'examples', 'se_block_c32_r4_avg.onnx')];
  return candidates.find((p) => existsSync(p)) ?? candidates[0]!;
}

async function reportFor(file: string, args: ReturnType<typeof parseArgs>): Promise<Report> {
  const ext = extname(file).toLowerCase();
  if (isSourceExtension(ext)) {
    const { analyzeSourceFile } = await import('./source-file.js');
    return analyzeSourceFile(file, args);
  }
  const source = new FileSource(file);
  const external = folderExternalData(file);
  try {
    // ONNX, TF.js model.json (weight shards beside it) and TFLite, told apart by content.
    const model = await readModelFile(source, { folder: external, name: basename(file, ext) });
    const analysis = analyzeModel(model, args.inputShape ? { inputShape: args.inputShape } : {});
    return { model: file, analysis, convention: args.convention, blockId: args.block };
  } finally {
    source.close();
    external.close();
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv[0] === 'gates') {
      const out = await (await import('./gates.js')).gatesMain(argv.slice(1));
      if (out.stderr) process.stderr.write(out.stderr);
      process.stdout.write(out.stdout);
      return 0;
    }
    const args = parseArgs(argv);
    if (args.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const found = await reportFor(args.file ?? exampleModelPath(), args);
    const report = args.weights === undefined ? found : await (await import('./weights.js')).withWeights(found, args.weights, args.weightsPrefix);
    process.stdout.write(`${render(report, args.format)}\n`);
    return 0;
  } catch (e) {
    if (isSeLensError(e)) {
      process.stderr.write(`se-lens: ${e.message}\n`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`se-lens: internal error: ${message}${process.env['SE_LENS_DEBUG'] ? `\n${(e as Error).stack}` : ''}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
