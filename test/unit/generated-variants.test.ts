import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { analyzeOnnx } from '../../src/core/analyze.js';
import type { SEBlock } from '../../src/core/detect/block.js';
import type { Model } from '../../src/core/ir/graph.js';
import { SeededRandom } from '../../src/core/inputs/rng.js';
import { bytesSource, type ByteSource } from '../../src/core/onnx/byte-source.js';
import { withGateOutputs } from '../../src/core/onnx/gate-outputs.js';
import { readOnnx } from '../../src/core/onnx/reader.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { CONVENTIONS } from '../../src/core/stats/table.js';
import { writeOnnx } from '../../src/core/onnx/writer.js';
import {
  allNegativeCases, allPositiveCases, efficientNetLike, negativeCase, positiveCase, POSITIVE_KINDS, type ExpectedBlock, type GeneratedCase,
} from '../helpers/se-graphs.js';

const TOLERANCE = 1e-5;

function randomInput(c: GeneratedCase, seed: number): { data: Float32Array; dims: number[] } {
  const dims = c.inputShape.map((d, i) => (i === 0 ? c.runBatch : (d as number)));
  const random = new SeededRandom(seed);
  const data = new Float32Array(dims.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = random.uniform(-2, 2);
  return { data, dims };
}

/** Writes a (possibly read-back, lazily loaded) model, filling lazy payloads from `source`. */
function write(model: Model, source?: ByteSource): Uint8Array {
  return writeOnnx(model, source ? { valuesOf: (t) => loadTensorValues(t, source) } : {});
}

async function run(bytes: Uint8Array, input: string, x: { data: Float32Array; dims: number[] }): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
  try {
    return await session.run({ [input]: new ort.Tensor('float32', x.data, x.dims) });
  } finally {
    await session.release();
  }
}

function assertBlock(found: SEBlock, want: ExpectedBlock): void {
  assert.equal(found.id, want.id, 'id');
  assert.equal(found.variant, want.variant, 'variant');
  assert.equal(found.channels, want.channels, 'channels');
  assert.equal(found.squeezeChannels, want.squeezeChannels, 'squeeze channels');
  assert.equal(found.reductionRatio, want.reductionRatio, 'reduction ratio');
  assert.equal(found.pooling, want.pooling, 'pooling');
  assert.equal(found.fcKind, want.fcKind, 'fc kind');
  assert.equal(found.fcBias, want.fcBias, 'fc bias');
  assert.equal(found.innerActivation, want.innerActivation, 'inner activation');
  assert.equal(found.gate, want.gate, 'gate');
  assert.equal(found.params, want.params, 'params');
  assert.deepEqual(found.tensors, want.tensors, 'tensor names');
  if (want.kernelSize !== undefined) assert.equal(found.kernelSize, want.kernelSize, 'kernel size');
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(Number(actual[i]) - Number(expected[i]));
    if (!(d <= worst)) {
      worst = d;
      at = i;
    }
  }
  assert.ok(worst <= TOLERANCE, `${what}: |diff| ${worst} at ${at} (got ${actual[at]}, want ${expected[at]})`);
}

/** writeOnnx → readOnnx → analyze → detector facts; then ORT runs the model and its gate-output copy. */
async function checkCase(c: GeneratedCase, seed: number): Promise<void> {
  const bytes = writeOnnx(c.model);
  const source = bytesSource(bytes);
  const analysis = analyzeOnnx(source);
  assert.equal(analysis.blocks.length, c.blocks.length, `block count (found ${analysis.blocks.map((b) => b.variant).join(', ') || 'none'})`);
  c.blocks.forEach((want, i) => assertBlock(analysis.blocks[i]!, want));
  if (c.blocks.length === 1) {
    // A standalone block: it spans every node of the graph (helpers included), in graph order, and its input is X.
    assert.deepEqual(analysis.blocks[0]!.nodes, analysis.model.graph.nodes.map((n) => n.id), 'block nodes');
    assert.deepEqual(analysis.blocks[0]!.inputShape, c.inputShape, 'input shape');
  }
  if (c.blocks.length === 0) {
    // The negative must still be a valid model: ORT runs it.
    const out = await run(bytes, c.input, randomInput(c, seed));
    assert.ok(out['output'], 'negative model runs');
    return;
  }
  const x = randomInput(c, seed);
  const n = x.dims[0]!;
  const hw = x.dims[2]! * x.dims[3]!;
  const gateModel = write(withGateOutputs(analysis.model, analysis.blocks), source);
  const gates = await run(gateModel, c.input, x);
  const full = await run(bytes, c.input, x);
  c.blocks.forEach((want, i) => {
    const expected = want.gateOf(x.data, n);
    const got = gates[analysis.blocks[i]!.tensors.gate];
    assert.ok(got, `gate output ${want.tensors.gate}`);
    assertClose(got.data as Float32Array, expected, 'gate');
    // The block output is X scaled per channel by the gate.
    if (want.tensors.output === 'output') {
      const scaled = Float64Array.from(x.data, (v, j) => v * expected[Math.floor(j / hw)]!);
      assertClose(full['output']!.data as Float32Array, scaled, 'block output');
    }
  });
}

describe('generated SE variants: every variant × opset 11/13/17/18 × static/dynamic batch', () => {
  const cases = allPositiveCases();
  cases.forEach((c, i) => {
    it(c.name, async () => checkCase(c, 1000 + i));
  });

  it('covers 16 builders at 4 opsets, both batch modes, 8 reported variants', () => {
    assert.equal(cases.length, 16 * 4 * 2);
    assert.equal(new Set(cases.map((c) => c.blocks[0]!.variant)).size, 8);
  });

  it('opset 18 graphs give ReduceMean its axes as an input, opset 11 as an attribute', () => {
    for (const [opset, viaInput] of [[18, true], [17, false], [11, false]] as const) {
      const c = positiveCase('timm_conv_bias', { opset, dynamic: false });
      const reduce = c.model.graph.nodes.find((n) => n.op === 'ReduceMean')!;
      assert.equal(reduce.inputs.length === 2, viaInput, `opset ${opset}`);
      assert.equal('axes' in reduce.attrs, !viaInput, `opset ${opset}`);
    }
  });

  it('dynamic-batch graphs carry the Shape → Gather → Unsqueeze → Concat → Reshape chains and input dim N', () => {
    const c = positiveCase('seed_avg', { opset: 13, dynamic: true });
    assert.deepEqual(c.inputShape, ['N', 16, 8, 8]);
    const ops = c.model.graph.nodes.map((n) => n.op);
    assert.equal(ops.filter((o) => o === 'Shape').length, 2);
    assert.equal(ops.filter((o) => o === 'Gather').length, 2);
    assert.equal(ops.filter((o) => o === 'Concat').length, 2);
    assert.equal(ops.filter((o) => o === 'Reshape').length, 2);
  });

  it('dynamic batch: shape inference folds the view chains to [N, C] and [N, C, 1, 1]', () => {
    const c = positiveCase('seed_avg', { opset: 13, dynamic: true });
    const analysis = analyzeOnnx(bytesSource(writeOnnx(c.model)));
    const [r1, r2] = analysis.model.graph.nodes.filter((n) => n.op === 'Reshape');
    assert.deepEqual(analysis.model.graph.values.get(r1!.outputs[0]!)?.shape, ['N', 16]);
    assert.deepEqual(analysis.model.graph.values.get(r2!.outputs[0]!)?.shape, ['N', 16, 1, 1]);
  });

  const torchstatOf = (kind: 'seed_avg' | 'seed_max' | 'linear_bias' | 'eca' | 'cbam_gemm', dynamic: boolean) => {
    const a = analyzeOnnx(bytesSource(writeOnnx(positiveCase(kind, { opset: 13, dynamic }).model)));
    return a.table('torchstat', a.blocks[0]!.id);
  };
  const KINDS = ['seed_avg', 'seed_max', 'linear_bias', 'eca', 'cbam_gemm'] as const;

  it('dynamic batch: the block torchstat counts equal the static-batch ones (per sample)', () => {
    for (const kind of KINDS) {
      const [st, dy] = [torchstatOf(kind, false), torchstatOf(kind, true)];
      assert.deepEqual(dy.totals.counts, st.totals.counts, kind);
      assert.equal(dy.totals.params, st.totals.params, kind);
      assert.deepEqual(dy.rows.map((r) => [r.kind, r.params, r.counts]), st.rows.map((r) => [r.kind, r.params, r.counts]), kind);
    }
  });

  it('dynamic batch: the block torchstat rows (shapes, memory) equal the static-batch ones', () => {
    for (const kind of KINDS) {
      const [st, dy] = [torchstatOf(kind, false), torchstatOf(kind, true)];
      assert.deepEqual(dy.rows.map((r) => [r.inputShape, r.outputShape, r.memoryMB]), st.rows.map((r) => [r.inputShape, r.outputShape, r.memoryMB]), kind);
      assert.equal(dy.totals.memoryMB, st.totals.memoryMB, kind);
    }
  });
});

describe('generated SE variants: stats agree with the detector on parameters', () => {
  for (const kind of POSITIVE_KINDS) {
    it(`${kind}: every convention's block table and whole-model table total the block's params (constants are not params, a shared MLP counts once)`, () => {
      for (const c of allPositiveCases().filter((x) => x.name.startsWith(`${kind} `))) {
        const analysis = analyzeOnnx(bytesSource(writeOnnx(c.model)));
        const block = analysis.blocks[0]!;
        for (const convention of CONVENTIONS) {
          assert.equal(analysis.table(convention, block.id).totals.params, c.blocks[0]!.params, `${c.name} ${convention} block table`);
          assert.equal(analysis.table(convention).totals.params, c.blocks[0]!.params, `${c.name} ${convention} whole model`);
        }
      }
    });
  }
});

describe('generated negatives: near misses are not SE blocks', () => {
  allNegativeCases().forEach((c, i) => {
    it(c.name, async () => checkCase(c, 2000 + i));
  });
});

describe('generated SE variants with weights over the reader\'s inline limit (C = 64)', () => {
  for (const kind of ['seed_max', 'cbam_gemm', 'effective_se', 'torchvision_hardsigmoid'] as const) {
    it(`${kind}: weights stay lazy payloads, the gate model loads them by byte range, gates match`, async () => {
      const c = positiveCase(kind, { opset: 17, dynamic: true, channels: 64, ratio: 2, height: 16, width: 16, module: 'big.se', seed: 99 });
      const back = readOnnx(bytesSource(writeOnnx(c.model)));
      const lazy = [...back.graph.initializers.values()].filter((i) => i.dtype === 'float32' && i.shape.reduce((a, b) => a * b, 1) * 4 > 4096);
      assert.ok(lazy.length > 0, 'some weights are over 4 KB');
      for (const i of lazy) {
        assert.equal(i.values, undefined, `${i.name} not read with the structure`);
        assert.equal(i.payload?.kind, 'embedded');
      }
      await checkCase(c, 4242);
    });
  }
});

describe('generated networks', () => {
  it('an EfficientNet-like network: one efficientnet_se per MBConv block with module ids, no classifier head', async () => {
    const c = efficientNetLike({
      stemChannels: 8, inputSize: 16, seed: 5,
      stages: [{ channels: 8, repeats: 2, expand: 1, stride: 1 }, { channels: 16, repeats: 2, expand: 4, stride: 2 }, { channels: 24, repeats: 1, expand: 2, stride: 2 }],
    });
    const bytes = writeOnnx(c.model);
    const source = bytesSource(bytes);
    const analysis = analyzeOnnx(source);
    assert.deepEqual(analysis.blocks.map((b) => b.id), ['features.1.0.block.2', 'features.2.0.block.2', 'features.3.0.block.2', 'features.4.0.block.2', 'features.5.0.block.2']);
    c.blocks.forEach((want, i) => {
      const found = analysis.blocks[i]!;
      assertBlock(found, want);
      assert.deepEqual(found.inputShape, analysis.model.graph.values.get(want.tensors.input)?.shape);
    });
    assert.deepEqual(analysis.blocks.map((b) => [b.channels, b.squeezeChannels]), [[8, 2], [8, 2], [32, 2], [64, 4], [32, 4]]);
    // Every gate is the sigmoid of the block's own excitation: ORT agrees with itself across the pruned copy.
    const x = randomInput(c, 77);
    const gates = await run(write(withGateOutputs(analysis.model, analysis.blocks), source), c.input, x);
    for (const b of analysis.blocks) {
      const g = gates[b.tensors.gate]!;
      assert.deepEqual(g.dims, [1, b.channels, 1, 1]);
      for (const v of g.data as Float32Array) assert.ok(v > 0 && v < 1);
    }
  });

  it('an SE block followed by a CBAM spatial gate: only the channel block is reported', async () => {
    const se = positiveCase('cbam_conv', { opset: 13, dynamic: false });
    const spatial = negativeCase('cbam_spatial', { opset: 13, dynamic: false });
    // Chain them: the spatial gate reads the channel block's output.
    const g = se.model.graph;
    const rename = (t: string) => (t === 'input' ? 'output_ca' : t === 'output' ? 'output' : `sp_${t}`);
    g.nodes[g.nodes.length - 1] = { ...g.nodes[g.nodes.length - 1]!, outputs: ['output_ca'] };
    for (const n of spatial.model.graph.nodes) g.nodes.push({ ...n, id: `sp${n.id}`, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) });
    for (const [name, init] of spatial.model.graph.initializers) g.initializers.set(`sp_${name}`, { ...init, name: `sp_${name}` });
    const analysis = analyzeOnnx(bytesSource(writeOnnx(se.model)));
    assert.equal(analysis.blocks.length, 1);
    assert.equal(analysis.blocks[0]!.variant, 'cbam_channel');
    assert.deepEqual(analysis.blocks[0]!.tensors, { input: 'input', gate: se.blocks[0]!.tensors.gate, output: 'output_ca' });
    const x = randomInput(se, 5);
    const out = await run(writeOnnx(se.model), 'input', x);
    assert.deepEqual(out['output']!.dims, x.dims);
  });

  it('read-back keeps the generated structure: node ops, names, initializers and opset', () => {
    const c = positiveCase('identity_init', { opset: 17, dynamic: true, module: 'blocks.3.se' });
    const back = readOnnx(bytesSource(writeOnnx(c.model)));
    assert.deepEqual(back.graph.nodes.map((n) => [n.id, n.op]), c.model.graph.nodes.map((n) => [n.id, n.op]));
    assert.deepEqual([...back.graph.initializers.keys()].sort(), [...c.model.graph.initializers.keys()].sort());
    assert.deepEqual(back.opsets, [{ domain: '', version: 17 }]);
    assert.equal(back.graph.nodes.filter((n) => n.op === 'Identity').length, 3);
    assert.equal(back.graph.nodes[0]!.id, 'Identity_0');
  });
});
