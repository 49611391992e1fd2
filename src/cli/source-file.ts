import { SeLensError } from '../core/errors.js';
import type { CliArgs } from './args.js';
import type { Report } from './render.js';

export async function analyzeSourceFile(file: string, _args: CliArgs): Promise<Report> {
  throw new SeLensError('unsupported', `Source analysis of ${file} is not wired yet.`);
}
