import { SeLensError } from '../errors.js';
import type { Model } from '../ir/graph.js';
import type { ByteSource, ExternalDataHost } from '../onnx/byte-source.js';
import { readOnnx } from '../onnx/reader.js';
import { readTfjsModel } from './tfjs/model-json.js';
import { readTflite } from './tflite/reader.js';
import { isLegacyTorch, torchPickleEntry } from './pytorch/torch-file.js';
import { isSafetensors } from './safetensors/safetensors.js';
import { readWeightsFile } from './weights-file.js';
import { moduleBlocksModel } from './pytorch/module-se.js';
import { isHdf5 } from './keras/hdf5.js';
import { readKerasH5 } from './keras/keras-h5.js';
import { isKerasArchive, readKerasArchive } from './keras/keras-archive.js';
import { isZip, ZipArchive } from './zip-archive.js';

export type ModelFormat = 'onnx' | 'tfjs' | 'tflite' | 'pytorch' | 'safetensors' | 'keras-h5' | 'keras';

/** A model.json is text; beyond this it is not a TF.js topology (weights live in the shards). */
const MAX_JSON_BYTES = 256 * 1024 * 1024;

/** Which reader a file needs, from its first bytes (not its name): `{` for TF.js, `TFL3` at byte 4 for TFLite, `\x89HDF` for Keras, a zip or pickle for PyTorch. */
export async function sniffFormat(source: ByteSource): Promise<ModelFormat> {
  return (await sniffFile(source)).format;
}

/** A file's format, and its zip archive when it is one: opened once, then handed to the format's reader. */
export interface SniffedFile {
  readonly format: ModelFormat;
  readonly zip?: ZipArchive;
}

export async function sniffFile(source: ByteSource): Promise<SniffedFile> {
  const head = source.read(0, Math.min(source.size, 64));
  let i = 0;
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) i = 3;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x0a || head[i] === 0x0d || head[i] === 0x09)) i++;
  if (head[i] === 0x7b) return { format: 'tfjs' };
  if (head.length >= 8 && String.fromCharCode(...head.subarray(4, 8)) === 'TFL3') return { format: 'tflite' };
  if (isHdf5(source)) return { format: 'keras-h5' };
  if (isZip(source)) {
    const zip = await ZipArchive.open(source);
    if (isKerasArchive(zip)) return { format: 'keras', zip };
    if (torchPickleEntry(zip)) return { format: 'pytorch', zip };
  }
  if (isLegacyTorch(source)) return { format: 'pytorch' };
  if (isSafetensors(source)) return { format: 'safetensors' };
  return { format: 'onnx' };
}

export interface ReadModelOptions {
  /** Files beside the model: TF.js weight shards, ONNX external data. Refuses paths outside the model's folder. */
  readonly folder?: ExternalDataHost;
  readonly inlineLimit?: number;
  /** Graph name for formats that carry none (the file's base name). */
  readonly name?: string;
}

/**
 * Reads any supported model file into the IR, lazily: weights are located, not loaded. `sniffed`: what
 * `sniffFile` found for this source, when the caller already asked (its zip is not opened again).
 */
export async function readModelFile(source: ByteSource, options: ReadModelOptions = {}, sniffed?: SniffedFile): Promise<Model> {
  const { format, zip } = sniffed ?? (await sniffFile(source));
  if (format === 'tfjs') {
    if (source.size > MAX_JSON_BYTES) throw new SeLensError('too-large', `The JSON file is ${source.size} bytes, too large for a TF.js model.json.`);
    return readTfjsModel(new TextDecoder().decode(source.read(0, source.size)), options.folder, options.name);
  }
  if (format === 'tflite') {
    return readTflite(source, options.name);
  }
  if (format === 'keras-h5') return readKerasH5(source, options.name ?? 'model');
  if (format === 'keras') return readKerasArchive(source, zip!, options.name ?? 'model');
  if (format === 'pytorch' || format === 'safetensors') {
    const file = await readWeightsFile(source, zip);
    if ((file.kind === 'module' || file.kind === 'torchscript') && file.module) {
      const model = moduleBlocksModel(file.module, file.tensors, options.name ?? file.module.className);
      if (model.graph.nodes.length) return model;
      throw new SeLensError('unsupported', `This is a ${file.description}; no SE block is recognisable from its modules (its forward code is not in the file). Pair a state dict with the model's source instead.`);
    }
    throw new SeLensError('unsupported', `This is a ${file.description}: weights without a graph SE Lens can read. Pair it with the model's source: se-lens model.py --weights FILE.`);
  }
  return readOnnx(source, { ...(options.folder ? { externalData: options.folder } : {}), ...(options.inlineLimit !== undefined ? { inlineLimit: options.inlineLimit } : {}) });
}
