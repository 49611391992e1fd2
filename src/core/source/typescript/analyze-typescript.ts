import { Parser, type Node as TsNode } from 'web-tree-sitter';
import type { SourceRange } from '../../ir/graph.js';
import type { DefaultInput, SourceUnit } from '../analysis.js';
import { GraphBuilder } from '../graph-builder.js';
import { readInputDirective } from '../input-comment.js';
import { interruptionNote } from '../interruption.js';
import { TypeScriptModules } from '../modules/typescript-modules.js';
import type { SourceLocation } from '../modules/source-files.js';
import type { StatementCache, TopStatement } from '../statement-cache.js';
import { lineMap, moveUnitLines, statementLines, type LineMap, type StatementLines } from '../line-shift.js';
import { child, namedChildren, snapshot, textOf, type SnapshotOptions, type Syn } from '../syntax.js';
import { construct } from './classes.js';
import { isLayerClass } from './custom-layers.js';
import { TsInterpreter, TsScope, type TsClass, type TsFunc, type TsRun, type TsValue } from './interpreter.js';
import { ANONYMOUS, UNDEF } from './values.js';
import { applicationDefaults, conventionText } from './application-defaults.js';
import { finishUnit } from '../finish-unit.js';
import { classUnit, firstParamIsTensor, functionUnit, layoutOf, moduleInfo, modelUnit, paramsOf, sequentialUnit, withUniqueBlockIds, type UnitContext } from './units.js';

export interface TypeScriptOptions {
  readonly defaultInput: DefaultInput;
  readonly maxSteps: number;
  readonly location?: SourceLocation | undefined;
}

interface Top {
  readonly syn: Syn;
  readonly directive: number[] | undefined;
}

/** A function or class of the document, by its top-level statement. */
interface Declared {
  readonly name: string;
  readonly decl: Syn;
  readonly directive: number[] | undefined;
  readonly value: TsValue;
}

/** A builder function returns `tf.model(...)` / `tf.sequential(...)` (as written; the run confirms it). */
const BUILDS_MODEL = /\b(model|sequential)\s*\(/;

/**
 * TF.js source, as a whole program. The document's top-level code runs first (imports of sibling files
 * included); then the entry points: functions and methods that build a `tf.model` / `tf.sequential`,
 * and functions without parameters, each in its own graph, with the arguments of the top-level call
 * when there is one. Each model is a unit whose SE blocks sit at every call site of their helpers with
 * the channels they really get, named by their call path. Functions and classes no model reaches are
 * analysed on their own at their first call site, a `se-lens: input=` comment or the default input.
 * Units: models first (those used inside another model after it), then the rest, in document order.
 */
export function analyzeTypeScript(root: TsNode, source: string, statements: StatementCache, options: TypeScriptOptions): SourceUnit[] {
  const all: TopStatement[] = [];
  const tops = readTops(root, source, statements, all);
  const parse = parserFor(root);
  // The same statements again (hover, code lens, a save, lines inserted or removed between them) with the same
  // input comments, options and imported files: the same units, with their lines moved where statements moved.
  const directives = tops.map((t) => t.directive?.join(',') ?? '').join(';');
  const key = `${all.map((t) => t.id).join(',')}|${directives}|${JSON.stringify(options.defaultInput)}|${options.maxSteps}|${options.location?.path ?? ''}`;
  const lines = statementLines(all);
  const cached = lastResults.get(statements);
  if (cached && cached.key === key && (!options.location || TypeScriptModules.unchanged(options.location, cached.trace, parse))) {
    const map = lineMap(cached.lines, lines);
    const units = map ? movedUnits(cached.units, map) : cached.units;
    if (units) {
      lastResults.set(statements, { ...cached, lines, units });
      return units;
    }
  }
  const modules = options.location ? new TypeScriptModules(options.location, parse) : undefined;
  const units = analyzeProgram(tops, modules, options);
  lastResults.set(statements, { key, lines, trace: modules?.trace ?? [], units });
  return units;
}

/** Every unit with its lines moved; undefined when one of them cannot be (it is then analysed again). */
function movedUnits(units: readonly SourceUnit[], map: LineMap): SourceUnit[] | undefined {
  const out: SourceUnit[] = [];
  for (const u of units) {
    const moved = moveUnitLines(u, map);
    if (!moved) return undefined;
    out.push(moved);
  }
  return out;
}

/** The last result per document (its statement cache), for analyses of unchanged statements. */
const lastResults = new WeakMap<
  StatementCache,
  { readonly key: string; readonly lines: StatementLines; readonly trace: TypeScriptModules['trace']; readonly units: SourceUnit[] }
>();

function analyzeProgram(tops: Top[], modules: TypeScriptModules | undefined, options: TypeScriptOptions): SourceUnit[] {
  const declared: Declared[] = [];
  const ranges: SourceRange[] = [];

  // All units of the document together may spend a few units' budgets, no more.
  const run: TsRun = { maxSteps: options.maxSteps, shared: { steps: 0, limit: options.maxSteps * TOTAL_BUDGET_UNITS }, modules, defaultInput: options.defaultInput };
  const script = new TsInterpreter(new GraphBuilder('script'), { ...run, defaultInput: undefined });
  script.recordLines = { startLine: 0, endLine: Number.MAX_SAFE_INTEGER };
  const globals = new TsScope();
  globals.declare('%exports', { k: 'obj', props: new Map() });
  const cjs: TsValue = { k: 'obj', props: new Map() };
  globals.declare('module', { k: 'obj', props: new Map([['exports', cjs]]) });
  globals.declare('exports', cjs);
  try {
    script.execBlock(tops.map((t) => t.syn), globals);
  } catch (e) {
    script.b.note(interruptionNote(e, 'top-level code', options.maxSteps), tops[0]?.syn.range ?? zero);
  }
  for (const top of tops) {
    for (const d of declarationsOf(top.syn)) {
      const value = globals.get(d.name);
      if (value?.k === 'func' || value?.k === 'class') {
        declared.push({ ...d, directive: top.directive, value });
        ranges.push(d.decl.range);
      }
    }
  }
  // Functions exported by assignment (`exports.build = function ...`, `module.exports = { build }`).
  const moduleExports = globals.get('module');
  const assigned = moduleExports?.k === 'obj' ? moduleExports.props.get('exports') : undefined;
  const exportedValues: [string, TsValue][] = assigned?.k === 'obj' ? [...assigned.props] : assigned?.k === 'func' || assigned?.k === 'class' ? [['default', assigned]] : [];
  // `export default function () { ... }`: an entry named `default`.
  const esDefault = globals.get('%exports');
  const defaultValue = esDefault?.k === 'obj' ? esDefault.props.get('default') : undefined;
  if (defaultValue?.k === 'func' || defaultValue?.k === 'class') exportedValues.push(['default', defaultValue]);
  for (const [name, value] of exportedValues) {
    const node = value.k === 'func' ? value.def.node : value.k === 'class' ? value.cls.node : undefined;
    if (!node || declared.some((d) => (d.value.k === 'func' ? d.value.def.node : d.value.k === 'class' ? d.value.cls.node : undefined) === node)) continue;
    declared.push({ name: value.k === 'func' && value.def.name !== ANONYMOUS ? value.def.name : name, decl: node, directive: undefined, value });
    ranges.push(node.range);
  }
  // A block is shown at the innermost function or class of the document that wrote all of its nodes,
  // else (a gate written in another class) at the one that wrote its scaling, the last node.
  const innermost = (within: SourceRange[]) =>
    ranges
      .filter((f) => within.length > 0 && within.every((r) => f.startLine <= r.startLine && r.endLine <= f.endLine))
      .sort((a, b) => a.endLine - a.startLine - (b.endLine - b.startLine))[0];
  // A block from another file has its nodes at the document's call into that file: shown there (the
  // detector may add the op that made the block's input, written elsewhere).
  const same = (a: SourceRange, b: SourceRange) => a.startLine === b.startLine && a.startColumn === b.startColumn && a.endLine === b.endLine && a.endColumn === b.endColumn;
  const callRange = (rs: SourceRange[]) => {
    const last = rs[rs.length - 1];
    return last && last.startLine === last.endLine && rs.filter((r) => same(r, last)).length >= rs.length - 1 && rs.length > 1 ? last : undefined;
  };
  const blockRange = (_path: string, nodeRanges: SourceRange[]) => callRange(nodeRanges) ?? innermost(nodeRanges) ?? innermost(nodeRanges.slice(-1));
  const ctx: UnitContext = { options, blockRange, modules, run };

  // Entry points: builders that make a model themselves run first; then parameterless functions that
  // may call them (`main`).
  const newArgs = (cls: TsClass) => script.newSites.find((site) => site.cls === cls)?.args ?? writtenNewArgs(cls, tops, script, globals);
  const entries = declared.flatMap((d) => entriesOf(d, newArgs).map((entry) => ({ d, entry })));
  // Builders that need arguments run last: one that another entry calls (`gateSeq(c)` inside `buildModel`)
  // is covered by it, with the arguments it really gets.
  entries.sort(
    (a, b) =>
      Number(Boolean(a.entry.fromConstructor)) - Number(Boolean(b.entry.fromConstructor)) ||
      Number(b.entry.buildsModel) - Number(a.entry.buildsModel) ||
      Number(a.entry.needsArguments) - Number(b.entry.needsArguments),
  );
  // A model the top-level code made by calling an entry point is that entry's unit, run on its own (with
  // the top-level call's arguments), so that what the rest of the script does is not in its notes.
  // Only when the top-level code made one model there: `small = build(16); big = build(64)` stay two units.
  const entryNodes = new Set(entries.map((e) => e.entry.node));
  const made = new Map<Syn, number>();
  for (const m of [...script.models, ...script.sequentials]) if (m.creator) made.set(m.creator, (made.get(m.creator) ?? 0) + 1);
  const delegated = (creator: Syn | undefined) => creator !== undefined && entryNodes.has(creator) && made.get(creator) === 1;
  const scriptModels = script.models.filter((m) => !m.usedAsLayer && !delegated(m.creator));
  const scriptSequentials = script.sequentials.filter((q) => !q.usedAsLayer && !delegated(q.creator));

  const models: SourceUnit[] = [];
  // Entries whose model another entry uses as a layer (a backbone): listed after the models that use them.
  const parts = new Set<Syn>();
  const madeBy = new Map<SourceUnit, Syn>();
  const covered = new Set<Syn>();
  for (const model of scriptModels) models.push(modelUnit(model.name, model.range, model, script, ctx, true));
  for (const seq of scriptSequentials) models.push(sequentialUnit(seq, seq.name, seq.range, directiveFor(seq.range.startLine, tops), script, tops[0]!.syn, ctx));
  // Functions whose models are units already: an entry that calls one does not repeat its model.
  const modelMakers = new Set<Syn>();
  for (const m of scriptModels) if (m.creator) modelMakers.add(m.creator);
  const delegatedCreators = new Set([...script.models, ...script.sequentials].flatMap((m) => (delegated(m.creator) ? [m.creator!] : [])));
  if (scriptModels.length + scriptSequentials.length > 0 || delegatedCreators.size > 0) {
    for (const node of script.reached) if (!delegatedCreators.has(node)) covered.add(node);
  }
  for (const { d, entry } of entries) {
    if (covered.has(entry.node)) continue;
    const units = runEntry(entry, d, script, ctx, covered, modelMakers, parts);
    models.push(...units);
    for (const unit of units) madeBy.set(unit, entry.node);
  }

  const rest: SourceUnit[] = [];
  for (const d of declared) {
    if (d.value.k === 'func') {
      const def = d.value.def;
      if (covered.has(def.node) || !firstParamIsTensor(def.node)) continue;
      const site = script.callSites.find((s) => s.def.node === def.node);
      const unit = functionUnit(def, d.decl, d.directive, site, ctx);
      if (unit) rest.push(unit);
    } else if (d.value.k === 'class') {
      const cls = d.value.cls;
      const layer = isLayerClass(cls);
      const method = layer ? cls.methods.get('call') : undefined;
      if ([...cls.methods.values()].some((m) => covered.has(m))) continue;
      if (layer && !method) continue;
      const ctor = script.newSites.find((s) => s.cls === cls);
      const applied = layer ? undefined : script.callSites.find((s) => s.def.node !== cls.methods.get('constructor') && [...cls.methods.values()].includes(s.def.node));
      const unit = classUnit(cls, d.decl, d.directive, ctor, applied, layer, ctx);
      if (unit) rest.push(unit);
    }
  }
  const byLine = (a: SourceUnit, b: SourceUnit) => a.range.startLine - b.range.startLine;
  const isPart = (u: SourceUnit) => parts.has(madeBy.get(u)!);
  const ordered = [...models.filter((u) => !isPart(u)).sort(byLine), ...models.filter(isPart).sort(byLine)];
  return [...ordered, ...rest.sort(byLine)];
}

const zero = { startLine: 0, startColumn: 0, endLine: 0, endColumn: 0 };
const TOTAL_BUDGET_UNITS = 5;

/**
 * Type syntax the interpreter never looks into (it skips a type node whole, and reads no declaration of
 * one): copied as leaves, about one node in twelve of typed model code.
 */
const TYPE_SUBTREES: ReadonlySet<string> = new Set([
  'type_annotation', 'omitting_type_annotation', 'adding_type_annotation', 'opting_type_annotation', 'asserts_annotation', 'type_predicate_annotation',
  'type_arguments', 'type_parameters', 'nested_type_identifier', 'generic_type', 'interface_body', 'implements_clause', 'extends_type_clause',
  'object_type', 'union_type', 'intersection_type', 'array_type', 'tuple_type', 'function_type', 'constructor_type', 'conditional_type',
  'lookup_type', 'index_type_query', 'type_query', 'literal_type', 'parenthesized_type', 'readonly_type', 'template_literal_type',
]);

/** How the front-end copies statements: type syntax as leaves. */
export const TYPESCRIPT_SNAPSHOT: SnapshotOptions = { leafTypes: TYPE_SUBTREES };

/** Top-level statements with their input comments; `all` receives every statement, comments included. */
function readTops(root: TsNode, source: string, statements: StatementCache, all: TopStatement[]): Top[] {
  const tops: Top[] = [];
  let pending: number[] | undefined;
  let lastComment = -2;
  for (const top of statements.topStatements(root, source, TYPESCRIPT_SNAPSHOT)) {
    all.push(top);
    const syn = top.syn;
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
  return tops;
}

function directiveFor(line: number, tops: Top[]): number[] | undefined {
  return tops.find((t) => t.syn.range.startLine <= line && line <= t.syn.range.endLine)?.directive;
}

/** Functions and classes a top-level statement declares: `function f`, `const f = () => ...`, `class C`, exported or not. */
function declarationsOf(s: Syn): { name: string; decl: Syn }[] {
  const decl = s.type === 'export_statement' ? child(s, 'declaration') ?? child(s, 'value') : s;
  if (!decl) return [];
  if (decl.type === 'function_declaration' || decl.type === 'class_declaration' || decl.type === 'abstract_class_declaration') {
    const n = child(decl, 'name');
    return n ? [{ name: textOf(n), decl }] : [];
  }
  if (decl.type === 'lexical_declaration' || decl.type === 'variable_declaration') {
    return namedChildren(decl).flatMap((d) => {
      const v = d.type === 'variable_declarator' ? child(d, 'value') : undefined;
      const n = d.type === 'variable_declarator' ? child(d, 'name') : undefined;
      return v && n && n.type === 'identifier' && ['arrow_function', 'function_expression', 'function', 'class'].includes(v.type) ? [{ name: textOf(n), decl: d }] : [];
    });
  }
  return [];
}

interface Entry {
  readonly name: string;
  readonly node: Syn;
  /** Its own code calls `tf.model` / `tf.sequential`. */
  readonly buildsModel: boolean;
  /** A parameter without a default: called with none, its model would be built from values nobody gave. */
  readonly needsArguments: boolean;
  /** Runs the entry in `interp`, giving what it returns. */
  readonly run: (interp: TsInterpreter, args: TsValue[] | undefined) => TsValue;
  /** A class's constructor that makes the model: run after all other entries. */
  readonly fromConstructor?: boolean;
  /** Its parameters (and its class's constructor's) that no code gives a known value, with the call site's arguments: how to name them, and how many. */
  readonly unsupplied: (args: TsValue[] | undefined) => { readonly names: string[]; readonly count: number; readonly taken?: string[] };
}

/** The parameters without a default to which `args` (a call site's, else none) give no known value. */
function unsuppliedParameters(fn: Syn, args: TsValue[] | undefined): string[] {
  return paramsOf(fn)
    .filter((p, i) => !p.hasDefault && (args?.[i] === undefined || args[i]!.k === 'undef' || args[i]!.k === 'unknown'))
    .map((p) => p.name.replace(/\s+/g, ' '));
}

/**
 * Entry points a declaration offers: the function itself, or the model-building methods of a plain class,
 * on an instance made with `newArgs` (the program's own `new C(...)`, else none).
 */
function entriesOf(d: Declared, newArgs: (cls: TsClass) => TsValue[] | undefined): Entry[] {
  if (d.value.k === 'func') {
    const def = d.value.def;
    const body = child(def.node, 'body');
    const params = paramsOf(def.node);
    const noArgs = params.every((p) => p.hasDefault || p.pattern?.type === 'object_pattern');
    if (!body || !(BUILDS_MODEL.test(textOf(body)) || (noArgs && params.length === 0))) return [];
    if (firstParamIsTensor(def.node)) return [];
    return [
      {
        name: d.name,
        node: def.node,
        buildsModel: BUILDS_MODEL.test(textOf(body)),
        needsArguments: !noArgs,
        run: (interp, args) => interp.callFunction(def, args ?? defaultArgs(def.node), def.node, true),
        unsupplied: (args) => {
          const names = unsuppliedParameters(def.node, args);
          return { names, count: names.length, taken: conventionalValuesTaken(def.node, args) };
        },
      },
    ];
  }
  if (d.value.k !== 'class' || isLayerClass(d.value.cls)) return [];
  const cls: TsClass = d.value.cls;
  return [...methodEntries(cls, newArgs), ...constructorEntries(cls, newArgs)];
}

/**
 * A class whose constructor makes the model itself (`this._model = tf.model(...)` in `constructor(channels)`):
 * the instance the program makes, else one made with no arguments. It runs after every other entry, so a
 * function or method that constructs the class (with its real arguments) covers it first.
 */
function constructorEntries(cls: TsClass, newArgs: (cls: TsClass) => TsValue[] | undefined): Entry[] {
  const ctor = cls.methods.get('constructor');
  if (!ctor || !BUILDS_MODEL.test(textOf(child(ctor, 'body') ?? ctor))) return [];
  return [{
    name: cls.name,
    node: ctor,
    buildsModel: true,
    needsArguments: !paramsOf(ctor).every((p) => p.hasDefault || p.pattern?.type === 'object_pattern'),
    fromConstructor: true,
    unsupplied: () => {
      const names = unsuppliedParameters(ctor, newArgs(cls));
      return { names: names.length > 0 ? [`new ${cls.name}(${names.join(', ')})`] : [], count: names.length };
    },
    run: (interp: TsInterpreter) => {
      const models = interp.models.length;
      const sequentials = interp.sequentials.length;
      construct(interp, cls, newArgs(cls) ?? defaultArgs(ctor), ctor);
      // The last model it made is the one it keeps (`this.model`); a target network made before it is its own unit.
      const model = interp.models.slice(models).at(-1);
      if (model) return { k: 'model', model };
      const seq = interp.sequentials.slice(sequentials).at(-1);
      return seq ? { k: 'seq', seq } : UNDEF;
    },
  }];
}

/** The model-building methods of a plain class, on an instance made with the program's own arguments. */
function methodEntries(cls: TsClass, newArgs: (cls: TsClass) => TsValue[] | undefined): Entry[] {
  return [...cls.methods]
    .filter(([name, m]) => name !== 'constructor' && BUILDS_MODEL.test(textOf(child(m, 'body') ?? m)) && !firstParamIsTensor(m))
    .map(([name, m]) => ({
      name: `${cls.name}.${name}`,
      node: m,
      buildsModel: true,
      needsArguments: !paramsOf(m).every((p) => p.hasDefault || p.pattern?.type === 'object_pattern'),
      unsupplied: (args: TsValue[] | undefined) => {
        const ctor = cls.methods.get('constructor');
        const made = newArgs(cls);
        const ctorParams = ctor ? unsuppliedParameters(ctor, made) : [];
        const own = unsuppliedParameters(m, args);
        return { names: [...(ctorParams.length > 0 ? [`new ${cls.name}(${ctorParams.join(', ')})`] : []), ...own], count: ctorParams.length + own.length };
      },
      run: (interp: TsInterpreter, args: TsValue[] | undefined) => {
        const models = interp.models.length;
        const sequentials = interp.sequentials.length;
        const self = construct(interp, cls, newArgs(cls) ?? [], m);
        // The constructor built the model with this very method (`this.model = this.createModel()`): that model, not a second one.
        const model = interp.models.slice(models).find((x) => x.creator === m);
        if (model) return { k: 'model', model };
        const seq = interp.sequentials.slice(sequentials).find((x) => x.creator === m);
        if (seq) return { k: 'seq', seq };
        const def: TsFunc = { name, node: m, closure: cls.closure, self, owner: cls };
        return interp.callFunction(def, args ?? defaultArgs(m), m, true);
      },
    }));
}

/**
 * The arguments of a `new C(...)` written in the document whose arguments are all known at module level
 * (`new PolicyValueNet(15, 15)` in a training function nobody calls): the instance the code really makes.
 * Arguments that call or construct anything are not evaluated here, outside the code that runs them.
 */
function writtenNewArgs(cls: TsClass, tops: readonly Top[], script: TsInterpreter, globals: TsScope): TsValue[] | undefined {
  const written = `new ${cls.name}(`;
  for (const top of tops) {
    if (!textOf(top.syn).includes(written)) continue;
    const stack = [top.syn];
    while (stack.length > 0) {
      const n = stack.pop()!;
      const ctor = n.type === 'new_expression' ? child(n, 'constructor') : undefined;
      const argsNode = ctor && textOf(ctor) === cls.name ? child(n, 'arguments') : undefined;
      if (argsNode && !makesAnything(argsNode)) {
        const args = script.evalArgs(argsNode, globals);
        if (args.every((a) => a.k !== 'unknown')) return args;
      }
      for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]!);
    }
  }
  return undefined;
}

const MAKERS = new Set(['call_expression', 'new_expression', 'arrow_function', 'function_expression', 'function', 'class', 'await_expression']);

function makesAnything(node: Syn): boolean {
  const stack = [node];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (MAKERS.has(n.type)) return true;
    stack.push(...n.children);
  }
  return false;
}

/**
 * Arguments for a builder called with none: where an options object is destructured, one holding the values
 * Keras applications give the conventional options it names (`alpha`, `includeTop`), else empty.
 */
function defaultArgs(fn: Syn): TsValue[] {
  return paramsOf(fn).map((p) => (p.pattern?.type === 'object_pattern' && !p.hasDefault ? { k: 'obj', props: applicationDefaults(p.pattern) } : { k: 'undef' }));
}

/** `alpha = 1, includeTop = true`: the conventional option values `defaultArgs` gives a builder called with none. */
function conventionalValuesTaken(fn: Syn, args: TsValue[] | undefined): string[] {
  if (args !== undefined) return [];
  return paramsOf(fn).flatMap((p) =>
    p.pattern?.type === 'object_pattern' && !p.hasDefault ? [...applicationDefaults(p.pattern)].map(([name, v]) => `${name} = ${conventionText(v)}`) : [],
  );
}

/** Runs one entry point in its own graph; its models and sequentials become units. */
function runEntry(entry: Entry, d: Declared, script: TsInterpreter, ctx: UnitContext, covered: Set<Syn>, modelMakers: Set<Syn>, parts: Set<Syn>): SourceUnit[] {
  const options = ctx.options;
  const interp = new TsInterpreter(new GraphBuilder(entry.name), { ...ctx.run, inputDirective: d.directive });
  interp.recordLines = { startLine: 0, endLine: Number.MAX_SAFE_INTEGER };
  const site = script.callSites.find((s) => s.def.node === entry.node);
  // What stopped the top-level code (an unresolved import, an environment variable) concerns the entry too.
  for (const u of script.contextNotes) interp.b.note(u.note, u.range);
  // Sizes left unknown below often come from a parameter nobody gives: said before them, as their cause
  // (before the run, so the models it makes count it among the notes that precede them).
  const unsupplied = entry.unsupplied(site?.args);
  // Conventional values taken for some (`alpha = 1`) are said in any case: the sizes rest on them.
  const taken = unsupplied.taken?.length ? `; ${unsupplied.taken.join(', ')} taken, as Keras applications default them` : '';
  const cause = unsupplied.count > 0 ? { nodeId: '', note: `${entry.name}: no call in the workspace gives a value for ${unsupplied.names.join(', ')}${taken}${taken ? '' : `; sizes computed from ${unsupplied.count > 1 ? 'them' : 'it'} are not known`}`, range: d.decl.range } : undefined;
  if (cause) interp.b.unknowns.push(cause);
  const notesBeforeRun = interp.b.unknowns.length;
  let returned: TsValue | undefined;
  let interrupted = false;
  try {
    returned = entry.run(interp, site?.args);
  } catch (e) {
    interrupted = true;
    interp.b.note(interruptionNote(e, entry.name, options.maxSteps), d.decl.range);
  }
  // The run noted nothing: the missing parameters were not needed.
  if (cause && !taken && interp.b.unknowns.length === notesBeforeRun) interp.b.unknowns.splice(interp.b.unknowns.indexOf(cause), 1);
  // The model the builder returns is named after it; other models it made keep their variable names.
  const main = returned?.k === 'model' ? returned.model : returned?.k === 'seq' ? returned.seq : undefined;
  const ownModels = interp.models.filter((m) => (!m.usedAsLayer || m === main) && (!m.creator || !modelMakers.has(m.creator) || m.creator === entry.node));
  const made = ownModels.length + interp.sequentials.filter((q) => !q.usedAsLayer).length;
  if (made === 0 && (interrupted || entry.buildsModel) && interp.b.graph.nodes.length > 0) {
    // Stopped before its model was made (an exception, or a `tf.model` whose tensors were not known):
    // what was built so far, with the reason, rather than no builder at all.
    for (const node of interp.reached) covered.add(node);
    const model = interp.b.finish([], interp.layers.map((l) => moduleInfo(l)), layoutOf(interp.layers), 'se-lens tfjs front-end');
    const inputShape = interp.b.graph.inputs[0]?.shape ?? [];
    return [withUniqueBlockIds(finishUnit({ name: entry.name, kind: 'model', range: d.decl.range, model, inputShape, inputShapeSource: 'call-site', arguments: {}, unknowns: interp.b.unknowns, lineShapes: [] }, ctx.blockRange))];
  }
  if (made === 0) return [];
  for (const node of interp.reached) covered.add(node);
  covered.add(entry.node);
  const units: SourceUnit[] = [];
  for (const model of ownModels) units.push(modelUnit(model === main ? entry.name : `${entry.name}.${model.name}`, model === main ? d.decl.range : model.range, model, interp, ctx, true));
  for (const seq of interp.sequentials) if (!seq.usedAsLayer || seq === main) units.push(sequentialUnit(seq, seq === main ? entry.name : `${entry.name}.${seq.name}`, seq === main ? d.decl.range : seq.range, d.directive, interp, d.decl, ctx));
  for (const m of ownModels) if (m.creator) modelMakers.add(m.creator);
  modelMakers.add(entry.node);
  for (const m of interp.models) if (m.usedAsLayer && m.creator && m !== main) parts.add(m.creator);
  return units;
}

/** Parses another file of the program into top-level statement snapshots, with the document's grammar. */
function parserFor(root: TsNode): (text: string) => Syn[] {
  const language = root.tree.language;
  return (text) => {
    const parser = new Parser();
    try {
      parser.setLanguage(language);
      const tree = parser.parse(text);
      if (!tree) return [];
      try {
        return tree.rootNode.namedChildren.flatMap((c) => (c && c.type !== 'comment' ? [snapshot(c, text.slice(c.startIndex, c.endIndex), TYPESCRIPT_SNAPSHOT)] : []));
      } finally {
        tree.delete();
      }
    } finally {
      parser.delete();
    }
  };
}
