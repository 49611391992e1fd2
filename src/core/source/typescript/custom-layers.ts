import type { Syn } from '../syntax.js';
import type { TsInterpreter } from './interpreter.js';
import { findMethod } from './classes.js';
import { num, numV, snake, strV, tensorsOf, UNDEF, type TsClass, type TsValue } from './values.js';

type Instance = TsValue & { k: 'instance' };

/**
 * True for `class X extends tf.layers.Layer` (through any chain of the program's own classes), and for
 * a class with a `call` method whose base could not be read (a base class in a file not given): the
 * TF.js custom-layer convention.
 */
export function isLayerClass(cls: TsClass): boolean {
  for (let c: TsClass | undefined = cls, hops = 0; c && hops < 32; hops++) {
    const base: TsValue | undefined = c.base;
    if (base?.k === 'ref') return base.path.endsWith('.Layer') || base.path === 'Layer';
    if (base?.k === 'unknown') return findMethod(cls, 'call') !== undefined;
    c = base?.k === 'class' ? base.cls : undefined;
  }
  return false;
}

/** The layer's name: given to `super({name})`, else TF.js style from the class name (`squeeze_excite_1`). */
export function layerName(interp: TsInterpreter, self: Instance): string {
  self.state.layerName ??= interp.uniqueLayerName(snake(self.cls.name));
  return self.state.layerName;
}

/**
 * Methods of `tf.layers.Layer` a subclass inherits, and methods an instance of a plain class lacks.
 * The subclass's own methods (`build`, `call`, ...) are found before this is asked.
 */
export function customLayerMethod(interp: TsInterpreter, self: Instance, name: string, args: TsValue[], n: Syn): TsValue {
  if (!isLayerClass(self.cls)) return interp.fail(`${self.cls.name}.${name}() is not defined`, n, args.flatMap(tensorsOf));
  switch (name) {
    case 'apply':
      return applyCustomLayer(interp, self, args[0], args[1], n);
    case 'addWeight':
      return addWeight(interp, self, args, n);
    case 'build':
    case 'dispose':
    case 'setWeights':
    case 'resetStates':
      return UNDEF;
    case 'call':
      return args[0] ?? UNDEF;
    case 'computeOutputShape':
      return args[0] ?? UNDEF;
    case 'getConfig':
      return { k: 'obj', props: new Map([['name', strV(layerName(interp, self))]]) };
    case 'getClassName':
      return strV(self.cls.name);
    case 'countParams':
      return numV(self.state.weights.reduce((a, w) => a + w.numel, 0));
    default:
      return interp.fail(`${self.cls.name}.${name}() is not interpreted`, n, args.flatMap(tensorsOf));
  }
}

/** `this.addWeight(name, shape, dtype?, initializer?)`: a named weight of the layer, sized now. */
function addWeight(interp: TsInterpreter, self: Instance, args: TsValue[], n: Syn): TsValue {
  const name = args[0]?.k === 'str' ? args[0].v : `weight_${self.state.weights.length}`;
  const shapeValue = args[1];
  const shape = shapeValue?.k === 'arr' ? shapeValue.items.map(num) : undefined;
  if (!shape || shape.some((d) => d === undefined)) return interp.fail(`addWeight('${name}') shape is not known`, n);
  const dims = shape as number[];
  const weight = interp.b.namedWeight(`${layerName(interp, self)}/${name}`, dims);
  self.state.weights.push({ name, numel: dims.reduce((a, d) => a * d, 1) });
  return { k: 'weight', t: { name: weight, shape: dims } };
}

/**
 * `layer.apply(x)` of a custom layer: `build(inputShape)` once (weights from `addWeight`, sublayers),
 * then `call(inputs, kwargs)` through tf ops. Its nodes get the layer's name as their module path, so
 * an SE block written as a layer is named after it; sublayers keep their own rows.
 */
export function applyCustomLayer(interp: TsInterpreter, self: Instance, input: TsValue | undefined, kwargs: TsValue | undefined, n: Syn): TsValue {
  const inputs = tensorsOf(input);
  if (inputs.length === 0) return interp.fail(`${self.cls.name}.apply() of values that are not known tensors`, n);
  const name = layerName(interp, self);
  const b = interp.b;
  const start = b.graph.nodes.length;
  const result = interp.within(name, n, () => {
    if (!self.state.built) {
      self.state.built = true;
      const build = findMethod(self.cls, 'build');
      const shapeOf = (t: (typeof inputs)[number]): TsValue => ({ k: 'arr', items: (t.shape ?? []).map((d, i) => (i === 0 ? { k: 'null' } : typeof d === 'number' ? numV(d) : UNDEF)) });
      const shape: TsValue = input?.k === 'arr' ? { k: 'arr', items: inputs.map(shapeOf) } : shapeOf(inputs[0]!);
      if (build) interp.callFunction(interp.func(self.cls.name, build.node, build.cls.closure, { self, owner: build.cls }), [shape], n, true);
    }
    const call = findMethod(self.cls, 'call');
    if (!call) return input ?? UNDEF;
    const args: TsValue[] = [input ?? UNDEF, kwargs ?? { k: 'obj', props: new Map() }];
    return interp.callFunction(interp.func(self.cls.name, call.node, call.cls.closure, { self, owner: call.cls }), args, n, true);
  });
  // The layer's own row: its weights, and the nodes its sublayers did not claim.
  const made = new Set(b.graph.nodes.slice(start).map((node) => node.id));
  for (const layer of interp.layers) {
    for (let i = layer.nodeIds.length - 1; i >= 0 && made.has(layer.nodeIds[i]!); i--) made.delete(layer.nodeIds[i]!);
  }
  let row = interp.layers.find((l) => l.name === name && l.className === self.cls.name);
  if (!row) row = interp.newLayer(snake(self.cls.name), self.cls.name, new Map([['name', name]]), n.range);
  row.params = self.state.weights.reduce((a, w) => a + w.numel, 0);
  row.nodeIds.push(...made);
  const out = result.k === 'arr' ? result.items.find((v) => v.k === 'tensor') ?? result : result;
  if (out.k === 'tensor' && out.t.shape) return out;
  // call() could not be followed: the shape the layer declares keeps the model going.
  const declared = outputShapeOf(interp, self, inputs, n);
  const t = out.k === 'tensor' ? out.t : b.unknown(`${self.cls.name}.call() did not give a known tensor`, interp.here(n), inputs);
  if (!declared) return { k: 'tensor', t };
  return { k: 'tensor', t: b.one({ op: 'Identity', inputs: [t.name], outputShape: declared, range: interp.here(n) }) };
}

/** The layer's own `computeOutputShape(inputShape)`, batch 1; undefined when it is not written or not known. */
function outputShapeOf(interp: TsInterpreter, self: Instance, inputs: { shape: readonly (number | string)[] | undefined }[], n: Syn): number[] | undefined {
  const method = findMethod(self.cls, 'computeOutputShape');
  const shape = inputs[0]?.shape;
  if (!method || !shape) return undefined;
  const arg: TsValue = { k: 'arr', items: shape.map((d, i) => (i === 0 ? { k: 'null' } : typeof d === 'number' ? numV(d) : UNDEF)) };
  const v = interp.callFunction(interp.func(self.cls.name, method.node, method.cls.closure, { self, owner: method.cls }), [arg], n, true);
  if (v.k !== 'arr') return undefined;
  const dims = v.items.map((d, i) => (i === 0 ? 1 : num(d)));
  return dims.every((d) => d !== undefined) ? (dims as number[]) : undefined;
}
