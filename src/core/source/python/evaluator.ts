import type { SourceRange } from '../../ir/graph.js';
import type { GraphBuilder, TensorRef } from '../graph-builder.js';
import { textOf, type Syn } from '../syntax.js';
import type { LibraryHost } from './library/host.js';
import { KerasLayers } from './library/keras.js';
import { TensorOps } from './tensor-ops.js';
import { ModuleScope, PythonProgram } from './program.js';
import { unknown, type ClassDef, type ModuleObj, type PyValue, type Scope } from './values.js';

/*
 * The abstract interpreter of Python source, in layers of one concept each: this file holds what every layer
 * shares (step budget, where nodes and notes are placed, code of other files); `statements.ts` runs statements,
 * `expressions.ts` evaluates expressions, `interpreter.ts` calls functions, classes and modules. The library
 * (torch, torch.nn, Keras) is consulted through `library/`, never written into these layers.
 */

/** Interpretation ran past its step budget (a loop over a huge range, deep recursion in user code). */
export class BudgetExceeded extends Error {
  override readonly name = 'BudgetExceeded';
}

/** How a statement ends other than by falling through. */
export type Signal =
  | { readonly kind: 'return'; readonly value: PyValue }
  | { readonly kind: 'break' }
  | { readonly kind: 'continue' }
  | undefined;

export interface Frame {
  /** Class whose method is running, for `super()`. */
  readonly cls?: ClassDef;
  readonly self?: PyValue;
  /** In a generator function: what it has yielded so far (a generator runs to its end when called). */
  readonly yields?: PyValue[];
}

const generators = new WeakMap<Syn, boolean>();

/** Whether a function's body yields (not counting functions, lambdas and classes defined inside it). */
export function isGenerator(def: Syn): boolean {
  // Most functions never say `yield`: their text answers without walking the body.
  if (!textOf(def).includes('yield')) return false;
  let known = generators.get(def);
  if (known === undefined) {
    const yields = (n: Syn): boolean => n.type === 'yield' || (!NEW_SCOPE.has(n.type) && n.children.some(yields));
    const body = def.children.find((c) => c.field === 'body');
    generators.set(def, (known = def.type === 'function_definition' && !!body && body.children.some(yields)));
  }
  return known;
}

const NEW_SCOPE = new Set(['function_definition', 'lambda', 'class_definition']);

/** What the file's own top-level code did with a module class: constructor arguments and, if called, the input. */
export interface CallSite {
  readonly def: ClassDef;
  readonly args: PyValue[];
  readonly kwargs: Map<string, PyValue>;
  /** Where the document builds it (for a class of another file, the document's statement that led there). */
  readonly at: SourceRange;
  /** The instance made at the call site, for classes (Keras layers) whose call is recorded on the object. */
  readonly object?: PyValue;
  inputShape?: number[];
  /** The shapes of the further tensors the call passes (`block(x, skip)`), in order, up to the first that is not one. */
  moreInputShapes?: number[][];
  /** Attributes the top-level code set on the instance once built (`model.avgpool = nn.AdaptiveAvgPool2d(1)`). */
  assigned?: Map<string, AssignedAttribute>;
}

/** `model.fc = nn.Linear(model.fc.in_features, 10)` at top level, where `model` is a call site's instance. */
export interface AssignedAttribute {
  /** The value as top-level code saw it (it knows the instance only by its constructor arguments). */
  readonly value: PyValue;
  /** The assigned expression and its scope, to be read again with `owner` bound to the built instance. */
  readonly expr: Syn | undefined;
  readonly scope: Scope;
  /** The name the instance had in that statement (`model`). */
  readonly owner: string | undefined;
}

/** Iterations of one loop or comprehension before it is cut off. */
export const MAX_LOOP = 4096;

/** What every layer shares: the step budget, where nodes and notes go, and the calls between the layers. */
export abstract class Evaluator implements LibraryHost {
  steps = 0;
  private readonly tensorOps: TensorOps;
  /** Top-level mode: user classes become call-site stubs instead of being built. */
  readonly callSites: CallSite[] = [];
  /** While code of another file runs: the document's call that entered it, where its nodes and notes are shown. */
  protected foreign: { readonly at: SourceRange; readonly where: string } | undefined;
  /** How many `try` bodies are running: inside one, a call that raises TypeError in Python raises here too. */
  tryDepth = 0;
  /** Keras layers made while this unit is interpreted (Keras units list them as their modules). */
  readonly keras = new KerasLayers();
  /** Where code of another file shows when the analysis itself starts there (a model class read from a package). */
  entry: SourceRange | undefined;

  constructor(
    readonly b: GraphBuilder,
    readonly mode: 'graph' | 'site',
    readonly maxSteps: number,
    readonly program: PythonProgram = new PythonProgram(undefined, undefined),
  ) {
    this.tensorOps = new TensorOps(b, { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 });
  }

  protected text(n: Syn): string {
    return textOf(n);
  }

  protected tick(): void {
    if (++this.steps > this.maxSteps) throw new BudgetExceeded('step budget exceeded');
  }

  /** The first things the top level could not follow (site mode notes nothing): why a file with no unit has none. */
  readonly siteFailures: { readonly note: string; readonly range: SourceRange }[] = [];

  fail(message: string, at: Syn, inputs: TensorRef[] = []): PyValue {
    if (this.mode === 'site') {
      if (this.siteFailures.length < 3) this.siteFailures.push({ note: message, range: this.here(at) });
      return unknown(message);
    }
    const note = this.foreign ? `${message} (${this.foreign.where}:${at.range.startLine + 1})` : message;
    if (inputs.length > 0) return { k: 'tensor', t: this.b.unknown(note, this.here(at), inputs) };
    this.b.note(note, this.here(at));
    return unknown(note);
  }

  ops(node: Syn): TensorOps {
    return this.tensorOps.at(this.here(node));
  }

  /** Where a node shows in the document: its own range, or the document's call that led into another file. */
  here(node: Syn): SourceRange {
    return this.foreign?.at ?? node.range;
  }

  /** Runs `body` as code of the file `closure` belongs to; nodes it makes are placed at `node` when that file is another. */
  protected within<T>(closure: Scope, node: Syn, body: () => T): T {
    const root = closure.root();
    const file = root instanceof ModuleScope && root.foreign ? root.file ?? '' : undefined;
    const saved = this.foreign;
    if (file === undefined && !saved) return body();
    // Code of the document called back from another file shows where it is written.
    this.foreign = file === undefined ? undefined : { at: saved?.at ?? this.entry ?? node.range, where: file.slice(file.lastIndexOf('/') + 1) };
    try {
      return body();
    } finally {
      this.foreign = saved;
    }
  }

  // Each layer calls into the others: statements evaluate expressions, expressions call functions, calls run bodies.
  abstract iterate(value: PyValue): PyValue[] | undefined;
  abstract eval(node: Syn, scope: Scope, frame: Frame): PyValue;
  abstract binaryOp(op: string, a: PyValue, b: PyValue, node: Syn): PyValue;
  abstract getAttr(owner: PyValue, name: string, at: Syn): PyValue;
  protected abstract call(node: Syn, scope: Scope, frame: Frame): PyValue;
  abstract invoke(fn: PyValue, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue;
  abstract method(self: PyValue, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue;
  abstract newModule(className: string, range: SourceRange, extra?: Partial<Pick<ModuleObj, 'layer' | 'def'>>): ModuleObj;
  abstract callModule(obj: ModuleObj, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue;
  /** A class statement read in `scope` (bases, methods, class attributes). */
  protected abstract classStatement(node: Syn, scope: Scope, decorators: readonly string[]): ClassDef | undefined;
}

/** The first line of a node's text, shortened for a note. */
export function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
