/** `se-lens gates`: trained weights from PyTorch files paired with source, gates equal PyTorch's own (forward hooks, make_pytorch.py). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as ort from 'onnxruntime-node';
import { parseNpy } from '../../src/core/inputs/npy.js';
import { readWeightsFile } from '../../src/core/formats/weights-file.js';
import { gateModelFromSource } from '../../src/core/inspect/gate-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { pairWeights, withPairedValues } from '../../src/core/pairing/pair-weights.js';
import { normalizePath } from '../../src/core/source/modules/source-files.js';
import { NodeSourceFileSystem } from '../../src/node/source-file-system.js';
import { analyzer } from './source-loader.js';

const DIR = 'test/fixtures/formats/pytorch';
const SOURCE = 'test/fixtures/source/se_block_reference.py';
const truth = JSON.parse(readFileSync(`${DIR}/pytorch.truth.json`, 'utf8')).se_block as { blocks: { gates: number[][] }[] };

function gates(...args: string[]): { code: number | null; out: string; err: string; raw: Buffer } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'gates', ...args], { timeout: 120_000 });
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8'), raw: r.stdout };
}


/** `se-lens gates` on a source building torchvision's mobilenet_v3_small (x0.25) with the whole pickled model's weights: PyTorch's gates, block by block. */
function assertMobilenetGates(source: string, mnv3: { blocks: { module: string; gates: number[][] }[] }): void {
  const r = gates(source, '--python-path', '/usr/lib/python3/dist-packages', '--weights', `${DIR}/mobilenet_v3_small_x025_whole.pt`, '--input', `${DIR}/input_mobilenet.npy`, '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { blocks: { id: string; gates: number[][] }[] };
  assert.deepEqual(doc.blocks.map((b) => b.id), mnv3.blocks.map((b) => b.module));
  doc.blocks.forEach((b, i) => {
    const worst = Math.max(...b.gates.flatMap((row, s) => row.map((g, c) => Math.abs(g - mnv3.blocks[i]!.gates[s]![c]!))));
    assert.ok(worst < 1e-4, `${b.id}: max |Δ| ${worst}`);
  });
}

describe('se-lens gates', () => {
  it('gates from every container of the trained reference block equal PyTorch\'s within 1e-4', () => {
    for (const w of ['se_block_state_dict.pth', 'se_block_legacy.pth', 'se_block_checkpoint.pth', 'se_block.safetensors', 'se_block_script.pt']) {
      const r = gates(SOURCE, '--weights', `${DIR}/${w}`, '--input', `${DIR}/input.npy`, '--format', 'json');
      assert.equal(r.code, 0, r.err);
      const doc = JSON.parse(r.out) as { model: string; input: string; blocks: { id: string; channels: number; gates: number[][] }[] };
      assert.equal(doc.model, SOURCE);
      assert.equal(doc.blocks.length, 1);
      assert.equal(doc.blocks[0]!.channels, 32);
      const expected = truth.blocks[0]!.gates;
      assert.equal(doc.blocks[0]!.gates.length, expected.length, 'one row per sample of input.npy');
      let worst = 0;
      doc.blocks[0]!.gates.forEach((row, s) => row.forEach((g, c) => (worst = Math.max(worst, Math.abs(g - expected[s]![c]!)))));
      assert.ok(worst < 1e-4, `${w}: max |Δ| ${worst}`);
    }
  });

  it('gates of the reference block pickled whole and scripted (rebuilt from the module tree) equal PyTorch\'s within 1e-4', () => {
    for (const file of ['se_block_whole.pt', 'se_block_script.pt']) {
      const r = gates(`${DIR}/${file}`, '--input', `${DIR}/input.npy`, '--format', 'json');
      assert.equal(r.code, 0, r.err);
      const doc = JSON.parse(r.out) as { blocks: { gates: number[][] }[] };
      let worst = 0;
      doc.blocks[0]!.gates.forEach((row, s) => row.forEach((g, c) => (worst = Math.max(worst, Math.abs(g - truth.blocks[0]!.gates[s]![c]!)))));
      assert.ok(worst < 1e-4, `${file}: max |Δ| ${worst}`);
    }
  });

  it('a residual SE block paired with its state dict (convolutions, BatchNorm statistics) gives PyTorch\'s gates within 1e-4', () => {
    const residual = JSON.parse(readFileSync(`${DIR}/pytorch.truth.json`, 'utf8')).se_basic_block as { state_dict_entries: number; blocks: { gates: number[][] }[] };
    const r = gates('test/fixtures/source/residual_se.py', '--weights', `${DIR}/se_basic_block_state_dict.pth`, '--input', `${DIR}/input_residual.npy`, '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { blocks: { id: string; gates: number[][] }[] };
    assert.equal(doc.blocks.length, 1);
    const expected = residual.blocks[0]!.gates;
    assert.equal(doc.blocks[0]!.gates.length, expected.length);
    let worst = 0;
    doc.blocks[0]!.gates.forEach((row, s) => row.forEach((g, c) => (worst = Math.max(worst, Math.abs(g - expected[s]![c]!)))));
    assert.ok(worst < 1e-4, `max |Δ| ${worst}`);
    const table = gates('test/fixtures/source/residual_se.py', '--weights', `${DIR}/se_basic_block_state_dict.pth`, '--input', `${DIR}/input_residual.npy`);
    // Every tensor but the BatchNorm step counters (num_batches_tracked), which no computation reads.
    assert.match(table.out, new RegExp(`: ${residual.state_dict_entries - 2} tensors paired\\n`));
    assert.doesNotMatch(table.out, /not in the file|not in the source|shape mismatch/);
  });

  it('torchvision mobilenet_v3_small built from its real source, paired with the trained state dict: all nine blocks\' gates equal PyTorch\'s within 1e-4', async (t) => {
    const site = '/usr/lib/python3/dist-packages';
    if (!existsSync(`${site}/torchvision/models/mobilenetv3.py`)) return t.skip('no torchvision sources (install python3-torchvision)');
    const mnv3 = JSON.parse(readFileSync(`${DIR}/pytorch.truth.json`, 'utf8')).mobilenet_v3_small_x025 as { blocks: { module: string; gates: number[][] }[] };
    const here = normalizePath(join(process.cwd(), DIR));
    const path = `${here}/mobilenet_v3_small_x025.py`;
    const location = { path, files: new NodeSourceFileSystem([here, site]), searchRoots: [here], pythonPaths: [site] };
    const unit = (await analyzer()).analyze(readFileSync(path, 'utf8'), 'python', { location }).units[0]!;
    const weightsBytes = bytesSource(new Uint8Array(readFileSync(`${DIR}/mobilenet_v3_small_x025_whole.pt`)));
    const paired = pairWeights(unit.model, (await readWeightsFile(weightsBytes)).tensors);
    assert.deepEqual([paired.missing, paired.unexpected, paired.shapeMismatches], [[], [], []]);
    const gm = gateModelFromSource(withPairedValues(paired.model, weightsBytes), unit.blocks);
    const x = parseNpy(new Uint8Array(readFileSync(`${DIR}/input_mobilenet.npy`)));
    const session = await ort.InferenceSession.create(gm.bytes);
    try {
      const per = x.data.length / x.shape[0]!;
      for (let s = 0; s < x.shape[0]!; s++) {
        const out = await session.run({ [gm.inputs[0]!.name]: new ort.Tensor('float32', x.data.slice(s * per, (s + 1) * per), [1, ...x.shape.slice(1)]) });
        unit.blocks.forEach((b, i) => {
          assert.equal(b.id, mnv3.blocks[i]!.module);
          const ours = out[b.tensors.gate]!.data as Float32Array;
          const worst = Math.max(...Array.from(ours, (v, c) => Math.abs(v - mnv3.blocks[i]!.gates[s]![c]!)));
          assert.ok(worst < 1e-4, `${b.id}, sample ${s}: max |Δ| ${worst}`);
        });
      }
    } finally {
      await session.release();
    }
    // Trained-looking weights: deep blocks' gates are far from 0.5, as the inspector's heatmap should show.
    const deepest = mnv3.blocks[mnv3.blocks.length - 1]!.gates.flat();
    assert.ok(Math.max(...deepest) - Math.min(...deepest) > 0.5);
  });

  it('the same through the CLI: se-lens gates mobilenet_v3_small_x025.py --python-path … --weights …', (t) => {
    const site = '/usr/lib/python3/dist-packages';
    if (!existsSync(`${site}/torchvision/models/mobilenetv3.py`)) return t.skip('no torchvision sources (install python3-torchvision)');
    const mnv3 = JSON.parse(readFileSync(`${DIR}/pytorch.truth.json`, 'utf8')).mobilenet_v3_small_x025 as { blocks: { module: string; gates: number[][] }[] };
    assertMobilenetGates(`${DIR}/mobilenet_v3_small_x025.py`, mnv3);
  });

  it('a source that never calls its model is traced at the shape of the --input array (torchvision\'s model built at module level)', (t) => {
    const site = '/usr/lib/python3/dist-packages';
    if (!existsSync(`${site}/torchvision/models/mobilenetv3.py`)) return t.skip('no torchvision sources (install python3-torchvision)');
    const mnv3 = JSON.parse(readFileSync(`${DIR}/pytorch.truth.json`, 'utf8')).mobilenet_v3_small_x025 as { blocks: { module: string; gates: number[][] }[] };
    const dir = mkdtempSync(join(tmpdir(), 'se-lens-uncalled-'));
    try {
      // The fixture's source without its sample call: nothing in the file says the input is 3 × 64 × 64.
      const source = readFileSync(`${DIR}/mobilenet_v3_small_x025.py`, 'utf8').split('\n').filter((line) => !line.startsWith('model(')).join('\n');
      writeFileSync(join(dir, 'model.py'), source);
      assertMobilenetGates(join(dir, 'model.py'), mnv3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('trained gates spread away from 0.5 where default weights stay near it', () => {
    const spread = (args: string[]) => {
      const doc = JSON.parse(gates(SOURCE, ...args, '--input', `${DIR}/input.npy`, '--format', 'json').out) as { blocks: { gates: number[][] }[] };
      const all = doc.blocks[0]!.gates.flat();
      return Math.max(...all.map((g) => Math.abs(g - 0.5)));
    };
    assert.ok(spread(['--weights', `${DIR}/se_block_state_dict.pth`]) > 0.2);
    assert.ok(spread([]) < 0.1);
  });

  it('writes npy, csv, the across-depth table and a PNG heatmap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-gates-'));
    try {
      const npy = gates(SOURCE, '--weights', `${DIR}/se_block_state_dict.pth`, '--input', `${DIR}/input.npy`, '--format', 'npy', '--png', join(dir, 'h.png'));
      assert.equal(npy.code, 0, npy.err);
      const array = parseNpy(new Uint8Array(npy.raw));
      assert.deepEqual(array.shape, [4, 32]);
      assert.ok(Math.abs(array.data[5]! - truth.blocks[0]!.gates[0]![5]!) < 1e-4);
      const png = readFileSync(join(dir, 'h.png'));
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      const csv = gates(SOURCE, '--weights', `${DIR}/se_block_state_dict.pth`, '--input', `${DIR}/input.npy`, '--format', 'csv');
      const lines = csv.out.trim().split('\n');
      assert.equal(lines[0], 'block,sample,channel,gate');
      assert.equal(lines.length, 1 + 4 * 32);
      const table = gates(SOURCE, '--weights', `${DIR}/se_block_state_dict.pth`, '--input', `${DIR}/input.npy`);
      assert.match(table.out, /Gates across depth/);
      assert.match(table.out, /^\(whole model\)\s+32\s+4\s+0\.\d{4}/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes a folder of images as the input: one row of gates per image', () => {
    const dir = mkdtempSync(join(tmpdir(), 'se-gates-images-'));
    try {
      const { PNG } = require('pngjs') as typeof import('pngjs');
      for (const [i, shade] of [[0, 40], [1, 200]] as const) {
        const png = new PNG({ width: 48, height: 40 });
        for (let p = 0; p < png.data.length; p += 4) png.data.set([shade, (p / 4) % 256, 255 - shade, 255], p);
        writeFileSync(join(dir, `img${i}.png`), PNG.sync.write(png));
      }
      const r = gates('test/fixtures/mobilenet_v3_small.onnx', '--input', dir, '--format', 'json');
      assert.equal(r.code, 0, r.err);
      const doc = JSON.parse(r.out) as { input: string; blocks: { gates: number[][] }[] };
      assert.equal(doc.input, dir);
      for (const b of doc.blocks) assert.equal(b.gates.length, 2);
      assert.notDeepEqual(doc.blocks[0]!.gates[0], doc.blocks[0]!.gates[1], 'different images, different gates');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs the gates of an ONNX file in execution order', () => {
    const r = gates('test/fixtures/mobilenet_v3_small.onnx', '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { blocks: { id: string; channels: number; gates: number[][] }[] };
    const expected = JSON.parse(readFileSync('test/fixtures/mobilenet_v3_small.truth.json', 'utf8')) as { num_se_blocks: number };
    assert.equal(doc.blocks.length, expected.num_se_blocks);
    for (const b of doc.blocks) assert.equal(b.gates[0]!.length, b.channels);
  });

  it('says in one line what is wrong with bad arguments', () => {
    const r = gates(`${DIR}/se_block_state_dict.pth`);
    assert.equal(r.code, 2);
    assert.match(r.err, /^se-lens: .+\n$/);
    const f = gates(SOURCE, '--format', 'xml');
    assert.equal(f.code, 2);
    assert.match(f.err, /^se-lens: Unknown gates format "xml"/);
  });
});
