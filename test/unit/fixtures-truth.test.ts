import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeOnnx } from '../../src/core/analyze.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';

interface TruthBlock {
  id: string;
  channels: number;
  squeeze_channels: number | null;
  pooling: string;
  gate: string;
  params: number;
  fc_kind: string;
  fc_bias: boolean;
  inner_activation: string | null;
  onnx_output: string;
  input_shape: number[];
  onnx: { node_names: string[] } | null;
}

const FIXTURES = ['seed_se_c32_r4_avg', 'seed_se_c32_r4_max', 'var_se_conv1x1_bias', 'var_eca', 'mobilenet_v3_small', 'mobilenet_v2'];

describe('detector against the PyTorch-exported fixtures and their ground truth', () => {
  for (const name of FIXTURES) {
    it(name, () => {
      const truth = JSON.parse(readFileSync(`test/fixtures/${name}.truth.json`, 'utf8')) as { num_se_blocks: number; se_blocks: TruthBlock[] };
      const analysis = analyzeOnnx(bytesSource(readFileSync(`test/fixtures/${name}.onnx`)));
      assert.equal(analysis.blocks.length, truth.num_se_blocks);
      for (const t of truth.se_blocks) {
        const found = analysis.blocks.find((b) => b.tensors.output === t.onnx_output);
        assert.ok(found, `block writing ${t.onnx_output}`);
        assert.equal(found.id, t.id);
        assert.equal(found.channels, t.channels);
        assert.equal(found.squeezeChannels, t.squeeze_channels);
        assert.equal(found.pooling, t.pooling);
        assert.equal(found.gate, t.gate);
        assert.equal(found.params, t.params);
        assert.equal(found.fcKind, t.fc_kind);
        assert.equal(found.fcBias, t.fc_bias);
        assert.equal(found.innerActivation, t.inner_activation);
        assert.deepEqual(found.inputShape, t.input_shape);
        // Every compute node the truth attributes to the block is in ours (helpers may differ).
        const ours = new Set(found.nodes);
        const compute = (t.onnx?.node_names ?? []).filter((n) => !/^(Constant|Identity|Shape)/.test(n.split('/').pop()!));
        for (const n of compute) assert.ok(ours.has(n), `${n} in block ${t.id}`);
      }
    });
  }

  it('names each gate tensor so it can become a graph output', () => {
    const analysis = analyzeOnnx(bytesSource(readFileSync('test/fixtures/mobilenet_v3_small.onnx')));
    const producers = new Map(analysis.model.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
    for (const b of analysis.blocks) {
      const gate = producers.get(b.tensors.gate);
      assert.equal(gate?.op, 'HardSigmoid');
      assert.ok(b.nodes.includes(gate.id));
      assert.equal(gate.scope, `${b.id}.scale_activation`);
    }
  });
});
