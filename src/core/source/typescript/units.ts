import type { Dim, Graph, Model, ModuleInfo, SourceRange } from '../../ir/graph.js';
import { emptyGraph } from '../../ir/graph.js';
import type { InputShapeSource, SourceUnit } from '../analysis.js';
import { finishUnit, withUnitFields } from '../finish-unit.js';
import { GraphBuilder, type SourceUnknown, type TensorRef } from '../graph-builder.js';
import { interruptionNote } from '../interruption.js';
import type { TypeScriptModules } from '../modules/typescript-modules.js';
import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import { construct } from './classes.js';
import { isChannelsFirst, type TfLayer } from './layers.js';
import { TsInterpreter, type TsRun } from './interpreter.js';
import type { TypeScriptOptions } from './analyze-typescript.js';
import { tensorsOf, type TfModel, type TfSequential, type TsClass, type TsFunc, type TsValue } from './values.js';

/** Builder parameters that usually carry the channel count. */
const CHANNEL_PARAMS = new Set(['channels', 'channel', 'filters', 'inputChannels', 'numChannels', 'inChannels', 'c']);

/** Where a block is shown: the innermost function or class of the document that wrote all its nodes. */
export type BlockRange = (path: string, nodeRanges: SourceRange[]) => SourceRange | undefined;

export interface UnitContext {
  readonly options: TypeScriptOptions;
  readonly blockRange: BlockRange;
  readonly modules: TypeScriptModules | undefined;
  readonly run: TsRun;
}

/**
 * Block ids are call paths; blocks written directly in the unit's own function share the empty path, so
 * those (and any other repeated id) are named after the layer that applies their scaling, as TF.js names
 * it (`multiply_1`), under their call path. The empty id stays for a unit that is one block.
 */
export function withUniqueBlockIds(unit: SourceUnit): SourceUnit {
  const count = new Map<string, number>();
  for (const b of unit.blocks) count.set(b.id, (count.get(b.id) ?? 0) + 1);
  const repeated = [...count.values()].some((n) => n > 1);
  const wholeUnit = unit.blocks.length === 1 && unit.blocks[0]!.nodes.length === unit.model.graph.nodes.length;
  if (!repeated && (!count.has('') || wholeUnit || unit.kind === 'function' || unit.kind === 'class')) return unit;
  const ownerOf = new Map<string, string>();
  for (const m of unit.model.graph.modules ?? []) for (const id of m.nodeIds) ownerOf.set(id, m.path);
  const used = new Set<string>();
  const blocks = unit.blocks.map((b, i) => {
    if (count.get(b.id) === 1 && b.id !== '') {
      used.add(b.id);
      return b;
    }
    const scale = b.nodes[b.nodes.length - 1];
    const layer = (scale && ownerOf.get(scale)) ?? `block_${i}`;
    let id = b.id ? `${b.id}.${layer}` : layer;
    for (let k = 1; used.has(id); k++) id = `${b.id ? `${b.id}.` : ''}${layer}_${k}`;
    used.add(id);
    return { ...b, id };
  });
  return withUnitFields(unit, { blocks });
}

/** TF.js is channels last; code written channels first (`dataFormat: 'channelsFirst'`) makes NCHW graphs. */
export function layoutOf(layers: readonly TfLayer[]): Model['layout'] {
  return layers.some(isChannelsFirst) ? 'NCHW' : 'NHWC';
}

/** Each block's call path resolved to the calls that made it (outermost first), for the editor to show it per call site. */
export function withCallSites(unit: SourceUnit, interp: TsInterpreter): SourceUnit {
  const callSites: Record<string, SourceRange[]> = {};
  for (const block of unit.blocks) {
    const parts = block.id.split('.');
    const ranges = parts.flatMap((_, i) => interp.callPaths.get(parts.slice(0, i + 1).join('.')) ?? []);
    if (ranges.length > 0) callSites[block.id] = ranges;
  }
  return Object.keys(callSites).length > 0 ? withUnitFields(unit, { callSites }) : unit;
}

export function moduleInfo(layer: TfLayer, nodeFilter?: Set<string>): ModuleInfo {
  return {
    path: layer.name,
    kind: layer.className,
    params: layer.params,
    config: layer.config,
    range: layer.range,
    nodeIds: nodeFilter ? layer.nodeIds.filter((id) => nodeFilter.has(id)) : [...layer.nodeIds],
  };
}

function lineShapesOf(interp: TsInterpreter): SourceUnit['lineShapes'] {
  // Sorted by line without an entry array per line (a model's helpers record thousands).
  const lines: number[] = [];
  interp.lineShapes.forEach((_, line) => lines.push(line));
  return lines.sort((a, b) => a - b).map((line) => {
    const v = interp.lineShapes.get(line)!;
    return { line, names: v.names, shapes: v.shapes };
  });
}

function describe(v: TsValue): number | string | boolean {
  return v.k === 'num' || v.k === 'str' || v.k === 'bool' ? v.v : v.k === 'undef' ? 'default' : `<${v.k}>`;
}

export interface Param {
  readonly name: string;
  readonly hasDefault: boolean;
  readonly pattern: Syn | undefined;
}

export function paramsOf(fn: Syn): Param[] {
  const single = child(fn, 'parameter');
  if (single) return [{ name: textOf(single), hasDefault: false, pattern: single }];
  const params = child(fn, 'parameters');
  return namedChildren(params ?? fn)
    .filter((p) => p.type === 'required_parameter' || p.type === 'optional_parameter' || p.type === 'identifier' || p.type === 'assignment_pattern' || p.type === 'object_pattern')
    .map((p) => {
      const pattern = p.type === 'required_parameter' || p.type === 'optional_parameter' ? child(p, 'pattern') ?? child(p, 'name') : p.type === 'assignment_pattern' ? child(p, 'left') : p;
      return { name: pattern ? textOf(pattern) : '', hasDefault: Boolean(child(p, 'value')) || p.type === 'optional_parameter' || p.type === 'assignment_pattern', pattern };
    })
    .filter((p) => p.name !== 'this');
}

const TENSOR_USE = 'shape|rank|apply|mul|add|sub|div|mean|sum|max|matMul|reshape|expandDims|squeeze|sigmoid|relu|dispose|dtype';

/** True when the function uses its first parameter as a tensor (`x.shape`, `.apply(x)`, `tf.mean(x)`, `helper(x, ...)`), not as an options object. */
export function firstParamIsTensor(fn: Syn): boolean {
  const first = paramsOf(fn)[0];
  if (!first?.pattern || first.pattern.type !== 'identifier') return false;
  const body = child(fn, 'body');
  if (!body) return false;
  const text = textOf(body);
  const name = first.name.replace(/[$]/g, '\\$');
  const asTensor = new RegExp(`\\b${name}\\s*\\.\\s*(${TENSOR_USE})\\b|apply\\(\\s*\\[?[^)]*\\b${name}\\b|\\w\\s*\\(\\s*\\[?\\s*${name}\\s*[,)\\]]`);
  const asOptions = new RegExp(`\\b${name}\\s*\\.\\s*(?!(${TENSOR_USE})\\b)[A-Za-z_]\\w*`);
  return asTensor.test(text) && !asOptions.test(text);
}

/**
 * A function no entry point reaches (or whose only caller builds no model): analysed at its first call
 * site's arguments, else at the `se-lens: input=` comment or the default input, with channel-count
 * parameters bound to the input's channels. The input shape source says which.
 */
export function functionUnit(
  def: TsFunc,
  declNode: Syn,
  directive: number[] | undefined,
  site: { args: TsValue[] } | undefined,
  ctx: UnitContext,
  /** For a class: makes the instance and gives what runs the input through it. */
  bindThis?: (interp: TsInterpreter, channels: () => number, used: Record<string, number | string | boolean>) => (x: TsValue, args: TsValue[]) => TsValue,
  /** The code whose text tells the input's rank (a class: all of it, not only `call`). */
  rankHint?: Syn,
): SourceUnit | undefined {
  const options = ctx.options;
  const params = paramsOf(def.node);
  if (params.length === 0) return undefined;
  const builder = new GraphBuilder(def.name);
  const interp = new TsInterpreter(builder, { ...ctx.run, defaultInput: undefined });
  interp.recordLines = { startLine: declNode.range.startLine, endLine: declNode.range.endLine };
  let inputShape: Dim[] | undefined;
  let source: InputShapeSource = 'default';
  const siteTensor = site?.args[0]?.k === 'tensor' ? site.args[0].t : undefined;
  if (directive) {
    inputShape = directive;
    source = 'comment';
  } else if (siteTensor?.shape) {
    inputShape = siteTensor.shape;
    source = 'call-site';
  }
  const args: TsValue[] = [];
  const used: Record<string, number | string | boolean> = {};
  const last = inputShape?.[inputShape.length - 1];
  let channels = typeof last === 'number' ? last : undefined;
  params.slice(1).forEach((p, i) => {
    let v: TsValue | undefined = site?.args[i + 1];
    if (!v || v.k === 'undef' || (siteTensor === undefined && v.k === 'unknown')) {
      if (CHANNEL_PARAMS.has(p.name) && !p.hasDefault) v = { k: 'num', v: channels ?? options.defaultInput.channels };
      else v = { k: 'undef' };
    }
    if (v.k === 'num' && CHANNEL_PARAMS.has(p.name)) channels ??= v.v;
    args.push(v);
    used[p.name] = describe(v);
  });
  const d = options.defaultInput;
  // Code written for sequences (`globalAveragePooling1d`, `conv1d`) gets a [batch, steps, channels] input.
  const sequences = /1d\b/i.test(textOf(rankHint ?? def.node)) && !/2d\b/i.test(textOf(rankHint ?? def.node));
  inputShape ??= sequences ? [d.batch, d.height, channels ?? d.channels] : [d.batch, d.height, d.width, channels ?? d.channels];
  const x = builder.addInput('input', inputShape);
  const outputs: TensorRef[] = [];
  try {
    const run = bindThis ? bindThis(interp, () => channels ?? d.channels, used) : (t: TsValue, rest: TsValue[]) => interp.callFunction(def, [t, ...rest], def.node, true);
    const y = run({ k: 'tensor', t: x }, args);
    outputs.push(...tensorsOf(y));
  } catch (e) {
    builder.note(interruptionNote(e, def.name, options.maxSteps), declNode.range);
  }
  // A helper that builds no layers and no ops (a shape calculation, a training loop) is not a unit.
  if (builder.graph.nodes.length === 0) return undefined;
  const model = builder.finish(outputs, interp.layers.map((l) => moduleInfo(l)), layoutOf(interp.layers), 'se-lens tfjs front-end');
  return withCallSites(withUniqueBlockIds(finishUnit(
    { name: def.name, kind: bindThis ? 'class' : 'function', range: declNode.range, model, inputShape, inputShapeSource: source, arguments: used, unknowns: builder.unknowns, lineShapes: lineShapesOf(interp) },
    ctx.blockRange,
  )), interp);
}

/** The method a plain class builds its block in: `apply`, `call` or `forward`, else its first method with a parameter. */
function builderMethod(cls: TsClass): Syn | undefined {
  for (const name of ['apply', 'call', 'forward']) {
    const m = cls.methods.get(name);
    if (m) return m;
  }
  return [...cls.methods].find(([name, m]) => name !== 'constructor' && paramsOf(m).length > 0)?.[1];
}

/**
 * A class that builds a block and that no model uses: made with the program's `new C(...)` arguments
 * (or defaults), then applied. A custom `tf.layers.Layer` goes through `apply` (build, then call).
 */
export function classUnit(cls: TsClass, declNode: Syn, directive: number[] | undefined, ctor: { args: TsValue[] } | undefined, site: { args: TsValue[] } | undefined, layer: boolean, ctx: UnitContext): SourceUnit | undefined {
  const method = layer ? cls.methods.get('call') : builderMethod(cls);
  if (!method) return undefined;
  const ctorNode = cls.methods.get('constructor');
  const ctorParams = ctorNode ? paramsOf(ctorNode) : [];
  const def: TsFunc = { name: cls.name, node: method, closure: cls.closure };
  return functionUnit(def, declNode, directive, site, ctx, (interp, channels, used) => {
    const args = ctorParams.map((p, i) => {
      const given = ctor?.args[i];
      // A config object nobody passes (`constructor(config) { this.ratio = config.ratio }`): an empty one.
      const config = p.pattern?.type === 'object_pattern' || (p.pattern?.type === 'identifier' && new RegExp(`\\b${p.name}\\s*\\.`).test(textOf(ctorNode!)));
      const v: TsValue = given && given.k !== 'undef' && given.k !== 'unknown' ? given : CHANNEL_PARAMS.has(p.name) && !p.hasDefault ? { k: 'num', v: channels() } : config && !p.hasDefault ? { k: 'obj', props: new Map() } : { k: 'undef' };
      used[p.name] = describe(v);
      return v;
    });
    const self = construct(interp, cls, args, declNode);
    // A custom layer is applied as TF.js applies it: build with the input shape, then call.
    if (layer && self.k === 'instance') return (x) => interp.applyCustom(self, x, undefined, declNode);
    return (x, rest) => interp.callFunction({ ...def, self, owner: cls }, [x, ...rest], def.node, true);
  }, declNode);
}

/** A `tf.model({inputs, outputs})`: the part of the interpreter's graph its outputs depend on. */
export function modelUnit(name: string, range: SourceRange, model: TfModel, interp: TsInterpreter, ctx: UnitContext, lineShapes = false): SourceUnit {
  const full = interp.b.graph;
  // Indexed loops: this runs a few times per analysis, before the JIT compiles it, and a `for...of` there makes an
  // iterator result per element of the thousands of nodes, inputs and outputs.
  const nodes = full.nodes;
  const producer = new Map<string, number>();
  for (let i = 0; i < nodes.length; i++) {
    const outputs = nodes[i]!.outputs;
    for (let j = 0; j < outputs.length; j++) producer.set(outputs[j]!, i);
  }
  const kept = new Uint8Array(nodes.length);
  let keptCount = 0;
  const stack = model.outputs.map((o) => o.name);
  const used = new Set<string>(stack);
  while (stack.length) {
    const at = producer.get(stack.pop()!);
    if (at === undefined || kept[at]) continue;
    kept[at] = 1;
    keptCount++;
    const n = nodes[at]!;
    for (let j = 0; j < n.inputs.length; j++) {
      const i = n.inputs[j];
      if (i && !used.has(i)) {
        used.add(i);
        stack.push(i);
      }
    }
    for (let j = 0; j < n.outputs.length; j++) used.add(n.outputs[j]!);
  }
  const graph: Graph = emptyGraph(name);
  for (let i = 0; i < nodes.length; i++) if (kept[i]) graph.nodes.push(nodes[i]!);
  // The ids of the nodes kept, where not all are (a file's one model usually is all of its interpreter's graph;
  // layers and unknowns name only nodes of that graph).
  const keep = keptCount === nodes.length ? undefined : new Set(graph.nodes.map((n) => n.id));
  const isKept = (id: string) => keep === undefined || keep.has(id);
  graph.inputs.push(...full.inputs.filter((i) => used.has(i.name) || model.inputs.some((x) => x.name === i.name)));
  for (const o of model.outputs) graph.outputs.push({ name: o.name, dtype: 'float32', shape: o.shape ? [...o.shape] : undefined });
  // `forEach`, not `for...of` over entries: a 3,000-line model has thousands of values, each entry an array.
  full.initializers.forEach((v, k) => used.has(k) && graph.initializers.set(k, v));
  full.values.forEach((v, k) => used.has(k) && graph.values.set(k, v));
  const layers = interp.layers.filter((l) => l.nodeIds.some(isKept));
  graph.modules = layers.map((l) => moduleInfo(l, keep));
  const unknowns: SourceUnknown[] = interp.b.unknowns.filter((u) => (u.nodeId ? isKept(u.nodeId) : !model.notesBefore || model.notesBefore.includes(u)));
  const inputShape = graph.inputs[0]?.shape ?? [];
  const defaulted = graph.inputs.map((i) => interp.defaultedInputs.get(i.name)).find((source) => source !== undefined);
  return withCallSites(withUniqueBlockIds(finishUnit(
    {
      name,
      kind: 'model',
      range,
      model: { graph, opsets: [{ domain: '', version: 17 }], irVersion: 8, producer: 'se-lens tfjs front-end', functions: [], layout: layoutOf(layers) },
      inputShape,
      inputShapeSource: defaulted ?? 'call-site',
      arguments: {},
      unknowns,
      lineShapes: lineShapes ? lineShapesOf(interp) : [],
    },
    ctx.blockRange,
  )), interp);
}

/**
 * A `tf.sequential`: its layers applied, in the interpreter that made them, to the input the first layer
 * declares (or the comment, or the default input); the unit is the part of the graph that run made.
 */
export function sequentialUnit(seq: TfSequential, name: string, range: SourceRange, directive: number[] | undefined, interp: TsInterpreter, at: Syn, ctx: UnitContext): SourceUnit {
  const options = ctx.options;
  const first = seq.layers[0]?.k === 'layer' ? seq.layers[0].layer.options : undefined;
  const inputShapeOpt = first?.get('inputShape');
  const batchInputShape = first?.get('batchInputShape');
  let inputShape: Dim[];
  let source: InputShapeSource;
  if (directive) {
    inputShape = directive;
    source = 'comment';
  } else if (Array.isArray(inputShapeOpt) && inputShapeOpt.every((d) => typeof d === 'number')) {
    inputShape = [1, ...(inputShapeOpt as number[])];
    source = 'call-site';
  } else if (Array.isArray(batchInputShape) && batchInputShape.every((d) => typeof d === 'number')) {
    inputShape = [1, ...(batchInputShape as number[]).slice(1)];
    source = 'call-site';
  } else {
    const d = options.defaultInput;
    inputShape = [d.batch, d.height, d.width, d.channels];
    source = 'default';
  }
  const b = interp.b;
  const x = b.addInput(b.graph.values.has(`${seq.name}_input`) ? `${seq.name}_input_${b.graph.inputs.length}` : `${seq.name}_input`, inputShape);
  let y = x;
  try {
    y = interp.runSequential(seq, x, at);
  } catch (e) {
    b.note(interruptionNote(e, name, options.maxSteps), range);
  }
  const unit = modelUnit(name, range, { name, range, inputs: [x], outputs: [y] }, interp, ctx);
  return withUnitFields(unit, { kind: 'sequential', inputShape, inputShapeSource: source });
}
