import type { Node as TsNode } from 'web-tree-sitter';
import type { Dim, Graph, ModuleInfo, SourceRange } from '../../ir/graph.js';
import { emptyGraph } from '../../ir/graph.js';
import type { SourceLocation } from '../modules/source-files.js';
import type { DefaultInput, InputShapeSource, SourceUnit } from '../analysis.js';
import { finishUnit } from '../finish-unit.js';
import { GraphBuilder, type SourceUnknown, type TensorRef } from '../graph-builder.js';
import { readInputDirective } from '../input-comment.js';
import { interruptionNote } from '../interruption.js';
import type { StatementCache } from '../statement-cache.js';
import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import type { TfLayer } from './layers.js';
import { TsInterpreter, TsScope, type TfSequential, type TsClass, type TsFunc, type TsValue } from './interpreter.js';

/** Builder parameters that usually carry the channel count. */
const CHANNEL_PARAMS = new Set(['channels', 'channel', 'filters', 'inputChannels', 'numChannels', 'inChannels', 'c']);

export interface TypeScriptOptions {
  readonly defaultInput: DefaultInput;
  readonly maxSteps: number;
  readonly location?: SourceLocation | undefined;
}

interface Top {
  readonly syn: Syn;
  readonly directive: number[] | undefined;
}

export function analyzeTypeScript(root: TsNode, source: string, statements: StatementCache, options: TypeScriptOptions): SourceUnit[] {
  const tops: Top[] = [];
  let pending: number[] | undefined;
  let lastComment = -2;
  for (const { syn } of statements.topStatements(root, source)) {
    if (syn.type === 'comment') {
      if (syn.range.startLine !== lastComment + 1) pending = undefined;
      pending = readInputDirective(textOf(syn)) ?? pending;
      lastComment = syn.range.endLine;
      continue;
    }
    const directive = syn.range.startLine === lastComment + 1 ? pending : undefined;
    pending = undefined;
    if (syn.type === 'ERROR') {
      for (const inner of namedChildren(syn)) if (inner.type.endsWith('_statement') || inner.type.endsWith('declaration')) tops.push({ syn: inner, directive: undefined });
      continue;
    }
    tops.push({ syn, directive });
  }

  const scriptBuilder = new GraphBuilder('script');
  const script = new TsInterpreter(scriptBuilder, options.maxSteps);
  const globals = new TsScope();
  globals.declare('tf', { k: 'ref', path: 'tf' });
  try {
    script.execBlock(tops.map((t) => t.syn), globals);
  } catch (e) {
    scriptBuilder.note(interruptionNote(e, 'top-level code', options.maxSteps), tops[0]?.syn.range ?? zero);
  }

  const units: SourceUnit[] = [];
  const builders = tops.flatMap((top) => {
    const fn = builderFunction(top.syn, globals);
    return fn ? [{ ...fn, directive: top.directive }] : [];
  });
  // A block is shown at the innermost builder function that wrote all of its nodes.
  const blockRange = (_path: string, nodeRanges: SourceRange[]) =>
    builders
      .map((f) => f.node.range)
      .filter((f) => nodeRanges.length > 0 && nodeRanges.every((r) => f.startLine <= r.startLine && r.endLine <= f.endLine))
      .sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine))[0];
  for (const fn of builders) {
    const unit = functionUnit(fn.def, fn.node, fn.directive, script, options, blockRange);
    if (unit) units.push(unit);
  }
  for (const top of tops) {
    const decl = top.syn.type === 'export_statement' ? child(top.syn, 'declaration') : top.syn;
    const name = decl?.type === 'class_declaration' ? child(decl, 'name') : undefined;
    const value = name ? globals.get(textOf(name)) : undefined;
    if (value?.k !== 'class') continue;
    const unit = classUnit(value.cls, top.syn, top.directive, script, options, blockRange);
    if (unit) units.push(unit);
  }
  for (const model of script.models) units.push(modelUnit(model.name, model.range, model.inputs, model.outputs, script, blockRange));
  for (const seq of script.sequentials) units.push(sequentialUnit(seq, directiveFor(seq.range.startLine, tops), options));
  return units.sort((a, b) => a.range.startLine - b.range.startLine);
}

const zero = { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 };

function directiveFor(line: number, tops: Top[]): number[] | undefined {
  return tops.find((t) => t.syn.range.startLine <= line && line <= t.syn.range.endLine)?.directive;
}

/** Top-level `function f(x, ...)` or `const f = (x, ...) => ...`, possibly exported. */
function builderFunction(s: Syn, globals: TsScope): { def: TsFunc; node: Syn } | undefined {
  const decl = s.type === 'export_statement' ? child(s, 'declaration') : s;
  if (!decl) return undefined;
  let name: string | undefined;
  let node: Syn | undefined;
  if (decl.type === 'function_declaration') {
    const n = child(decl, 'name');
    name = n ? textOf(n) : undefined;
    node = decl;
  } else if (decl.type === 'lexical_declaration') {
    const d = namedChildren(decl).find((c) => c.type === 'variable_declarator');
    const v = d ? child(d, 'value') : undefined;
    const n = d ? child(d, 'name') : undefined;
    if (v && n && (v.type === 'arrow_function' || v.type === 'function_expression')) {
      name = textOf(n);
      node = v;
    }
  }
  if (!name || !node) return undefined;
  const value: TsValue | undefined = globals.get(name);
  if (value?.k !== 'func') return undefined;
  return { def: value.def, node: decl };
}

function paramNames(fn: Syn): { name: string; hasDefault: boolean }[] {
  const single = child(fn, 'parameter');
  if (single) return [{ name: textOf(single), hasDefault: false }];
  const params = child(fn, 'parameters');
  return namedChildren(params ?? fn)
    .filter((p) => p.type === 'required_parameter' || p.type === 'optional_parameter')
    .map((p) => {
      const pattern = child(p, 'pattern') ?? child(p, 'name');
      return { name: pattern ? textOf(pattern) : '', hasDefault: Boolean(child(p, 'value')) || p.type === 'optional_parameter' };
    });
}

type BlockRange = (path: string, nodeRanges: SourceRange[]) => SourceRange | undefined;

/** The method a class builds its block in: `apply`, `call` or `forward`, else its first method with a parameter. */
function builderMethod(cls: TsClass): Syn | undefined {
  for (const name of ['apply', 'call', 'forward']) {
    const m = cls.methods.get(name);
    if (m) return m;
  }
  return [...cls.methods].find(([name, m]) => name !== 'constructor' && paramNames(m).length > 0)?.[1];
}

/** A class that builds a block: made with the file's `new C(...)` arguments (or defaults), then its builder method applied. */
function classUnit(cls: TsClass, declNode: Syn, directive: number[] | undefined, script: TsInterpreter, options: TypeScriptOptions, blockRange: BlockRange): SourceUnit | undefined {
  const method = builderMethod(cls);
  if (!method) return undefined;
  const ctor = cls.methods.get('constructor');
  const ctorParams = ctor ? paramNames(ctor) : [];
  const newSite = script.newSites.find((s) => s.cls === cls);
  const def: TsFunc = { name: cls.name, node: method, closure: cls.closure };
  return functionUnit(def, declNode, directive, script, options, blockRange, (interp, channels, used) => {
    const args = ctorParams.map((p, i) => {
      const given = newSite?.args[i];
      const v: TsValue = given && given.k !== 'undef' ? given : CHANNEL_PARAMS.has(p.name) && !p.hasDefault ? { k: 'num', v: channels() } : { k: 'undef' };
      used[p.name] = describeTs(v);
      return v;
    });
    const self = interp.construct(cls, args, declNode);
    return { ...def, self };
  });
}

function describeTs(v: TsValue): number | string | boolean {
  return v.k === 'num' || v.k === 'str' || v.k === 'bool' ? v.v : v.k === 'undef' ? 'default' : `<${v.k}>`;
}

function functionUnit(
  def: TsFunc,
  declNode: Syn,
  directive: number[] | undefined,
  script: TsInterpreter,
  options: TypeScriptOptions,
  blockRange: BlockRange,
  bindThis?: (interp: TsInterpreter, channels: () => number, used: Record<string, number | string | boolean>) => TsFunc,
): SourceUnit | undefined {
  const params = paramNames(def.node);
  if (params.length === 0) return undefined;
  const site = script.callSites.find((s) => s.def.node === def.node);
  const builder = new GraphBuilder(def.name);
  const interp = new TsInterpreter(builder, options.maxSteps);
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
  let channels = typeof inputShape?.[inputShape.length - 1] === 'number' ? (inputShape[inputShape.length - 1] as number) : undefined;
  params.slice(1).forEach((p, i) => {
    let v: TsValue | undefined = site?.args[i + 1];
    if (!v || v.k === 'undef') {
      if (CHANNEL_PARAMS.has(p.name) && !p.hasDefault) v = { k: 'num', v: channels ?? options.defaultInput.channels };
      else v = { k: 'undef' };
    }
    if (v.k === 'num' && CHANNEL_PARAMS.has(p.name)) channels ??= v.v;
    args.push(v);
    used[p.name] = describeTs(v);
  });
  const d = options.defaultInput;
  inputShape ??= [d.batch, d.height, d.width, channels ?? d.channels];
  const x = builder.addInput('input', inputShape);
  const outputs: TensorRef[] = [];
  try {
    const target = bindThis ? bindThis(interp, () => channels ?? d.channels, used) : def;
    const y = interp.callFunction(target, [{ k: 'tensor', t: x }, ...args], def.node, true);
    if (y.k === 'tensor') outputs.push(y.t);
    else if (y.k === 'arr') for (const i of y.items) if (i.k === 'tensor') outputs.push(i.t);
  } catch (e) {
    builder.note(interruptionNote(e, def.name, options.maxSteps), declNode.range);
  }
  // A helper that builds no layers (a shape calculation, a training loop) is not a unit.
  if (interp.layers.length === 0) return undefined;
  const model = builder.finish(outputs, interp.layers.map((l) => moduleInfo(l)), 'NHWC', 'se-lens tfjs front-end');
  return finishUnit(
    {
      name: def.name,
      kind: bindThis ? 'class' : 'function',
      range: declNode.range,
      model,
      inputShape,
      inputShapeSource: source,
      arguments: used,
      unknowns: builder.unknowns,
      lineShapes: lineShapesOf(interp),
    },
    blockRange,
  );
}

function moduleInfo(layer: TfLayer, nodeFilter?: Set<string>): ModuleInfo {
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
  return [...interp.lineShapes].sort((a, b) => a[0] - b[0]).map(([line, v]) => ({ line, names: v.names, shapes: v.shapes }));
}

/** A `tf.model({inputs, outputs})` of the top-level code: the part of the script graph its outputs depend on. */
function modelUnit(name: string, range: SourceRange, inputs: TensorRef[], outputs: TensorRef[], script: TsInterpreter, blockRange: BlockRange): SourceUnit {
  const full = script.b.graph;
  const producer = new Map<string, Graph['nodes'][number]>();
  for (const n of full.nodes) for (const o of n.outputs) producer.set(o, n);
  const keep = new Set<string>();
  const stack = outputs.map((o) => o.name);
  const used = new Set<string>(stack);
  while (stack.length) {
    const t = stack.pop()!;
    const n = producer.get(t);
    if (!n || keep.has(n.id)) continue;
    keep.add(n.id);
    for (const i of n.inputs) if (i && !used.has(i)) {
      used.add(i);
      stack.push(i);
    }
    for (const o of n.outputs) used.add(o);
  }
  const graph: Graph = emptyGraph(name);
  graph.nodes.push(...full.nodes.filter((n) => keep.has(n.id)));
  graph.inputs.push(...full.inputs.filter((i) => used.has(i.name) || inputs.some((x) => x.name === i.name)));
  for (const o of outputs) graph.outputs.push({ name: o.name, dtype: 'float32', shape: o.shape ? [...o.shape] : undefined });
  for (const [k, v] of full.initializers) if (used.has(k)) graph.initializers.set(k, v);
  for (const [k, v] of full.values) if (used.has(k)) graph.values.set(k, v);
  graph.modules = script.layers.filter((l) => l.nodeIds.some((id) => keep.has(id))).map((l) => moduleInfo(l, keep));
  const unknowns: SourceUnknown[] = script.b.unknowns.filter((u) => (u.nodeId ? keep.has(u.nodeId) : true));
  const inputShape = graph.inputs[0]?.shape ?? [];
  return finishUnit(
    {
      name,
      kind: 'model',
      range,
      model: { graph, opsets: [{ domain: '', version: 17 }], irVersion: 8, producer: 'se-lens tfjs front-end', functions: [], layout: 'NHWC' },
      inputShape,
      inputShapeSource: 'call-site',
      arguments: {},
      unknowns,
      lineShapes: [],
    },
    blockRange,
  );
}

function sequentialUnit(seq: TfSequential, directive: number[] | undefined, options: TypeScriptOptions): SourceUnit {
  const builder = new GraphBuilder(seq.name);
  const interp = new TsInterpreter(builder, options.maxSteps);
  // Fresh layer state: the script may have applied these layers elsewhere.
  const layers: TfLayer[] = seq.layers.map((l) => ({ ...l, params: 0, config: {}, nodeIds: [], weights: undefined }) as TfLayer);
  const first = layers[0]?.options;
  const inputShapeOpt = first?.get('inputShape');
  const batchInputShape = first?.get('batchInputShape');
  let inputShape: Dim[];
  let source: InputShapeSource;
  if (directive) {
    inputShape = directive;
    source = 'comment';
  } else if (Array.isArray(inputShapeOpt)) {
    inputShape = [1, ...inputShapeOpt];
    source = 'call-site';
  } else if (Array.isArray(batchInputShape)) {
    inputShape = [1, ...batchInputShape.slice(1)];
    source = 'call-site';
  } else {
    const d = options.defaultInput;
    inputShape = [d.batch, d.height, d.width, d.channels];
    source = 'default';
  }
  const x = builder.addInput('input', inputShape);
  const outputs: TensorRef[] = [];
  try {
    outputs.push(interp.runSequential({ ...seq, layers }, x));
  } catch (e) {
    builder.note(interruptionNote(e, seq.name, options.maxSteps), seq.range);
  }
  const model = builder.finish(outputs, layers.map((l) => moduleInfo(l)), 'NHWC', 'se-lens tfjs front-end');
  return finishUnit(
    { name: seq.name, kind: 'sequential', range: seq.range, model, inputShape, inputShapeSource: source, arguments: {}, unknowns: builder.unknowns, lineShapes: [] },
  );
}
