import type { Dim } from '../ir/graph.js';
import type { Layer } from './layers.js';

/** TF.js layer classes and the PyTorch module whose counting formulas apply to them. */
const TORCH_EQUIVALENT: Record<string, string> = {
  Dense: 'Linear',
  Conv2D: 'Conv2d',
  Conv1D: 'Conv1d',
  DepthwiseConv2D: 'Conv2d',
  GlobalAveragePooling2D: 'AdaptiveAvgPool2d',
  GlobalMaxPooling2D: 'AdaptiveMaxPool2d',
  MaxPooling2D: 'MaxPool2d',
  AveragePooling2D: 'AvgPool2d',
  BatchNormalization: 'BatchNorm2d',
  ReLU: 'ReLU',
  Softmax: 'Softmax',
};

const ACTIVATION_EQUIVALENT: Record<string, string> = { relu: 'ReLU', relu6: 'ReLU6', sigmoid: 'Sigmoid', hardSigmoid: 'Hardsigmoid', tanh: 'Tanh', softmax: 'Softmax', elu: 'ELU' };

/**
 * The layer as PyTorch-side formulas expect it: a torch class name and NCHW shapes. PyTorch layers pass
 * through; TF.js layers (NHWC) are mapped, so a Dense is counted as a Linear and a Conv2D as a Conv2d.
 * Rows still print the layer's own class and NHWC shapes.
 */
export function countingLayer(layer: Layer, layout: 'NCHW' | 'NHWC'): Layer {
  if (layout === 'NCHW') return layer;
  const activation = layer.kind === 'Activation' ? ACTIVATION_EQUIVALENT[String(layer.config['activation'])] : undefined;
  const kind = activation ?? TORCH_EQUIVALENT[layer.kind] ?? layer.kind;
  // A Dense acts on the last axis in any layout, like a Linear: its leading dims are positions, not NHWC.
  if (kind === 'Linear') return { ...layer, kind };
  return { ...layer, kind, input: toNCHW(layer.input), output: toNCHW(layer.output) };
}

function toNCHW(shape: Dim[] | undefined): Dim[] | undefined {
  if (!shape || shape.length < 3) return shape;
  return [shape[0]!, shape[shape.length - 1]!, ...shape.slice(1, -1)];
}
