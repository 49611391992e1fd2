import { SeLensError } from '../../errors.js';
import type { Model } from '../../ir/graph.js';
import type { ExternalDataHost } from '../../onnx/byte-source.js';
import { readTfjsGraphModel } from './graph-model.js';
import { readTfjsLayersModel } from './layers-model.js';
import { field } from './weights-manifest.js';

/**
 * A TF.js `model.json`: a graph model (`"format": "graph-model"`, a GraphDef) or a layers model (a Keras
 * topology). Weight shards are opened through `folder`, which refuses paths outside the model's folder.
 */
export function readTfjsModel(text: string, folder: ExternalDataHost | undefined, name = 'model'): Model {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    // JSON.parse quotes the text around the fault, line breaks included: one line, kept short.
    const reason = (e as Error).message.replace(/\s+/g, ' ').slice(0, 160);
    throw new SeLensError('corrupt', `The file is not valid JSON (${reason}).`);
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new SeLensError('not-onnx', 'The JSON file is not a TF.js model.json (no object at its top).');
  const model = json as Record<string, unknown>;
  const topology = model['modelTopology'];
  if (!topology || typeof topology !== 'object') throw new SeLensError('not-onnx', 'The JSON file is not a TF.js model.json: it has no "modelTopology".');
  if (model['format'] === 'graph-model' || Array.isArray(field(topology, 'node'))) return readTfjsGraphModel(model, folder, name);
  return readTfjsLayersModel(model, folder, name);
}
