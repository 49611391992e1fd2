import { SeLensError } from '../../errors.js';
import { numel, type Dim, type Model } from '../../ir/graph.js';
import type { ExternalDataHost } from '../../onnx/byte-source.js';
import { NhwcBuilder } from '../nhwc-builder.js';
import { permute } from '../stored-values.js';
import { isOperation, KERAS_OPS } from './keras-ops.js';
import { LAYERS, type LayerCall } from './layer-catalogue.js';
import { field, readWeightsManifest, type ManifestWeight } from './weights-manifest.js';

interface LayerSpec {
  readonly className: string;
  readonly name: string;
  readonly config: Record<string, unknown>;
  /** Keras 2 form: one list per call of `[layer, nodeIndex, tensorIndex, kwargs]` references. */
  readonly inbound: unknown[];
  /** Keras 3's `module`: `keras.layers`, or `keras.src.ops.*` for an operation applied to a tensor (`x + 3.0`). */
  readonly module: string | undefined;
}

const CONTAINERS = new Set(['Sequential', 'Model', 'Functional']);
/** Nested models deeper than this are refused, so a hostile topology cannot exhaust the stack. */
const MAX_DEPTH = 32;

/**
 * A TF.js (or Keras-converted) layers model: the Keras topology of `model.json` interpreted layer by layer
 * through the layer catalogue, nested models included, weights matched to layers by name
 * (`<layer>/<param>`) in the weights manifest and left in the shards.
 */
export function readTfjsLayersModel(json: Record<string, unknown>, folder: ExternalDataHost | undefined, name: string): Model {
  const topology = json['modelTopology'];
  return layersModelFromTopology(field(topology, 'model_config') ?? topology, readWeightsManifest(json['weightsManifest'] ?? [], folder), name, String(field(topology, 'keras_version') ?? ''));
}

/** A Keras topology (`{class_name, config}`) with its weights by name: shared by TF.js layers models and Keras files. */
export function layersModelFromTopology(root: unknown, weights: Map<string, ManifestWeight>, name: string, kerasVersion: string): Model {
  return new LayersReader(weights, name, /^3\./.test(kerasVersion) ? 1 / 6 : 0.2).run(root);
}

class LayersReader {
  private readonly b: NhwcBuilder;
  private readonly byLayerParam = new Map<string, ManifestWeight>();
  private readonly materialized = new Map<string, string>();

  constructor(weights: Map<string, ManifestWeight>, name: string, private readonly hardSigmoidSlope: number) {
    this.b = new NhwcBuilder(name);
    // `block/conv/kernel`, `conv/kernel_1` (TF.js's unique suffix): indexed by `<layer>/<param>`. A layer whose
    // own name holds slashes (keras.applications: `expanded_conv/squeeze_excite/Conv`) is found by its whole
    // name first; `<last part>/<param>` serves the rest (names inside a nested model's scope).
    const split = [...weights.values()].filter((w) => w.name.includes('/')).map((w) => {
      const parts = w.name.split('/');
      return { w, scope: parts.slice(0, -1), param: parts[parts.length - 1]!.replace(/_\d+$/, '') };
    });
    for (const { w, scope, param } of split) if (!this.byLayerParam.has(`${scope.join('/')}/${param}`)) this.byLayerParam.set(`${scope.join('/')}/${param}`, w);
    for (const { w, scope, param } of split) {
      const key = `${scope[scope.length - 1]}/${param}`;
      if (!this.byLayerParam.has(key)) this.byLayerParam.set(key, w);
      this.byLayerParam.set(`=${w.name}`, w);
    }
  }

  run(root: unknown): Model {
    const spec = layerSpec(root, 0);
    if (!CONTAINERS.has(spec.className)) throw new SeLensError('corrupt', `The layers model's topology is a ${spec.className}, not a Sequential or functional Model.`);
    const inputs = this.graphInputs(spec);
    for (const out of this.callModel(spec, inputs, '', 0)) this.b.addOutput(out);
    return this.b.finish(`TF.js layers model (${spec.className} "${spec.name}")`);
  }

  private graphInputs(spec: LayerSpec): string[] {
    const layers = layerList(spec);
    const inputLayers = spec.className === 'Sequential' ? [layers[0]] : tensorRefs(field(spec.config, 'input_layers')).map((ref) => layers.find((l) => l.name === (Array.isArray(ref) ? ref[0] : undefined)));
    if (!inputLayers?.length || inputLayers.some((l) => !l)) throw new SeLensError('corrupt', `Model "${spec.name}" names no input layer.`);
    return inputLayers.map((l) => {
      const shape = l!.config['batch_input_shape'] ?? l!.config['batch_shape'];
      if (!Array.isArray(shape)) throw new SeLensError('corrupt', `The first layer of "${spec.name}" has no input shape.`);
      const dims: Dim[] = shape.map((d, i) => (typeof d === 'number' && d >= 0 ? d : i === 0 ? 'N' : `${l!.name}:${i}`));
      const input = l!.className === 'InputLayer' ? l!.name : `${l!.name}_input`;
      this.b.addInput(input, 'float32', dims);
      return input;
    });
  }

  private callModel(spec: LayerSpec, inputs: readonly string[], prefix: string, depth: number): string[] {
    if (depth > MAX_DEPTH) throw new SeLensError('corrupt', `Models are nested more than ${MAX_DEPTH} deep.`);
    const layers = layerList(spec);
    if (spec.className === 'Sequential') {
      let x = inputs[0]!;
      for (const layer of layers) if (layer.className !== 'InputLayer') x = this.callLayer(layer, [x], prefix, depth);
      return [x];
    }
    const tensors = new Map<string, string>();
    const inputRefs = tensorRefs(field(spec.config, 'input_layers'));
    inputRefs.forEach((ref, i) => {
      if (Array.isArray(ref) && inputs[i]) tensors.set(`${String(ref[0])}:${Number(ref[1] ?? 0)}:${Number(ref[2] ?? 0)}`, inputs[i]!);
    });
    const calls = layers.filter((l) => l.className !== 'InputLayer').flatMap((layer) => layer.inbound.map((node, k) => ({ layer, k, ...inboundCall(node, layer.name) })));
    // Layers are listed in an order Keras can rebuild; shared layers may need a later pass.
    let pending = calls;
    while (pending.length) {
      const next = pending.filter((call) => {
        const ins = call.refs.map((r) => tensors.get(r));
        if (ins.some((t) => t === undefined)) return true;
        const out = this.callLayer(call.layer, ins as string[], prefix, depth, call.k, call.kwargs);
        for (const key of callKeys(call.layer, call.k)) if (!tensors.has(key)) tensors.set(key, out);
        return false;
      });
      if (next.length === pending.length) {
        const stuck = next[0]!;
        throw new SeLensError('corrupt', `Layer "${stuck.layer.name}" of model "${spec.name}" takes a tensor no layer produces (${stuck.refs.find((r) => !tensors.has(r))}), or the layers form a cycle.`);
      }
      pending = next;
    }
    const outputRefs = tensorRefs(field(spec.config, 'output_layers'));
    return outputRefs.map((ref) => {
      const key = Array.isArray(ref) ? `${String(ref[0])}:${Number(ref[1] ?? 0)}:${Number(ref[2] ?? 0)}` : '';
      const t = tensors.get(key);
      if (!t) throw new SeLensError('corrupt', `Model "${spec.name}" outputs "${key}", which no layer produces.`);
      return t;
    });
  }

  private callLayer(layer: LayerSpec, inputs: string[], prefix: string, depth: number, callIndex = 0, kwargs: Readonly<Record<string, unknown>> = {}): string {
    const path = `${prefix}${layer.name}${callIndex > 0 ? `#${callIndex}` : ''}`;
    if (CONTAINERS.has(layer.className)) return this.callModel(layer, inputs, `${prefix}${layer.name}/`, depth + 1)[0]!;
    const convert = isOperation(layer.module) ? KERAS_OPS[layer.className] : LAYERS[layer.className];
    return this.b.within(path, layer.className, () => {
      const call: LayerCall = {
        className: layer.className,
        name: layer.name,
        config: layer.config,
        b: this.b,
        inputs,
        kwargs,
        hardSigmoidSlope: this.hardSigmoidSlope,
        weight: (param, perm, shape) => this.weight(layer.name, param, perm, shape),
        weightShape: (param) => this.byLayerParam.get(`${layer.name}/${param}`)?.shape,
        fail: (why) => {
          throw new UnmappedLayer(why);
        },
      };
      try {
        if (!convert) throw new UnmappedLayer(`layer class ${layer.className} is not mapped`);
        return convert(call);
      } catch (e) {
        if (!(e instanceof UnmappedLayer)) throw e;
        return this.b.node('Unknown', inputs, {}, undefined, e.message)[0]!;
      }
    });
  }

  private weight(layer: string, param: string, perm?: readonly number[], shape?: readonly number[]): string | undefined {
    const w = this.byLayerParam.get(`${layer}/${param}`);
    if (!w) return undefined;
    const key = `${w.name}\u0000${perm?.join(',') ?? ''}\u0000${shape?.join(',') ?? ''}`;
    const hit = this.materialized.get(key);
    if (hit) return hit;
    const target = shape ? [...shape] : perm ? perm.map((p) => w.shape[p] ?? 1) : w.shape;
    if (numel(target) !== numel(w.shape)) throw new UnmappedLayer(`weight "${w.name}" of shape [${w.shape}] cannot be used as [${target}]`);
    const payload = w.payload ? { ...w.payload, stored: { ...w.payload.stored, ...(perm ? { storedShape: [...w.shape], perm: [...perm] } : {}) } } : undefined;
    // Values already in memory (decoded chunked or compact HDF5 data) have no payload to permute on demand.
    const values = w.values && perm ? permute(Float32Array.from(w.values), w.shape, perm) : w.values;
    const name = this.b.addInitializer(w.name, { dtype: w.dtype, shape: target, ...(values ? { values } : {}), ...(payload ? { payload } : {}) });
    this.materialized.set(key, name);
    return name;
  }
}

class UnmappedLayer extends Error {}

function layerSpec(value: unknown, index: number): LayerSpec {
  const className = field(value, 'class_name');
  const config = field(value, 'config');
  if (typeof className !== 'string' || !config || typeof config !== 'object') throw new SeLensError('corrupt', `Layer ${index} of the layers model has no class_name and config.`);
  const name = field(value, 'name') ?? field(config, 'name') ?? `${className}_${index}`;
  const inbound = field(value, 'inbound_nodes');
  const module = field(value, 'module');
  return { className, name: String(name), config: config as Record<string, unknown>, inbound: Array.isArray(inbound) ? inbound : [], module: typeof module === 'string' ? module : undefined };
}

function layerList(spec: LayerSpec): LayerSpec[] {
  const layers = field(spec.config, 'layers') ?? (Array.isArray(spec.config) ? spec.config : undefined);
  if (!Array.isArray(layers)) throw new SeLensError('corrupt', `Model "${spec.name}" has no list of layers.`);
  return layers.map(layerSpec);
}

/**
 * The keys other layers use for call `k`'s output. A nested model's first node links its own input to its
 * output, so Keras 2, Keras 3 and TF.js number the calls of a nested functional model from 1 (`kept_nodes
 * = 1`, `keptNodes = layer instanceof Container ? 1 : 0`); a nested Sequential is numbered from 1 or 0
 * depending on the writer. The expected number comes first; the other is an alias where free.
 */
function callKeys(layer: LayerSpec, k: number): string[] {
  if (!CONTAINERS.has(layer.className)) return [`${layer.name}:${k}:0`];
  const keys = [`${layer.name}:${k + 1}:0`, `${layer.name}:${k}:0`];
  return layer.className === 'Sequential' ? keys.reverse() : keys;
}

/** Keras 2's marker for a first call argument that is a constant, not a tensor. */
const CONSTANT_VALUE = '_CONSTANT_VALUE';

const refKey = (r: readonly unknown[]): string => `${String(r[0])}:${Number(r[1] ?? 0)}:${Number(r[2] ?? 0)}`;
const isRef = (v: unknown): v is unknown[] => Array.isArray(v) && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number';

/**
 * One call's input tensors as `layer:node:tensor` keys, and its keyword arguments. Keras 2 (and TF.js) write
 * `[[layer, node, tensor, kwargs], ...]`, or for a layer that keeps its call's structure (TFOpLambda, the
 * `x + 3.0` of keras.applications' hard sigmoid) the one `[layer, node, tensor, {"y": 3.0}]`; a tensor
 * passed as a keyword (`{"y": [layer, node, tensor]}`) becomes a further input, after the first.
 * Keras 3 writes `{"args": [...], "kwargs": {}}` with each tensor's `keras_history` inside.
 */
function inboundCall(node: unknown, layer: string): { refs: string[]; kwargs: Record<string, unknown> } {
  if (Array.isArray(node)) {
    const entries = isRef(node) ? [node] : node;
    // `3.0 + x` saves its constant first argument as `["_CONSTANT_VALUE", -1, 3.0, kwargs]`: kept as keyword `x`.
    const constant = entries.length === 1 && Array.isArray(entries[0]) && entries[0][0] === CONSTANT_VALUE ? (entries[0] as unknown[]) : undefined;
    const refs = constant ? [] : entries.map((r) => {
      if (!isRef(r)) throw new SeLensError('corrupt', `Layer "${layer}" has a malformed inbound reference.`);
      return refKey(r);
    });
    const last = entries[entries.length - 1] as unknown[] | undefined;
    const given = last?.[3];
    const kwargs: Record<string, unknown> = given && typeof given === 'object' && !Array.isArray(given) ? { ...(given as Record<string, unknown>) } : {};
    if (constant) {
      if (typeof constant[2] !== 'number') throw new SeLensError('corrupt', `Layer "${layer}" has a constant argument that is not a number.`);
      kwargs['x'] = constant[2];
    }
    for (const [key, value] of Object.entries(kwargs)) {
      if (!isRef(value)) continue;
      kwargs[key] = { input: refs.length };
      refs.push(refKey(value));
    }
    return { refs, kwargs };
  }
  // Keras 3: an operation's numbers are positional (`{"args": [tensor, 3.0]}`); each argument is kept as a
  // number or as `{input: k}`, the k-th tensor.
  const refs = inboundRefs(node, layer);
  const args = field(node, 'args');
  const kwargs: Record<string, unknown> = {};
  if (Array.isArray(args)) {
    let tensor = 0;
    kwargs['args'] = args.map((a) => (typeof a === 'number' ? a : field(field(a, 'config'), 'keras_history') !== undefined ? { input: tensor++ } : null));
  }
  return { refs, kwargs };
}

/** Keras 3's `{"args": [...], "kwargs": {}}`: every tensor named by a `keras_history` inside. */
function inboundRefs(refs: unknown, layer: string): string[] {
  const found: string[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 16) return;
    if (Array.isArray(v)) v.forEach((x) => walk(x, depth + 1));
    const history = field(field(v, 'config'), 'keras_history');
    if (Array.isArray(history) && typeof history[0] === 'string') found.push(`${history[0]}:${Number(history[1] ?? 0)}:${Number(history[2] ?? 0)}`);
  };
  walk(field(refs, 'args'), 0);
  if (!found.length) throw new SeLensError('corrupt', `Layer "${layer}" has a malformed inbound node.`);
  return found;
}

/** `[[layer, node, tensor], ...]`, or Keras 3's single `[layer, node, tensor]` for a one-input model. */
function tensorRefs(value: unknown): unknown[] {
  if (!Array.isArray(value)) return [];
  return typeof value[0] === 'string' ? [value] : value;
}
