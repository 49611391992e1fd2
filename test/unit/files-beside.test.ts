/**
 * The files beside a model that its reader opens, listed before anything is read, for hosts that must fetch
 * them ahead (the web extension host reads through workspace.fs only): TF.js weight shards, ONNX external data,
 * a shard index's shards. Names that leave the model's folder are never listed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { analyzeModel } from '../../src/core/analyze.js';
import { filesReadBeside } from '../../src/core/formats/sharded/manifest-files.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { bytesSource, type ExternalDataHost } from '../../src/core/onnx/byte-source.js';
import { ModelProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { readWeights } from '../../src/core/pairing/read-weights.js';

const list = (path: string) => filesReadBeside(bytesSource(new Uint8Array(readFileSync(path))), (s, folder) => readModelFile(s, { folder }));

/** Serves only the files fetched: what the web host hands the core. */
function fetched(folder: string, names: string[]): ExternalDataHost {
  const files = new Map(names.map((n) => [n, bytesSource(new Uint8Array(readFileSync(join(folder, n))))]));
  return { open: (location) => files.get(location) ?? assert.fail(`asked for ${location}, which was not listed`) };
}

function externalModel(location: string): Uint8Array {
  const proto = fromBinary(ModelProtoSchema, readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx'));
  const init = proto.graph!.initializer[0]!;
  init.rawData = new Uint8Array();
  init.dataLocation = TensorProto_DataLocation.EXTERNAL;
  init.externalData = [{ key: 'location', value: location, $typeName: 'onnx.StringStringEntryProto' }, { key: 'offset', value: '8', $typeName: 'onnx.StringStringEntryProto' }, { key: 'length', value: '1024', $typeName: 'onnx.StringStringEntryProto' }];
  return toBinary(ModelProtoSchema, proto);
}

describe('files beside a model, listed for hosts that fetch them', () => {
  it('a TF.js layers model: its weight shard; read from the fetched files, the blocks are the ones TF.js counts', async () => {
    const dir = 'test/fixtures/formats/tfjs-layers/se_resnet_tiny';
    const names = await list(`${dir}/model.json`);
    assert.deepEqual(names, ['weights.bin']);
    const truth = (JSON.parse(readFileSync('test/fixtures/formats/tfjs-layers.truth.json', 'utf8')) as Record<string, { blocks: { channels: number; params: number }[] }>)['se_resnet_tiny']!;
    const analysis = analyzeModel(await readModelFile(bytesSource(new Uint8Array(readFileSync(`${dir}/model.json`))), { folder: fetched(dir, names) }));
    assert.deepEqual(analysis.blocks.map((b) => [b.channels, b.params]), truth.blocks.map((b) => [b.channels, b.params]));
  });

  it('ONNX external data: the file it names, and the tensor read from the fetched copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-lens-beside-'));
    try {
      const data = new Float32Array(2 + 256).map((_, i) => i);
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data.buffer));
      writeFileSync(join(dir, 'model.onnx'), externalModel('weights.bin'));
      const names = await list(join(dir, 'model.onnx'));
      assert.deepEqual(names, ['weights.bin']);
      const host = fetched(dir, names);
      const model = await readModelFile(bytesSource(new Uint8Array(readFileSync(join(dir, 'model.onnx')))), { folder: host });
      const init = [...model.graph.initializers.values()].find((i) => i.payload?.kind === 'external')!;
      const values = loadTensorValues(init, bytesSource(new Uint8Array()), host);
      assert.deepEqual([values.length, values[0], values[255]], [256, 2, 257]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('locations that leave the folder are not listed (the read then refuses them in one line); a model without neighbours lists none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-lens-beside-'));
    try {
      for (const location of ['../secret.bin', '/etc/passwd', 'sub/../../x.bin', 'C:\\x.bin', 'file:///etc/passwd']) {
        writeFileSync(join(dir, 'model.onnx'), externalModel(location));
        assert.deepEqual(await list(join(dir, 'model.onnx')), [], location);
      }
      assert.deepEqual(await list('test/fixtures/seed_se_c32_r4_avg.onnx'), []);
      assert.deepEqual(await list('test/fixtures/formats/pytorch/se_block_whole.pt'), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a shard index: its shards, and the weights read from the fetched copies', async () => {
    const dir = 'test/fixtures/formats/sharded/se_block_st';
    const index = bytesSource(new Uint8Array(readFileSync(`${dir}/model.safetensors.index.json`)));
    const names = await filesReadBeside(index, (s, folder) => readWeights(s, folder));
    assert.deepEqual(names, ['model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']);
    assert.deepEqual([...(await readWeights(index, fetched(dir, names))).tensors.keys()], ['fc_layers.0.weight', 'fc_layers.2.weight']);
  });
});
