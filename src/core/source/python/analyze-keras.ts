import type { Dim, ModuleInfo } from '../../ir/graph.js';
import type { DefaultInput, InputShapeSource, SourceUnit } from '../analysis.js';
import { finishUnit } from '../finish-unit.js';
import { GraphBuilder } from '../graph-builder.js';
import { interruptionNote } from '../interruption.js';
import { child, textOf, type Syn } from '../syntax.js';
import type { TfLayer } from '../typescript/layers.js';
import { PyInterpreter, type CallSite } from './interpreter.js';
import type { PythonProgram } from './program.js';
import type { ClassDef, FuncDef, PyValue } from './values.js';

/** A top-level function that builds Keras layers on its first argument (`def se_block(x, ratio=16)`). */
export function isKerasFunction(fn: Syn): boolean {
  const params = child(fn, 'parameters');
  if (!params || params.namedChildren.length === 0) return false;
  return /\b(layers\.|keras\.|Dense\(|GlobalAveragePooling2D\(|GlobalMaxPooling2D\(|Conv2D\(|multiply\(|Multiply\()/.test(textOf(child(fn, 'body') ?? fn));
}

interface KerasUnitOptions {
  readonly defaultInput: DefaultInput;
  readonly maxSteps: number;
}

function defaultNHWC(d: DefaultInput): number[] {
  return [d.batch, d.height, d.width, d.channels];
}

function moduleInfo(layer: TfLayer): ModuleInfo {
  return { path: layer.name, kind: layer.className, params: layer.params, config: layer.config, range: layer.range, nodeIds: [...layer.nodeIds] };
}

function tensorsOf(v: PyValue, out: { name: string; shape: Dim[] | undefined }[] = []): { name: string; shape: Dim[] | undefined }[] {
  if (v.k === 'tensor') out.push({ name: v.t.name, shape: v.t.shape });
  else if (v.k === 'tuple' || v.k === 'list') for (const item of v.items) tensorsOf(item, out);
  return out;
}

/** A Keras SE function as a unit: its first argument is the input tensor (NHWC), the others keep their defaults. */
export function analyzeKerasFunction(def: FuncDef, directive: number[] | undefined, called: number[] | undefined, options: KerasUnitOptions, program: PythonProgram): SourceUnit {
  const builder = new GraphBuilder(def.name);
  const interp = new PyInterpreter(builder, 'graph', options.maxSteps, program);
  const range = def.node.range;
  interp.recordLines = { startLine: range.startLine, endLine: range.endLine };
  const [inputShape, inputShapeSource]: [number[], InputShapeSource] = directive ? [directive, 'comment'] : called ? [called, 'call-site'] : [defaultNHWC(options.defaultInput), 'default'];
  const outputs: { name: string; shape: Dim[] | undefined }[] = [];
  try {
    const x = builder.addInput('input', inputShape);
    tensorsOf(interp.callFunction(def, [{ k: 'tensor', t: x }], new Map(), def.node), outputs);
  } catch (e) {
    builder.note(interruptionNote(e, def.name, options.maxSteps), range);
  }
  const model = builder.finish(outputs, interp.keras.layers.map(moduleInfo), 'NHWC', 'se-lens python front-end (Keras)');
  return finishUnit({
    name: def.name,
    kind: 'function',
    range,
    model,
    inputShape,
    inputShapeSource,
    arguments: {},
    unknowns: builder.unknowns,
    lineShapes: [...interp.lineShapes].sort((a, b) => a[0] - b[0]).map(([line, v]) => ({ line, names: v.names, shapes: v.shapes })),
  });
}

/** A `keras.layers.Layer` subclass as a unit: constructed, built from the input shape, then called. */
export function analyzeKerasClass(def: ClassDef, site: CallSite | undefined, options: KerasUnitOptions, program: PythonProgram): SourceUnit {
  const builder = new GraphBuilder(def.name);
  const interp = new PyInterpreter(builder, 'graph', options.maxSteps, program);
  const range = def.node.range;
  interp.recordLines = { startLine: range.startLine, endLine: range.endLine };
  const [inputShape, inputShapeSource]: [number[], InputShapeSource] = def.inputDirective
    ? [def.inputDirective, 'comment']
    : site?.inputShape
      ? [site.inputShape, 'call-site']
      : [defaultNHWC(options.defaultInput), 'default'];
  const outputs: { name: string; shape: Dim[] | undefined }[] = [];
  try {
    const made = interp.instantiate(def, site ? [...site.args] : [], new Map(site?.kwargs ?? []), def.node);
    const x = builder.addInput('input', inputShape);
    tensorsOf(interp.invoke(made, [{ k: 'tensor', t: x }], new Map(), def.node), outputs);
  } catch (e) {
    builder.note(interruptionNote(e, def.name, options.maxSteps), range);
  }
  const model = builder.finish(outputs, interp.keras.layers.map(moduleInfo), 'NHWC', 'se-lens python front-end (Keras)');
  return finishUnit({
    name: def.name,
    kind: 'class',
    range,
    model,
    inputShape,
    inputShapeSource,
    arguments: {},
    unknowns: builder.unknowns,
    lineShapes: [...interp.lineShapes].sort((a, b) => a[0] - b[0]).map(([line, v]) => ({ line, names: v.names, shapes: v.shapes })),
  });
}
