import { SeLensError } from '../../errors.js';
import type { Model } from '../../ir/graph.js';
import type { ByteSource } from '../../onnx/byte-source.js';
import { decodeRaw } from '../../onnx/dtypes.js';
import { layersModelFromTopology } from '../tfjs/layers-model.js';
import type { ManifestWeight } from '../tfjs/weights-manifest.js';
import { field } from '../tfjs/weights-manifest.js';
import { ZipArchive } from '../zip-archive.js';
import { Hdf5File } from './hdf5.js';
import { variableNames } from './variable-names.js';

const SMALL_ELEMENTS = 64;
const MAX_CONFIG_BYTES = 64 * 1024 * 1024;
const MAX_DEPTH = 32;

export function isKerasArchive(zip: ZipArchive): boolean {
  return zip.entries.has('config.json') && zip.entries.has('model.weights.h5');
}

/**
 * A Keras 3 `.keras` archive: `config.json` (the model serialized by Keras 3), `metadata.json` (its
 * version) and `model.weights.h5`, read in place inside the zip: weights are located at their offset
 * in the archive, not read. Variables are stored by index under `layers/<name>/vars`; `variableNames`
 * gives them the names the layer catalogue matches.
 */
export async function readKerasArchive(source: ByteSource, zip: ZipArchive, name: string): Promise<Model> {
  const text = async (entry: string) => new TextDecoder().decode(await zip.read(entry, MAX_CONFIG_BYTES));
  let config: unknown;
  let metadata: unknown = {};
  try {
    config = JSON.parse(await text('config.json'));
    if (zip.entries.has('metadata.json')) metadata = JSON.parse(await text('metadata.json'));
  } catch (e) {
    if (e instanceof SeLensError) throw e;
    throw new SeLensError('corrupt', 'config.json or metadata.json of the .keras archive is not valid JSON.');
  }
  const range = zip.range('model.weights.h5');
  const inner: ByteSource = { size: range.length, read: (o, n) => source.read(range.offset + o, Math.min(n, range.length - o)) };
  const h5 = new Hdf5File(inner);
  const weights = new Map<string, ManifestWeight>();
  collect(h5, config, 'layers', range.offset, weights, 0);
  return layersModelFromTopology(config, weights, name, String(field(metadata, 'keras_version') ?? '3'));
}

/** Weights of a model's layers, nested models included (`layers/<model>/layers/<layer>/vars`). */
function collect(h5: Hdf5File, model: unknown, prefix: string, base: number, out: Map<string, ManifestWeight>, depth: number): void {
  if (depth > MAX_DEPTH) throw new SeLensError('corrupt', `Models in the .keras archive are nested more than ${MAX_DEPTH} deep.`);
  const layers = field(field(model, 'config'), 'layers');
  if (!Array.isArray(layers)) return;
  for (const layer of layers) {
    const className = String(field(layer, 'class_name') ?? '');
    const config = (field(layer, 'config') ?? {}) as Record<string, unknown>;
    const layerName = String(config['name'] ?? field(layer, 'name') ?? '');
    const path = `${prefix}/${layerName}`;
    if (Array.isArray(field(config, 'layers'))) {
      collect(h5, layer, `${path}/layers`, base, out, depth + 1);
      continue;
    }
    if (!h5.has(`${path}/vars`)) continue;
    const vars = h5.get(`${path}/vars`).links;
    if (!vars?.size) continue;
    const names = variableNames(className, config);
    if (!names || names.length !== vars.size) {
      throw new SeLensError('unsupported', `Layer "${layerName}" (${className}) stores ${vars.size} variables in the .keras archive; SE Lens knows ${names ? names.length : 'no names'} for that class.`);
    }
    names.forEach((param, i) => {
      const d = h5.get(`${path}/vars/${i}`).dataset;
      if (!d || (d.dtype !== 'float32' && d.dtype !== 'float16' && d.dtype !== 'float64')) throw new SeLensError('unsupported', `Variable ${i} of layer "${layerName}" is not a float dataset.`);
      const count = d.shape.reduce((a, b) => a * b, 1);
      const values = count <= SMALL_ELEMENTS || d.inline ? Float32Array.from(decodeRaw(d.dtype, h5.read(d))) : undefined;
      const payload = d.inline ? undefined : { kind: 'embedded' as const, offset: base + d.offset, length: d.length, encoding: 'raw' as const, stored: { dtype: d.dtype } };
      out.set(`${layerName}/${param}`, { name: `${layerName}/${param}`, dtype: 'float32', shape: [...d.shape], payload, values });
    });
  }
}
