/**
 * The inspector's data for a source unit paired with a checkpoint: the model it runs holds the checkpoint's values
 * (its gates, run by onnxruntime-node, are PyTorch's own for the fixture's input.npy: make_pytorch.py's forward
 * hooks), it says which file they came from, and its model key changes with the file, its version and the pairing.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { readWeights } from '../../src/core/pairing/read-weights.js';
import { inspectSource, type AnalysedModel, type Inspection } from '../../src/core/inspect/inspection.js';
import { parseNpy } from '../../src/core/inputs/npy.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { trainedModel, type TrainedModel } from '../../src/core/pairing/trained-model.js';
import type { SourceUnit } from '../../src/core/source/analysis.js';
import { computeStats } from '../../src/core/stats/stats.js';
import { folderExternalData } from '../../src/node/file-source.js';
import { analyzeFixture, unitNamed } from './source-loader.js';

const PYTORCH = 'test/fixtures/formats/pytorch';
const SHARDED = 'test/fixtures/formats/sharded';
const truth = (JSON.parse(readFileSync(`${PYTORCH}/pytorch.truth.json`, 'utf8')) as { se_block: { blocks: { gates: number[][] }[] } }).se_block.blocks[0]!.gates;

async function reference(): Promise<SourceUnit> {
  return unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
}

function analysed(unit: SourceUnit): AnalysedModel {
  return { model: unit.model, blocks: unit.blocks, table: (c, id) => computeStats(unit.model, c, id === undefined ? {} : { block: unit.blocks.find((b) => b.id === id)! }) };
}

async function pairFile(unit: SourceUnit, path: string, version = '1'): Promise<TrainedModel> {
  const source = bytesSource(new Uint8Array(readFileSync(path)));
  const shards = folderExternalData(path);
  try {
    return trainedModel(unit.model, await readWeights(source, shards), { source, shards }, { label: path.slice(path.lastIndexOf('formats/')), version });
  } finally {
    shards.close();
  }
}

/** The inspection's model run by onnxruntime-node on input.npy: the first block's gates, one row per sample. */
async function gates(inspection: Inspection): Promise<number[][]> {
  const x = parseNpy(new Uint8Array(readFileSync(`${PYTORCH}/input.npy`)));
  assert.deepEqual(inspection.inputs[0]!.shape, x.shape, 'the source fixes the input the fixture was made for');
  const session = await ort.InferenceSession.create(inspection.modelBytes);
  try {
    const out = await session.run({ [inspection.inputs[0]!.name]: new ort.Tensor('float32', x.data, x.shape) });
    const data = Array.from(out[inspection.blocks[0]!.tensors.gate]!.data as Float32Array);
    const per = data.length / x.shape[0]!;
    return Array.from({ length: x.shape[0]! }, (_, s) => data.slice(s * per, (s + 1) * per));
  } finally {
    await session.release();
  }
}

function worst(got: number[][], expected: number[][]): number {
  assert.equal(got.length, expected.length);
  return Math.max(...got.flatMap((row, s) => row.map((g, c) => Math.abs(g - expected[s]![c]!))));
}

describe('inspectSource with trained weights', () => {
  it('a paired state dict: the gates the inspector runs equal PyTorch\'s within 1e-4, spread far from 0.5, and the file is named', async () => {
    const unit = await reference();
    const trained = await pairFile(unit, `${PYTORCH}/se_block_state_dict.pth`);
    const inspection = inspectSource(analysed(unit), unit.name, 'torchstat', {}, {}, trained);
    const g = await gates(inspection);
    assert.ok(worst(g, truth) < 1e-4, `max |Δ| ${worst(g, truth)}`);
    const all = g.flat();
    assert.ok(Math.max(...all) - Math.min(...all) > 0.5, `gates spread ${Math.min(...all)}…${Math.max(...all)}`);
    assert.equal(inspection.weights?.kind, 'trained');
    assert.equal(inspection.weights?.label, 'weights: formats/pytorch/se_block_state_dict.pth (trained)');
    assert.deepEqual(inspection.weights?.kind === 'trained' && inspection.weights.notes, ['weights from formats/pytorch/se_block_state_dict.pth: 2 tensors paired']);
    // torchstat's numbers for the reference block stay exact.
    assert.deepEqual([inspection.stats!.totals.params, inspection.stats!.totals.counts['MAdd'], inspection.stats!.totals.counts['Flops']], [512, 992, 520]);
  });

  it('framework defaults say their seed and run other gates; the unit is left untouched', async () => {
    const unit = await reference();
    const seeded = inspectSource(analysed(unit), unit.name, 'torchstat');
    assert.deepEqual(seeded.weights, { kind: 'default', seed: 0, label: 'framework-default weights, seed 0' });
    assert.ok(worst(await gates(seeded), truth) > 1e-2);
    const before = [...unit.model.graph.initializers.values()].map((i) => [i.values, i.payload]);
    const trained = inspectSource(analysed(unit), unit.name, 'torchstat', {}, {}, await pairFile(unit, `${PYTORCH}/se_block_state_dict.pth`));
    assert.deepEqual([...unit.model.graph.initializers.values()].map((i) => [i.values, i.payload]), before, 'the unit keeps no checkpoint values');
    assert.notEqual(trained.modelKey, seeded.modelKey);
  });

  it('the model key changes with the weights file, its version and the pairing, and only then', async () => {
    const unit = await reference();
    const key = (t: TrainedModel) => inspectSource(analysed(unit), unit.name, 'torchstat', {}, {}, t).modelKey;
    const a = key(await pairFile(unit, `${PYTORCH}/se_block_state_dict.pth`, '2432:100'));
    assert.equal(key(await pairFile(unit, `${PYTORCH}/se_block_state_dict.pth`, '2432:100')), a, 'same file, same version: the session is reused');
    assert.notEqual(key(await pairFile(unit, `${PYTORCH}/se_block_state_dict.pth`, '2432:200')), a, 'the file changed on disk');
    assert.notEqual(key(await pairFile(unit, `${PYTORCH}/se_block.safetensors`, '2432:100')), a, 'another file');
    const checkpoint = await pairFile(unit, `${PYTORCH}/se_block_checkpoint.pth`, '2432:100');
    assert.notEqual(checkpoint.pairing, (await pairFile(unit, `${PYTORCH}/se_block_state_dict.pth`)).pairing, 'a prefix removed is another pairing');
  });

  for (const index of ['se_block_bin/pytorch_model.bin.index.json', 'se_block_st/model.safetensors.index.json']) {
    it(`a sharded checkpoint (${index}) gives the single file's gates`, async () => {
      const unit = await reference();
      const trained = await pairFile(unit, `${SHARDED}/${index}`);
      const inspection = inspectSource(analysed(unit), unit.name, 'torchstat', {}, {}, trained);
      const g = await gates(inspection);
      assert.ok(worst(g, truth) < 1e-4, `max |Δ| ${worst(g, truth)}`);
      assert.equal(inspection.weights?.kind === 'trained' && inspection.weights.file, `formats/sharded/${index}`);
    });
  }

  it('a checkpoint that pairs nothing is refused with one line, not run on defaults under a trained label', async () => {
    const unit = await reference();
    await assert.rejects(() => pairFile(unit, `${PYTORCH}/se_basic_block_state_dict.pth`), (e: Error) => /0 tensors paired/.test(e.message) && !e.message.includes('\n'));
  });
});
