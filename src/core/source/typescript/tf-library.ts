import type { Dim } from '../../ir/graph.js';
import type { TensorRef } from '../graph-builder.js';
import type { Syn } from '../syntax.js';
import { INNER_LAYER_OPTIONS, LAYER_CLASSES } from './layer-catalogue.js';
import type { LayerOption, TfLayer } from './layers.js';
import type { TsInterpreter } from './interpreter.js';
import { applyModel } from './sub-models.js';
import { emitTensorOp, isTensorOp, TensorOpError } from './tensor-ops.js';
import { fromJson, num, numV, optionOf, strV, tensorsOf, textValue, toJson, truthy, UNDEF, unknown, type TfModel, type TfSequential, type TsValue } from './values.js';

/** `@tensorflow/tfjs`, `-node`, `-node-gpu`, `-layers`, `-core`: every TF.js package reads as `tf`. */
export function tfModulePath(specifier: string): boolean {
  return specifier === '@tensorflow/tfjs' || specifier.startsWith('@tensorflow/tfjs-') || specifier.startsWith('@tensorflow/tfjs/');
}

/** Library calls with no effect on the model (logging, registration, memory management). */
const NO_EFFECT = new Set(['console', 'window', 'self', 'tf.serialization', 'tf.util', 'tf.dispose', 'tf.setBackend', 'tf.ready', 'tf.enableProdMode', 'tf.disposeVariables', 'tf.engine', 'tf.env', 'super']);

/** The page's global object, by its names: TF.js's script bundle puts `tf` on it (`window.tf`). */
const PAGE_GLOBALS = new Set(['globalThis', 'window', 'self']);

const CONFIG_FACTORIES = new Set(['tf.initializers', 'tf.regularizers', 'tf.constraints', 'tf.train', 'tf.losses', 'tf.metrics', 'tf.callbacks']);

const MATH: Readonly<Record<string, (...a: number[]) => number>> = {
  floor: Math.floor, ceil: Math.ceil, round: Math.round, max: Math.max, min: Math.min, abs: Math.abs, sqrt: Math.sqrt,
  log2: Math.log2, log: Math.log, log10: Math.log10, trunc: Math.trunc, pow: Math.pow, exp: Math.exp, sign: Math.sign, hypot: Math.hypot,
};

/** `a.b` where `a` is a library name: namespaces stay names; constants and the environment are values. */
export function libraryMember(interp: TsInterpreter, path: string, name: string, at: Syn | undefined): TsValue {
  if (path === 'Math' && (name === 'PI' || name === 'E' || name === 'SQRT2')) return numV(Math[name]);
  if (PAGE_GLOBALS.has(path) && name === 'tf') return { k: 'ref', path: 'tf' };
  if (path === 'process.env') {
    // The environment of the run is not known statically: `process.env.X || 64` takes its fallback.
    if (at) interp.contextFail(`process.env.${name} is not known statically; the fallback written after it was taken`, at);
    return UNDEF;
  }
  if (path === 'Number' && name === 'MAX_SAFE_INTEGER') return numV(Number.MAX_SAFE_INTEGER);
  return { k: 'ref', path: `${path}.${name}` };
}

function layerOptions(opts: TsValue | undefined): Map<string, LayerOption> | undefined {
  const options = new Map<string, LayerOption>();
  if (opts?.k === 'obj') for (const [k, v] of opts.props) options.set(k, optionOf(v));
  else if (opts && opts.k !== 'undef') return undefined;
  return options;
}

/** Why each option of a layer call that has no value has none. */
function unknownOptionsOf(opts: TsValue | undefined): Map<string, string> | undefined {
  if (opts?.k !== 'obj') return undefined;
  // Made at the first unknown option: most layer calls have none.
  let whys: Map<string, string> | undefined;
  opts.props.forEach((v, key) => v.k === 'unknown' && (whys ??= new Map()).set(key, v.why));
  return whys;
}

/** The layers an options object holds (`{layer: tf.layers.lstm(...)}`, `{cell: [c1, c2]}`). */
function innerLayers(opts: TsValue | undefined): TfLayer[] {
  const inner: TfLayer[] = [];
  if (opts?.k !== 'obj') return inner;
  for (const key of INNER_LAYER_OPTIONS) {
    const v = opts.props.get(key);
    if (v?.k === 'arr') for (const item of v.items) item.k === 'layer' && inner.push(item.layer);
    else if (v?.k === 'layer') inner.push(v.layer);
  }
  return inner;
}

function toNumber(v: TsValue | undefined, parse: (s: string) => number): TsValue {
  if (v?.k === 'num') return v;
  if (v?.k === 'bool') return numV(Number(v.v));
  if (v?.k === 'str') return numV(parse(v.v));
  if (v?.k === 'null') return numV(0);
  if (v?.k === 'undef') return numV(NaN);
  return unknown('number of a value that is not known');
}

/** The tensors among a call's arguments, for the Unknown node of a call that is not interpreted. */
function tensorsIn(args: TsValue[]): TensorRef[] {
  return args.flatMap(tensorsOf);
}

/** A call of a library name: TF.js (`tf.layers.dense`, `tf.input`, `tf.mean`), JavaScript builtins, `require`. */
export function callLibrary(interp: TsInterpreter, path: string, args: TsValue[], n: Syn): TsValue {
  // The path's first name, its first two, its last, and how many: read off the dots (every call of the model
  // code comes here; a split would make an array and a string per name).
  const firstDot = path.indexOf('.');
  const secondDot = firstDot < 0 ? -1 : path.indexOf('.', firstDot + 1);
  const names = firstDot < 0 ? 1 : secondDot < 0 ? 2 : path.indexOf('.', secondDot + 1) < 0 ? 3 : 4;
  const first = firstDot < 0 ? path : path.slice(0, firstDot);
  const head = secondDot < 0 ? path : path.slice(0, secondDot);
  if (NO_EFFECT.has(first) || NO_EFFECT.has(head)) return UNDEF;
  // Initializers, regularizers and constraints shape no tensor: an opaque option value.
  if (CONFIG_FACTORIES.has(head)) return { k: 'obj', props: new Map() };
  switch (path) {
    case 'require': {
      const spec = args[0]?.k === 'str' ? args[0].v : undefined;
      if (spec === undefined) return interp.fail('require() of a name that is not known', n);
      return tfModulePath(spec) ? { k: 'ref', path: 'tf' } : interp.loadModule(spec, n);
    }
    case 'Number':
    case 'new Number':
      return toNumber(args[0], Number);
    case 'parseInt':
    case 'Number.parseInt':
      return toNumber(args[0], (s) => parseInt(s, num(args[1]) ?? 10));
    case 'parseFloat':
    case 'Number.parseFloat':
      return toNumber(args[0], parseFloat);
    case 'String': {
      const t = args[0] ? textValue(args[0]) : '';
      return t === undefined ? unknown('String()') : strV(t);
    }
    case 'Boolean': {
      const t = args[0] ? truthy(args[0]) : false;
      return t === undefined ? unknown('Boolean()') : { k: 'bool', v: t };
    }
    case 'isFinite':
    case 'Number.isFinite':
    case 'Number.isInteger':
    case 'isNaN': {
      const x = num(args[0]);
      if (x === undefined) return unknown(path);
      return { k: 'bool', v: path === 'isNaN' ? Number.isNaN(x) : path === 'Number.isInteger' ? Number.isInteger(x) : Number.isFinite(x) };
    }
    case 'Array.isArray':
      return args[0]?.k === 'unknown' ? unknown('Array.isArray') : { k: 'bool', v: args[0]?.k === 'arr' };
    case 'Array':
    case 'new Array':
    case 'Array.from': {
      const src = args[0];
      if (path !== 'Array.from') return { k: 'arr', items: args.length === 1 && src?.k === 'num' ? Array.from({ length: Math.min(src.v, 4096) }, () => UNDEF) : [...args] };
      const length = src?.k === 'arr' ? src.items.length : src?.k === 'obj' ? num(src.props.get('length')) : undefined;
      if (length === undefined) return unknown('Array.from() of a value that is not known');
      const items = Array.from({ length: Math.min(length, 4096) }, (_, i) => (src?.k === 'arr' ? src.items[i]! : UNDEF));
      const fn = args[1];
      return { k: 'arr', items: fn ? items.map((v, i) => interp.invoke(fn, [v, numV(i)], n)) : items };
    }
    case 'Object.keys':
    case 'Object.values':
    case 'Object.entries': {
      const o = args[0];
      if (o?.k !== 'obj' && o?.k !== 'instance') return unknown(`${path}() of a value that is not known`);
      const entries = [...o.props];
      if (path === 'Object.keys') return { k: 'arr', items: entries.map(([k]) => strV(k)) };
      if (path === 'Object.values') return { k: 'arr', items: entries.map(([, v]) => v) };
      return { k: 'arr', items: entries.map(([k, v]) => ({ k: 'arr', items: [strV(k), v] }) as TsValue) };
    }
    case 'Object.assign': {
      const target = args[0];
      if (target?.k !== 'obj') return unknown('Object.assign');
      for (const src of args.slice(1)) if (src.k === 'obj') for (const [k, v] of src.props) target.props.set(k, v);
      return target;
    }
    case 'Object.freeze':
      return args[0] ?? UNDEF;
    // Configuration copies and round trips (`JSON.parse(JSON.stringify(DEFAULTS))`, `structuredClone(cfg)`).
    case 'JSON.stringify': {
      const json = args[0] ? toJson(args[0]) : undefined;
      return json === undefined ? unknown('JSON.stringify() of a value that is not plain known data') : strV(JSON.stringify(json));
    }
    case 'JSON.parse': {
      if (args[0]?.k !== 'str') return unknown('JSON.parse() of text that is not known');
      try {
        return fromJson(JSON.parse(args[0].v) as unknown);
      } catch {
        return interp.fail('JSON.parse() of text that is not JSON', n);
      }
    }
    case 'structuredClone': {
      const json = args[0] ? toJson(args[0]) : undefined;
      return json === undefined ? unknown('structuredClone() of a value that is not plain known data') : fromJson(json);
    }
  }
  if (path.startsWith('Math.')) {
    const f = MATH[path.slice(5)];
    const xs = args.map(num);
    if (!f || xs.some((x) => x === undefined)) return unknown(`${path}() of values that are not known`);
    return numV(f(...(xs as number[])));
  }
  const last = path.slice(path.lastIndexOf('.') + 1);
  if (first !== 'tf') return interp.fail(`${path}() is not interpreted`, n, tensorsIn(args));
  if (names === 3 && head === 'tf.layers') {
    if (last === 'input') return tfInput(interp, args[0], n);
    const cls = LAYER_CLASSES[last];
    if (!cls) return interp.fail(`tf.layers.${last} is not interpreted`, n, tensorsIn(args));
    const options = layerOptions(args[0]);
    if (!options) return interp.fail(`tf.layers.${last} options are not known`, n);
    return { k: 'layer', layer: interp.newLayer(last, cls, options, n.range, innerLayers(args[0]), unknownOptionsOf(args[0])) };
  }
  if (names !== 2) return interp.fail(`${path}() is not interpreted`, n, tensorsIn(args));
  switch (last) {
    case 'input':
      return tfInput(interp, args[0], n);
    case 'sequential': {
      const opts = args[0]?.k === 'obj' ? args[0].props : undefined;
      const seq: TfSequential = { name: interp.declaring ?? `sequential_${interp.sequentials.length}`, range: interp.here(n), layers: [], creator: interp.currentFunction };
      const layers = opts?.get('layers');
      if (layers?.k === 'arr') for (const l of layers.items) if (l.k === 'layer' || l.k === 'instance') seq.layers.push(l);
      interp.sequentials.push(seq);
      return { k: 'seq', seq };
    }
    case 'model': {
      const opts = args[0]?.k === 'obj' ? args[0].props : undefined;
      const model: TfModel = {
        name: interp.declaring ?? `model_${interp.models.length}`, range: interp.here(n), inputs: tensorsOf(opts?.get('inputs')), outputs: tensorsOf(opts?.get('outputs')),
        creator: interp.currentFunction, notesBefore: interp.b.unknowns.filter((u) => u.nodeId === ''),
      };
      if (model.outputs.length === 0) return interp.fail('tf.model outputs are not known tensors', n);
      interp.models.push(model);
      return { k: 'model', model };
    }
    case 'tidy': {
      const fn = args.find((a) => a.k === 'func');
      return fn ? interp.invoke(fn, [], n) : UNDEF;
    }
    case 'keep':
      return args[0] ?? UNDEF;
    case 'getExactlyOneTensor':
      return args[0]?.k === 'arr' ? args[0].items[0] ?? UNDEF : args[0] ?? UNDEF;
    case 'scalar':
      return args[0] ?? UNDEF;
  }
  if (isTensorOp(last)) return tensorOp(interp, last, args, n);
  // Concrete data for training or prediction (`model.fit(tf.zeros(...))`): not part of the model.
  if (DATA_FACTORIES.has(last)) return unknown(`tf.${last}() makes data, not model structure`);
  return interp.fail(`${path}() is not interpreted`, n, tensorsIn(args));
}

const DATA_FACTORIES = new Set(['zeros', 'ones', 'zerosLike', 'onesLike', 'fill', 'tensor', 'tensor1d', 'tensor2d', 'tensor3d', 'tensor4d', 'tensor5d', 'randomNormal', 'randomUniform', 'truncatedNormal', 'linspace', 'range', 'oneHot', 'buffer', 'variable', 'loadLayersModel', 'loadGraphModel', 'browser', 'node', 'io', 'data']);

function tfInput(interp: TsInterpreter, options: TsValue | undefined, n: Syn): TsValue {
  const opts = options?.k === 'obj' ? options.props : undefined;
  const shape = opts?.get('shape');
  const batchShape = opts?.get('batchShape') ?? opts?.get('batchInputShape');
  // `null` dimensions (`shape: [null, null, 3]`) stay symbolic: `h1`, `w2`.
  const dim = (d: TsValue, i: number): Dim | undefined => (d.k === 'null' ? `d${i}` : num(d));
  const dims = shape?.k === 'arr' ? [1, ...shape.items.map((d, i) => dim(d, i + 1))] : batchShape?.k === 'arr' ? batchShape.items.map((d, i) => (i === 0 && d.k === 'null' ? 1 : dim(d, i))) : undefined;
  if (!dims || dims.some((d) => d === undefined)) {
    // A builder nobody calls with its shape (`createModel(inputShape)`): the default input, said so.
    const d = interp.defaultInput;
    const directive = interp.inputDirective;
    if (!d && !directive) return interp.fail('tf.input shape is not known', n);
    let filled: Dim[];
    if (directive) {
      filled = directive;
      interp.fail(`tf.input shape is not known; [${filled.join(', ')}] from the se-lens: input comment was used`, n);
    } else {
      const fallback: Dim[] = dims?.length === 3 ? [1, d!.height, d!.channels] : [1, d!.height, d!.width, d!.channels];
      filled = dims && dims.length === fallback.length ? dims.map((x, i) => x ?? fallback[i]!) : fallback;
      interp.fail(`tf.input shape is not known; the default [${filled.join(', ')}] was used`, n);
    }
    const name = interp.declaring ?? 'input';
    const t = interp.b.addInput(interp.b.graph.values.has(name) ? `${name}_${interp.b.graph.inputs.length}` : name, filled);
    interp.defaultedInputs.set(t.name, directive ? 'comment' : 'default');
    return { k: 'tensor', t };
  }
  const b = interp.b;
  const given = opts?.get('name');
  const base = given?.k === 'str' ? given.v : interp.declaring ?? `input_${b.graph.inputs.length}`;
  return { k: 'tensor', t: b.addInput(b.graph.values.has(base) ? `${base}_${b.graph.inputs.length}` : base, dims as Dim[]) };
}

function tensorOp(interp: TsInterpreter, name: string, args: TsValue[], n: Syn): TsValue {
  try {
    return { k: 'tensor', t: emitTensorOp(interp.b, name, args, interp.here(n)) };
  } catch (e) {
    if (!(e instanceof TensorOpError)) throw e;
    return interp.fail(`${name}: ${e.message}`, n, args.flatMap(tensorsOf));
  }
}

/** Methods of library values: tensors (`x.mul(g)`), weights (`w.read()`), models, lists, strings. */
export function libraryMethod(interp: TsInterpreter, self: TsValue, name: string, args: TsValue[], n: Syn): TsValue {
  switch (self.k) {
    case 'tensor':
    case 'weight':
      if (name === 'read' || name === 'toFloat' || name === 'asType' || name === 'clone') return { k: 'tensor', t: self.t };
      if (name === 'dispose') return UNDEF;
      if (isTensorOp(name)) return tensorOp(interp, name, [self, ...args], n);
      break;
    case 'seq':
      if (name === 'add') {
        if (args[0]?.k === 'layer' || args[0]?.k === 'instance') self.seq.layers.push(args[0]);
        else interp.fail('sequential.add() of a value that is not a layer', n);
        return UNDEF;
      }
      if (name === 'apply' && args[0]?.k === 'tensor') {
        self.seq.usedAsLayer = true;
        return { k: 'tensor', t: interp.runSequential(self.seq, args[0].t, n) };
      }
      if (MODEL_METHODS.has(name)) return UNDEF;
      break;
    case 'model':
      if (name === 'apply') return applyModel(interp, self.model, args[0], n);
      if (MODEL_METHODS.has(name)) return UNDEF;
      break;
    case 'layer':
      if (name === 'setWeights' || name === 'dispose') return UNDEF;
      if (name === 'countParams' && self.layer.nodeIds.length > 0) return numV(self.layer.params);
      break;
    case 'func': {
      // `f.call(thisArg, ...args)`, `f.apply(thisArg, [args])`, `f.bind(thisArg)`.
      const bound: TsValue = { k: 'func', def: { ...self.def, self: args[0] ?? UNDEF } };
      if (name === 'call') return interp.invoke(bound, args.slice(1), n);
      if (name === 'apply') return interp.invoke(bound, args[1]?.k === 'arr' ? args[1].items : [], n);
      if (name === 'bind' && args.length <= 1) return bound;
      break;
    }
    case 'arr':
      return arrayMethod(interp, self.items, name, args, n);
    case 'str':
      return stringMethod(self.v, name, args);
    case 'num':
      if (name === 'toString') return strV(String(self.v));
      if (name === 'toFixed') return strV(self.v.toFixed(num(args[0]) ?? 0));
      break;
    case 'obj':
      if (name === 'hasOwnProperty') return args[0]?.k === 'str' ? { k: 'bool', v: self.props.has(args[0].v) } : unknown('hasOwnProperty');
      break;
    default:
      break;
  }
  return interp.fail(`${name}() is not interpreted`, n, [...tensorsOf(self), ...args.flatMap(tensorsOf)]);
}

const MODEL_METHODS = new Set(['compile', 'summary', 'fit', 'fitDataset', 'predict', 'save', 'evaluate', 'dispose', 'getWeights', 'setWeights', 'execute', 'toJSON']);

function arrayMethod(interp: TsInterpreter, items: TsValue[], name: string, args: TsValue[], n: Syn): TsValue {
  const fn = args[0];
  const call = (v: TsValue, i: number): TsValue => interp.invoke(fn!, [v, numV(i), { k: 'arr', items }], n);
  switch (name) {
    case 'slice': {
      const a = num(args[0]) ?? 0;
      const b = num(args[1]);
      return { k: 'arr', items: items.slice(a, b) };
    }
    case 'push':
      items.push(...args);
      return numV(items.length);
    case 'pop':
      return items.pop() ?? UNDEF;
    case 'at': {
      const i = num(args[0]);
      return i === undefined ? unknown('at()') : items.at(i) ?? UNDEF;
    }
    case 'concat':
      return { k: 'arr', items: [...items, ...args.flatMap((a) => (a.k === 'arr' ? a.items : [a]))] };
    case 'reverse':
      items.reverse();
      return { k: 'arr', items };
    case 'fill':
      return { k: 'arr', items: items.fill(args[0] ?? UNDEF) };
    case 'keys':
      return { k: 'arr', items: items.map((_, i) => numV(i)) };
    case 'entries':
      return { k: 'arr', items: items.map((v, i) => ({ k: 'arr', items: [numV(i), v] }) as TsValue) };
    case 'includes':
    case 'indexOf': {
      const t = args[0];
      const i = items.findIndex((v) => v.k === t?.k && 'v' in v && t && 'v' in t && v.v === t.v);
      return name === 'includes' ? { k: 'bool', v: i !== -1 } : numV(i);
    }
    case 'join': {
      const parts = items.map(textValue);
      return parts.every((p) => p !== undefined) ? strV(parts.join(args[0]?.k === 'str' ? args[0].v : ',')) : unknown('join');
    }
    case 'flat':
      return { k: 'arr', items: items.flatMap((v) => (v.k === 'arr' ? v.items : [v])) };
  }
  if (!fn || (fn.k !== 'func' && fn.k !== 'ref')) return interp.fail(`${name}() is not interpreted`, n, items.flatMap(tensorsOf));
  switch (name) {
    case 'forEach':
      items.forEach((v, i) => call(v, i));
      return UNDEF;
    case 'map':
      return { k: 'arr', items: items.map(call) };
    case 'flatMap':
      return { k: 'arr', items: items.map(call).flatMap((v) => (v.k === 'arr' ? v.items : [v])) };
    case 'filter':
    case 'find':
    case 'some':
    case 'every': {
      const tests = items.map((v, i) => truthy(call(v, i)));
      if (tests.some((t) => t === undefined)) return unknown(`${name}() of a condition that is not known`);
      if (name === 'filter') return { k: 'arr', items: items.filter((_, i) => tests[i]) };
      if (name === 'find') return items.find((_, i) => tests[i]) ?? UNDEF;
      return { k: 'bool', v: name === 'some' ? tests.some(Boolean) : tests.every(Boolean) };
    }
    case 'reduce': {
      let acc = args.length > 1 ? args[1]! : items[0] ?? UNDEF;
      items.slice(args.length > 1 ? 0 : 1).forEach((v, i) => {
        acc = interp.invoke(fn, [acc, v, numV(i)], n);
      });
      return acc;
    }
  }
  return interp.fail(`${name}() is not interpreted`, n, items.flatMap(tensorsOf));
}

function stringMethod(s: string, name: string, args: TsValue[]): TsValue {
  const str = (i: number) => (args[i]?.k === 'str' ? (args[i] as { v: string }).v : undefined);
  switch (name) {
    case 'toUpperCase':
      return strV(s.toUpperCase());
    case 'toLowerCase':
      return strV(s.toLowerCase());
    case 'toString':
    case 'trim':
      return strV(name === 'trim' ? s.trim() : s);
    case 'slice':
    case 'substring':
      return strV(s.slice(num(args[0]) ?? 0, num(args[1])));
    case 'startsWith':
    case 'endsWith':
    case 'includes': {
      const t = str(0);
      return t === undefined ? unknown(name) : { k: 'bool', v: s[name](t) };
    }
    case 'split': {
      const t = str(0);
      return t === undefined ? unknown('split') : { k: 'arr', items: s.split(t).map(strV) };
    }
    case 'concat':
      return strV(s + args.map((a) => textValue(a) ?? '').join(''));
    case 'padStart':
    case 'padEnd':
      return strV(s[name](num(args[0]) ?? 0, str(1) ?? ' '));
    case 'repeat':
      return strV(s.repeat(Math.min(num(args[0]) ?? 0, 1024)));
    default:
      return unknown(`${name}() on a string`);
  }
}
