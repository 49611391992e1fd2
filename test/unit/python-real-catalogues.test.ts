import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeText, unitNamed } from './source-loader.js';

/** Facts written by test/fixtures/source/python/generate_truth.py from real PyTorch. */
const truth = JSON.parse(readFileSync(new URL('../fixtures/source/python/truth.json', import.meta.url), 'utf8')) as {
  entries: { entry: string; blocks: { path: string; input: number[]; channels: number; squeeze: number; params: number }[] }[];
};

describe('Library catalogue: speechbrain layer wrappers (speechbrain not on disk)', () => {
  it("ECAPA's SEBlock on speechbrain.nnet.CNN.Conv1d counts as the same SE written with torch.nn.Conv1d does in PyTorch", async () => {
    // project/speaker/tdnn.py's TemporalSE is this block in plain torch (1x1 Conv1d 256 -> 64 -> 256 over the
    // time-mean); PyTorch counted it there. speechbrain's Conv1d(kernel_size=1, padding="same") pads by 0.
    const expected = truth.entries.find((e) => e.entry === 'project/speaker/tdnn.py')!.blocks[0]!;
    const text = `import torch
import torch.nn as nn
from speechbrain.nnet.CNN import Conv1d as _Conv1d


class Conv1d(_Conv1d):
    def __init__(self, *args, **kwargs):
        super().__init__(skip_transpose=True, *args, **kwargs)


class SEBlock(nn.Module):
    def __init__(self, in_channels, se_channels, out_channels):
        super().__init__()
        self.conv1 = Conv1d(in_channels=in_channels, out_channels=se_channels, kernel_size=1)
        self.relu = torch.nn.ReLU(inplace=True)
        self.conv2 = Conv1d(in_channels=se_channels, out_channels=out_channels, kernel_size=1)
        self.sigmoid = torch.nn.Sigmoid()

    def forward(self, x, lengths=None):
        s = x.mean(dim=2, keepdim=True)
        s = self.relu(self.conv1(s))
        s = self.sigmoid(self.conv2(s))
        return s * x


SEBlock(${expected.channels}, ${expected.squeeze}, ${expected.channels})(torch.rand(${expected.input.join(', ')}))
`;
    const unit = unitNamed(await analyzeText(text, 'python'), 'SEBlock');
    assert.deepEqual(unit.unknowns, []);
    assert.deepEqual(unit.blocks.map((b) => [b.channels, b.squeezeChannels, b.params, b.inputShape]), [[expected.channels, expected.squeeze, expected.params, expected.input]]);
  });

});
