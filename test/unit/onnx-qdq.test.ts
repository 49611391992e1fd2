/**
 * QDQ-quantised ONNX files (onnxruntime's static quantisation format: int8 weights behind DequantizeLinear,
 * QuantizeLinear → DequantizeLinear pairs on activations). The file is made here from the torchvision
 * MobileNetV3-Small export by quantising every convolution the way that format does (per-channel
 * symmetric int8 weights, one int8 scale per activation), written by this test, not by SE Lens. Expected:
 * the float model's blocks and parameter counts, and the gates onnxruntime-node computes on the QDQ file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema, NodeProtoSchema, TensorProto_DataType as DataType, TensorProtoSchema, ValueInfoProtoSchema, type NodeProto, type TensorProto } from 'onnx-buf';
import * as ort from 'onnxruntime-node';
import { analyzeModel } from '../../src/core/analyze.js';
import { gateModelFromOnnx } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { readOnnx } from '../../src/core/onnx/reader.js';

const FLOAT_MODEL = 'test/fixtures/mobilenet_v3_small.onnx';
const ACTIVATION_SCALE = 0.05;

function floats(t: TensorProto): Float32Array {
  return t.rawData.length ? new Float32Array(t.rawData.slice().buffer) : Float32Array.from(t.floatData);
}

const tensor = (name: string, dataType: DataType, dims: number[], raw: ArrayBufferView): TensorProto =>
  create(TensorProtoSchema, { name, dataType, dims: dims.map(BigInt), rawData: new Uint8Array(raw.buffer as ArrayBuffer, raw.byteOffset, raw.byteLength) });

/** Every Conv's input behind QuantizeLinear → DequantizeLinear, its weight int8 per output channel behind DequantizeLinear. */
function quantised(bytes: Uint8Array): Uint8Array {
  const proto = fromBinary(ModelProtoSchema, bytes);
  const graph = proto.graph!;
  const inits = new Map(graph.initializer.map((t) => [t.name, t]));
  const nodes: NodeProto[] = [];
  const added: TensorProto[] = [];
  let k = 0;
  for (const n of graph.node) {
    if (n.opType === 'Conv') {
      const [s, z] = [`a${k}_scale`, `a${k}_zero`];
      added.push(tensor(s, DataType.FLOAT, [], new Float32Array([ACTIVATION_SCALE])), tensor(z, DataType.INT8, [], new Int8Array([0])));
      nodes.push(create(NodeProtoSchema, { opType: 'QuantizeLinear', name: `a${k}_q`, input: [n.input[0]!, s, z], output: [`a${k}_q`] }));
      nodes.push(create(NodeProtoSchema, { opType: 'DequantizeLinear', name: `a${k}_dq`, input: [`a${k}_q`, s, z], output: [`a${k}_dq`] }));
      n.input[0] = `a${k}_dq`;
      const w = inits.get(n.input[1]!)!;
      const dims = w.dims.map(Number);
      const values = floats(w);
      const per = values.length / dims[0]!;
      const scales = Float32Array.from({ length: dims[0]! }, (_, o) => Math.max(1e-8, ...Array.from(values.subarray(o * per, (o + 1) * per), Math.abs)) / 127);
      const q = Int8Array.from(values, (v, i) => Math.max(-127, Math.min(127, Math.round(v / scales[Math.floor(i / per)]!))));
      added.push(tensor(`w${k}_q`, DataType.INT8, dims, q), tensor(`w${k}_scale`, DataType.FLOAT, [dims[0]!], scales), tensor(`w${k}_zero`, DataType.INT8, [dims[0]!], new Int8Array(dims[0]!)));
      nodes.push(create(NodeProtoSchema, { opType: 'DequantizeLinear', name: `w${k}_dq`, input: [`w${k}_q`, `w${k}_scale`, `w${k}_zero`], output: [`w${k}_dq`], attribute: [{ name: 'axis', type: 2, i: 0n }] }));
      n.input[1] = `w${k}_dq`;
      k++;
    }
    nodes.push(n);
  }
  graph.node = nodes;
  const used = new Set(nodes.flatMap((n) => n.input));
  graph.initializer = [...graph.initializer.filter((t) => used.has(t.name)), ...added];
  graph.valueInfo = [];
  return toBinary(ModelProtoSchema, proto);
}

describe('QDQ-quantised ONNX files', () => {
  it('MobileNetV3-Small with QDQ convolutions: the float model\'s 9 blocks and parameters; gates equal onnxruntime\'s on the QDQ file', async () => {
    const float = new Uint8Array(readFileSync(FLOAT_MODEL));
    const qdq = quantised(float);
    const model = readOnnx(bytesSource(qdq));
    const analysis = analyzeModel(model);
    const reference = analyzeModel(readOnnx(bytesSource(float)));
    const summary = (a: typeof analysis) => a.blocks.map((b) => [b.id, b.channels, b.squeezeChannels, b.params, b.gate]);
    assert.equal(analysis.blocks.length, 9);
    assert.deepEqual(summary(analysis), summary(reference));
    assert.equal(analysis.table('torchstat').totals.params, reference.table('torchstat').totals.params);

    const shape = [1, 3, 224, 224];
    const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i * 0.011) * 2);
    const gate = gateModelFromOnnx(model, analysis.blocks, bytesSource(qdq));
    const ours = await (await ort.InferenceSession.create(gate.bytes)).run({ [gate.inputs[0]!.name]: new ort.Tensor('float32', x, shape) });
    const names = analysis.blocks.map((b) => b.tensors.gate);
    const withGates = fromBinary(ModelProtoSchema, qdq);
    withGates.graph!.output = names.map((name) => create(ValueInfoProtoSchema, { name }));
    const session = await ort.InferenceSession.create(toBinary(ModelProtoSchema, withGates));
    const theirs = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', x, shape) });
    for (const name of names) {
      const a = ours[name]!.data as Float32Array;
      const b = theirs[name]!.data as Float32Array;
      assert.equal(a.length, b.length);
      a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 1e-6, `${name}[${i}]: ${v} vs ${b[i]}`));
    }
  });
});
