import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Ort from 'onnxruntime-web';
import { analyzeModel } from '../core/analyze.js';
import type { SEBlock } from '../core/detect/block.js';
import { SeLensError } from '../core/errors.js';
import { readModelFile } from '../core/formats/read-model.js';
import type { Model } from '../core/ir/graph.js';
import { parseNpy } from '../core/inputs/npy.js';
import { planSamples } from '../core/inputs/samples.js';
import { chooseInputSizes, DEFAULT_INPUT_SIZE, type SizeRequest } from '../core/inputs/sizes.js';
import { gateModelFromOnnx, gateModelFromSource, type GateModel } from '../core/inspect/gate-model.js';
import { gateRows } from '../core/inspect/gate-rows.js';
import { MAX_BATCH, type DecodedImage, type InputSpec } from '../core/protocol.js';
import { FileSource, folderExternalData } from '../node/file-source.js';
import { forEachArgument, isSourceExtension, parseArgs } from './args.js';
import { gatesCsv, heatmapPng, meansTable, npyBytes } from './gates-output.js';

export const GATES_USAGE = `usage: se-lens gates <model file | model.py | notebook.ipynb | model.ts> [--weights CKPT [--weights-prefix P]]
                [--input IMAGE|DIR|X.npy] [--format table|csv|json|npy] [--png heatmap.png] [--block ID] [--python-path DIR]...
Runs every SE block's gate (onnxruntime-web, WASM) and prints the gates, blocks in execution order.
Without --input: seeded normal noise (seed 0), 4 samples. npy: float32 [samples, ΣC], blocks side by side.`;

type GatesFormat = 'table' | 'csv' | 'json' | 'npy';
const GATES_FORMATS: readonly GatesFormat[] = ['table', 'csv', 'json', 'npy'];
const IMAGE_EXT = /\.(png|jpe?g)$/i;
const WASM = 'ort-wasm-simd-threaded.wasm';
const GLUE = 'ort-wasm-simd-threaded.mjs';

export interface BlockGates {
  readonly id: string;
  readonly channels: number;
  /** One row per sample. */
  readonly gates: Float32Array[];
}

/** `se-lens gates …`: its own options are taken out, the rest are the report's (`--weights`, `--block`, …). */
export async function gatesMain(argv: readonly string[]): Promise<{ stdout: string | Uint8Array; stderr?: string }> {
  let input: string | undefined;
  let png: string | undefined;
  // Set inside the walk's callback, which TypeScript's narrowing does not follow.
  let format = 'table' as GatesFormat;
  const rest: string[] = [];
  forEachArgument(argv, (flag, value, arg) => {
    if (flag === '--input') input = value();
    else if (flag === '--png') png = value();
    else if (flag === '--format') {
      const v = value();
      if (!GATES_FORMATS.includes(v as GatesFormat)) throw new SeLensError('bad-argument', `Unknown gates format "${v}"; use one of ${GATES_FORMATS.join(', ')}.`);
      format = v as GatesFormat;
    } else rest.push(arg);
  });
  const args = parseArgs(rest);
  if (args.help) return { stdout: `${GATES_USAGE}\n` };
  if (!args.file) throw new SeLensError('bad-argument', `se-lens gates needs a model file. ${GATES_USAGE.split('\n')[0]}`);
  const spec = inputSpec(input);
  const { gm, blocks, layout, notes } = await runnableModel(args.file, args, spec);
  const results = await runGates(gm, blocks, spec, layout);
  if (png) writeFileSync(png, heatmapPng(results));
  const inputLabel = input ?? 'seeded normal noise (seed 0), 4 samples';
  switch (format) {
    case 'json':
      return { stdout: `${JSON.stringify({ model: args.file, input: inputLabel, blocks: results.map((b) => ({ id: b.id, channels: b.channels, gates: b.gates.map((r) => Array.from(r)) })) }, null, 1)}\n` };
    case 'csv':
      return { stdout: gatesCsv(results) };
    case 'npy':
      return { stdout: npyBytes(results), stderr: `columns: ${results.map((b, i) => `${b.id || '(whole model)'} ${results.slice(0, i).reduce((n, x) => n + x.channels, 0)}+${b.channels}`).join(', ')}\n` };
    default:
      return { stdout: `${[args.file, ...notes, `input: ${inputLabel}`, '', meansTable(results)].join('\n')}\n` };
  }
}

/** The model with every gate as an output: a model file as it is, a source unit with its paired or default weights. */
async function runnableModel(file: string, args: ReturnType<typeof parseArgs>, spec: InputSpec): Promise<{ gm: GateModel; blocks: readonly SEBlock[]; layout: 'NCHW' | 'NHWC'; notes: string[] }> {
  const ext = extname(file).toLowerCase();
  if (isSourceExtension(ext)) {
    const { analyzeSourceFile } = await import('./source-file.js');
    // A `.npy` input says the input shape the source is traced at, unless --input-shape does.
    const shaped = args.inputShape === undefined && spec.kind === 'npy' ? { ...args, inputShape: parseNpy(spec.bytes).shape } : args;
    let report = await analyzeSourceFile(file, shaped);
    let model = report.analysis.model;
    if (args.weights !== undefined) {
      const { withWeights, loadPairedValues } = await import('./weights.js');
      report = await withWeights(report, args.weights, args.weightsPrefix);
      model = await loadPairedValues(report.analysis.model, args.weights);
    }
    const blocks = pick(report.analysis.blocks, args.block);
    const scheme = model.layout === 'NHWC' ? 'tfjs' : 'pytorch';
    const gm = gateModelFromSource(structuredClone(model), blocks, { scheme, seed: 0, spatial: 16 });
    const notes = [...(report.notes ?? []), ...(args.weights === undefined ? ['weights: framework defaults drawn from seed 0 (no --weights given)'] : [])];
    return { gm, blocks, layout: model.layout, notes };
  }
  if (args.weights !== undefined) throw new SeLensError('bad-argument', '--weights pairs a state dict with a model\'s source (.py); this model file carries its own weights.');
  const source = new FileSource(file);
  const external = folderExternalData(file);
  try {
    const model = await readModelFile(source, { folder: external, name: basename(file, ext) });
    const analysis = analyzeModel(model, args.inputShape ? { inputShape: args.inputShape } : {});
    const blocks = pick(analysis.blocks, args.block);
    const notes = sizeOpenInputs(model, spec);
    return { gm: gateModelFromOnnx(model, blocks, source, external), blocks, layout: model.layout, notes };
  } finally {
    source.close();
    external.close();
  }
}

/**
 * Sizes the dims a model file leaves open (PaddleOCR's `[N, 3, H, W]`), as the inspector does: from the
 * `--input` array's own shape or image, else a metadata hint, else `seLens.defaultInputSize` (224), the size
 * real backbones are built for (a strided FPN does not line up at 16 × 16). Returns the note saying so.
 */
function sizeOpenInputs(model: Model, spec: InputSpec): string[] {
  const inputs = model.graph.inputs.map((i) => ({ name: i.name, dtype: i.dtype, shape: i.shape ?? [] }));
  const choices = chooseInputSizes(inputs, model.layout, sizeRequest(inputs[0]?.shape ?? [], spec), model.metadata).filter((c) => c.role !== 'batch');
  if (!choices.length) return [];
  const values = new Map(choices.map((c) => [c.symbol, c.value]));
  for (const i of model.graph.inputs) i.shape = i.shape?.map((d, k) => (k > 0 && typeof d !== 'number' ? values.get(d) ?? DEFAULT_INPUT_SIZE.spatial : d));
  return [`open input sizes set to ${choices.map((c) => `${c.symbol}=${c.value} (${c.source === 'panel' ? 'the input array' : c.source})`).join(', ')}`];
}

/** The `--input` as a size request: an array's dims name the first input's open dims, an image its H and W. */
function sizeRequest(firstShape: readonly (number | string)[], spec: InputSpec): SizeRequest {
  if (spec.kind === 'images' && spec.images[0]) return { image: { height: spec.images[0].height, width: spec.images[0].width } };
  if (spec.kind !== 'npy') return {};
  const shape = parseNpy(spec.bytes).shape;
  // `[samples, …]` or one sample without the batch dim.
  const offset = shape.length === firstShape.length ? 0 : shape.length === firstShape.length - 1 ? -1 : undefined;
  if (offset === undefined) return {};
  const panel: Record<string, number> = {};
  firstShape.forEach((d, k) => {
    const size = shape[k + offset];
    if (k > 0 && typeof d === 'string' && size !== undefined) panel[d] = size;
  });
  return { panel };
}

function pick(blocks: readonly SEBlock[], id: string | undefined): readonly SEBlock[] {
  if (!blocks.length) throw new SeLensError('unsupported', 'No SE blocks found: there are no gates to run.');
  if (id === undefined) return blocks;
  const found = blocks.filter((b) => b.id === id);
  if (!found.length) throw new SeLensError('bad-argument', `No SE block "${id}"; blocks: ${blocks.map((b) => JSON.stringify(b.id)).join(', ')}.`);
  return found;
}

function inputSpec(input: string | undefined): InputSpec {
  if (input === undefined) return { kind: 'normal', seed: 0, batch: 4 };
  if (!existsSync(input)) throw new SeLensError('missing-file', `No such input: ${input}`);
  if (statSync(input).isDirectory()) {
    const files = readdirSync(input).filter((f) => IMAGE_EXT.test(f)).sort().slice(0, MAX_BATCH);
    if (!files.length) throw new SeLensError('bad-argument', `No PNG or JPEG files in ${input}.`);
    return { kind: 'images', images: files.map((f) => decodeImage(f, readFileSync(join(input, f)))) };
  }
  if (/\.npy$/i.test(input)) return { kind: 'npy', name: basename(input), bytes: new Uint8Array(readFileSync(input)) };
  if (IMAGE_EXT.test(input)) return { kind: 'images', images: [decodeImage(basename(input), readFileSync(input))] };
  throw new SeLensError('bad-argument', `--input takes a PNG/JPEG image, a folder of them, or a .npy array; got ${input}.`);
}

function decodeImage(name: string, buffer: Buffer): DecodedImage {
  const { PNG } = require('pngjs') as typeof import('pngjs');
  const jpeg = require('jpeg-js') as typeof import('jpeg-js');
  try {
    if (/\.png$/i.test(name)) {
      const png = PNG.sync.read(buffer);
      return { name, width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
    const img = jpeg.decode(buffer, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 64 });
    return { name, width: img.width, height: img.height, rgba: img.data };
  } catch (e) {
    throw new SeLensError('bad-argument', `${name} could not be decoded: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** onnxruntime-web's WASM build under Node, loaded as the extension host's inline-gate runner loads it. */
async function loadOrt(): Promise<typeof Ort> {
  // The built extension ships ORT's files in dist/ (webview/ort, ort-node); from a checkout, node_modules has them.
  const packageDirs: string[] = [];
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) packageDirs.push(join(dir, 'node_modules', 'onnxruntime-web', 'dist'));
  const candidates = [{ wasm: join(__dirname, 'webview', 'ort', WASM), glue: join(__dirname, 'ort-node', GLUE) }, ...packageDirs.map((d) => ({ wasm: join(d, WASM), glue: join(d, GLUE) }))];
  const files = candidates.find((c) => existsSync(c.wasm) && existsSync(c.glue));
  if (!files) throw new SeLensError('missing-file', 'onnxruntime-web\'s WASM files were not found beside the CLI.');
  const ort = await import('onnxruntime-web/wasm');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  ort.env.wasm.wasmBinary = readFileSync(files.wasm);
  ort.env.wasm.wasmPaths = { mjs: pathToFileURL(files.glue).href };
  return ort;
}

export async function runGates(gm: GateModel, blocks: readonly SEBlock[], spec: InputSpec, layout: 'NCHW' | 'NHWC'): Promise<BlockGates[]> {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(gm.bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  try {
    const rows = await gateRows(ort, session, planSamples(gm.inputs, spec, layout), blocks);
    return blocks.map((b) => {
      const gates = rows.get(b.id) ?? [];
      return { id: b.id, channels: gates[0]?.length ?? b.channels, gates };
    });
  } finally {
    await session.release();
  }
}
