import type { Dim, ModuleInfo } from '../../ir/graph.js';
import type { DefaultInput, InputShapeSource, SourceUnit } from '../analysis.js';
import { finishUnit } from '../finish-unit.js';
import { GraphBuilder } from '../graph-builder.js';
import { interruptionNote } from '../interruption.js';
import { child, textOf, type Syn } from '../syntax.js';
import type { TfLayer } from '../typescript/layers.js';
import { PyInterpreter, type CallSite, type FunctionCall } from './interpreter.js';
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

/**
 * A Keras SE function as a unit: its first argument is the input tensor (NHWC); the others are those of its first
 * call at top level (`se_conv(x, 48)`), else their defaults.
 */
export function analyzeKerasFunction(def: FuncDef, directive: number[] | undefined, called: FunctionCall | undefined, options: KerasUnitOptions, program: PythonProgram): SourceUnit {
  const shape = directive ? { inputShape: directive, source: 'comment' as const } : called?.input ? { inputShape: called.input, source: 'call-site' as const } : undefined;
  return kerasUnit(def.name, 'function', def.node, shape, options, program, (interp, input) => interp.callFunction(def, [input(), ...(called?.args ?? [])], new Map(called?.kwargs ?? []), def.node));
}

/** A `keras.layers.Layer` subclass as a unit: constructed, built from the input shape, then called. */
export function analyzeKerasClass(def: ClassDef, site: CallSite | undefined, options: KerasUnitOptions, program: PythonProgram): SourceUnit {
  const shape = def.inputDirective
    ? { inputShape: def.inputDirective, source: 'comment' as const }
    : site?.inputShape ? { inputShape: site.inputShape, source: 'call-site' as const } : undefined;
  return kerasUnit(def.name, 'class', def.node, shape, options, program, (interp, input) => {
    const made = interp.instantiate(def, site ? [...site.args] : [], new Map(site?.kwargs ?? []), def.node);
    return interp.invoke(made, [input()], new Map(), def.node);
  });
}

/**
 * The frame both Keras unit kinds share: an NHWC input (given, or the default), `apply` on it, then the unit.
 * `apply` makes the graph input when it needs it, so a class is constructed before its input exists.
 */
function kerasUnit(
  name: string,
  kind: 'function' | 'class',
  node: Syn,
  given: { readonly inputShape: number[]; readonly source: InputShapeSource } | undefined,
  options: KerasUnitOptions,
  program: PythonProgram,
  apply: (interp: PyInterpreter, input: () => PyValue) => PyValue,
): SourceUnit {
  const builder = new GraphBuilder(name);
  const interp = new PyInterpreter(builder, 'graph', options.maxSteps, program);
  const range = node.range;
  interp.recordLines = { startLine: range.startLine, endLine: range.endLine };
  const inputShape = given?.inputShape ?? defaultNHWC(options.defaultInput);
  const outputs: { name: string; shape: Dim[] | undefined }[] = [];
  try {
    tensorsOf(apply(interp, () => ({ k: 'tensor', t: builder.addInput('input', inputShape) })), outputs);
  } catch (e) {
    builder.note(interruptionNote(e, name, options.maxSteps), range);
  }
  const model = builder.finish(outputs, interp.keras.layers.map(moduleInfo), 'NHWC', 'se-lens python front-end (Keras)');
  return finishUnit({
    name,
    kind,
    range,
    model,
    inputShape,
    inputShapeSource: given?.source ?? 'default',
    arguments: {},
    unknowns: builder.unknowns,
    lineShapes: [...interp.lineShapes].sort((a, b) => a[0] - b[0]).map(([line, v]) => ({ line, names: v.names, shapes: v.shapes })),
  });
}
