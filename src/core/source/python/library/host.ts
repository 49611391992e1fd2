import type { SourceRange } from '../../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../../graph-builder.js';
import type { Syn } from '../../syntax.js';
import type { TensorOps } from '../tensor-ops.js';
import type { KerasLayers } from './keras.js';
import { int, unknown, type ModuleObj, type PyValue } from '../values.js';

/** What the library catalogue may ask of the evaluator while it answers a call. */
export interface LibraryHost {
  /** `site`: the document's top-level code (call sites only); `graph`: building a unit's IR. */
  readonly mode: 'graph' | 'site';
  readonly b: GraphBuilder;
  readonly callSites: { readonly def: unknown; readonly args: PyValue[]; inputShape?: number[] }[];
  /** Tensor IR placed where `node` shows in the document. */
  ops(node: Syn): TensorOps;
  here(node: Syn): SourceRange;
  /** A value that could not be followed: noted in graph mode, with its tensor inputs kept connected. */
  fail(message: string, at: Syn, inputs?: TensorRef[]): PyValue;
  iterate(value: PyValue): PyValue[] | undefined;
  binaryOp(op: string, a: PyValue, b: PyValue, node: Syn): PyValue;
  getAttr(owner: PyValue, name: string, at: Syn): PyValue;
  method(self: PyValue, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue;
  newModule(className: string, range: SourceRange, extra?: Partial<Pick<ModuleObj, 'layer' | 'def'>>): ModuleObj;
  callModule(obj: ModuleObj, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue;
  /** Calls any callable value (a user function, a class, a library name). */
  invoke(fn: PyValue, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue;
  readonly keras: KerasLayers;
  /** Inside a `try` body: library calls that raise TypeError in Python throw `PythonTypeError`. */
  readonly tryDepth: number;
}

export function tensorArgs(args: readonly PyValue[]): TensorRef[] {
  return args.flatMap((a) => (a.k === 'tensor' ? [a.t] : []));
}

export function dimValue(d: number | string): PyValue {
  return typeof d === 'number' ? int(d) : unknown(`dimension '${d}' is not known`);
}

/** Normalises library paths: `torch.nn.Linear` → `nn.Linear`, `torch.nn.functional.relu` → `nn.functional.relu`. */
export function canonical(path: string): string {
  if (path.startsWith('torch.nn.modules.')) {
    const parts = path.split('.');
    return `nn.${parts[parts.length - 1]}`;
  }
  if (path.startsWith('torch.nn.')) return path.slice(6);
  if (path === 'torch.nn') return 'nn';
  return path;
}

export function setModuleAttr(obj: ModuleObj, name: string, value: PyValue): void {
  if (value.k === 'module') {
    obj.attrs.delete(name);
    obj.children.set(name, value.obj);
    return;
  }
  if (obj.children.has(name) && value.k === 'none') obj.children.delete(name);
  if (value.k === 'tensor' && value.param && !obj.attrs.has(name)) {
    const shape = value.t.shape;
    if (shape && shape.every((d) => typeof d === 'number')) obj.ownParams += (shape as number[]).reduce((x, y) => x * y, 1);
  }
  obj.attrs.set(name, value);
}

/** `named_modules()` (self first, depth first, each once) or `named_children()`. */
export function walkModules(root: ModuleObj, deep: boolean): [string, ModuleObj][] {
  if (!deep) return [...root.children];
  const out: [string, ModuleObj][] = [];
  const seen = new Set<ModuleObj>();
  const visit = (obj: ModuleObj, prefix: string) => {
    if (seen.has(obj)) return;
    seen.add(obj);
    out.push([prefix, obj]);
    for (const [k, c] of obj.children) visit(c, prefix ? `${prefix}.${k}` : k);
  };
  visit(root, '');
  return out;
}

