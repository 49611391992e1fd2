/** `# se-lens: weights=…` comments: read from the comment text and exposed on the Python unit they sit on. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readWeightsDirective, weightsDirectiveAt } from '../../src/core/source/input-comment.js';
import { analyzer } from './source-loader.js';

const REFERENCE = readFileSync('test/fixtures/source/se_block_reference.py', 'utf8');

describe('weights directive', () => {
  it('reads the path as written, quoted or not, and nothing from other comments', () => {
    assert.equal(readWeightsDirective('# se-lens: weights=ckpt/se.pth'), 'ckpt/se.pth');
    assert.equal(readWeightsDirective('#  se-lens:  weights = "runs/my model.pth"'), 'runs/my model.pth');
    assert.equal(readWeightsDirective("// se-lens: weights='w.safetensors' trailing"), 'w.safetensors');
    assert.equal(readWeightsDirective('# se-lens: input=[1,32,16,16]'), undefined);
    assert.equal(readWeightsDirective('# weights=ckpt.pth'), undefined);
    assert.equal(readWeightsDirective('# se-lens: weights='), undefined);
  });

  it('belongs to the unit whose first line it sits above or inside before the first statement', () => {
    const lines = ['import torch', '# se-lens: weights=a.pth', '# more words', 'class A:', '    # se-lens: weights=b.pth', '    x = 1', '    # se-lens: weights=late.pth'];
    assert.equal(weightsDirectiveAt(lines, 3), 'a.pth', 'the contiguous comments above win');
    assert.equal(weightsDirectiveAt(['class A:', '', '    # se-lens: weights=b.pth', '    x = 1'], 0), 'b.pth');
    assert.equal(weightsDirectiveAt(['# se-lens: weights=a.pth', '', 'class A:', '    x = 1', '    # se-lens: weights=late.pth'], 2), undefined, 'a blank line detaches a comment; one after the first statement is not the class\'s');
  });

  it('the Python front-end puts it on the class unit it annotates, and only there, and follows an edit of the comment alone', async () => {
    const a = await analyzer();
    const withComment = REFERENCE.replace('class SEBlock(nn.Module):', '# se-lens: weights=../formats/pytorch/se_block_state_dict.pth\nclass SEBlock(nn.Module):');
    const units = a.analyze(withComment, 'python').units;
    const block = units.find((u) => u.name === 'SEBlock');
    assert.equal(block?.weightsDirective, '../formats/pytorch/se_block_state_dict.pth');
    assert.equal(block?.blocks.length, 1);
    assert.equal(a.analyze(REFERENCE, 'python').units.find((u) => u.name === 'SEBlock')?.weightsDirective, undefined);
    const edited = a.analyze(withComment.replace('se_block_state_dict.pth', 'se_block.safetensors'), 'python').units.find((u) => u.name === 'SEBlock');
    assert.equal(edited?.weightsDirective, '../formats/pytorch/se_block.safetensors');
  });
});
