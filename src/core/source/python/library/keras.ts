import type { SourceRange } from '../../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../../graph-builder.js';
import type { Syn } from '../../syntax.js';
import { applyLayer, TfLayerError, type LayerOption, type TfLayer } from '../../typescript/layers.js';
import { int, unknown, type PyValue } from '../values.js';

/**
 * Keras in Python (`keras.layers`, `tf.keras.layers`) as the catalogue knows it. The layers are the same
 * objects the TF.js front-end builds: one parameter rule and one NHWC emission for both languages; this
 * file only maps Python's spelling (positional order, snake_case keywords, activation names) onto them.
 */

/** Keras class → TF.js class name and positional parameter order (TF.js option names). */
const LAYERS: Record<string, { readonly cls: string; readonly positional: readonly string[] }> = {
  Dense: { cls: 'Dense', positional: ['units', 'activation', 'useBias'] },
  Conv2D: { cls: 'Conv2D', positional: ['filters', 'kernelSize', 'strides', 'padding'] },
  GlobalAveragePooling2D: { cls: 'GlobalAveragePooling2D', positional: ['dataFormat'] },
  GlobalMaxPooling2D: { cls: 'GlobalMaxPooling2D', positional: ['dataFormat'] },
  GlobalAvgPool2D: { cls: 'GlobalAveragePooling2D', positional: ['dataFormat'] },
  GlobalMaxPool2D: { cls: 'GlobalMaxPooling2D', positional: ['dataFormat'] },
  Reshape: { cls: 'Reshape', positional: ['targetShape'] },
  Multiply: { cls: 'Multiply', positional: [] },
  Lambda: { cls: 'Lambda', positional: ['function'] },
  Add: { cls: 'Add', positional: [] },
  Activation: { cls: 'Activation', positional: ['activation'] },
  Flatten: { cls: 'Flatten', positional: [] },
  Dropout: { cls: 'Dropout', positional: ['rate'] },
  ReLU: { cls: 'ReLU', positional: [] },
  BatchNormalization: { cls: 'BatchNormalization', positional: ['axis', 'momentum', 'epsilon'] },
  Conv1D: { cls: 'Conv1D', positional: ['filters', 'kernelSize', 'strides', 'padding'] },
  Conv3D: { cls: 'Conv3D', positional: ['filters', 'kernelSize', 'strides', 'padding'] },
  Conv2DTranspose: { cls: 'Conv2DTranspose', positional: ['filters', 'kernelSize', 'strides', 'padding'] },
  DepthwiseConv2D: { cls: 'DepthwiseConv2D', positional: ['kernelSize', 'strides', 'padding', 'depthMultiplier'] },
  SeparableConv2D: { cls: 'SeparableConv2D', positional: ['filters', 'kernelSize', 'strides', 'padding'] },
  MaxPooling1D: { cls: 'MaxPooling1D', positional: ['poolSize', 'strides', 'padding'] },
  MaxPooling2D: { cls: 'MaxPooling2D', positional: ['poolSize', 'strides', 'padding'] },
  MaxPooling3D: { cls: 'MaxPooling3D', positional: ['poolSize', 'strides', 'padding'] },
  MaxPool2D: { cls: 'MaxPooling2D', positional: ['poolSize', 'strides', 'padding'] },
  AveragePooling1D: { cls: 'AveragePooling1D', positional: ['poolSize', 'strides', 'padding'] },
  AveragePooling2D: { cls: 'AveragePooling2D', positional: ['poolSize', 'strides', 'padding'] },
  AveragePooling3D: { cls: 'AveragePooling3D', positional: ['poolSize', 'strides', 'padding'] },
  AvgPool2D: { cls: 'AveragePooling2D', positional: ['poolSize', 'strides', 'padding'] },
  GlobalAveragePooling1D: { cls: 'GlobalAveragePooling1D', positional: ['dataFormat'] },
  GlobalMaxPooling1D: { cls: 'GlobalMaxPooling1D', positional: ['dataFormat'] },
  ZeroPadding2D: { cls: 'ZeroPadding2D', positional: ['padding'] },
  Cropping2D: { cls: 'Cropping2D', positional: ['cropping'] },
  UpSampling2D: { cls: 'UpSampling2D', positional: ['size'] },
  Concatenate: { cls: 'Concatenate', positional: ['axis'] },
  Permute: { cls: 'Permute', positional: ['dims'] },
  LayerNormalization: { cls: 'LayerNormalization', positional: ['axis', 'epsilon'] },
  LeakyReLU: { cls: 'LeakyReLU', positional: ['alpha'] },
  PReLU: { cls: 'PReLU', positional: [] },
  ELU: { cls: 'ELU', positional: ['alpha'] },
  Softmax: { cls: 'Softmax', positional: ['axis'] },
  Rescaling: { cls: 'Rescaling', positional: ['scale', 'offset'] },
};

/** Functional forms (`layers.multiply([a, b])`): a layer made and applied at once. */
const FUNCTIONAL: Record<string, string> = { multiply: 'Multiply', add: 'Add', concatenate: 'Concatenate' };

/** Keras activation names → TF.js names where they differ. */
const ACTIVATIONS: Record<string, string> = { hard_sigmoid: 'hardSigmoid', hard_swish: 'hardSwish', silu: 'swish' };

/** `tensorflow.keras.layers.Dense` and `tf.keras.layers.Dense` → `keras.layers.Dense`; undefined when not Keras. */
export function kerasPath(path: string): string | undefined {
  const c = path.charCodeAt(0);
  // Only names under keras, tensorflow or tf can be Keras: the common torch names leave at the first letter.
  if (c !== 107 /* k */ && c !== 116 /* t */) return undefined;
  if (path.startsWith('torch')) return undefined;
  const p = path.replace(/^(tensorflow|tf)\.(python\.)?/, '');
  return p.startsWith('keras.') || p === 'keras' ? p : undefined;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function optionOf(name: string, v: PyValue): LayerOption {
  switch (v.k) {
    case 'int':
    case 'float':
      return v.v;
    case 'bool':
      return v.v;
    case 'none':
      return null;
    case 'str':
      if (name === 'activation') return ACTIVATIONS[v.v] ?? v.v;
      if (name === 'dataFormat') return camel(v.v.replace('channels_', 'channels_'));
      return v.v;
    case 'ref': {
      // `activation=tf.nn.relu`, `keras.activations.sigmoid`.
      const last = v.path.slice(v.path.lastIndexOf('.') + 1);
      return name === 'activation' ? ACTIVATIONS[last] ?? last : undefined;
    }
    case 'tuple':
    case 'list': {
      const out: number[] = [];
      for (const item of v.items) {
        if (item.k !== 'int') return undefined;
        out.push(item.v);
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Layers made while one unit is interpreted, with Keras's default names (`dense`, `dense_1`, ...). */
export class KerasLayers {
  readonly layers: TfLayer[] = [];
  /** The Python function of each `Lambda` layer. */
  readonly lambdas = new Map<TfLayer, PyValue>();
  private readonly names = new Map<string, number>();
  private nextId = 0;

  create(kerasClass: string, args: readonly PyValue[], kwargs: ReadonlyMap<string, PyValue>, range: SourceRange): TfLayer | string {
    const spec = LAYERS[kerasClass];
    if (!spec) return `keras.layers.${kerasClass} is not interpreted`;
    const options = new Map<string, LayerOption>();
    args.forEach((a, i) => {
      const key = spec.positional[i];
      if (key) options.set(key, optionOf(key, a));
    });
    for (const [k, v] of kwargs) options.set(camel(k), optionOf(camel(k), v));
    const given = options.get('name');
    let name: string;
    if (typeof given === 'string' && given) name = given;
    else {
      const base = kerasClass.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().replace(/_2_d$/, '2d').replace(/2_d$/, '2d');
      const n = this.names.get(base) ?? 0;
      this.names.set(base, n + 1);
      name = n === 0 ? base : `${base}_${n}`;
    }
    const layer: TfLayer = { id: this.nextId++, className: spec.cls, name, options, range, params: 0, config: {}, nodeIds: [] };
    this.layers.push(layer);
    return layer;
  }

  /** One call of a layer on a tensor (or a list of tensors for merge layers). */
  apply(b: GraphBuilder, layer: TfLayer, inputs: TensorRef[], range: SourceRange): TensorRef {
    const start = b.graph.nodes.length;
    let out: TensorRef;
    try {
      out = applyLayer(b, layer, inputs, range);
      const s = out.shape;
      if (layer.options.get('keepdims') === true && layer.className.startsWith('Global') && s?.length === 2) {
        // `GlobalAveragePooling2D(keepdims=True)` (Keras 2.6+): the pooled axes stay, as size 1.
        const kept = [s[0]!, 1, 1, s[1]!];
        out = b.one({ op: 'Reshape', inputs: [out.name, b.int64('shape', kept.map((d) => (typeof d === 'number' ? d : -1)))], outputShape: kept, range });
      }
    } catch (e) {
      if (!(e instanceof TfLayerError)) throw e;
      out = b.unknown(e.message, range, inputs);
    }
    for (const node of b.graph.nodes.slice(start)) layer.nodeIds.push(node.id);
    return out;
  }
}

/** What a Keras name does when called: make a layer, apply a functional merge, or answer a backend query. */
export function kerasCall(
  keras: KerasLayers,
  /** The unit's builder, or top-level code's (whose graph is dropped: it gives the shapes that reach call sites). */
  b: GraphBuilder,
  path: string,
  args: PyValue[],
  kwargs: Map<string, PyValue>,
  node: Syn,
  range: SourceRange,
): PyValue {
  const parts = path.split('.');
  const last = parts[parts.length - 1]!;
  if (last === 'Input' || last === 'InputLayer') {
    const shape = kwargs.get('shape') ?? args[0];
    const batch = kwargs.get('batch_size');
    const dims = shape && (shape.k === 'tuple' || shape.k === 'list') ? shape.items.map((d) => (d.k === 'int' ? d.v : undefined)) : undefined;
    if (!dims || dims.some((d) => d === undefined)) return unknown('keras.Input with a shape that is not known');
    const full = [batch?.k === 'int' ? batch.v : 1, ...(dims as number[])];
    return { k: 'tensor', t: b.graph.inputs.length === 0 ? b.addInput('input', full) : { name: '', shape: full } };
  }
  if (last === 'int_shape' && args[0]?.k === 'tensor') {
    const s = args[0].t.shape;
    return s ? { k: 'tuple', items: s.map((d, i) => (i === 0 ? { k: 'none' } : typeof d === 'number' ? int(d) : unknown('dimension'))) as PyValue[] } : unknown('int_shape()');
  }
  if (last === 'image_data_format') return { k: 'str', v: 'channels_last' };
  if (last === 'Lambda') {
    // `layers.Lambda(lambda x: K.mean(x, axis=[1, 2], keepdims=True))`: the function runs when the layer is called.
    const layer = keras.create('Lambda', [], kwargs, range);
    if (typeof layer === 'string' || !args[0]) return unknown('keras.layers.Lambda without a function');
    keras.lambdas.set(layer, args[0]);
    return { k: 'keras', layer };
  }
  const functional = FUNCTIONAL[last];
  if (functional) {
    const layer = keras.create(functional, [], kwargs, range);
    if (typeof layer === 'string') return unknown(layer);
    return applyKeras(keras, b, layer, args[0], range);
  }
  if (parts.includes('layers') || LAYERS[last]) {
    const layer = keras.create(last, args, kwargs, range);
    return typeof layer === 'string' ? unknown(layer) : { k: 'keras', layer };
  }
  return unknown(`${path} is not interpreted`);
}

/** Calls a layer on `x` (a tensor, or a list of tensors for Multiply/Add). */
export function applyKeras(keras: KerasLayers, b: GraphBuilder, layer: TfLayer, x: PyValue | undefined, range: SourceRange): PyValue {
  const items = x?.k === 'list' || x?.k === 'tuple' ? x.items : x ? [x] : [];
  const tensors = items.flatMap((v) => (v.k === 'tensor' ? [v.t] : []));
  if (tensors.length === 0 || tensors.length !== items.length) return unknown(`${layer.name} called on values that are not known tensors`);
  return { k: 'tensor', t: keras.apply(b, layer, tensors, range) };
}
