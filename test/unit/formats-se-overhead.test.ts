/** SE overhead (SENet Table 2) under the block list: counts against torchvision's, and the BatchNorm-folding note. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyzeModel } from '../../src/core/analyze.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { seOverhead, seOverheadLines } from '../../src/core/stats/se-overhead.js';
import { FileSource, folderExternalData } from '../../src/node/file-source.js';
import { analyzeFixture, unitNamed } from './source-loader.js';
import { analysisOf } from '../../src/core/analyze.js';

async function open(file: string) {
  const source = new FileSource(file);
  try {
    return analyzeModel(await readModelFile(source, { folder: folderExternalData(file) }));
  } finally {
    source.close();
  }
}

describe('SE overhead', () => {
  it('mobilenet_v3_small.onnx: SE params as torchvision counts them; the folded BatchNorm scales named and counted', async () => {
    const truth = JSON.parse(readFileSync('test/fixtures/mobilenet_v3_small.truth.json', 'utf8')) as { total_params: number; se_blocks: { params: number }[] };
    const o = seOverhead(await open('test/fixtures/mobilenet_v3_small.onnx'));
    assert.equal(o.blocks, truth.se_blocks.length);
    assert.equal(o.seParams, truth.se_blocks.reduce((n, b) => n + b.params, 0));
    assert.ok(o.seMacs > 0 && o.seMacs < o.totalMacs);
    assert.equal(o.notes.length, 1);
    assert.match(o.notes[0]!, /BatchNorm looks folded .*rule: 34 convolutions outside the SE blocks carry a bias and the graph has no BatchNormalization node/);
    // The file's total plus one scale per folded BatchNorm channel is exactly what PyTorch counted.
    const folded = Number(/up to ([\d,]+) parameters/.exec(o.notes[0]!)![1]!.replace(/,/g, ''));
    assert.equal(o.totalParams + folded, truth.total_params);
    const lines = seOverheadLines(o);
    assert.match(lines[0]!, /^SE overhead \(SENet Table 2\): 9 blocks; params 461,640 of 2,536,800 \(18\.20 %\); MACs /);
  });

  it('source: no folding note; the reference block is all SE', async () => {
    const unit = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    const o = seOverhead(analysisOf(unit.model, unit.blocks));
    assert.deepEqual([o.blocks, o.seParams, o.totalParams, o.notes.length], [1, 512, 512, 0]);
    assert.equal(o.seMacs, o.totalMacs);
  });

  it('a TF.js layers model that keeps its BatchNormalization layers gets no folding note', async () => {
    const o = seOverhead(await open('test/fixtures/formats/tfjs-layers/se_resnet_tiny/model.json'));
    assert.ok(o.blocks > 0);
    assert.deepEqual(o.notes, []);
  });
});
