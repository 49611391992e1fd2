/**
 * The `tf.layers` factories the front-end knows, as data: factory name → TF.js class name. How each
 * class sizes its weights (its `countParams()`) and which IR it becomes is in `layers.ts`, one case per
 * class; a factory absent here is reported as not interpreted, never guessed.
 */
export const LAYER_CLASSES: Readonly<Record<string, string>> = {
  dense: 'Dense',
  conv1d: 'Conv1D',
  conv2d: 'Conv2D',
  conv3d: 'Conv3D',
  conv2dTranspose: 'Conv2DTranspose',
  depthwiseConv2d: 'DepthwiseConv2D',
  separableConv2d: 'SeparableConv2D',
  maxPooling1d: 'MaxPooling1D',
  maxPooling2d: 'MaxPooling2D',
  maxPool2d: 'MaxPooling2D',
  averagePooling1d: 'AveragePooling1D',
  averagePooling2d: 'AveragePooling2D',
  avgPool2d: 'AveragePooling2D',
  globalAveragePooling1d: 'GlobalAveragePooling1D',
  globalAveragePooling2d: 'GlobalAveragePooling2D',
  globalMaxPooling1d: 'GlobalMaxPooling1D',
  globalMaxPooling2d: 'GlobalMaxPooling2D',
  globalMaxPool2d: 'GlobalMaxPooling2D',
  batchNormalization: 'BatchNormalization',
  layerNormalization: 'LayerNormalization',
  reshape: 'Reshape',
  flatten: 'Flatten',
  permute: 'Permute',
  repeatVector: 'RepeatVector',
  dropout: 'Dropout',
  spatialDropout1d: 'SpatialDropout1D',
  alphaDropout: 'AlphaDropout',
  gaussianDropout: 'GaussianDropout',
  gaussianNoise: 'GaussianNoise',
  activation: 'Activation',
  reLU: 'ReLU',
  leakyReLU: 'LeakyReLU',
  elu: 'ELU',
  softmax: 'Softmax',
  thresholdedReLU: 'ThresholdedReLU',
  prelu: 'PReLU',
  add: 'Add',
  multiply: 'Multiply',
  subtract: 'Subtract',
  average: 'Average',
  maximum: 'Maximum',
  minimum: 'Minimum',
  concatenate: 'Concatenate',
  zeroPadding2d: 'ZeroPadding2D',
  upSampling2d: 'UpSampling2D',
  cropping2D: 'Cropping2D',
  embedding: 'Embedding',
};

/** Element-wise merge layers: class → ONNX op. */
export const MERGE_OPS: Readonly<Record<string, string>> = {
  Add: 'Add',
  Multiply: 'Mul',
  Subtract: 'Sub',
  Maximum: 'Max',
  Minimum: 'Min',
  Average: 'Mean',
};

/** Layers that pass their input through unchanged at inference. */
export const IDENTITY_LAYERS: ReadonlySet<string> = new Set(['Dropout', 'SpatialDropout1D', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise']);
