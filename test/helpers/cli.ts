import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';

export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `se-lens` (dist/cli.js) with `args`, as a user would. */
export function se(...args: string[]): CliRun {
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * For the suite it is called in: builds the CLI before the tests and gives them a scratch folder (named from
 * `prefix`), removed after. The folder's path is `scratch.dir` once the suite runs.
 */
export function builtCliWithScratch(prefix: string): { readonly dir: string } {
  const scratch = { dir: '' };
  before(() => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', 'cli'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(build.status, 0, build.stderr);
    scratch.dir = mkdtempSync(join(tmpdir(), prefix));
  });
  after(() => rmSync(scratch.dir, { recursive: true, force: true }));
  return scratch;
}
