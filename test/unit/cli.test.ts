/** The built `se-lens` CLI, spawned as a user runs it: exit codes, stdout formats, one-line errors. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { externalModel } from '../helpers/external-model.js';
import { writeOnnx } from '../../src/core/onnx/writer.js';
import { efficientNetLike, positiveCase } from '../helpers/se-graphs.js';
import { builtCliWithScratch, se } from '../helpers/cli.js';

const FIXTURES = ['seed_se_c32_r4_avg', 'seed_se_c32_r4_max', 'var_se_conv1x1_bias', 'var_eca', 'mobilenet_v3_small', 'mobilenet_v2'];
const BLOCK_KEYS = ['id', 'variant', 'channels', 'squeezeChannels', 'reductionRatio', 'pooling', 'fcKind', 'fcBias', 'innerActivation', 'gate', 'params', 'inputShape', 'inputShapeText', 'tensors', 'nodes'];

interface Truth {
  num_se_blocks: number;
  se_blocks: { id: string; variant: string; channels: number; squeeze_channels: number | null; pooling: string; gate: string; params: number; onnx_output: string; input_shape: number[] }[];
}

interface JsonReport {
  model: string;
  convention: string;
  blocks: Record<string, unknown>[];
  layers: { name: string; kind: string; inputShape: unknown[]; outputShape: unknown[]; params: number; memoryMB: number; [k: string]: unknown }[];
  totals: Record<string, number>;
  summary: string[];
  seOverhead: { blocks: number; seParams: number; totalParams: number; seMacs: number; totalMacs: number; notes: string[] };
}

function json(...args: string[]): JsonReport {
  const r = se(...args, '--format', 'json');
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return JSON.parse(r.stdout) as JsonReport;
}

const truthOf = (name: string) => JSON.parse(readFileSync(`test/fixtures/${name}.truth.json`, 'utf8')) as Truth;

/** A user error: exit 2, nothing on stdout, exactly one stderr line, no stack trace. */
function assertUserError(r: ReturnType<typeof se>, mention?: string): string {
  assert.equal(r.status, 2, `exit code (stderr: ${r.stderr})`);
  assert.equal(r.stdout, '');
  const lines = r.stderr.split('\n');
  assert.equal(lines.length, 2, `one line: ${JSON.stringify(r.stderr)}`);
  assert.equal(lines[1], '');
  assert.match(lines[0]!, /^se-lens: \S/);
  assert.doesNotMatch(r.stderr, /\n\s+at |Error:|internal error/);
  if (mention) assert.ok(lines[0]!.includes(mention), `mentions ${mention}: ${lines[0]}`);
  return lines[0]!;
}

describe('se-lens CLI', () => {
  const scratch = builtCliWithScratch('se-lens-cli-');

  describe('fixtures', () => {
    for (const name of FIXTURES) {
      it(`${name}: table output exits 0 and lists the truth's blocks`, () => {
        const truth = truthOf(name);
        const r = se(`test/fixtures/${name}.onnx`);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stderr, '');
        const n = truth.num_se_blocks;
        assert.ok(r.stdout.includes(n === 0 ? 'No SE blocks found.' : `${n} SE block${n === 1 ? '' : 's'}:`), r.stdout.slice(0, 300));
        assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('SE block ')).length, n);
      });

      it(`${name}: JSON has the documented shape and the truth's numbers`, () => {
        const truth = truthOf(name);
        const report = json(`test/fixtures/${name}.onnx`);
        assert.deepEqual(Object.keys(report).sort(), ['blocks', 'convention', 'layers', 'model', 'seOverhead', 'summary', 'totals']);
        assert.equal(report.seOverhead.blocks, truth.num_se_blocks);
        assert.equal(report.seOverhead.seParams, truth.se_blocks.reduce((n, t) => n + t.params, 0));
        assert.equal(report.model, `test/fixtures/${name}.onnx`);
        assert.equal(report.convention, 'torchstat');
        assert.equal(report.blocks.length, truth.num_se_blocks);
        for (const t of truth.se_blocks) {
          const b = report.blocks.find((x) => (x['tensors'] as { output: string }).output === t.onnx_output)!;
          assert.ok(b, t.onnx_output);
          assert.deepEqual(Object.keys(b), BLOCK_KEYS);
          assert.deepEqual(
            [b['id'], b['variant'] === 'se' && t.variant === 'seed_se' ? 'seed_se' : b['variant'], b['channels'], b['squeezeChannels'], b['pooling'], b['gate'], b['params'], b['inputShape']],
            [t.id, t.variant, t.channels, t.squeeze_channels, t.pooling, t.gate, t.params, t.input_shape],
          );
          assert.deepEqual(Object.keys(b['tensors'] as object), ['input', 'gate', 'output']);
          assert.ok(Array.isArray(b['nodes']) && (b['nodes'] as unknown[]).length > 0);
        }
        for (const l of report.layers) {
          for (const k of ['MAdd', 'Flops', 'MemRead', 'MemWrite', 'MemRW']) assert.equal(typeof l[k], 'number', `${l.name}.${k}`);
        }
        // Totals are column sums (the footnoted torchstat fix), so they add up.
        const sum = (k: string) => report.layers.reduce((a, l) => a + (l[k] as number), 0);
        for (const k of ['MAdd', 'Flops', 'MemRead', 'MemWrite', 'MemRW']) assert.equal(report.totals[k], sum(k), k);
        assert.equal(report.totals['params'], sum('params'));
      });
    }

    it('the reference block totals to the digit, in every convention', () => {
      const ts = json('test/fixtures/seed_se_c32_r4_avg.onnx');
      assert.deepEqual(
        ts.layers.map((l) => [l.name, l.params, l['MAdd'], l['Flops'], l['MemRead'], l['MemWrite']]),
        [['pool', 0, 0, 0, 0, 0], ['fc_layers.0', 256, 504, 256, 1152, 32], ['fc_layers.1', 0, 8, 8, 32, 32], ['fc_layers.2', 256, 480, 256, 1056, 128], ['sigmoid', 0, 0, 0, 0, 0]],
      );
      assert.deepEqual(ts.summary.filter((s) => !s.startsWith('Total memory')), ['Total params: 512', 'Total MAdd: 992MAdd', 'Total Flops: 520Flops', 'Total MemR+W: 2.38KB']);
      assert.equal(json('test/fixtures/seed_se_c32_r4_avg.onnx', '--convention', 'macs').totals['MACs'], 512);
      assert.equal(json('test/fixtures/seed_se_c32_r4_avg.onnx', '--convention', 'fvcore').totals['flops'], 8704);
      const onnxTool = json('test/fixtures/seed_se_c32_r4_avg.onnx', '--convention', 'onnx-tool');
      assert.equal(onnxTool.convention, 'onnx-tool');
      assert.equal(onnxTool.totals['MACs'], 18056);
    });

    it('with no file it inspects the bundled example (the reference block)', () => {
      const report = json();
      assert.match(report.model, /se_block_c32_r4_avg\.onnx$/);
      assert.equal(report.blocks.length, 1);
      assert.deepEqual(report.blocks[0]!['inputShape'], [4, 32, 16, 16]);
      assert.equal(report.totals['MAdd'], 992);
    });

    it('--help exits 0 with the usage line', () => {
      const r = se('--help');
      assert.equal(r.status, 0);
      assert.match(r.stdout, /^usage: se-lens /);
    });
  });

  describe('options', () => {
    it('--block picks one block: its rows only, its params', () => {
      const truth = truthOf('mobilenet_v3_small');
      const t = truth.se_blocks[3]!;
      const report = json('test/fixtures/mobilenet_v3_small.onnx', '--block', t.id);
      assert.equal(report.blocks.length, 1);
      assert.equal(report.blocks[0]!['id'], t.id);
      assert.ok(report.layers.length >= 4);
      for (const l of report.layers) assert.ok(l.name.startsWith(`${t.id}.`), l.name);
      assert.equal(report.totals['params'], t.params);
      const table = se('test/fixtures/mobilenet_v3_small.onnx', '--block', t.id);
      assert.equal(table.status, 0);
      assert.equal(table.stdout.split('\n').filter((l) => l.startsWith('SE block ')).length, 1);
    });

    it('--block with an unknown id is a user error naming it', () => {
      assertUserError(se('test/fixtures/mobilenet_v3_small.onnx', '--block', 'features.99.nope'), 'features.99.nope');
    });

    it('--convention switches the columns; an unknown one is a user error', () => {
      for (const [convention, key] of [['macs', 'MACs'], ['fvcore', 'flops'], ['onnx-tool', 'MACs']] as const) {
        const report = json('test/fixtures/var_se_conv1x1_bias.onnx', '--convention', convention);
        assert.equal(report.convention, convention);
        for (const l of report.layers) assert.equal(typeof l[key], 'number', `${convention} ${l.name}`);
        assert.equal(report.layers.some((l) => 'MAdd' in l), false);
      }
      // macs counts Conv/Gemm only, parameters × output positions: the two 1x1 convs of the 64→8→64 block, biases included.
      assert.equal(json('test/fixtures/var_se_conv1x1_bias.onnx', '--convention', 'macs').totals['MACs'], 64 * 8 + 8 + 8 * 64 + 64);
      assertUserError(se('test/fixtures/var_eca.onnx', '--convention', 'flopz'), 'flopz');
    });

    it('--input-shape re-shapes the input; inference follows it', () => {
      const model = 'test/fixtures/seed_se_c32_r4_avg.onnx';
      const base = json(model);
      const report = json(model, '--input-shape', '4,32,8,8');
      assert.deepEqual(report.blocks[0]!['inputShape'], [4, 32, 8, 8]);
      const pool = report.layers.find((l) => l.name === 'pool')!;
      assert.deepEqual([pool.inputShape, pool.outputShape], [[32, 8, 8], [32, 1, 1]]);
      // The excitation works on the pooled vector: its counts do not depend on H, W.
      const counts = (r: JsonReport) => r.layers.filter((l) => l.kind === 'Linear').map((l) => [l.name, l.params, l['MAdd'], l['Flops'], l['MemRead']]);
      assert.deepEqual(counts(report), counts(base));
      // A symbolic batch is accepted too.
      assert.deepEqual(json(model, '--input-shape', 'N,32,16,16').blocks[0]!['inputShape'], ['N', 32, 16, 16]);
    });

    it('--input-shape of the wrong rank or with junk is a user error', () => {
      assertUserError(se('test/fixtures/var_eca.onnx', '--input-shape', '1,64,32'), 'rank');
      assertUserError(se('test/fixtures/var_eca.onnx', '--input-shape', '1,-64,32,32'));
      assertUserError(se('test/fixtures/var_eca.onnx', '--input-shape', '0,64,32,32'));
    });

    it('--format csv: a header and one line per row plus the total, numbers equal to JSON', () => {
      const report = json('test/fixtures/var_se_conv1x1_bias.onnx');
      const r = se('test/fixtures/var_se_conv1x1_bias.onnx', '--format', 'csv');
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.trim().split('\n');
      const head = lines[0]!.split(',');
      assert.deepEqual(head.slice(0, 6), ['convention', 'module name', 'type', 'input shape', 'output shape', 'params']);
      assert.equal(lines.length, 1 + report.layers.length + 1);
      const paramsCol = head.indexOf('params');
      const maddCol = head.indexOf('MAdd');
      report.layers.forEach((l, i) => {
        const cells = lines[i + 1]!.split(',');
        assert.equal(cells[0], 'torchstat');
        assert.equal(cells[1], l.name);
        assert.equal(Number(cells[paramsCol]), l.params);
        assert.equal(Number(cells[maddCol]), l['MAdd']);
      });
      assert.equal(lines[lines.length - 1]!.split(',')[1], 'total');
    });

    it('--format markdown: a title, the block list and a table per block', () => {
      const r = se('test/fixtures/mobilenet_v3_small.onnx', '--format', 'markdown');
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.split('\n');
      assert.equal(lines[0], '# test/fixtures/mobilenet_v3_small.onnx');
      assert.ok(lines.some((l) => /^\| block \| variant \| C \|/.test(l)));
      assert.equal(lines.filter((l) => l.startsWith('## SE block ')).length, 9);
      const list = lines.slice(lines.findIndex((l) => l.startsWith('| block |')), lines.findIndex((l) => l.startsWith('## ')));
      assert.equal(list.filter((l) => /^\| features\.\d+\.block\.\d+ \| torchvision_se \| /.test(l)).length, 9);
    });

    it('an unknown option or a second file is a user error', () => {
      assertUserError(se('test/fixtures/var_eca.onnx', '--frobnicate'), '--frobnicate');
      assertUserError(se('test/fixtures/var_eca.onnx', 'test/fixtures/seed_se_c32_r4_avg.onnx'));
      assertUserError(se('test/fixtures/var_eca.onnx', '--format', 'yaml'), 'yaml');
    });
  });

  describe('bad files: exit 2, one stderr line, no stack', () => {
    it('a missing file is named', () => {
      assertUserError(se(join(scratch.dir, 'nope.onnx')), 'nope.onnx');
    });

    it('a folder', () => {
      assertUserError(se(scratch.dir));
    });

    it('non-ONNX files: JSON text, a PNG header, an empty file', () => {
      const files: [string, Uint8Array][] = [
        ['package.onnx', readFileSync('package.json')],
        ['image.onnx', Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])],
        ['empty.onnx', new Uint8Array(0)],
      ];
      for (const [name, bytes] of files) {
        writeFileSync(join(scratch.dir, name), bytes);
        assertUserError(se(join(scratch.dir, name)));
      }
    });

    it('truncated fixtures, cut inside the graph', () => {
      for (const name of ['var_eca', 'mobilenet_v3_small']) {
        const bytes = readFileSync(`test/fixtures/${name}.onnx`);
        for (const cut of [20, Math.floor(bytes.length / 2), bytes.length - 3]) {
          const path = join(scratch.dir, `${name}_cut${cut}.onnx`);
          writeFileSync(path, bytes.subarray(0, cut));
          const r = se(path);
          // A cut inside raw_data after the structure may still read as a partial model; otherwise exit 2.
          if (r.status !== 0) assertUserError(r);
        }
      }
      const path = join(scratch.dir, 'eca_head.onnx');
      writeFileSync(path, readFileSync('test/fixtures/var_eca.onnx').subarray(0, 200));
      assertUserError(se(path), 'truncated');
    });

    it('corrupt bytes in the structure', () => {
      const bytes = new Uint8Array(readFileSync('test/fixtures/seed_se_c32_r4_avg.onnx'));
      // Point the graph field's length (ModelProto field 7) far past the end of the file.
      let at = 0;
      while (at < bytes.length && bytes[at] !== 0x3a) at++;
      const corrupt = bytes.slice();
      corrupt[at + 1] = 0xff;
      corrupt[at + 2] = 0xff;
      corrupt[at + 3] = 0x7f;
      writeFileSync(join(scratch.dir, 'corrupt.onnx'), corrupt);
      assertUserError(se(join(scratch.dir, 'corrupt.onnx')));
    });

    it('external data leaving the folder is refused, naming the location', () => {
      writeFileSync(join(scratch.dir, 'ext.onnx'), externalModel('../../etc/passwd'));
      assertUserError(se(join(scratch.dir, 'ext.onnx')), '../../etc/passwd');
    });
  });

  describe('generated models', () => {
    it('an EfficientNet-like network: every MBConv SE block, by module id', () => {
      const c = efficientNetLike({ stemChannels: 8, inputSize: 16, stages: [{ channels: 8, repeats: 1, expand: 1, stride: 1 }, { channels: 16, repeats: 2, expand: 4, stride: 2 }] });
      const path = join(scratch.dir, 'effnet.onnx');
      writeFileSync(path, writeOnnx(c.model));
      const report = json(path);
      assert.deepEqual(report.blocks.map((b) => [b['id'], b['variant'], b['channels'], b['squeezeChannels'], b['params']]), c.blocks.map((b) => [b.id, b.variant, b.channels, b.squeezeChannels, b.params]));
    });

    it('a dynamic-batch opset-18 block: --input-shape with a symbol', () => {
      const c = positiveCase('cbam_conv', { opset: 18, dynamic: true, module: 'stage.0.ca' });
      const path = join(scratch.dir, 'cbam.onnx');
      writeFileSync(path, writeOnnx(c.model));
      const report = json(path, '--block', 'stage.0.ca', '--input-shape', 'B,16,8,8');
      assert.deepEqual(report.blocks[0]!['inputShape'], ['B', 16, 8, 8]);
      assert.equal(report.blocks[0]!['variant'], 'cbam_channel');
      assert.equal(report.totals['params'], c.blocks[0]!.params);
    });
  });
});
