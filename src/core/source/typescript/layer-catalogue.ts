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
  conv3dTranspose: 'Conv3DTranspose',
  depthwiseConv2d: 'DepthwiseConv2D',
  separableConv2d: 'SeparableConv2D',
  maxPooling1d: 'MaxPooling1D',
  maxPool1d: 'MaxPooling1D',
  maxPooling2d: 'MaxPooling2D',
  maxPool2d: 'MaxPooling2D',
  maxPooling3d: 'MaxPooling3D',
  averagePooling1d: 'AveragePooling1D',
  avgPool1d: 'AveragePooling1D',
  avgPooling1d: 'AveragePooling1D',
  avgPooling2d: 'AveragePooling2D',
  averagePooling3d: 'AveragePooling3D',
  avgPool3d: 'AveragePooling3D',
  avgPooling3d: 'AveragePooling3D',
  averagePooling2d: 'AveragePooling2D',
  avgPool2d: 'AveragePooling2D',
  globalAveragePooling1d: 'GlobalAveragePooling1D',
  globalAveragePooling2d: 'GlobalAveragePooling2D',
  globalMaxPooling1d: 'GlobalMaxPooling1D',
  globalMaxPool1d: 'GlobalMaxPooling1D',
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
  masking: 'Masking',
  inputLayer: 'InputLayer',
  rescaling: 'Rescaling',
  resizing: 'Resizing',
  centerCrop: 'CenterCrop',
  categoryEncoding: 'CategoryEncoding',
  randomWidth: 'RandomWidth',
  activation: 'Activation',
  reLU: 'ReLU',
  leakyReLU: 'LeakyReLU',
  elu: 'ELU',
  softmax: 'Softmax',
  thresholdedReLU: 'ThresholdedReLU',
  prelu: 'PReLU',
  add: 'Add',
  multiply: 'Multiply',
  average: 'Average',
  maximum: 'Maximum',
  minimum: 'Minimum',
  concatenate: 'Concatenate',
  dot: 'Dot',
  zeroPadding2d: 'ZeroPadding2D',
  upSampling2d: 'UpSampling2D',
  cropping2D: 'Cropping2D',
  embedding: 'Embedding',
  lstm: 'LSTM',
  gru: 'GRU',
  simpleRNN: 'SimpleRNN',
  convLstm2d: 'ConvLSTM2D',
  rnn: 'RNN',
  lstmCell: 'LSTMCell',
  gruCell: 'GRUCell',
  simpleRNNCell: 'SimpleRNNCell',
  convLstm2dCell: 'ConvLSTM2DCell',
  stackedRNNCells: 'StackedRNNCells',
  bidirectional: 'Bidirectional',
  timeDistributed: 'TimeDistributed',
};

/** Options that hold other layers (a wrapper's layer, an RNN's cell or cells): the layer's `inner` layers. */
export const INNER_LAYER_OPTIONS: readonly string[] = ['layer', 'cell', 'cells'];

/** Recurrent layers and their cells: class → number of gates (weight blocks of `units` each). */
export const RECURRENT_GATES: Readonly<Record<string, number>> = { LSTM: 4, GRU: 3, SimpleRNN: 1, LSTMCell: 4, GRUCell: 3, SimpleRNNCell: 1, ConvLSTM2D: 4, ConvLSTM2DCell: 4 };

/** Element-wise merge layers: class → ONNX op. */
export const MERGE_OPS: Readonly<Record<string, string>> = {
  Add: 'Add',
  Multiply: 'Mul',
  Maximum: 'Max',
  Minimum: 'Min',
  Average: 'Mean',
};

/** Layers that pass their input through unchanged at inference. */
export const IDENTITY_LAYERS: ReadonlySet<string> = new Set(['Dropout', 'SpatialDropout1D', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise', 'Masking', 'InputLayer']);
