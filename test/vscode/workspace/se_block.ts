import * as tf from '@tensorflow/tfjs';

// A squeeze-and-excitation block written the usual TF.js way (NHWC).
export function seBlock(input: tf.SymbolicTensor, channels = 64, ratio = 16): tf.SymbolicTensor {
  const squeezed = tf.layers.globalAveragePooling2d({}).apply(input) as tf.SymbolicTensor;
  const reduced = tf.layers.dense({ units: channels / ratio, activation: 'relu' }).apply(squeezed) as tf.SymbolicTensor;
  const gate = tf.layers.dense({ units: channels, activation: 'sigmoid' }).apply(reduced) as tf.SymbolicTensor;
  const reshaped = tf.layers.reshape({ targetShape: [1, 1, channels] }).apply(gate) as tf.SymbolicTensor;
  return tf.layers.multiply().apply([input, reshaped]) as tf.SymbolicTensor;
}

const input = tf.input({ shape: [32, 32, 64] });
export const model = tf.model({ inputs: input, outputs: seBlock(input) });
