import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attrFloat, attrInt, attrInts } from '../../src/core/ir/graph-index.js';
import type { Model } from '../../src/core/ir/graph.js';
import { analyzeFixture, analyzeText, graphProblems, ops, unitNamed } from './source-loader.js';

function node(model: Model, op: string, nth = 0) {
  const found = model.graph.nodes.filter((n) => n.op === op)[nth];
  assert.ok(found, `no ${op} #${nth}`);
  return found;
}

function shapeOf(model: Model, tensor: string | undefined) {
  return tensor ? model.graph.values.get(tensor)?.shape : undefined;
}

/** The stats module's contract: a called module's first node reads its input, its last node writes its output. */
function moduleShapes(model: Model, path: string) {
  const m = model.graph.modules!.find((x) => x.path === path);
  assert.ok(m, `no module ${path}`);
  const byId = new Map(model.graph.nodes.map((n) => [n.id, n]));
  const first = byId.get(m.nodeIds[0]!);
  const last = byId.get(m.nodeIds[m.nodeIds.length - 1]!);
  return { input: shapeOf(model, first?.inputs[0]), output: shapeOf(model, last?.outputs[0]) };
}

describe('PyTorch front-end: the reference SE block', () => {
  it('reads the call site: constructor arguments and the input tensor', async () => {
    const unit = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    assert.equal(unit.kind, 'class');
    assert.deepEqual(unit.inputShape, [4, 32, 16, 16]);
    assert.equal(unit.inputShapeSource, 'call-site');
    assert.deepEqual(unit.arguments, { channels: 32, ratio: 4, mode: 'avg' });
    assert.equal(unit.partial, false);
    assert.deepEqual(unit.unknowns, []);
    assert.deepEqual(unit.range, { startLine: 4, startColumn: 0, endLine: 25, endColumn: 20 });
  });

  it('builds the IR with ONNX ops, weights without values and every shape', async () => {
    const { model } = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    assert.equal(model.layout, 'NCHW');
    assert.deepEqual(model.opsets, [{ domain: '', version: 17 }]);
    assert.deepEqual(ops(model), ['GlobalAveragePool', 'Reshape', 'Gemm', 'Relu', 'Gemm', 'Reshape', 'Sigmoid', 'Mul']);
    assert.deepEqual(graphProblems(model), []);
    const g = model.graph;
    assert.deepEqual(g.inputs.map((i) => [i.name, i.shape]), [['input', [4, 32, 16, 16]]]);
    assert.deepEqual(g.outputs.map((o) => o.shape), [[4, 32, 16, 16]]);
    const fc0 = node(model, 'Gemm', 0);
    assert.equal(attrInt(fc0, 'transB'), 1);
    assert.equal(fc0.inputs.length, 2, 'bias=False gives no bias input');
    const w0 = g.initializers.get(fc0.inputs[1]!)!;
    assert.deepEqual([w0.name, w0.shape, w0.dtype, w0.values], ['fc_layers.0.weight', [8, 32], 'float32', undefined]);
    assert.deepEqual(g.initializers.get(node(model, 'Gemm', 1).inputs[1]!)!.shape, [32, 8]);
    // view(b, c) and view(b, c, 1, 1) keep their values: they are what the graph needs to run.
    assert.deepEqual(g.initializers.get(node(model, 'Reshape', 0).inputs[1]!)!.values, [4, 32]);
    assert.deepEqual(g.initializers.get(node(model, 'Reshape', 1).inputs[1]!)!.values, [4, 32, 1, 1]);
    assert.deepEqual(shapeOf(model, node(model, 'GlobalAveragePool').outputs[0]), [4, 32, 1, 1]);
    assert.deepEqual(shapeOf(model, fc0.outputs[0]), [4, 8]);
    const mul = node(model, 'Mul');
    assert.equal(mul.inputs[0], 'input');
    assert.equal(mul.inputs[1], node(model, 'Sigmoid').outputs[0]);
  });

  it('gives nodes the module path as scope and their source line', async () => {
    const { model } = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    const where = model.graph.nodes.map((n) => [n.op, n.scope ?? '', n.range?.startLine]);
    assert.deepEqual(where, [
      ['GlobalAveragePool', 'avg_pooling', 22],
      ['Reshape', '', 22],
      ['Gemm', 'fc_layers.0', 23],
      ['Relu', 'fc_layers.1', 23],
      ['Gemm', 'fc_layers.2', 23],
      ['Reshape', '', 23],
      ['Sigmoid', 'sigmoid', 24],
      ['Mul', '', 25],
    ]);
  });

  it('lists leaf modules as torchstat does: one per object, in definition order', async () => {
    const { model } = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    const modules = model.graph.modules!;
    assert.deepEqual(
      modules.map((m) => [m.path, m.kind, m.params, m.nodeIds.length, m.range?.startLine]),
      [
        ['avg_pooling', 'AdaptiveAvgPool2d', 0, 1, 7],
        ['max_polling', 'AdaptiveMaxPool2d', 0, 0, 8],
        ['fc_layers.0', 'Linear', 256, 1, 14],
        ['fc_layers.1', 'ReLU', 0, 1, 15],
        ['fc_layers.2', 'Linear', 256, 1, 16],
        ['sigmoid', 'Sigmoid', 0, 1, 18],
      ],
    );
    assert.deepEqual(modules[2]!.config, { in_features: 32, out_features: 8, bias: false });
    assert.deepEqual(modules[0]!.config, { output_size: [1, 1] });
    assert.deepEqual(moduleShapes(model, 'avg_pooling'), { input: [4, 32, 16, 16], output: [4, 32, 1, 1] });
    assert.deepEqual(moduleShapes(model, 'fc_layers.0'), { input: [4, 32], output: [4, 8] });
    assert.deepEqual(moduleShapes(model, 'fc_layers.2'), { input: [4, 8], output: [4, 32] });
  });

  it('records the shapes each forward line assigns', async () => {
    const unit = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    assert.deepEqual(
      unit.lineShapes.map((l) => [l.line, l.names, l.shapes]),
      [
        [22, ['v'], [[4, 32]]],
        [23, ['v'], [[4, 32, 1, 1]]],
        [24, ['v'], [[4, 32, 1, 1]]],
        [25, ['return'], [[4, 32, 16, 16]]],
      ],
    );
  });

  it('is an SE block with the torchstat numbers of the engine issue', async () => {
    const unit = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    assert.equal(unit.blocks.length, 1);
    const b = unit.blocks[0]!;
    assert.deepEqual([b.channels, b.squeezeChannels, b.reductionRatio, b.pooling, b.fcKind, b.fcBias, b.gate, b.params], [32, 8, 4, 'avg', 'linear', false, 'sigmoid', 512]);
    assert.deepEqual(b.range, unit.range);
    const t = unit.table!;
    assert.deepEqual(t.rows.map((r) => r.name), ['avg_pooling', 'max_polling', 'fc_layers.0', 'fc_layers.1', 'fc_layers.2', 'sigmoid']);
    assert.equal(t.totals.params, 512);
    assert.equal(t.totals.counts['MAdd'], 992);
    assert.equal(t.totals.counts['Flops'], 520);
    assert.equal(t.totals.counts['MemRW'], 2432);
    const fc0 = t.rows[2]!;
    assert.deepEqual([fc0.inputShape, fc0.outputShape, fc0.counts['MAdd'], fc0.counts['MemRead']], [[32], [8], 504, 1152]);
    assert.deepEqual(t.rows[1]!.inputShape, [0, 0, 0], 'max_polling is never called');
    assert.equal(t.rows[2]!.range?.startLine, 14);
  });

  it('with mode="max" the same file is a max-squeeze SE', async () => {
    const unit = unitNamed(await analyzeFixture('se_block_reference_max.py'), 'SEBlock');
    assert.deepEqual(unit.arguments, { channels: 32, ratio: 4, mode: 'max' });
    assert.equal(ops(unit.model)[0], 'GlobalMaxPool');
    const modules = unit.model.graph.modules!;
    assert.deepEqual(modules.map((m) => [m.path, m.nodeIds.length]).slice(0, 2), [['avg_pooling', 0], ['max_polling', 1]]);
    assert.equal(unit.blocks.length, 1);
    assert.equal(unit.blocks[0]!.pooling, 'max');
    assert.equal(unit.blocks[0]!.squeezeChannels, 8);
    assert.equal(unit.table!.totals.counts['MAdd'], 992);
  });
});

describe('PyTorch front-end: SE variants', () => {
  it('timm SEModule: input comment, make_divisible in the file, 1x1 convs with bias, mean squeeze', async () => {
    const unit = unitNamed(await analyzeFixture('timm_se_module.py'), 'SEModule');
    assert.equal(unit.inputShapeSource, 'comment');
    assert.deepEqual(unit.inputShape, [1, 64, 56, 56]);
    assert.equal(unit.arguments['rd_channels'], 'None');
    const m = unit.model;
    assert.deepEqual(ops(m), ['ReduceMean', 'Conv', 'Identity', 'Relu', 'Conv', 'Sigmoid', 'Mul']);
    const mean = node(m, 'ReduceMean');
    assert.deepEqual(attrInts(mean, 'axes'), [2, 3]);
    assert.equal(attrInt(mean, 'keepdims'), 1);
    const conv = node(m, 'Conv');
    assert.deepEqual(m.graph.initializers.get(conv.inputs[1]!)!.shape, [8, 64, 1, 1]);
    assert.deepEqual(m.graph.initializers.get(conv.inputs[2]!)!.shape, [8]);
    assert.deepEqual(attrInts(conv, 'kernel_shape'), [1, 1]);
    assert.deepEqual(m.graph.modules!.map((x) => [x.path, x.kind, x.params]), [
      ['fc1', 'Conv2d', 64 * 8 + 8],
      ['bn', 'Identity', 0],
      ['act', 'ReLU', 0],
      ['fc2', 'Conv2d', 8 * 64 + 64],
      ['gate', 'Sigmoid', 0],
    ]);
    assert.equal(unit.blocks.length, 1);
    assert.deepEqual([unit.blocks[0]!.fcKind, unit.blocks[0]!.squeezeChannels, unit.blocks[0]!.fcBias, unit.blocks[0]!.params], ['conv1x1', 8, true, 1096]);
    assert.equal(unit.partial, false);
  });

  it('torchvision SqueezeExcitation: attribute order in rows, scale * input, SE-Conv numbers', async () => {
    const unit = unitNamed(await analyzeFixture('torchvision_squeeze_excitation.py'), 'SqueezeExcitation');
    assert.deepEqual(unit.inputShape, [1, 32, 16, 16]);
    assert.deepEqual(unit.model.graph.modules!.map((x) => x.path), ['avgpool', 'fc1', 'fc2', 'activation', 'scale_activation']);
    const mul = node(unit.model, 'Mul');
    assert.equal(mul.inputs[1], 'input');
    assert.equal(unit.blocks.length, 1);
    const t = unit.table!;
    assert.deepEqual(t.rows.map((r) => r.params), [0, 264, 288, 0, 0]);
    assert.deepEqual([t.totals.params, t.totals.counts['MAdd'], t.totals.counts['Flops'], t.totals.counts['MemRW']], [552, 1032, 560, 2592]);
    assert.deepEqual(unit.lineShapes.map((l) => l.line), [21, 22, 23, 24, 25, 28, 29]);
  });

  it('ECA: kernel size computed from the channel count, Conv1d across channels', async () => {
    const unit = unitNamed(await analyzeFixture('eca_module.py'), 'EcaModule');
    assert.deepEqual(unit.inputShape, [1, 256, 14, 14]);
    const conv = node(unit.model, 'Conv');
    assert.deepEqual(attrInts(conv, 'kernel_shape'), [5]);
    assert.deepEqual(attrInts(conv, 'pads'), [2, 2]);
    assert.deepEqual(unit.model.graph.initializers.get(conv.inputs[1]!)!.shape, [1, 1, 5]);
    assert.deepEqual(shapeOf(unit.model, conv.inputs[0]), [1, 1, 256]);
    assert.ok(ops(unit.model).includes('Expand'));
    assert.equal(unit.model.graph.modules![0]!.params, 5);
    assert.equal(unit.blocks.length, 1);
    assert.equal(unit.blocks[0]!.variant, 'eca');
    assert.equal(unit.blocks[0]!.kernelSize, 5);
  });

  it('CBAM channel attention: one shared MLP called twice, weights shared', async () => {
    const unit = unitNamed(await analyzeFixture('cbam_channel.py'), 'ChannelAttn');
    const m = unit.model;
    const convs = m.graph.nodes.filter((n) => n.op === 'Conv');
    assert.equal(convs.length, 4);
    assert.equal(convs[0]!.inputs[1], convs[2]!.inputs[1], 'fc1 weight shared by both branches');
    assert.equal(m.graph.initializers.size, 2);
    const fc1 = m.graph.modules!.find((x) => x.path === 'fc1')!;
    assert.equal(fc1.nodeIds.length, 2);
    assert.equal(fc1.params, 64 * 4);
    assert.equal(unit.blocks.length, 1);
    assert.deepEqual([unit.blocks[0]!.pooling, unit.blocks[0]!.params, unit.blocks[0]!.squeezeChannels], ['both', 512, 4]);
  });

  it('EfficientNet SE: SiLU becomes Sigmoid and Mul inside its module, rd = round(C / 4)', async () => {
    const unit = unitNamed(await analyzeFixture('efficientnet_se.py'), 'SqueezeExcite');
    const act = unit.model.graph.modules!.find((x) => x.path === 'act1')!;
    assert.equal(act.kind, 'SiLU');
    assert.deepEqual(act.nodeIds.map((id) => unit.model.graph.nodes.find((n) => n.id === id)!.op), ['Sigmoid', 'Mul']);
    assert.deepEqual(moduleShapes(unit.model, 'act1'), { input: [1, 24, 1, 1], output: [1, 24, 1, 1] });
    assert.equal(unit.blocks.length, 1);
    assert.deepEqual([unit.blocks[0]!.squeezeChannels, unit.blocks[0]!.innerActivation, unit.blocks[0]!.params], [24, 'silu', 96 * 24 + 24 + 24 * 96 + 96]);
  });

  it('MobileNetV3 SE: _make_divisible(72 // 4, 8) = 24, Hardsigmoid gate with alpha 1/6', async () => {
    const unit = unitNamed(await analyzeFixture('mobilenetv3_se.py'), 'SqueezeExcitation');
    assert.equal(unit.inputShapeSource, 'comment');
    assert.equal(unit.arguments['input_channels'], 72, 'the required channel argument follows the input comment');
    assert.equal(ops(unit.model)[0], 'GlobalAveragePool');
    const hs = node(unit.model, 'HardSigmoid');
    assert.equal(attrFloat(hs, 'alpha', 0), 1 / 6);
    assert.equal(attrFloat(hs, 'beta', 0), 0.5);
    assert.equal(unit.blocks.length, 1);
    assert.deepEqual([unit.blocks[0]!.squeezeChannels, unit.blocks[0]!.gate], [24, 'hardsigmoid']);
  });

  it('SE inside a residual block: nested user module, block id and range from the submodule', async () => {
    const analysis = await analyzeFixture('residual_se.py');
    assert.deepEqual(analysis.units.map((u) => u.name), ['SELayer', 'SEBasicBlock']);
    const se = unitNamed(analysis, 'SELayer');
    assert.equal(se.inputShapeSource, 'default');
    assert.deepEqual(se.inputShape, [1, 64, 56, 56]);
    const unit = unitNamed(analysis, 'SEBasicBlock');
    assert.deepEqual(unit.arguments, { inplanes: 64, planes: 64, stride: 1, reduction: 16 });
    assert.deepEqual(unit.model.graph.modules!.map((m) => m.path), [
      'conv1', 'bn1', 'relu', 'conv2', 'bn2', 'se.avg_pool', 'se.fc.0', 'se.fc.1', 'se.fc.2', 'se.fc.3',
    ]);
    assert.equal(unit.model.graph.modules!.find((m) => m.path === 'relu')!.nodeIds.length, 2, 'relu is called twice');
    assert.equal(unit.model.graph.modules!.find((m) => m.path === 'bn1')!.params, 128);
    assert.equal(unit.blocks.length, 1);
    assert.equal(unit.blocks[0]!.id, 'se');
    assert.equal(unit.blocks[0]!.range!.startLine, 32, 'the line that creates self.se');
    assert.equal(unit.table!.totals.params, 64 * 64 * 9 * 2 + 128 * 2 + 512);
    const add = unit.model.graph.nodes.find((n) => n.op === 'Add')!;
    assert.equal(add.inputs[1], 'input', 'out += residual');
    assert.deepEqual(graphProblems(unit.model), []);
  });
});

describe('PyTorch front-end: language coverage', () => {
  it('resolves `from torch.nn import ...` names, functional forms, indexing and size()', async () => {
    const src = [
      'import torch',
      'from torch.nn import Module, Linear, Sequential as Seq',
      'from torch.nn import functional as Fn',
      '',
      'class Gate(Module):',
      '    def __init__(self, c: int = 48, r: int = 3):',
      '        super().__init__()',
      '        hidden = max(8, min(c // r, 64))',
      '        self.mlp = Seq(Linear(c, hidden), Linear(hidden, c))',
      '',
      '    def forward(self, x):',
      '        b, c, _, _ = x.size()',
      '        y = Fn.adaptive_avg_pool2d(x, 1).flatten(1)',
      '        y = Fn.relu6(self.mlp(y))',
      '        y = torch.sigmoid(y)[:, :, None, None]',
      '        return torch.mul(x, y)',
    ].join('\n');
    const unit = unitNamed(await analyzeText(src, 'python'), 'Gate');
    assert.equal(unit.partial, false, JSON.stringify(unit.unknowns));
    assert.deepEqual(unit.inputShape, [1, 48, 56, 56]);
    assert.deepEqual(ops(unit.model), ['GlobalAveragePool', 'Flatten', 'Gemm', 'Gemm', 'Clip', 'Sigmoid', 'Unsqueeze', 'Mul']);
    assert.deepEqual(unit.model.graph.modules!.map((m) => [m.path, m.params]), [['mlp.0', 48 * 16 + 16], ['mlp.1', 16 * 48 + 48]]);
    const unsq = node(unit.model, 'Unsqueeze');
    assert.deepEqual(unit.model.graph.initializers.get(unsq.inputs[1]!)!.values, [2, 3]);
    assert.deepEqual(shapeOf(unit.model, unsq.outputs[0]), [1, 48, 1, 1]);
    assert.equal(unit.blocks.length, 1);
  });

  it('makes an Unknown node with its line for what it cannot interpret, and goes on', async () => {
    const src = [
      'import torch',
      'import torch.nn as nn',
      '',
      'class Odd(nn.Module):',
      '    def __init__(self, channels=16):',
      '        super().__init__()',
      '        self.lstm = nn.LSTM(channels, channels)',
      '        self.gate = nn.Sigmoid()',
      '',
      '    def forward(self, x):',
      '        y = torch.fft.fft2(x)',
      '        y = self.gate(y)',
      '        return x * y',
    ].join('\n');
    const unit = unitNamed(await analyzeText(src, 'python'), 'Odd');
    assert.equal(unit.partial, true);
    assert.deepEqual(unit.unknowns.map((u) => [u.range.startLine, u.note]), [
      [6, 'nn.LSTM is not interpreted'],
      [10, 'torch.fft.fft2 is not interpreted'],
    ]);
    const unknown = node(unit.model, 'Unknown');
    assert.equal(unknown.note, 'torch.fft.fft2 is not interpreted');
    assert.equal(unknown.inputs[0], 'input');
    assert.deepEqual(ops(unit.model), ['Unknown', 'Sigmoid', 'Mul']);
    assert.deepEqual(unit.model.graph.modules!.map((m) => m.path), ['gate']);
    assert.deepEqual(graphProblems(unit.model), []);
  });

  it('takes the default input from options and the channel count from the constructor', async () => {
    const src = 'import torch.nn as nn\nclass P(nn.Module):\n    def __init__(self, planes):\n        super().__init__()\n        self.bn = nn.BatchNorm2d(planes)\n    def forward(self, x):\n        return self.bn(x)\n';
    const unit = unitNamed(await analyzeText(src, 'python', { defaultInput: { channels: 24, height: 7, width: 9 } }), 'P');
    assert.deepEqual(unit.inputShape, [1, 24, 7, 9]);
    assert.equal(unit.inputShapeSource, 'default');
    assert.deepEqual(unit.arguments, { planes: 24 });
    assert.equal(unit.model.graph.modules![0]!.params, 48);
  });

  it('says so when a channel count does not match, instead of guessing', async () => {
    const src = 'import torch.nn as nn\n# se-lens: input=[1,8,4,4]\nclass Q(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.fc = nn.Conv2d(16, 4, 1)\n    def forward(self, x):\n        return self.fc(x)\n';
    const unit = unitNamed(await analyzeText(src, 'python'), 'Q');
    assert.equal(unit.inputShapeSource, 'comment');
    assert.equal(unit.partial, true);
    assert.deepEqual(unit.unknowns.map((u) => u.note), ['Conv2d expects 16 input channels but gets 8']);
  });

  it('follows the call site through .cuda(), .eval() and torch.no_grad(); root nodes have scope ""', async () => {
    const src = [
      'import torch',
      'import torch.nn as nn',
      'class G(nn.Module):',
      '    def __init__(self, c):',
      '        super().__init__()',
      '        self.fc = nn.Conv2d(c, c, 1)',
      '    def forward(self, x):',
      '        return x * self.fc(x.mean((2, 3), keepdim=True)).sigmoid()',
      "if __name__ == '__main__':",
      '    x = torch.randn(2, 24, 7, 7).cuda()',
      '    net = G(24).cuda().eval()',
      '    with torch.no_grad():',
      '        y = net(x)',
    ].join('\n');
    const unit = unitNamed(await analyzeText(src, 'python'), 'G');
    assert.deepEqual([unit.inputShape, unit.inputShapeSource], [[2, 24, 7, 7], 'call-site']);
    assert.deepEqual(unit.model.graph.nodes.map((n) => n.scope), ['', 'fc', '', '']);
    assert.equal(unit.blocks.length, 1);
    assert.deepEqual([unit.blocks[0]!.id, unit.blocks[0]!.variant], ['', 'effective_se']);
  });

  it('reads torchstat-style stat(model, (C, H, W)) as the input', async () => {
    const src = 'import torch.nn as nn\nfrom torchstat import stat\nclass R(nn.Module):\n    def __init__(self, c):\n        super().__init__()\n        self.act = nn.ReLU()\n    def forward(self, x):\n        return self.act(x)\n\nstat(R(3), (3, 10, 12))\n';
    const unit = unitNamed(await analyzeText(src, 'python'), 'R');
    assert.deepEqual(unit.inputShape, [1, 3, 10, 12]);
    assert.equal(unit.inputShapeSource, 'call-site');
    assert.equal(unit.table!.totals.counts['MAdd'], 360);
  });
});

describe('PyTorch front-end: containers', () => {
  it('ModuleList built by a comprehension, iterated in forward; Sequential from an OrderedDict', async () => {
    const src = [
      'from collections import OrderedDict',
      'import torch.nn as nn',
      '',
      'class Stack(nn.Module):',
      '    def __init__(self, c=16, depth=3):',
      '        super().__init__()',
      '        self.blocks = nn.ModuleList([nn.Conv2d(c, c, 3, padding=1, groups=c) for _ in range(depth)])',
      "        self.head = nn.Sequential(OrderedDict([('pool', nn.AdaptiveAvgPool2d(1)), ('flat', nn.Flatten()), ('fc', nn.Linear(c, 4))]))",
      '',
      '    def forward(self, x):',
      '        for block in self.blocks:',
      '            x = block(x)',
      '        return self.head(x)',
    ].join('\n');
    const unit = unitNamed(await analyzeText(src, 'python'), 'Stack');
    assert.equal(unit.partial, false, JSON.stringify(unit.unknowns));
    assert.deepEqual(unit.model.graph.modules!.map((m) => [m.path, m.kind, m.params]), [
      ['blocks.0', 'Conv2d', 16 * 9 + 16],
      ['blocks.1', 'Conv2d', 16 * 9 + 16],
      ['blocks.2', 'Conv2d', 16 * 9 + 16],
      ['head.pool', 'AdaptiveAvgPool2d', 0],
      ['head.flat', 'Flatten', 0],
      ['head.fc', 'Linear', 68],
    ]);
    assert.equal(attrInt(node(unit.model, 'Conv'), 'group'), 16);
    assert.deepEqual(unit.model.graph.outputs[0]!.shape, [1, 4]);
    assert.deepEqual(unit.lineShapes.find((l) => l.line === 11)!.shapes, [[1, 16, 56, 56]]);
  });
});
