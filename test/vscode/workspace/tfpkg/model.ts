import * as tf from '@tensorflow/tfjs';
import { SQUEEZE_RATIO } from './config';

export function buildModel(): tf.LayersModel {
  const input = tf.input({ shape: [16, 16, 32] });
  const s = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const z = tf.layers.dense({ units: 32 / SQUEEZE_RATIO, activation: 'relu' }).apply(s) as tf.SymbolicTensor;
  const g = tf.layers.dense({ units: 32, activation: 'sigmoid' }).apply(z) as tf.SymbolicTensor;
  const r = tf.layers.reshape({ targetShape: [1, 1, 32] }).apply(g) as tf.SymbolicTensor;
  const out = tf.layers.multiply().apply([input, r]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}
