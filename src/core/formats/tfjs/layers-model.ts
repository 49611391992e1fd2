import { SeLensError } from '../../errors.js';
import type { Model } from '../../ir/graph.js';
import type { ExternalDataHost } from '../../onnx/byte-source.js';

export function readTfjsLayersModel(_json: Record<string, unknown>, _folder: ExternalDataHost | undefined, _name: string): Model {
  throw new SeLensError('unsupported', 'TF.js layers models are not read yet.');
}
