/**
 * Bad input: every case must end in a `SeLensError` with a one-line message, or in a (partial) result —
 * never another exception type, never a hang. Cases are fast-check samples (fixed seeds, so a failure
 * names a reproducible case); each is its own test with the runner's 1 s timeout. The test yields to the
 * event loop before and after the synchronous work so the runner's timer can fire on a slow case.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import * as fc from 'fast-check';
import { externalModel } from '../helpers/external-model.js';
import { FileSource, folderExternalData } from '../../src/node/file-source.js';
import { analyzeModel, analyzeOnnx } from '../../src/core/analyze.js';
import { SeLensError } from '../../src/core/errors.js';
import type { Graph, Model, Node } from '../../src/core/ir/graph.js';
import { bytesSource } from '../../src/core/onnx/byte-source.js';
import { readOnnx } from '../../src/core/onnx/reader.js';
import { loadTensorValues } from '../../src/core/onnx/tensor-data.js';
import { writeOnnx } from '../../src/core/onnx/writer.js';
import { CONVENTIONS } from '../../src/core/stats/table.js';
import { efficientNetLike, GraphBuilder, int, ints, positiveCase, tensorAttr } from '../helpers/se-graphs.js';

const LIMIT = { timeout: 1000 };
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

type Outcome = { kind: 'result'; blocks: number } | { kind: 'error'; code: string; message: string };

/**
 * Opens the bytes and computes what the surfaces show: blocks, every convention's whole-model table, and
 * per-block tables (every convention for small models; the default torchstat one for the 10+ MB fixtures,
 * whose 40 tables would measure the stats module's speed, not its robustness).
 */
function analyseEverything(bytes: Uint8Array): Outcome {
  try {
    const analysis = analyzeOnnx(bytesSource(bytes));
    for (const convention of CONVENTIONS) {
      analysis.table(convention);
      if (convention === 'torchstat' || bytes.length < 1_000_000) for (const b of analysis.blocks) analysis.table(convention, b.id);
    }
    return { kind: 'result', blocks: analysis.blocks.length };
  } catch (e) {
    return asCleanError(e);
  }
}

/** A `SeLensError` with a non-empty one-line message becomes an outcome; anything else fails the test. */
function asCleanError(e: unknown): Outcome {
  if (!(e instanceof SeLensError)) {
    const err = e as Error;
    assert.fail(`expected SeLensError or a result, got ${err?.name ?? typeof e}: ${err?.message ?? String(e)}\n${err?.stack ?? ''}`);
  }
  assert.ok(e.message.length > 0, 'message is not empty');
  assert.ok(!/[\r\n]/.test(e.message), `one-line message: ${JSON.stringify(e.message)}`);
  return { kind: 'error', code: e.code, message: e.message };
}

function outcomeOf(fn: () => unknown): Outcome {
  try {
    fn();
    return { kind: 'result', blocks: -1 };
  } catch (e) {
    return asCleanError(e);
  }
}

/** One case = one test, with the 1 s limit. */
function fuzzCase(name: string, fn: () => void): void {
  it(name, LIMIT, async () => {
    await tick();
    fn();
    await tick();
  });
}

// ---------------------------------------------------------------------------------------------------------
// Sources: the real fixtures and generated models

const FIXTURES = ['seed_se_c32_r4_avg', 'seed_se_c32_r4_max', 'var_se_conv1x1_bias', 'var_eca', 'mobilenet_v3_small', 'mobilenet_v2'];

interface Source {
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Positions of length prefixes of length-delimited fields (walked with the library's reader). */
  readonly lengths: LengthPrefix[];
  /** Runs per mutation kind: fewer for the 10+ MB fixtures. */
  readonly runs: number;
}

interface LengthPrefix {
  readonly pos: number;
  readonly size: number;
  readonly value: number;
}

function sources(): Source[] {
  const list: { name: string; bytes: Uint8Array }[] = FIXTURES.map((name) => ({ name, bytes: new Uint8Array(readFileSync(`test/fixtures/${name}.onnx`)) }));
  list.push({ name: 'generated seed_avg opset13 dynamic', bytes: writeOnnx(positiveCase('seed_avg', { opset: 13, dynamic: true, module: 'se' }).model) });
  list.push({ name: 'generated cbam_gemm opset18', bytes: writeOnnx(positiveCase('cbam_gemm', { opset: 18, dynamic: false }).model) });
  list.push({ name: 'generated eca opset11 dynamic', bytes: writeOnnx(positiveCase('eca', { opset: 11, dynamic: true, unscoped: true }).model) });
  list.push({
    name: 'generated efficientnet-like',
    bytes: writeOnnx(efficientNetLike({ stemChannels: 8, inputSize: 16, stages: [{ channels: 8, repeats: 1, expand: 1, stride: 1 }, { channels: 16, repeats: 2, expand: 4, stride: 2 }] }).model),
  });
  return list.map((s) => ({ ...s, lengths: lengthPrefixes(s.bytes), runs: s.bytes.length > 1_000_000 ? 6 : 15 }));
}

/**
 * Length prefixes of every length-delimited field whose body parses as a message, recursively (a test-side
 * walk with @bufbuild's BinaryReader, only to choose where to lie).
 */
function lengthPrefixes(bytes: Uint8Array): LengthPrefix[] {
  const out: LengthPrefix[] = [];
  const walk = (start: number, end: number, depth: number): boolean => {
    const found: LengthPrefix[] = [];
    const children: [number, number][] = [];
    const reader = new BinaryReader(bytes.subarray(start, end));
    try {
      while (reader.pos < end - start) {
        const [field, wire] = reader.tag();
        if (field < 1 || field > 100) return false;
        if (wire === WireType.LengthDelimited) {
          const lenPos = start + reader.pos;
          const length = reader.uint32();
          const bodyStart = start + reader.pos;
          if (bodyStart + length > end) return false;
          found.push({ pos: lenPos, size: bodyStart - lenPos, value: length });
          children.push([bodyStart, bodyStart + length]);
          reader.pos += length;
        } else if (wire === WireType.Varint || wire === WireType.Bit32 || wire === WireType.Bit64) {
          reader.skip(wire);
        } else return false;
      }
    } catch {
      return false;
    }
    out.push(...found);
    if (depth < 6) for (const [s, e] of children) if (e - s > 1 && e - s < 65536) walk(s, e, depth + 1);
    return true;
  };
  walk(0, bytes.length, 0);
  return out;
}

function varint(value: bigint): Uint8Array {
  return new BinaryWriter().uint64(value).finish();
}

function splice(bytes: Uint8Array, pos: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, pos), 0);
  out.set(insert, pos);
  out.set(bytes.subarray(pos + remove), pos + insert.length);
  return out;
}

// ---------------------------------------------------------------------------------------------------------

describe('bad input: fuzzed bytes of the fixtures and generated models', () => {
  const all = sources();

  before(() => {
    // Warm the engine (JIT) on the intact models, so the 1 s limit measures the cases, not compilation.
    for (const s of all) assert.equal(analyseEverything(s.bytes).kind, 'result', `${s.name} opens intact`);
  });

  for (const source of all) {
    describe(source.name, () => {
      const size = source.bytes.length;
      const boundaries = source.lengths.flatMap((l) => [l.pos, l.pos + l.size, l.pos + l.size + l.value]).filter((p) => p > 0 && p < size);
      const cuts = fc.sample(
        boundaries.length ? fc.oneof(fc.integer({ min: 0, max: size - 1 }), fc.constantFrom(...boundaries), fc.constantFrom(...boundaries).map((p) => Math.max(0, p - 1))) : fc.integer({ min: 0, max: size - 1 }),
        { seed: 11, numRuns: source.runs },
      );
      for (const cut of new Set(cuts)) {
        fuzzCase(`truncated at byte ${cut} of ${size}`, () => {
          const outcome = analyseEverything(source.bytes.subarray(0, cut));
          // Cut anywhere before the end, the graph is incomplete: only an error or a result is acceptable.
          if (cut === 0) assert.deepEqual(outcome.kind === 'error' && outcome.code, 'not-onnx');
        });
      }

      const headerPositions = source.lengths.flatMap((l) => [l.pos - 1, l.pos]).filter((p) => p >= 0 && p < size);
      const position = headerPositions.length ? fc.oneof(fc.integer({ min: 0, max: size - 1 }), fc.constantFrom(...headerPositions)) : fc.integer({ min: 0, max: size - 1 });
      const flips = fc.sample(fc.array(fc.record({ at: position, xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: 6 }), { seed: 12, numRuns: source.runs });
      for (const list of flips) {
        fuzzCase(`flipped ${list.map((f) => `${f.at}^${f.xor}`).join(',')}`, () => {
          const bytes = source.bytes.slice();
          for (const f of list) bytes[f.at]! ^= f.xor;
          analyseEverything(bytes);
        });
      }

      if (source.lengths.length) {
        const lies = fc.sample(
          fc.record({
            field: fc.integer({ min: 0, max: source.lengths.length - 1 }),
            value: fc.oneof(
              fc.constant(0n), fc.integer({ min: -16, max: 16 }).map((d) => BigInt(d)), fc.constantFrom(2n ** 31n - 1n, 2n ** 32n + 5n, 2n ** 53n, 2n ** 62n, 2n ** 64n - 1n),
            ),
          }),
          { seed: 13, numRuns: source.runs },
        );
        for (const lie of lies) {
          const prefix = source.lengths[lie.field]!;
          // Small values are deltas around the true length; large ones replace it.
          const told = lie.value > 16n || lie.value === 0n ? lie.value : BigInt(Math.max(0, prefix.value + Number(lie.value)));
          fuzzCase(`length prefix at byte ${prefix.pos} says ${told} (was ${prefix.value})`, () => {
            const outcome = analyseEverything(splice(source.bytes, prefix.pos, prefix.size, varint(told)));
            if (told > BigInt(size) && outcome.kind === 'error') assert.match(outcome.code, /^(truncated|corrupt|not-onnx)$/);
          });
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Nested-message bombs

/** Protobuf bytes assembled from parts, with a plain varint writer (fast enough for 200,000 levels). */
class Bytes {
  private readonly parts: number[] = [];
  varint(v: number): this {
    while (v >= 0x80) {
      this.parts.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.parts.push(v);
    return this;
  }
  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }
  str(field: number, s: string): this {
    const b = new TextEncoder().encode(s);
    this.tag(field, 2).varint(b.length);
    for (const x of b) this.parts.push(x);
    return this;
  }
  raw(b: ArrayLike<number>): this {
    for (let i = 0; i < b.length; i++) this.parts.push(b[i]!);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

/** Concatenates the heads outermost-first, then the innermost body. */
function nest(model: Uint8Array, heads: Uint8Array[], innermost: Uint8Array): Uint8Array {
  const total = model.length + heads.reduce((a, h) => a + h.length, 0) + innermost.length;
  const out = new Uint8Array(total);
  out.set(model, 0);
  let at = model.length;
  for (let i = heads.length - 1; i >= 0; i--) {
    out.set(heads[i]!, at);
    at += heads[i]!.length;
  }
  out.set(innermost, at);
  return out;
}

/**
 * A ModelProto whose graph holds a node whose graph attribute holds a graph whose node ... `depth` levels,
 * built in O(depth): each nested message is its parent's last field, so a level is a head of bytes.
 */
function graphAttributeBomb(depth: number): Uint8Array {
  const innermost = new Bytes().str(2, 'g').finish(); // GraphProto { name }
  const heads: Uint8Array[] = [];
  let length = innermost.length;
  for (let i = 0; i < depth; i++) {
    // Attribute { name=1, type=20 (GRAPH=5), g=6 } inside Node { op_type=4, attribute=5 } inside Graph { node=1 }.
    const attr = new Bytes().str(1, 'then_branch').tag(20, 0).varint(5).tag(6, 2).varint(length);
    const attrLength = attr.length + length;
    const node = new Bytes().str(4, 'If').tag(5, 2).varint(attrLength);
    const nodeLength = node.length + attrLength;
    const graph = new Bytes().tag(1, 2).varint(nodeLength);
    length = graph.length + nodeLength;
    heads.push(graph.raw(node.finish()).raw(attr.finish()).finish());
  }
  const model = new Bytes().tag(1, 0).varint(8).tag(8, 2).varint(2).tag(2, 0).varint(13).tag(7, 2).varint(length).finish();
  return nest(model, heads, innermost);
}

/** A graph input whose TypeProto is sequence(sequence(... tensor)) `depth` deep. */
function typeBomb(depth: number): Uint8Array {
  const tensorType = Uint8Array.from([0x0a, 0x02, 0x08, 0x01]); // TypeProto { tensor_type { elem_type: FLOAT } }
  const heads: Uint8Array[] = [];
  let length = tensorType.length;
  for (let i = 0; i < depth; i++) {
    // TypeProto { sequence_type (4) { elem_type (1) { ... } } }
    const seqHead = new Bytes().tag(1, 2).varint(length);
    const seqLength = seqHead.length + length;
    const typeHead = new Bytes().tag(4, 2).varint(seqLength).raw(seqHead.finish());
    length = typeHead.length + length;
    heads.push(typeHead.finish());
  }
  const valueInfo = new Bytes().str(1, 'input').tag(2, 2).varint(length);
  const valueInfoLength = valueInfo.length + length;
  const graph = new Bytes().tag(11, 2).varint(valueInfoLength).raw(valueInfo.finish());
  const graphLength = graph.length + length;
  const model = new Bytes().tag(1, 0).varint(8).tag(8, 2).varint(2).tag(2, 0).varint(13).tag(7, 2).varint(graphLength).raw(graph.finish()).finish();
  return nest(model, heads, tensorType);
}

describe('bad input: nested-message bombs', () => {
  it('the bomb builders make well-formed protobuf at small depth', () => {
    const model = readOnnx(bytesSource(graphAttributeBomb(3)));
    assert.equal(model.graph.nodes[0]!.op, 'If');
    const g = model.graph.nodes[0]!.attrs['then_branch'];
    assert.equal(g?.type, 'graph');
    assert.equal(readOnnx(bytesSource(typeBomb(3))).graph.inputs[0]!.name, 'input');
  });
  for (const depth of [10, 30, 40, 2_000, 200_000]) {
    // Built before the timed case: the bytes are the input, not part of the work.
    const graphs = graphAttributeBomb(depth);
    const types = typeBomb(depth);
    fuzzCase(`subgraph attributes nested ${depth} deep (${graphs.length} bytes)`, () => {
      const outcome = analyseEverything(graphs);
      if (outcome.kind === 'result') assert.equal(outcome.blocks, 0);
      else assert.match(outcome.message, /nested|recursion|depth/);
    });
    fuzzCase(`sequence types nested ${depth} deep (${types.length} bytes)`, () => {
      analyseEverything(types);
    });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Malformed graphs through the writer

function seedModel(): Model {
  return positiveCase('seed_avg', { opset: 13, dynamic: false }).model;
}

function roundTrip(model: Model): Outcome {
  return analyseEverything(writeOnnx(model));
}

function replaceNodes(model: Model, nodes: Node[]): Model {
  const graph: Graph = { ...model.graph, nodes };
  return { ...model, graph };
}

describe('bad input: malformed graphs', () => {
  fuzzCase('a cycle through the whole SE block (the pool reads the Mul output)', () => {
    const m = seedModel();
    const nodes = m.graph.nodes.map((n) => ({ ...n, inputs: n.inputs.map((i) => (i === 'input' ? 'output' : i)) }));
    roundTrip(replaceNodes(m, nodes));
  });

  fuzzCase('a two-node cycle and a self-loop beside a real block', () => {
    const m = seedModel();
    const extra: Node[] = [
      { id: 'loopA', op: 'Relu', domain: '', attrs: {}, inputs: ['b'], outputs: ['a'] },
      { id: 'loopB', op: 'Sigmoid', domain: '', attrs: {}, inputs: ['a'], outputs: ['b'] },
      { id: 'self', op: 'Mul', domain: '', attrs: {}, inputs: ['s', 's'], outputs: ['s'] },
      { id: 'gateCycle', op: 'Mul', domain: '', attrs: {}, inputs: ['a', 'b'], outputs: ['c'] },
    ];
    const outcome = roundTrip(replaceNodes(m, [...m.graph.nodes, ...extra]));
    if (outcome.kind === 'result') assert.equal(outcome.blocks, 1);
  });

  fuzzCase('dims of 2^62 on the input and on a weight', () => {
    const m = seedModel();
    m.graph.inputs[0]!.shape = [2 ** 62, 16, 2 ** 62, 8];
    const w = [...m.graph.initializers.values()].find((i) => i.dtype === 'float32')!;
    m.graph.initializers.set(w.name, { ...w, shape: [2 ** 62, w.shape[1]!] });
    roundTrip(m);
  });

  fuzzCase('negative dims on a weight are refused as corrupt', () => {
    const m = seedModel();
    const w = [...m.graph.initializers.values()].find((i) => i.dtype === 'float32')!;
    m.graph.initializers.set(w.name, { ...w, shape: [-4, w.shape[1]!] });
    const outcome = roundTrip(m);
    assert.equal(outcome.kind === 'error' && outcome.code, 'corrupt');
  });

  fuzzCase('negative dims on the input shape give a partial result', () => {
    const m = seedModel();
    m.graph.inputs[0]!.shape = [-1, 16, -7, 8];
    assert.equal(roundTrip(m).kind, 'result');
  });

  fuzzCase('missing initializers: the excitation weights are gone', () => {
    const m = seedModel();
    for (const [name, init] of m.graph.initializers) if (init.dtype === 'float32') m.graph.initializers.delete(name);
    const outcome = roundTrip(m);
    assert.equal(outcome.kind, 'result');
  });

  fuzzCase('unknown ops and domains inside and around a block: partial result', () => {
    const m = seedModel();
    const nodes = m.graph.nodes.map((n) => (n.op === 'Relu' ? { ...n, op: 'FancyRelu', domain: 'com.example.ops' } : n));
    nodes.push({ id: 'custom', op: 'Mystery', domain: 'org.unknown', attrs: { weird: int(7) }, inputs: ['output', 'nowhere'], outputs: ['m1', 'm2'] });
    const model = { ...replaceNodes(m, nodes), opsets: [...m.opsets, { domain: 'com.example.ops', version: 1 }, { domain: 'org.unknown', version: 99 }] };
    const outcome = roundTrip(model);
    assert.equal(outcome.kind, 'result');
  });

  fuzzCase('a known op in an unknown domain is not mistaken for the ONNX op', () => {
    const m = positiveCase('timm_conv_bias', { opset: 13, dynamic: false }).model;
    const nodes = m.graph.nodes.map((n) => (n.op === 'Sigmoid' ? { ...n, domain: 'com.vendor' } : n));
    const outcome = roundTrip({ ...replaceNodes(m, nodes), opsets: [...m.opsets, { domain: 'com.vendor', version: 1 }] });
    assert.equal(outcome.kind, 'result');
  });

  fuzzCase('not ONNX at all: empty, text, PNG, zeros', () => {
    for (const bytes of [new Uint8Array(0), new TextEncoder().encode('{"model": "json"}\n'), Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), new Uint8Array(64)]) {
      const outcome = analyseEverything(bytes);
      assert.equal(outcome.kind, 'error', `${bytes.length} bytes`);
    }
  });

  // Random graphs: random ops (SE ops, shape plumbing, unknown ones), inputs drawn from every tensor name
  // (later nodes' outputs too, so cycles and self-loops), wild attributes and initializer dims.
  const OPS = ['GlobalAveragePool', 'ReduceMean', 'MaxPool', 'Conv', 'Gemm', 'MatMul', 'Relu', 'Sigmoid', 'HardSigmoid', 'Mul', 'Add', 'Div', 'Clip',
    'Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Transpose', 'Shape', 'Gather', 'Concat', 'Expand', 'Identity', 'Slice', 'Split', 'Resize', 'Unknown'];
  const dim = fc.oneof(fc.integer({ min: 0, max: 8 }), fc.constantFrom(-1, -3, 2 ** 31, 2 ** 53, 2 ** 62));
  const attrValue: fc.Arbitrary<number[]> = fc.oneof(fc.array(fc.integer({ min: -5, max: 9 }), { maxLength: 6 }), fc.constantFrom([2 ** 62, 2 ** 62], [0, 0], [-1]).map((v) => [...v]));
  const node = fc.record({
    op: fc.constantFrom(...OPS),
    domain: fc.constantFrom('', '', '', 'com.example'),
    inputs: fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 3 }),
    outputs: fc.integer({ min: 1, max: 2 }),
    attr: fc.constantFrom('kernel_shape', 'axes', 'perm', 'pads', 'strides', 'shape', 'group'),
    value: attrValue,
  });
  const graphs = fc.sample(
    fc.record({ nodes: fc.array(node, { minLength: 1, maxLength: 24 }), weights: fc.array(fc.array(dim, { minLength: 0, maxLength: 4 }), { maxLength: 4 }), input: fc.array(dim, { minLength: 0, maxLength: 5 }) }),
    { seed: 21, numRuns: 60 },
  );
  graphs.forEach((spec, k) => {
    fuzzCase(`random graph #${k}: ${spec.nodes.map((n) => n.op).join(' ')}`, () => {
      const b = new GraphBuilder(13);
      const names = ['input', ...spec.weights.map((_, i) => `w${i}`)];
      spec.nodes.forEach((n, i) => n.outputs > 1 ? names.push(`t${i}a`, `t${i}b`) : names.push(`t${i}a`));
      spec.weights.forEach((shape, i) => b.initializers.set(`w${i}`, { name: `w${i}`, dtype: 'float32', shape, values: new Float32Array(3) }));
      spec.nodes.forEach((n, i) => {
        const attrs = n.attr === 'group' ? { group: int(n.value[0] ?? 1) } : { [n.attr]: ints(n.value) };
        b.nodes.push({ id: `n${i}`, op: n.op, domain: n.domain, attrs, inputs: n.inputs.map((j) => names[j % names.length]!), outputs: n.outputs > 1 ? [`t${i}a`, `t${i}b`] : [`t${i}a`] });
      });
      const last = spec.nodes.length - 1;
      const model = b.model('random', [{ name: 'input', dtype: 'float32', shape: spec.input }], [{ name: `t${last}a`, dtype: 'float32', shape: undefined }]);
      model.opsets.push({ domain: 'com.example', version: 1 });
      roundTrip(model);
      // The same graph handed to the engine without a file in between (front-ends build IR directly).
      outcomeOf(() => {
        const a = analyzeModel(model);
        for (const c of CONVENTIONS) a.table(c);
      });
    });
  });

  fuzzCase('a Constant node with a tensor of 2^62 elements declared and 3 given', () => {
    const m = seedModel();
    m.graph.nodes.unshift({ id: 'huge', op: 'Constant', domain: '', attrs: { value: tensorAttr({ dtype: 'int64', shape: [2 ** 62], values: [1, 2, 3] }) }, inputs: [], outputs: ['huge_out'] });
    roundTrip(m);
  });
});

// ---------------------------------------------------------------------------------------------------------
// External data

describe('bad input: external data locations', () => {
  let root = '';
  let folder = '';
  let outside = '';
  const weights = Float32Array.from([1, 2, 3, 4, 5, 6]);

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'se-lens-ext-'));
    folder = join(root, 'model');
    outside = join(root, 'outside');
    mkdirSync(folder);
    mkdirSync(outside);
    writeFileSync(join(folder, 'weights.bin'), new Uint8Array(weights.buffer));
    // Different bytes outside, so anything read from there shows.
    writeFileSync(join(outside, 'secret.bin'), new Uint8Array(Float32Array.from([9, 9, 9, 9, 9, 9]).buffer));
    symlinkSync(join(outside, 'secret.bin'), join(folder, 'link.bin'));
    symlinkSync(outside, join(folder, 'linkdir'));
    mkdirSync(join(folder, 'sub'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  /** Writes the model beside its data and opens it as the CLI does. */
  function open(location: string, extra: { offset?: number; length?: number } = {}): { outcome: Outcome; values?: number[] } {
    const path = join(folder, 'model.onnx');
    writeFileSync(path, externalModel(location, extra));
    const source = new FileSource(path);
    const host = folderExternalData(path);
    try {
      const analysis = analyzeOnnx(source, { externalData: host });
      const w = analysis.model.graph.initializers.get('W')!;
      return { outcome: { kind: 'result', blocks: analysis.blocks.length }, values: Array.from(loadTensorValues(w, source, host)) };
    } catch (e) {
      return { outcome: asCleanError(e) };
    } finally {
      source.close();
      host.close();
    }
  }

  const refused = (location: string, code: string) => {
    const { outcome } = open(location);
    assert.equal(outcome.kind, 'error');
    if (outcome.kind !== 'error') return;
    assert.equal(outcome.code, code);
    assert.ok(outcome.message.includes(location), `names "${location}": ${outcome.message}`);
  };

  fuzzCase('a location inside the folder loads (control)', () => {
    assert.deepEqual(open('weights.bin').values, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(open('./sub/../weights.bin', { offset: 8, length: 16 }).values, [3, 4, 5, 6]);
  });
  fuzzCase('a location with .. climbing out is refused, named', () => refused('../outside/secret.bin', 'refused-path'));
  fuzzCase('a location that climbs out after going down is refused', () => refused('sub/../../outside/secret.bin', 'refused-path'));
  fuzzCase('an absolute location is refused, named', () => refused(join(outside, 'secret.bin'), 'refused-path'));
  fuzzCase('a symlinked file leaving the folder is refused, named', () => refused('link.bin', 'refused-path'));
  fuzzCase('a file under a symlinked folder leaving the folder is refused, named', () => refused('linkdir/secret.bin', 'refused-path'));
  fuzzCase('a missing data file is named', () => refused('not-there.bin', 'missing-file'));
  fuzzCase('offset/length past the end of the data file is corrupt', () => {
    const { outcome } = open('weights.bin', { offset: 16, length: 64 });
    assert.equal(outcome.kind === 'error' && outcome.code, 'corrupt');
  });
  fuzzCase('fuzzed locations never escape and never throw anything but SeLensError', () => {
    const seg = fc.constantFrom('..', '.', 'sub', 'linkdir', 'link.bin', 'weights.bin', 'secret.bin', '', 'outside', 'model', '\0', 'C:', '\\..');
    const locations = fc.sample(fc.array(seg, { minLength: 1, maxLength: 5 }).map((s) => s.join('/')), { seed: 31, numRuns: 25 });
    for (const location of locations) {
      if (!location) continue;
      const { outcome, values } = open(location);
      // Whatever loads must be the folder's own weights.bin, never the secret outside.
      if (outcome.kind === 'result') assert.deepEqual(values, [1, 2, 3, 4, 5, 6], `loaded through ${JSON.stringify(location)}`);
    }
  });
});
