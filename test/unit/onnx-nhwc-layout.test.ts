/**
 * An SE block as tf2onnx lays out a Keras graph (NHWC tensors, Transposes around the 1×1 convolutions,
 * ReduceMean over axes [1, 2], the hard sigmoid as Add(3) → Clip(0, 6) → Mul(1/6)); written by
 * test/fixtures/formats/onnx/make_tf2onnx_layout.py. Expected gates: onnxruntime-node on the file itself.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, ValueInfoProtoSchema } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { readOnnx } from '../../src/core/onnx/reader.js';

describe('ONNX in tf2onnx\'s NHWC layout', () => {
  it('finds the block (C 16, squeeze 8, 280 parameters, relu6(z + 3) · 1/6 gate); gates equal onnxruntime\'s', async () => {
    const bytes = new Uint8Array(readFileSync('test/fixtures/formats/onnx/se_nhwc_tf2onnx.onnx'));
    const model = readOnnx(bytesSource(bytes));
    const analysis = analyzeModel(model);
    assert.deepEqual(analysis.blocks.map((b) => [b.channels, b.squeezeChannels, b.params, b.gate, b.tensors.gate]), [[16, 8, 280, 'hardsigmoid_relu6_div6', 'gate']]);
    const shape = [2, 8, 8, 16];
    const x = Float32Array.from({ length: 2 * 8 * 8 * 16 }, (_, i) => Math.cos(i * 0.21));
    const gate = gateModelFromOnnx(model, analysis.blocks, bytesSource(bytes));
    const ours = (await (await ort.InferenceSession.create(gate.bytes)).run({ x: new ort.Tensor('float32', x, shape) }))['gate']!.data as Float32Array;
    const proto = fromBinary(ModelProtoSchema, bytes);
    proto.graph!.output = [create(ValueInfoProtoSchema, { name: 'gate' })];
    const theirs = (await (await ort.InferenceSession.create(toBinary(ModelProtoSchema, proto))).run({ x: new ort.Tensor('float32', x, shape) }))['gate']!.data as Float32Array;
    assert.equal(ours.length, theirs.length);
    ours.forEach((v, i) => assert.ok(Math.abs(v - theirs[i]!) < 1e-6, `${i}: ${v} vs ${theirs[i]}`));
    // Not a constant gate: the excitation's weights move it channel by channel.
    assert.ok(Math.max(...ours) - Math.min(...ours) > 0.1, `spread ${Math.max(...ours) - Math.min(...ours)}`);
  });
});
