import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataLocation } from 'onnx-buf';
import { detectBlocks } from '../../src/core/detect/detect.js';
import { isSeLensError } from '../../src/core/errors.js';
import { bytesSource, type ByteSource } from '../../src/core/onnx/byte-source.js';
import { readOnnx } from '../../src/core/onnx/reader.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { writeOnnx } from '../../src/core/onnx/writer.js';
import { referenceBlockModel } from '../../src/core/examples/reference-block.js';
import { initialiseWeights } from '../../src/core/inputs/init.js';
import { inferShapes } from '../../src/core/shapes/infer.js';
import { folderExternalData } from '../../src/node/file-source.js';

/** Records how many bytes the reader asked for. */
function counting(bytes: Uint8Array): ByteSource & { readBytes: number } {
  const src = { size: bytes.length, readBytes: 0, read(offset: number, length: number) { src.readBytes += length; return bytes.subarray(offset, offset + length); } };
  return src;
}

const refuses = (fn: () => unknown, code: string, text: RegExp) =>
  assert.throws(fn, (e: unknown) => isSeLensError(e) && e.code === code && text.test(e.message) && !e.message.includes('\n'));

describe('ONNX reader', () => {
  it('reads the structure of a 10 MB model without reading its weight payloads', () => {
    const bytes = readFileSync('test/fixtures/mobilenet_v3_small.onnx');
    const src = counting(bytes);
    const model = readOnnx(src);
    assert.equal(model.graph.nodes.length, 178);
    assert.ok(src.readBytes < bytes.length / 10, `read ${src.readBytes} of ${bytes.length} bytes`);
    const lazy = [...model.graph.initializers.values()].filter((i) => i.payload);
    assert.ok(lazy.length > 10);
    assert.ok(lazy.every((i) => i.values === undefined && i.payload!.kind === 'embedded'));
  });

  it('loads a lazy payload by byte range to the same values the full decode gives', () => {
    const bytes = readFileSync('test/fixtures/mobilenet_v3_small.onnx');
    const model = readOnnx(bytesSource(bytes));
    const full = fromBinary(ModelProtoSchema, bytes);
    const proto = full.graph!.initializer.find((t) => t.rawData.length > 100_000)!;
    const init = model.graph.initializers.get(proto.name)!;
    const values = loadTensorValues(init, bytesSource(bytes));
    const expected = new Float32Array(new Uint8Array(proto.rawData).buffer);
    assert.equal(values.length, expected.length);
    assert.deepEqual(Array.from(values.slice(0, 64)), Array.from(expected.slice(0, 64)));
    assert.equal(values[values.length - 1], expected[expected.length - 1]);
  });

  it('keeps small shape constants in memory for folding', () => {
    const model = readOnnx(bytesSource(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx')));
    const shapeConst = model.graph.nodes.find((n) => n.op === 'Constant')!;
    const v = shapeConst.attrs['value'];
    assert.equal(v?.type, 'tensor');
    assert.deepEqual(v.type === 'tensor' ? Array.from(v.value.values!) : [], [4, 32]);
  });

  it('round-trips the IR through the writer', () => {
    const model = referenceBlockModel();
    initialiseWeights(model, 'pytorch', 7);
    const again = readOnnx(bytesSource(writeOnnx(model)));
    assert.deepEqual(again.graph.nodes.map((n) => [n.id, n.op, n.scope]), model.graph.nodes.map((n) => [n.id, n.op, n.scope]));
    const w = again.graph.initializers.get('fc_layers.0.weight')!;
    assert.deepEqual(Array.from(loadTensorValues(w, bytesSource(new Uint8Array()))), Array.from(model.graph.initializers.get('fc_layers.0.weight')!.values!));
  });

  it('refuses what is not an ONNX model with one line', () => {
    refuses(() => readOnnx(bytesSource(new Uint8Array())), 'not-onnx', /empty/);
    refuses(() => readOnnx(bytesSource(new TextEncoder().encode('def forward(self, x):\n  return x\n'))), 'not-onnx', /not an ONNX model/);
    refuses(() => readOnnx(bytesSource(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))), 'not-onnx', /not an ONNX model/);
  });

  it('names a truncated file as truncated', () => {
    const bytes = readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx');
    refuses(() => readOnnx(bytesSource(bytes.subarray(0, bytes.length - 100))), 'truncated', /truncated/);
  });

  it('walks If branches and model-local functions for blocks', () => {
    const inner = referenceBlockModel();
    initialiseWeights(inner, 'pytorch', 1);
    const innerProto = fromBinary(ModelProtoSchema, writeOnnx(inner)).graph!;
    const outer = create(ModelProtoSchema, {
      irVersion: 8n,
      opsetImport: [{ domain: '', version: 13n }],
      graph: {
        name: 'outer',
        input: [{ name: 'cond' }, ...innerProto.input],
        output: [{ name: 'y' }],
        node: [{ name: 'branch', opType: 'If', input: ['cond'], output: ['y'], attribute: [
          { name: 'then_branch', type: 5, g: innerProto },
          { name: 'else_branch', type: 5, g: innerProto },
        ] }],
      },
    });
    const model = readOnnx(bytesSource(toBinary(ModelProtoSchema, outer)));
    inferShapes(model);
    const blocks = detectBlocks(model);
    assert.equal(blocks.length, 2);
    assert.deepEqual(blocks.map((b) => b.id).sort(), ['branch/se', 'branch/se'].sort());
    assert.ok(blocks.every((b) => b.channels === 32 && b.squeezeChannels === 8));
  });
});

describe('external tensor data', () => {
  function externalModel(location: string): Uint8Array {
    const proto = fromBinary(ModelProtoSchema, readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx'));
    const init = proto.graph!.initializer[0]!;
    init.rawData = new Uint8Array();
    init.dataLocation = TensorProto_DataLocation.EXTERNAL;
    init.externalData = [{ key: 'location', value: location, $typeName: 'onnx.StringStringEntryProto' }, { key: 'offset', value: '8', $typeName: 'onnx.StringStringEntryProto' }, { key: 'length', value: '1024', $typeName: 'onnx.StringStringEntryProto' }];
    return toBinary(ModelProtoSchema, proto);
  }

  it('reads a tensor stored beside the model, by offset and length', () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-lens-ext-'));
    const data = new Float32Array(2 + 256).map((_, i) => i);
    writeFileSync(join(dir, 'weights.bin'), new Uint8Array(data.buffer));
    writeFileSync(join(dir, 'model.onnx'), externalModel('weights.bin'));
    const host = folderExternalData(join(dir, 'model.onnx'));
    const model = readOnnx(bytesSource(readFileSync(join(dir, 'model.onnx'))), { externalData: host });
    const init = [...model.graph.initializers.values()].find((i) => i.payload?.kind === 'external')!;
    const values = loadTensorValues(init, bytesSource(new Uint8Array()), host);
    assert.equal(values.length, 256);
    assert.equal(values[0], 2);
    assert.equal(values[255], 257);
    host.close();
  });

  it('refuses locations that leave the model folder, and names a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-lens-ext-'));
    const outside = mkdtempSync(join(tmpdir(), 'se-lens-outside-'));
    writeFileSync(join(outside, 'secret.bin'), new Uint8Array(2048));
    symlinkSync(join(outside, 'secret.bin'), join(dir, 'link.bin'));
    const read = (location: string) => {
      writeFileSync(join(dir, 'model.onnx'), externalModel(location));
      return readOnnx(bytesSource(readFileSync(join(dir, 'model.onnx'))), { externalData: folderExternalData(join(dir, 'model.onnx')) });
    };
    refuses(() => read('../secret.bin'), 'refused-path', /"\.\.\/secret\.bin"/);
    refuses(() => read('/etc/passwd'), 'refused-path', /"\/etc\/passwd"/);
    refuses(() => read('sub/../../x.bin'), 'refused-path', /leaves the model's folder/);
    refuses(() => read('link.bin'), 'refused-path', /"link\.bin".*outside/);
    refuses(() => read('missing.bin'), 'missing-file', /"missing\.bin" is missing/);
  });
});
