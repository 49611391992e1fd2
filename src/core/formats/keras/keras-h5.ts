import { SeLensError } from '../../errors.js';
import type { Model } from '../../ir/graph.js';
import type { ByteSource } from '../../onnx/byte-source.js';
import { decodeRaw } from '../../onnx/dtypes.js';
import { layersModelFromTopology } from '../tfjs/layers-model.js';
import type { ManifestWeight } from '../tfjs/weights-manifest.js';
import { Hdf5File, shown, type H5Object } from './hdf5.js';

/** Weights up to this many elements are read with the structure (as the TF.js reader does); larger ones stay in the file. */
const SMALL_ELEMENTS = 64;

/**
 * A Keras 2 `.h5` model (`model.save('model.h5')`): the topology is the root's `model_config` attribute
 * (the same Keras JSON a TF.js layers model carries, so the same layer catalogue reads it), the weights are
 * datasets under `model_weights/<layer>/`, listed by each layer group's `weight_names` attribute.
 * A weights-only file (`save_weights`) has no topology: it is named as such.
 */
export function readKerasH5(source: ByteSource, name: string): Model {
  const file = new Hdf5File(source);
  const root = file.get('');
  const config = root.attrs.get('model_config');
  if (typeof config !== 'string') {
    throw new SeLensError('unsupported', 'This HDF5 file has no model_config attribute: Keras weights without a topology (save_weights). Open the model saved whole (.keras or .h5).');
  }
  let topology: unknown;
  try {
    topology = JSON.parse(config);
  } catch {
    throw new SeLensError('corrupt', 'The model_config attribute of this Keras file is not valid JSON.');
  }
  const weightsRoot = file.has('model_weights') ? 'model_weights' : '';
  const group = file.get(weightsRoot);
  const weights = new Map<string, ManifestWeight>();
  for (const layer of stringList(group, 'layer_names')) {
    const layerPath = `${weightsRoot}/${layer}`;
    for (const weightName of stringList(file.get(layerPath), 'weight_names')) {
      weights.set(weightName.replace(/:\d+$/, ''), manifestWeight(file, `${layerPath}/${weightName}`, weightName.replace(/:\d+$/, '')));
    }
  }
  return layersModelFromTopology(topology, weights, name, String(root.attrs.get('keras_version') ?? ''));
}

/**
 * A list attribute as Keras 2 writes it: whole, or (past HDF5's 64 KB header limit) split into `<attr>0`,
 * `<attr>1`, ... (Keras's `save_attributes_to_hdf5_group`).
 */
function stringList(obj: H5Object, attr: string): string[] {
  const one = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);
  if (obj.attrs.has(attr)) return one(obj.attrs.get(attr));
  const out: string[] = [];
  for (let chunk = 0; obj.attrs.has(`${attr}${chunk}`); chunk++) out.push(...one(obj.attrs.get(`${attr}${chunk}`)));
  return out;
}

function manifestWeight(file: Hdf5File, path: string, name: string): ManifestWeight {
  const d = file.get(path).dataset;
  if (!d) throw new SeLensError('corrupt', `Keras weight "${shown(path)}" is not a dataset.`);
  if (d.dtype !== 'float32' && d.dtype !== 'float16' && d.dtype !== 'float64') throw new SeLensError('unsupported', `Keras weight "${shown(path)}" has element type ${d.dtype}.`);
  const count = d.shape.reduce((a, b) => a * b, 1);
  // Inline data (compact, or chunked and decoded) is already in memory: it becomes the values.
  const values = count <= SMALL_ELEMENTS || d.inline ? Float32Array.from(decodeRaw(d.dtype, file.read(d))) : undefined;
  const payload = d.inline ? undefined : { kind: 'embedded' as const, offset: d.offset, length: d.length, encoding: 'raw' as const, stored: { dtype: d.dtype } };
  return { name, dtype: 'float32', shape: [...d.shape], payload, values };
}
