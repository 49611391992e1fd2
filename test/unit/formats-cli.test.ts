/** `se-lens` on TF.js model.json and .tflite files: the built CLI, spawned as a user runs it. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';

const CLI = 'dist/cli.js';

function se(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function blocksOf(file: string): { id: string; channels: number; params: number }[] {
  const r = se(file, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { blocks: { id: string; channels: number; params: number }[] }).blocks;
}

describe('se-lens on TF.js and TFLite files', () => {
  it('opens a TF.js layers model.json with its weight shards', () => {
    const truth = JSON.parse(readFileSync('test/fixtures/formats/tfjs-layers.truth.json', 'utf8')).se_resnet_tiny as { blocks: { scale: string; params: number }[] };
    const blocks = blocksOf('test/fixtures/formats/tfjs-layers/se_resnet_tiny/model.json');
    assert.deepEqual(blocks.map((b) => [b.id, b.params]), truth.blocks.map((b) => [b.scale, b.params]));
  });

  it('opens a .tflite file', () => {
    const tflite = join(dirname(require.resolve('@mediapipe/selfie_segmentation/package.json')), 'selfie_segmentation.tflite');
    assert.equal(blocksOf(tflite).length, 6);
  });

  it('says in one line why a model.json cannot be read', () => {
    const r = se('test/fixtures/formats/tfjs-layers.truth.json');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^se-lens: The JSON file is not a TF\.js model\.json: it has no "modelTopology"\.\n$/);
  });
});
