/**
 * The CLI resolves a source file's imports from its package, `--python-path` folders and the project's `.venv`.
 * test/fixtures/cli-project/models/se.py takes its squeeze width from a sibling module (`.layers`), a package
 * named with --python-path (`extlib/sehelpers`, re-exported through `__init__` / `__all__`) and its gate from
 * the project's `.venv` site-packages. truth.json was written by generate_truth.py from real PyTorch.
 */
import assert from 'node:assert/strict';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { builtCliWithScratch, se } from '../helpers/cli.js';

const PROJECT = 'test/fixtures/cli-project';
const FILE = `${PROJECT}/models/se.py`;

interface Truth { unit: string; input_shape: number[]; channels: number; squeeze_channels: number; gate: string; params: number }
interface JsonReport { blocks: { channels: number; squeezeChannels: number | null; params: number; gate: string; inputShape: unknown }[]; totals: Record<string, number>; notes?: string[] }

describe('se-lens CLI: imports of other files', () => {
  const scratch = builtCliWithScratch('se-lens-cli-imports-');

  it('a sibling module, a --python-path package and the project .venv: the block PyTorch builds', () => {
    const truth = JSON.parse(readFileSync(`${PROJECT}/truth.json`, 'utf8')) as Truth;
    const r = se(FILE, '--python-path', `${PROJECT}/extlib`, '--format', 'json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.match(report.notes![0]!, new RegExp(`unit ${truth.unit} .*input \\[${truth.input_shape.join(',')}\\] from the file's call site`));
    assert.deepEqual(report.notes!.filter((n) => n.startsWith('partial')), []);
    assert.deepEqual(report.blocks.map((b) => [b.channels, b.squeezeChannels, b.params, b.inputShape]), [[truth.channels, truth.squeeze_channels, truth.params, truth.input_shape]]);
    assert.equal(report.totals['params'], truth.params);
  });

  it('without --python-path the helper is unknown: exit 0, and the partial note names the line', () => {
    const r = se(FILE);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[2], 'SqueezeExcite, the model this file builds, has no SE block that could be traced (it is partial, see below), and no other unit in the file has one.');
    const partial = r.stdout.split('\n').filter((l) => l.startsWith('partial: '));
    assert.ok(partial.length > 0, r.stdout);
    for (const l of partial) assert.match(l, /^partial: line \d+: \S/);
    const line = readFileSync(FILE, 'utf8').split('\n').findIndex((l) => l.includes('squeeze_width(channels')) + 1;
    assert.ok(partial.some((l) => l.startsWith(`partial: line ${line}: `)), partial.join('\n'));
  });

  it('a file whose only model comes from a package that is not found says so in its one line', () => {
    const file = join(scratch.dir, 'train.py');
    writeFileSync(file, 'import torch\nfrom vision_zoo import build_model\n\nmodel = build_model("se_resnet50")\nmodel(torch.rand(1, 3, 224, 224))\n');
    const r = se(file);
    assert.equal(r.status, 2);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^se-lens: No nn\.Module class or TF\.js model builder found in .*train\.py; line 4: cannot call 'build_model': module 'vision_zoo' was not found \(looked in .*vision_zoo\/__init__\.py/);
  });

  it('a --python-path folder of 10,000 modules: the one imported is read, the result is the same', () => {
    const truth = JSON.parse(readFileSync(`${PROJECT}/truth.json`, 'utf8')) as Truth;
    const project = join(scratch.dir, 'big');
    cpSync(PROJECT, project, { recursive: true });
    for (let i = 0; i < 10_000; i++) writeFileSync(join(project, 'extlib', `module_${i}.py`), `VALUE_${i} = ${i}\n`);
    const r = se(join(project, 'models', 'se.py'), '--python-path', join(project, 'extlib'), '--format', 'json');
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(report.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]), [[truth.channels, truth.squeeze_channels, truth.params]]);
  });
});
