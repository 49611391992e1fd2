/** PyTorch files and safetensors written by torch 1.13 (test/fixtures/formats/pytorch/make_pytorch.py), read without running them. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { readWeightsFile } from '../../src/core/formats/weights-file.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { analyzeModel } from '../../src/core/analyze.js';
import { FileSource } from '../../src/node/file-source.js';
import { pairWeights } from '../../src/core/pairing/pair-weights.js';
import { unpickle } from '../../src/core/formats/pytorch/pickle.js';
import { TORCH_RECONSTRUCTORS } from '../../src/core/formats/pytorch/torch-pickle.js';
import { analyzeFixture, unitNamed } from './source-loader.js';
import { allModules } from '../../src/core/formats/pytorch/module-tree.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';

const DIR = 'test/fixtures/formats/pytorch';
interface Truth {
  se_block: { state_dict: Record<string, number[]>; params: number };
  mobilenet_v3_small_x025: { params: number; state_dict_entries: number; se_blocks: { module: string; channels: number; squeeze: number; params: number }[] };
}
const truth = JSON.parse(readFileSync(`${DIR}/pytorch.truth.json`, 'utf8')) as Truth;

async function open(name: string) {
  const bytes = new Uint8Array(readFileSync(`${DIR}/${name}`));
  const file = await readWeightsFile(bytesSource(bytes));
  const values = (tensor: string) => {
    const t = file.tensors.get(tensor);
    assert.ok(t, `${name} holds ${tensor}`);
    return Array.from(loadTensorValues(t, bytesSource(bytes)));
  };
  return { file, values };
}

/** The CLI as a user runs it (from source: no build needed). */
function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('PyTorch files and safetensors', () => {
  let reference: Awaited<ReturnType<typeof open>>;
  before(async () => {
    reference = await open('se_block_state_dict.pth');
  });

  it('reads the reference block\'s state dict in every container with the names and shapes torch wrote', async () => {
    const cases: [string, string, string | undefined][] = [
      ['se_block_state_dict.pth', 'state-dict', undefined],
      ['se_block_legacy.pth', 'state-dict', undefined],
      ['se_block_checkpoint.pth', 'checkpoint', 'state_dict'],
      ['se_block_model_state_dict.pt', 'checkpoint', 'model_state_dict'],
      ['se_block_whole.pt', 'module', undefined],
      ['se_block_whole_legacy.pt', 'module', undefined],
      ['se_block_whole_protocol1.pt', 'module', undefined],
      ['se_block_script.pt', 'torchscript', undefined],
      ['se_block.safetensors', 'safetensors', undefined],
    ];
    for (const [name, kind] of cases) {
      const { file, values } = await open(name);
      assert.equal(file.kind, kind, name);
      if (kind === 'module') assert.equal(file.module?.className, 'se_block_reference.SEBlock', name);
      const names = [...file.tensors.keys()].map((k) => k.replace(/^module\./, ''));
      assert.deepEqual(Object.fromEntries(names.map((n, i) => [n, [...file.tensors].at(i)![1].shape])), truth.se_block.state_dict, name);
      for (const tensor of Object.keys(truth.se_block.state_dict)) {
        const key = name === 'se_block_checkpoint.pth' ? `module.${tensor}` : tensor;
        assert.deepEqual(values(key), reference.values(tensor), `${name}: ${tensor} holds the same float32 values`);
      }
    }
    assert.equal(reference.values('fc_layers.0.weight').length, 256);
  });

  it('locates payloads without reading them: offsets into the file, values only on demand', () => {
    const t = reference.file.tensors.get('fc_layers.2.weight')!;
    assert.equal(t.values, undefined);
    assert.equal(t.payload?.kind, 'embedded');
    assert.equal(t.payload?.length, 32 * 8 * 4);
  });

  it('reads a whole pickled torchvision mobilenet_v3_small as its module tree, SqueezeExcitation modules where torch has them', async () => {
    const { file } = await open('mobilenet_v3_small_x025_whole.pt');
    const t = truth.mobilenet_v3_small_x025;
    assert.equal(file.kind, 'module');
    assert.equal(file.module?.className, 'torchvision.models.mobilenetv3.MobileNetV3');
    assert.equal(file.tensors.size, t.state_dict_entries, 'as many tensors as state_dict()');
    const se = allModules(file.module!).filter((m) => m.kind === 'SqueezeExcitation');
    assert.deepEqual(se.map((m) => m.path), t.se_blocks.map((b) => b.module));
    const params = se.map((m) => [...allModules(m)].flatMap((x) => [...x.tensors.values()]).reduce((n, x) => n + x.shape.reduce((a, b) => a * b, 1), 0));
    assert.deepEqual(params, t.se_blocks.map((b) => b.params));
    const fc1 = se[0]!.children.find((c) => c.path.endsWith('fc1'))!;
    assert.equal(fc1.attrs['out_channels'], t.se_blocks[0]!.squeeze, 'constructor facts kept in the instance are read');
  });

  it('finds the SE blocks of a whole pickled module from its structure: channels, squeeze and parameters as torchvision has them', async () => {
    const t = truth.mobilenet_v3_small_x025;
    const source = new FileSource(`${DIR}/mobilenet_v3_small_x025_whole.pt`);
    try {
      const analysis = analyzeModel(await readModelFile(source, { name: 'mnv3' }));
      assert.deepEqual(
        analysis.blocks.map((b) => ({ module: b.id, channels: b.channels, squeeze: b.squeezeChannels, params: b.params })),
        t.se_blocks.map((b) => ({ module: b.module, channels: b.channels, squeeze: b.squeeze, params: b.params })),
      );
      assert.ok(analysis.blocks.every((b) => b.gate === 'hardsigmoid' && b.fcKind === 'conv1x1' && b.fcBias));
      for (const b of analysis.blocks) assert.equal(analysis.table('torchstat', b.id).totals.params, b.params, b.id);
    } finally {
      source.close();
    }
  });

  it('the reference block pickled whole (zip and legacy format, pickle protocols 2 and 1) shows torchstat\'s 512 / 992 / 520 / 2.38KB', async () => {
    for (const name of ['se_block_whole.pt', 'se_block_whole_legacy.pt', 'se_block_whole_protocol1.pt']) {
      const r = cli(`${DIR}/${name}`);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /^total\s+512\s+\S+\s+992\s+520\s/m, name);
      assert.match(r.out, /^Total MemR\+W: 2\.38KB$/m, name);
    }
  });

  it('says what is missing for a state dict opened as a model; a TorchScript archive gives its SE blocks from its modules', async () => {
    const sd = cli(`${DIR}/se_block_state_dict.pth`);
    assert.equal(sd.code, 2);
    assert.match(sd.err, /^se-lens: This is a PyTorch state dict \(zip format\), 2 tensors: weights without a graph SE Lens can read\. Pair it with the model's source: se-lens model\.py --weights FILE\.\n$/);
    const ts = cli(`${DIR}/se_block_script.pt`);
    assert.equal(ts.code, 0, ts.err);
    assert.match(ts.out, /^total\s+512\s+\S+\s+992\s+520\s/m);
    assert.match((await open('se_block_script.pt')).file.notes.join(' '), /TorchScript code \(code\/\*\.py\), which SE Lens does not interpret/);
  });

  it('reads one value pickled in every protocol (0–5) as Python wrote it', () => {
    const expected = (JSON.parse(readFileSync(`${DIR}/pytorch.truth.json`, 'utf8')) as { pickle_protocols: { protocols: number; value: unknown } }).pickle_protocols;
    const plain = (v: unknown): unknown => {
      if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
      if (typeof v === 'number') return v;
      if (typeof v === 'bigint') return { int: v.toString() };
      if (v instanceof Uint8Array) return { bytes: Array.from(v) };
      if (v instanceof Set) return { set: [...v].map(plain).sort() };
      if (Array.isArray(v)) return v.map(plain);
      if (v instanceof Map) return { dict: [...v].map(([k, x]) => [plain(k), plain(x)]) };
      return { unexpected: String(v) };
    };
    // pickleparser reads a tuple as an array, as it reads a list: Python's tuples are compared as lists.
    const untuple = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(untuple);
      if (v === null || typeof v !== 'object') return v;
      if ('tuple' in v) return (v.tuple as unknown[]).map(untuple);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, untuple(x)]));
    };
    for (let protocol = 0; protocol < expected.protocols; protocol++) {
      const { value, stubbed } = unpickle(new Uint8Array(readFileSync(`${DIR}/protocol${protocol}.pkl`)), { reconstructors: TORCH_RECONSTRUCTORS });
      assert.deepEqual(plain(value), untuple(expected.value), `protocol ${protocol}`);
      assert.deepEqual([...stubbed], [], `protocol ${protocol}`);
    }
  });

  it('runs nothing from a hostile pickle: os.system, eval and exec are recorded, not called', async () => {
    for (const name of ['hostile.pkl', 'hostile.pth']) {
      const { file } = await open(name);
      assert.equal(file.kind, 'other');
      assert.match(file.notes.join('\n'), name === 'hostile.pkl' ? /posix\.system/ : /builtins?__\.exec|__builtin__\.exec/);
    }
    assert.equal(existsSync('/tmp/se-lens-pwned'), false);
  });

  it('pairs each weights file with the reference source: torchstat\'s 512 / 992 / 520 / 2.38KB stay', () => {
    for (const name of ['se_block_state_dict.pth', 'se_block_checkpoint.pth', 'se_block_legacy.pth', 'se_block.safetensors', 'se_block_script.pt']) {
      const r = cli('test/fixtures/source/se_block_reference.py', '--weights', `${DIR}/${name}`);
      assert.equal(r.code, 0, r.err);
      assert.match(r.out, /2 tensors paired/, name);
      assert.match(r.out, /^total\s+512\s+\S+\s+992\s+520\s/m, name);
      assert.match(r.out, /^Total MemR\+W: 2\.38KB$/m, name);
    }
  });

  it('removes a prefix every file name shares (Lightning\'s model., DataParallel\'s module.) only when it pairs more', async () => {
    const unit = unitNamed(await analyzeFixture('se_block_reference.py'), 'SEBlock');
    const renamed = (prefix: string) => new Map([...reference.file.tensors].map(([k, v]) => [`${prefix}${k}`, v]));
    for (const prefix of ['model.', 'module.', 'module.model.', '']) {
      const p = pairWeights(unit.model, renamed(prefix));
      assert.deepEqual([p.prefix, p.paired.length, p.missing.length, p.unexpected.length], [prefix, 2, 0, 0], prefix);
    }
    // A prefix that is part of the source's own names is kept: stripping it would pair nothing.
    const own = pairWeights(unit.model, new Map([['fc_layers.0.weight', reference.file.tensors.get('fc_layers.0.weight')!]]));
    assert.deepEqual([own.prefix, own.paired], ['', ['fc_layers.0.weight']]);
    const shape = pairWeights(unit.model, new Map([['fc_layers.0.weight', reference.file.tensors.get('fc_layers.2.weight')!]]));
    assert.deepEqual(shape.shapeMismatches, [{ name: 'fc_layers.0.weight', source: [8, 32], file: [32, 8] }]);
  });

  it('lists names and shapes that do not pair, and guesses nothing', () => {
    const r = cli('test/fixtures/source/se_block_reference.py', '--weights', `${DIR}/se_block_checkpoint.pth`, '--weights-prefix', 'model.');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /0 tensors paired/);
    assert.match(r.out, /not in the file \(framework defaults kept\): fc_layers\.0\.weight, fc_layers\.2\.weight/);
    assert.match(r.out, /in the file, not in the source: module\.fc_layers\.0\.weight, module\.fc_layers\.2\.weight/);
  });
});
