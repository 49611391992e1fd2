/**
 * A TF.js source unit paired by layer name with trained weights in a TF.js layers model (model.json + shards) or
 * a Keras .h5 / .keras: the gates the inspector runs equal those @tensorflow/tfjs computes for the network built
 * from the same source file (test/fixtures/formats/tfjs-source/make-tfjs-source.ts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { isSeLensError } from '../../src/core/errors.js';
import { manifestFiles } from '../../src/core/formats/sharded/manifest-files.js';
import { inspectSource } from '../../src/core/inspect/inspection.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { readWeights } from '../../src/core/pairing/read-weights.js';
import { trainedModel } from '../../src/core/pairing/trained-model.js';
import { computeStats } from '../../src/core/stats/stats.js';
import { folderExternalData } from '../../src/node/file-source.js';
import { analyzeText, unitNamed } from './source-loader.js';

const DIR = 'test/fixtures/formats/tfjs-source';
interface Truth { source: string; unit: string; weights: string[]; input: string; inputShape: number[]; weightCount: number; blocks: { layer: string; gates: number[] }[] }
const truth = (JSON.parse(readFileSync(`${DIR}/tfjs-source.truth.json`, 'utf8')) as Record<string, Truth>)['se_resnet']!;
const layersTruth = (JSON.parse(readFileSync('test/fixtures/formats/tfjs-layers.truth.json', 'utf8')) as Record<string, { blocks: { gates: number[] }[] }>)['se_resnet_tiny']!;

async function unit() {
  return unitNamed(await analyzeText(readFileSync(truth.source, 'utf8'), 'typescript'), truth.unit);
}

function input(): Float32Array {
  const raw = readFileSync(join(DIR, truth.input));
  return new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
}

describe('TF.js source units with trained weights', () => {
  it('the `// se-lens: weights=` comment above the builder is the unit\'s', async () => {
    assert.equal((await unit()).weightsDirective, 'se_resnet/model.json');
    const moved = readFileSync(truth.source, 'utf8').replace('// se-lens: weights=se_resnet/model.json\n', '');
    assert.equal(unitNamed(await analyzeText(moved, 'typescript'), truth.unit).weightsDirective, undefined);
  });

  it('TF.js\'s own gates for the network built from this source are the layers fixture\'s (the generator ran the same network)', () => {
    truth.blocks.forEach((b, i) => {
      const worst = Math.max(...b.gates.map((g, c) => Math.abs(g - layersTruth.blocks[i]!.gates[c]!)));
      assert.ok(worst < 1e-6, `${b.layer}: ${worst}`);
    });
  });

  for (const file of truth.weights) {
    it(`paired with ${file}: every weight by layer name, gates equal TF.js's within 1e-4, spread from 0.5`, async () => {
      const u = await unit();
      const path = join(DIR, file);
      const source = bytesSource(new Uint8Array(readFileSync(path)));
      const shards = folderExternalData(path);
      try {
        const weights = await readWeights(source, shards);
        const trained = trainedModel(u.model, weights, { source, shards }, { label: file, version: '1' });
        assert.deepEqual(trained.notes, [`weights from ${file}: ${truth.weightCount} tensors paired`]);
        const inspection = inspectSource({ model: u.model, blocks: u.blocks, table: (c) => computeStats(u.model, c) }, u.name, 'torchstat', {}, {}, trained);
        assert.deepEqual(inspection.inputs[0]!.shape, truth.inputShape);
        const session = await ort.InferenceSession.create(inspection.modelBytes);
        try {
          const out = await session.run({ [inspection.inputs[0]!.name]: new ort.Tensor('float32', input(), truth.inputShape) });
          assert.equal(inspection.blocks.length, truth.blocks.length);
          const all: number[] = [];
          inspection.blocks.forEach((b, i) => {
            const ours = Array.from(out[b.tensors.gate]!.data as Float32Array);
            all.push(...ours);
            const worst = Math.max(...ours.map((g, c) => Math.abs(g - truth.blocks[i]!.gates[c]!)));
            assert.ok(worst < 1e-4, `${truth.blocks[i]!.layer}: max |Δ| ${worst}`);
          });
          assert.ok(Math.max(...all) - Math.min(...all) > 0.5, `gates spread ${Math.min(...all)}…${Math.max(...all)}`);
        } finally {
          await session.release();
        }
      } finally {
        shards.close();
      }
    });
  }

  it('the CLI: se-lens gates se_resnet.ts --weights se_resnet/model.json --input x.npy gives TF.js\'s gates', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'se-lens-tfjs-cli-'));
    try {
      // The fixture's input.f32 as a float32 .npy of the unit's NHWC shape.
      const header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${truth.inputShape.join(', ')}), }`;
      const padded = header + ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
      const npy = join(tmp, 'x.npy');
      writeFileSync(npy, Buffer.concat([Buffer.from([0x93]), Buffer.from('NUMPY'), Buffer.from([1, 0, padded.length & 0xff, padded.length >> 8]), Buffer.from(padded, 'latin1'), Buffer.from(input().buffer)]));
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gates', truth.source, '--weights', join(DIR, 'se_resnet', 'model.json'), '--input', npy, '--format', 'json'], { timeout: 120_000 });
      assert.equal(r.status, 0, r.stderr.toString());
      const doc = JSON.parse(r.stdout.toString()) as { blocks: { gates: number[][] }[] };
      assert.equal(doc.blocks.length, truth.blocks.length);
      doc.blocks.forEach((b, i) => {
        const worst = Math.max(...b.gates[0]!.map((g, c) => Math.abs(g - truth.blocks[i]!.gates[c]!)));
        assert.ok(worst < 1e-4, `${truth.blocks[i]!.layer}: max |Δ| ${worst}`);
      });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('a model.json whose weight shard leaves its folder is refused in one line, the shard not read', async () => {
    const u = await unit();
    const json = JSON.parse(readFileSync(join(DIR, 'se_resnet', 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    json.weightsManifest[0]!.paths = ['../weights.bin'];
    const tmp = mkdtempSync(join(tmpdir(), 'se-lens-tfjs-'));
    try {
      mkdirSync(join(tmp, 'model'));
      copyFileSync(join(DIR, 'se_resnet', 'weights.bin'), join(tmp, 'weights.bin'));
      const path = join(tmp, 'model', 'model.json');
      writeFileSync(path, JSON.stringify(json));
      const source = bytesSource(new Uint8Array(readFileSync(path)));
      const oneLine = (what: RegExp) => (e: Error) => isSeLensError(e) && e.code === 'refused-path' && what.test(e.message) && !e.message.includes('\n');
      // The extension's hosts list the files to fetch first; the list is refused before any is read.
      assert.throws(() => manifestFiles(source), oneLine(/outside its folder/));
      // The CLI opens shards on demand: its folder refuses the path.
      const folder = folderExternalData(path);
      try {
        await assert.rejects(async () => trainedModel(u.model, await readWeights(source, folder), { source, shards: folder }, { label: 'model.json', version: '1' }), oneLine(/outside the model's folder/));
      } finally {
        folder.close();
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
