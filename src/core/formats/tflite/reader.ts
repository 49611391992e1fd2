import { SeLensError } from '../../errors.js';
import type { Model } from '../../ir/graph.js';
import type { ByteSource } from '../../onnx/byte-source.js';

export function readTflite(_source: ByteSource, _name = 'model'): Model {
  throw new SeLensError('unsupported', 'TFLite models are not read yet.');
}
