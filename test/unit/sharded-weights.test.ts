/**
 * Sharded checkpoints (Hugging Face layout: an index whose weight_map names each tensor's shard), written by
 * PyTorch 1.13 in test/fixtures/formats/sharded/make_sharded.py; the truth is PyTorch's gates for the model
 * loaded back from those shards.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readWeights } from '../../src/core/pairing/read-weights.js';
import { bytesSource, type ExternalDataHost } from '../../src/core/onnx/byte-source.js';
import { isSeLensError } from '../../src/core/errors.js';
import { manifestFiles } from '../../src/core/formats/sharded/manifest-files.js';
import { folderExternalData } from '../../src/node/file-source.js';
import * as fc from 'fast-check';

const DIR = 'test/fixtures/formats/sharded';
const PYTORCH = 'test/fixtures/formats/pytorch';
type Truth = Record<string, { index: string; tensors: number; blocks: { gates: number[][] }[] }>;
const truth = JSON.parse(readFileSync(`${DIR}/sharded.truth.json`, 'utf8')) as Truth;

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { timeout: 120_000 });
  return { code: r.status, out: r.stdout.toString('utf8'), err: r.stderr.toString('utf8') };
}

function gatesOf(source: string, weights: string, input: string): number[][] {
  const r = cli('gates', source, '--weights', weights, '--input', input, '--format', 'json');
  assert.equal(r.code, 0, r.err);
  const doc = JSON.parse(r.out) as { blocks: { gates: number[][] }[] };
  assert.equal(doc.blocks.length, 1);
  return doc.blocks[0]!.gates;
}

function worst(got: number[][], expected: number[][]): number {
  assert.equal(got.length, expected.length, 'one row per sample');
  return Math.max(...got.flatMap((row, s) => row.map((g, c) => Math.abs(g - expected[s]![c]!))));
}

/** Opens nothing, and says what was asked. */
function recordingHost(): ExternalDataHost & { asked: string[] } {
  const asked: string[] = [];
  return { asked, open: (location) => { asked.push(location); throw new Error(`opened ${location}`); } };
}

describe('sharded checkpoints', () => {
  for (const [name, single] of [['se_block_bin', 'se_block_state_dict.pth'], ['se_block_st', 'se_block.safetensors']] as const) {
    it(`se-lens gates --weights ${truth[name]!.index}: the single file's gates, and PyTorch's within 1e-4`, () => {
      const source = 'test/fixtures/source/se_block_reference.py';
      const sharded = gatesOf(source, `${DIR}/${truth[name]!.index}`, `${PYTORCH}/input.npy`);
      assert.ok(worst(sharded, truth[name]!.blocks[0]!.gates) < 1e-4);
      assert.ok(worst(sharded, gatesOf(source, `${PYTORCH}/${single}`, `${PYTORCH}/input.npy`)) < 1e-6);
    });
  }

  it('a residual block over three shards (convolutions, BatchNorm statistics): every tensor paired, PyTorch\'s gates within 1e-4', () => {
    const t = truth['se_basic_block_bin']!;
    const g = gatesOf('test/fixtures/source/residual_se.py', `${DIR}/${t.index}`, `${PYTORCH}/input_residual.npy`);
    assert.ok(worst(g, t.blocks[0]!.gates) < 1e-4);
    const table = cli('test/fixtures/source/residual_se.py', '--weights', `${DIR}/${t.index}`);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /sharded checkpoint, 3 shards/);
    // Every tensor but the BatchNorm step counters (num_batches_tracked), which no computation reads.
    assert.match(table.out, new RegExp(`: ${t.tensors - 2} tensors paired\\n`));
    assert.doesNotMatch(table.out, /not in the file|not in the source|shape mismatch|not in its shard/);
  });

  it('the reference block paired from shards keeps torchstat\'s 512 / 992 / 520 / 2.38KB', () => {
    const r = cli('test/fixtures/source/se_block_reference.py', '--weights', `${DIR}/se_block_st/model.safetensors.index.json`, '--format', 'json');
    assert.equal(r.code, 0, r.err);
    const doc = JSON.parse(r.out) as { units?: { totals: Record<string, number> }[]; totals?: Record<string, number> };
    const totals = doc.totals ?? doc.units?.find((u) => u.totals.params === 512)?.totals;
    assert.deepEqual([totals?.params, totals?.MAdd, totals?.Flops, totals?.MemRW], [512, 992, 520, 2432]);
  });

  it('a weight_map that points outside the index\'s folder: one-line error, no shard opened', async () => {
    const host = recordingHost();
    const index = bytesSource(new Uint8Array(readFileSync(`${DIR}/outside/model.safetensors.index.json`)));
    await assert.rejects(() => readWeights(index, host), (e: Error) => isSeLensError(e) && e.code === 'refused-path' && /outside the index's folder/.test(e.message) && !e.message.includes('\n'));
    assert.deepEqual(host.asked, [], 'checked before any shard is opened');
    const r = cli('gates', 'test/fixtures/source/se_block_reference.py', '--weights', `${DIR}/outside/model.safetensors.index.json`, '--format', 'json');
    assert.notEqual(r.code, 0);
    assert.equal(r.out, '');
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
    assert.match(r.err, /outside the index's folder/);
  });

  it('hostile and broken indexes: absolute, drive and scheme paths refused; missing shards, bad JSON and a broken model.json are one line each', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'se-lens-shards-'));
    try {
      const cases: [string, RegExp][] = [
        [JSON.stringify({ weight_map: { a: '/etc/passwd' } }), /outside the index's folder/],
        [JSON.stringify({ weight_map: { a: 'C:\\Windows\\win.ini' } }), /outside the index's folder/],
        [JSON.stringify({ weight_map: { a: 'file:///etc/passwd' } }), /outside the index's folder/],
        [JSON.stringify({ weight_map: { a: 'sub/../../x.bin' } }), /outside the index's folder/],
        [JSON.stringify({ weight_map: { a: 'absent.safetensors' } }), /absent\.safetensors/],
        [JSON.stringify({ weight_map: { a: 7 } }), /not a file name/],
        [JSON.stringify({ weight_map: {} }), /empty/],
        // JSON without a weight_map is read as a TF.js model.json, and this one is none.
        [JSON.stringify({ modelTopology: {} }), /layers model/],
        ['{ "weight_map": ', /does not parse/],
      ];
      for (const [i, [text, message]] of cases.entries()) {
        const path = join(tmp, `case${i}.index.json`);
        writeFileSync(path, text);
        const r = cli('gates', 'test/fixtures/source/se_block_reference.py', '--weights', path, '--format', 'json');
        assert.notEqual(r.code, 0, text);
        assert.equal(r.err.trim().split('\n').length, 1, `${text}: ${r.err}`);
        assert.match(r.err, message, text);
        assert.doesNotMatch(r.err, /at .*\.ts:\d+/, 'no stack trace');
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  describe('fuzz: edited shard indexes and TF.js manifests (one-line SeLensError or a result; nothing opened outside the folder)', () => {
    const cases: [string, string][] = [
      ['safetensors index', `${DIR}/se_block_st/model.safetensors.index.json`],
      ['torch index', `${DIR}/se_basic_block_bin/pytorch_model.bin.index.json`],
      ['TF.js model.json', 'test/fixtures/formats/tfjs-source/se_resnet/model.json'],
    ];
    for (const [label, path] of cases) {
      const text = readFileSync(path, 'utf8');
      const folder = path.slice(0, path.lastIndexOf('/'));
      const edits = fc.sample(fc.tuple(fc.nat({ max: text.length - 1 }), fc.nat({ max: 40 }), fc.constantFrom('', '0', '"', '[', '}', 'null', '"../x.bin"', '"/etc/passwd"', '"a/../../b"')), { numRuns: 25, seed: 29 });
      edits.forEach(([at, cut, insert], i) => {
        it(`${label} #${i}: ${cut} chars at ${at} replaced by ${JSON.stringify(insert)}`, { timeout: 2000 }, async () => {
          const source = bytesSource(new TextEncoder().encode(text.slice(0, at) + insert + text.slice(at + cut)));
          const real = folderExternalData(`${folder}/index.json`);
          const opened: string[] = [];
          const host: ExternalDataHost = { open: (location) => (opened.push(location), real.open(location)) };
          try {
            const listed = manifestFiles(source);
            assert.ok(listed.every((n) => !n.split('/').includes('..') && !n.startsWith('/')), listed.join(','));
            await readWeights(source, host);
          } catch (e) {
            assert.ok(isSeLensError(e), `expected SeLensError, got ${String(e)}`);
            assert.ok(e.message.length > 0 && !/[\r\n]/.test(e.message), e.message);
          } finally {
            real.close();
          }
          // The folder refuses what leaves it; the index's own check refuses it before opening.
          assert.ok(opened.every((n) => !n.split('/').includes('..') && !n.startsWith('/')), opened.join(','));
        });
      });
    }
  });
});
