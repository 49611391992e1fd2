/** `se-lens` on model files beyond ONNX, and `se-lens gates`: the built CLI, spawned as a user runs it. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { se } from '../helpers/cli.js';


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

  it('runs `se-lens gates` from the built bundle: the trained reference block\'s gates equal PyTorch\'s', () => {
    const dir = 'test/fixtures/formats/pytorch';
    const r = se('gates', 'test/fixtures/source/se_block_reference.py', '--weights', `${dir}/se_block_state_dict.pth`, '--input', `${dir}/input.npy`, '--format', 'json');
    assert.equal(r.status, 0, r.stderr);
    const expected = JSON.parse(readFileSync(`${dir}/pytorch.truth.json`, 'utf8')).se_block.blocks[0].gates as number[][];
    const ours = (JSON.parse(r.stdout) as { blocks: { gates: number[][] }[] }).blocks[0]!.gates;
    assert.ok(Math.max(...ours.flatMap((row, s) => row.map((g, c) => Math.abs(g - expected[s]![c]!)))) < 1e-4);
  });

  it('opens Keras .h5 and .keras files and PyTorch whole-module pickles', () => {
    assert.equal(blocksOf('test/fixtures/formats/keras/se_resnet_tiny.h5').length, 2);
    assert.equal(blocksOf('test/fixtures/formats/keras/upsample_se.keras').length, 1);
    assert.equal(blocksOf('test/fixtures/formats/pytorch/mobilenet_v3_small_x025_whole.pt').length, 9);
  });

  it('says in one line why a model.json cannot be read', () => {
    const r = se('test/fixtures/formats/tfjs-layers.truth.json');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^se-lens: The JSON file is not a TF\.js model\.json: it has no "modelTopology"\.\n$/);
  });
});
