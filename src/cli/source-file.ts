import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { analysisOf } from '../core/analyze.js';
import { SeLensError } from '../core/errors.js';
import type { SourceUnit } from '../core/source/analysis.js';
import { analyzeSource } from '../core/source/analyze-source.js';
import type { CliArgs } from './args.js';
import { nodeGrammars } from './node-grammars.js';
import type { Report } from './render.js';

/**
 * A Python or TypeScript file, analysed statically. Each module class / builder is a unit; the report
 * is the unit the file itself instantiates (its call site), else the first unit with SE blocks.
 */
export async function analyzeSourceFile(file: string, args: CliArgs): Promise<Report> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SeLensError(code === 'ENOENT' ? 'missing-file' : 'bad-argument', code === 'ENOENT' ? `No such file: ${file}` : `Cannot read ${file} (${code}).`);
  }
  const language = extname(file).toLowerCase() === '.py' ? 'python' : 'typescript';
  const defaultInput = args.inputShape ? shapeDefaults(args.inputShape) : {};
  const result = await analyzeSource(text, language, { grammars: nodeGrammars, defaultInput });
  if (!result.units.length) throw new SeLensError('unsupported', `No nn.Module class or TF.js model builder found in ${file}.`);
  const unit = pickUnit(result.units, args.block);
  const notes = [
    `${language === 'python' ? 'PyTorch' : 'TF.js'} source, unit ${unit.name} (lines ${unit.range.startLine + 1}-${unit.range.endLine + 1}), input [${unit.inputShape.join(',')}] from ${unit.inputShapeSource === 'call-site' ? 'the file\'s call site' : unit.inputShapeSource === 'comment' ? 'a # se-lens: input= comment' : 'the default'}${unit.model.layout === 'NHWC' ? ', NHWC' : ''}`,
    ...unit.unknowns.map((u) => `partial: line ${u.range.startLine + 1}: ${u.note}`),
    ...result.syntaxErrors.slice(0, 3).map((r) => `syntax error near line ${r.startLine + 1} (read as far as possible)`),
  ];
  return { model: file, analysis: analysisOf(unit.model, unit.blocks), convention: args.convention, blockId: args.block, notes };
}

function pickUnit(units: readonly SourceUnit[], block: string | undefined): SourceUnit {
  if (block !== undefined) {
    const owner = units.find((u) => u.blocks.some((b) => b.id === block));
    if (!owner) throw new SeLensError('bad-argument', `No SE block "${block}" in this file.`);
    return owner;
  }
  return units.find((u) => u.inputShapeSource === 'call-site' && u.blocks.length) ?? units.find((u) => u.blocks.length) ?? units[0]!;
}

/** `--input-shape` for source: batch, channels and spatial size of the default input. */
function shapeDefaults(shape: readonly (number | string)[]): { batch?: number; channels?: number; height?: number; width?: number } {
  const [batch, channels, height, width] = shape.map((d) => (typeof d === 'number' ? d : undefined));
  return { ...(batch ? { batch } : {}), ...(channels ? { channels } : {}), ...(height ? { height } : {}), ...(width ? { width } : {}) };
}
