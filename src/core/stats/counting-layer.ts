import type { Dim, Model } from '../ir/graph.js';
import type { Layer } from './layers.js';

/**
 * TF.js layer classes and the PyTorch module whose counting formulas apply to them. Classes missing here
 * keep their own name: those with the same name in torch.nn (ReLU, ELU, LeakyReLU, PReLU, Softmax) and
 * those with a rule of their own (SeparableConv2D, LayerNormalization, LSTM, GRU, SimpleRNN, Embedding).
 */
const TORCH_EQUIVALENT: Record<string, string> = {
  Dense: 'Linear',
  Conv1D: 'Conv1d',
  Conv2D: 'Conv2d',
  Conv3D: 'Conv3d',
  DepthwiseConv2D: 'Conv2d',
  Conv2DTranspose: 'ConvTranspose2d',
  Conv3DTranspose: 'ConvTranspose3d',
  GlobalAveragePooling1D: 'AdaptiveAvgPool1d',
  GlobalAveragePooling2D: 'AdaptiveAvgPool2d',
  GlobalMaxPooling1D: 'AdaptiveMaxPool1d',
  GlobalMaxPooling2D: 'AdaptiveMaxPool2d',
  MaxPooling1D: 'MaxPool1d',
  MaxPooling2D: 'MaxPool2d',
  MaxPooling3D: 'MaxPool3d',
  AveragePooling1D: 'AvgPool1d',
  AveragePooling2D: 'AvgPool2d',
  AveragePooling3D: 'AvgPool3d',
  UpSampling2D: 'Upsample',
};

const ACTIVATION_EQUIVALENT: Record<string, string> = { relu: 'ReLU', relu6: 'ReLU6', sigmoid: 'Sigmoid', hardSigmoid: 'Hardsigmoid', tanh: 'Tanh', softmax: 'Softmax', elu: 'ELU' };

/** Counted kinds whose formulas read the channel axis (channels, then spatial dims). */
const CHANNEL_AXIS = /^(Conv|ConvTranspose|SeparableConv|MaxPool|AvgPool|AdaptiveAvgPool|AdaptiveMaxPool|BatchNorm|InstanceNorm|GroupNorm)|^Upsample$/;

/** ONNX ops that are channels first whatever the source layout: a layer that starts with one works channels first. */
const CHANNELS_FIRST_OPS = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'BatchNormalization']);

/**
 * The layer as PyTorch-side formulas expect it: a torch class name and channels-first shapes. PyTorch
 * layers pass through; TF.js layers are mapped (a Dense is counted as a Linear, a Conv2D as a Conv2d) and
 * channels-last ones transposed. Rows still print the layer's own class and shapes.
 */
export function countingLayer(layer: Layer, model: Model): Layer {
  if (layer.kind === 'TimeDistributed') return timeDistributedLayer(layer, model);
  const activation = layer.kind === 'Activation' ? ACTIVATION_EQUIVALENT[String(layer.config['activation'])] : undefined;
  const kind = activation ?? TORCH_EQUIVALENT[layer.kind] ?? batchNormKind(layer) ?? layer.kind;
  const mapped = kind === layer.kind ? layer : { ...layer, kind };
  // Only formulas that read a channel axis need it first: a Dense (like a Linear), a recurrent layer or a
  // layer norm acts on the last axis in any layout, and its leading dims are positions, not NHWC.
  if (!CHANNEL_AXIS.test(kind) || !channelsLast(layer, model)) return mapped;
  return { ...mapped, input: toNCHW(layer.input), output: toNCHW(layer.output) };
}

/**
 * `timeDistributed({layer})` runs its layer once per step with shared weights: counted as the inner layer on
 * one step (the steps axis dropped from its shapes), which the torchstat rule then multiplies by the steps.
 */
function timeDistributedLayer(layer: Layer, model: Model): Layer {
  const wrapped = layer.config['wrapped'];
  const steps = layer.input?.[1];
  if (typeof wrapped !== 'string' || typeof steps !== 'number' || !layer.output) return layer;
  const dropSteps = (shape: Dim[]): Dim[] => [shape[0]!, ...shape.slice(2)];
  const step = countingLayer({ ...layer, kind: wrapped, input: dropSteps(layer.input!), output: dropSteps(layer.output) }, model);
  return { ...step, kind: 'TimeDistributed', config: { ...step.config, wrapped: step.kind, steps } };
}

/** TF.js BatchNormalization normalises one axis of any rank: the torch class of that rank. */
function batchNormKind(layer: Layer): string | undefined {
  if (layer.kind !== 'BatchNormalization') return undefined;
  const rank = layer.input?.length ?? 4;
  return rank <= 3 ? 'BatchNorm1d' : rank === 5 ? 'BatchNorm3d' : 'BatchNorm2d';
}

/**
 * Whether the layer's shapes are channels last. Source front-ends record per layer how it ran: a TF.js
 * layer that works channels last is transposed into a channels-first ONNX op, one written with
 * `dataFormat: 'channelsFirst'` feeds that op directly; other layers follow the unit's layout. Graphs
 * without modules (ONNX, TFLite, TF.js graph models) follow their layout.
 */
function channelsLast(layer: Layer, model: Model): boolean {
  const first = model.graph.modules && layer.nodeIds.length ? opsOf(model).get(layer.nodeIds[0]!) : undefined;
  if (first === 'Transpose') return true;
  if (first && CHANNELS_FIRST_OPS.has(first)) return false;
  return model.layout === 'NHWC';
}

const opCache = new WeakMap<Model, { nodes: number; ops: Map<string, string> }>();

/** Node id → op, built once per model: a table asks it once per row. */
function opsOf(model: Model): Map<string, string> {
  const hit = opCache.get(model);
  if (hit && hit.nodes === model.graph.nodes.length) return hit.ops;
  const ops = new Map(model.graph.nodes.map((n) => [n.id, n.op]));
  opCache.set(model, { nodes: model.graph.nodes.length, ops });
  return ops;
}

function toNCHW(shape: Dim[] | undefined): Dim[] | undefined {
  if (!shape || shape.length < 3) return shape;
  return [shape[0]!, shape[shape.length - 1]!, ...shape.slice(1, -1)];
}
