import type { Node as TsNode } from 'web-tree-sitter';
import type { Dim, ModuleInfo, SourceRange } from '../../ir/graph.js';
import type { SourceLocation } from '../modules/source-files.js';
import { DEFAULT_INPUT, type DefaultInput, type InputShapeSource, type SourceUnit } from '../analysis.js';
import { DEFAULT_INPUT_SIZE } from '../../inputs/sizes.js';
import { GraphBuilder, type SourceUnknown } from '../graph-builder.js';
import { interruptionNote } from '../interruption.js';
import { readInputDirective, weightsDirectiveAt } from '../input-comment.js';
import { finishUnit, withUnitFields } from '../finish-unit.js';
import { lineMap, moveUnitLines, statementLines, type LineMap, type StatementLines } from '../line-shift.js';
import type { StatementCache, TopStatement } from '../statement-cache.js';
import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import { PyInterpreter, readClass, type CallSite } from './interpreter.js';
import { analyzeKerasClass, analyzeKerasFunction, isKerasFunction } from './analyze-keras.js';
import { decoratorNames, findMethod, isKerasLayerClass } from './classes.js';
import { ModuleScope, PythonProgram, type FileStamps } from './program.js';
import type { PythonFileCache } from '../modules/python-files.js';
import { setModuleAttr } from './library/host.js';
import { Scope, describe, inPlaceChanges, int, intOf, unknown, type ClassDef, type FuncDef, type ModuleObj, type PyValue } from './values.js';

/** Constructor parameters that usually carry the input's channel count. */
const CHANNEL_PARAMS = new Set([
  'channels', 'channel', 'in_channels', 'in_channel', 'in_chs', 'chs', 'in_planes', 'inplanes', 'planes', 'dim',
  'in_dim', 'num_channels', 'input_channels', 'gate_channels', 'c', 'c1', 'inp', 'in_features', 'num_features',
  'n_channels', 'nc', 'channel_in', 'ch', 'in_ch', 'c_in', 'in_c', 'channels_in', 'n_channel', 'in_size', 'input_dim', 'inp_dim',
  'n_feats', 'num_feat', 'nf', 'filters', 'in_filters', 'input_filters', 'in_chans', 'input_channel', 'in_channel',
]);

/** Globals that remember which top-level statement bound each name, and which names a unit read. */
class GlobalScope extends ModuleScope {
  readonly owners = new Map<string, number>();
  /**
   * Statements that changed a list, dict or object in place (`WIDTHS.append(n)`, `CFG['x'] = 1`, a helper doing
   * so): what they changed may be reached from any name, so a unit that read a container depends on all of them.
   */
  readonly mutators: number[] = [];
  current = -1;
  reads: Set<string> | undefined;

  override get(name: string): PyValue | undefined {
    this.reads?.add(name);
    return super.get(name);
  }

  /** A name's value, not counted as read. */
  peek(name: string): PyValue | undefined {
    return super.get(name);
  }

  override set(name: string, value: PyValue): void {
    this.owners.set(name, this.current);
    super.set(name, value);
  }
}

export interface PythonOptions {
  readonly defaultInput: DefaultInput;
  readonly maxSteps: number;
  readonly location?: SourceLocation | undefined;
  /** Parsed imported files, kept across analyses by the analyzer. */
  readonly pythonFiles?: PythonFileCache | undefined;
}

/** Cached result of one class, valid while its text, the statements it read and its call site are unchanged. */
interface CachedUnit {
  readonly key: string;
  readonly reads: readonly string[];
  readonly depKey: string;
  /** The other files the analysis looked at (imports, and where they were looked for), with their versions. */
  readonly files: FileStamps;
  unit: SourceUnit;
  /** Where the document's statements stood when the unit was made: lines inserted above since then move its ranges. */
  lines: StatementLines;
}

export interface PythonCache {
  readonly units: Map<string, CachedUnit>;
  /**
   * The imported modules as the last analysis interpreted them, for the same location: an edit in the document
   * re-runs only the document, while no file the modules read (or looked for) has changed.
   */
  program?: { readonly where: string; readonly program: PythonProgram };
}

export function newPythonCache(): PythonCache {
  return { units: new Map() };
}

const fileSystemIds = new WeakMap<object, number>();
let nextFileSystemId = 0;

/** Identity of a location: the same file system object, document path and search folders. */
function locationKey(location: SourceLocation | undefined, pythonFiles: PythonFileCache | undefined): string {
  if (!location) return pythonFiles ? 'none' : 'none-uncached';
  let id = fileSystemIds.get(location.files);
  if (id === undefined) fileSystemIds.set(location.files, (id = nextFileSystemId++));
  return [id, location.path, location.searchRoots.join('\0'), location.pythonPaths.join('\0')].join('\n');
}

function programFor(cache: PythonCache, options: PythonOptions): PythonProgram {
  // Module code ran under this step budget: another budget may bind other names.
  const where = `${options.maxSteps}|${locationKey(options.location, options.pythonFiles)}`;
  const previous = cache.program;
  if (previous && previous.where === where && previous.program.reuse()) return previous.program;
  const program = new PythonProgram(options.location, options.pythonFiles);
  cache.program = { where, program };
  return program;
}

/** A Python module's units, and what its top level could not follow (why a file with no unit has none). */
export interface PythonAnalysis {
  readonly units: SourceUnit[];
  readonly topLevelNotes: readonly SourceUnknown[];
}

export function analyzePython(root: TsNode, source: string, statements: StatementCache, cache: PythonCache, options: PythonOptions): PythonAnalysis {
  const tops = topStatements(root, source, statements);
  const globals = new GlobalScope(options.location?.path, false);
  const program = programFor(cache, options);
  const moduleCode = new PyInterpreter(new GraphBuilder('modules'), 'site', options.maxSteps, program);
  const changesBefore = inPlaceChanges.count;
  program.run = (stmt, scope) => {
    moduleCode.steps = 0;
    // A module's own statements build its values: their changes in place are part of what the module is.
    const changes = inPlaceChanges.count;
    try {
      moduleCode.exec(stmt, scope, {});
    } catch {
      // An imported module's statement that cannot be followed leaves its names unbound: they read as unknown.
    } finally {
      inPlaceChanges.count = changes;
    }
  };
  // Library names most files import; a file that binds them differently overrides these.
  globals.set('torch', { k: 'ref', path: 'torch' });
  globals.set('nn', { k: 'ref', path: 'torch.nn' });
  globals.set('F', { k: 'ref', path: 'torch.nn.functional' });
  const site = new PyInterpreter(new GraphBuilder('top-level'), 'site', options.maxSteps, program);
  const classes: { def: ClassDef; stmtId: number; syn: Syn }[] = [];
  const kerasFunctions: { def: FuncDef; directive: number[] | undefined }[] = [];
  const mentionsKeras = /\b(keras|tensorflow)\b/.test(source);
  let pendingDirective: number[] | undefined;
  let lastCommentLine = -2;
  for (const top of tops) {
    globals.current = top.id;
    const stmt = top.syn;
    if (stmt.type === 'comment') {
      const d = readInputDirective(textOf(stmt));
      if (stmt.range.startLine !== lastCommentLine + 1) pendingDirective = undefined;
      if (d) pendingDirective = d;
      lastCommentLine = stmt.range.startLine;
      continue;
    }
    const directiveAbove = stmt.range.startLine === lastCommentLine + 1 ? pendingDirective : undefined;
    pendingDirective = undefined;
    const classNode = stmt.type === 'class_definition' ? stmt : stmt.type === 'decorated_definition' ? child(stmt, 'definition') : undefined;
    try {
      if (classNode?.type === 'class_definition') {
        const decorators = stmt.type === 'decorated_definition' ? decoratorNames(stmt) : [];
        const def = readClass(classNode, globals, directiveAbove ?? directiveInside(classNode), decorators, program);
        if (def) {
          globals.set(def.name, { k: 'class', def });
          if (def.isModule || isKerasLayerClass(def)) classes.push({ def, stmtId: top.id, syn: stmt });
        }
      } else {
        const changes = inPlaceChanges.count;
        site.exec(stmt, globals, {});
        if (inPlaceChanges.count !== changes) globals.mutators.push(top.id);
        const fnNode = stmt.type === 'function_definition' ? stmt : classNode?.type === 'function_definition' ? classNode : undefined;
        const fn = fnNode && globals.get(textOf(child(fnNode, 'name') ?? fnNode));
        if (mentionsKeras && fnNode && fn?.k === 'func' && isKerasFunction(fnNode)) kerasFunctions.push({ def: fn.def, directive: directiveAbove });
      }
    } catch {
      // Top-level code only feeds call sites: a statement that cannot be followed is skipped, and
      // the classes it would have configured say their input came from the default.
      site.steps = 0;
    }
  }
  globals.current = -1;
  const units: SourceUnit[] = [];
  const seen = new Map<string, number>();
  const topIds = tops.map((t) => t.id).join(',');
  // A cached unit made when the statements stood elsewhere (lines inserted or removed above them) has its lines moved.
  const lines = statementLines(tops);
  const maps = new Map<StatementLines, LineMap | undefined>();
  const reuse = (cached: CachedUnit): SourceUnit | undefined => {
    if (cached.lines === lines) return cached.unit;
    let map = maps.get(cached.lines);
    if (!maps.has(cached.lines)) maps.set(cached.lines, (map = lineMap(cached.lines, lines)));
    const unit = map ? moveUnitLines(cached.unit, map) : cached.unit;
    if (unit) cached.lines = lines;
    if (unit && unit !== cached.unit) cached.unit = unit;
    return unit;
  };
  const classIds = new Map(classes.map((c) => [c.def, c.stmtId]));
  const defaultInputKey = JSON.stringify(options.defaultInput);
  for (const { def, stmtId } of classes) {
    const callSite = site.callSites.find((s) => s.def === def);
    const siteKey = callSite ? siteKeyOf(callSite) : '';
    const key = `${stmtId}|${baseIds(def, classIds)}|${siteKey}|${defaultInputKey}|${def.inputDirective ?? ''}`;
    // Two classes with identical text at different places have different ids; the name count guards re-definitions.
    const nth = seen.get(def.name) ?? 0;
    seen.set(def.name, nth + 1);
    const cacheKey = `${def.name}#${nth}`;
    const cached = cache.units.get(cacheKey);
    if (cached && cached.key === key && cached.depKey === depKeyOf(cached.reads, globals) && program.unchanged(cached.files)) {
      const unit = reuse(cached);
      if (unit) {
        units.push(unit);
        continue;
      }
    }
    globals.reads = new Set();
    const unit = isKerasLayerClass(def) ? analyzeKerasClass(def, callSite, options, program) : analyzeClass(def, callSite, options, program);
    const reads = [...globals.reads];
    globals.reads = undefined;
    cache.units.set(cacheKey, { key, reads, depKey: depKeyOf(reads, globals), files: new Map(program.stamps), unit, lines });
    units.push(unit);
  }
  // Keras SE functions: interpreted on the input their call site gives (not cached: they are few and small).
  for (const { def, directive } of kerasFunctions) {
    units.push(analyzeKerasFunction(def, directive, site.functionCalls.get(def.node), options, program));
  }
  // Models built from classes of other files (a package's model, torchvision's `mobilenet_v3_small()`): one unit each.
  const built = new Set<ClassDef>();
  for (const callSite of site.callSites) {
    if (!callSite.def.foreign || built.has(callSite.def)) continue;
    built.add(callSite.def);
    const nth = seen.get(callSite.def.name) ?? 0;
    seen.set(callSite.def.name, nth + 1);
    const cacheKey = `${callSite.def.name}#${nth}`;
    // Any top-level statement may feed the call: the whole top level is the key, with the files read.
    const key = `model|${topIds}|${siteKeyOf(callSite)}|${defaultInputKey}`;
    const cached = cache.units.get(cacheKey);
    if (cached && cached.key === key && program.unchanged(cached.files)) {
      const unit = reuse(cached);
      if (unit) {
        units.push(unit);
        continue;
      }
    }
    const unit = analyzeClass(callSite.def, callSite, options, program);
    cache.units.set(cacheKey, { key, reads: [], depKey: '', files: new Map(program.stamps), unit, lines });
    units.push(unit);
  }
  // The document's code changed a list, dict or object in place: it may belong to an imported module, so the
  // next analysis imports afresh.
  if (inPlaceChanges.count !== changesBefore) cache.program = undefined;
  // Classes that are gone from the file leave the cache.
  for (const k of cache.units.keys()) {
    const [name, n] = k.split('#');
    if ((seen.get(name!) ?? 0) <= Number(n)) cache.units.delete(k);
  }
  // Read after the cache: a comment is its own statement, so editing it must not wait for the class to change.
  const topLevelNotes = units.length ? [] : site.siteFailures.map((f) => ({ nodeId: '', ...f }));
  if (!source.includes('se-lens:')) return { units, topLevelNotes };
  const sourceLines = source.split('\n');
  return { topLevelNotes, units: units.map((u) => {
    const weights = weightsDirectiveAt(sourceLines, u.range.startLine);
    return weights ? withUnitFields(u, { weightsDirective: weights }) : u;
  }) };
}

function siteKeyOf(callSite: CallSite): string {
  const assigned = [...(callSite.assigned ?? [])].map(([k, a]) => [k, a.expr ? textOf(a.expr) : describe(a.value)]);
  return JSON.stringify([callSite.args.map(describe), [...callSite.kwargs].map(([k, v]) => [k, describe(v)]), callSite.inputShape, assigned]);
}

/**
 * Applies what the top-level code set on the instance after building it: each assigned expression is read again
 * with the instance's name bound to the built module (so `model.fc.in_features` is known; modules it makes belong
 * to this interpreter). Values that stay unknown are noted.
 */
function applyAssigned(interp: PyInterpreter, builder: GraphBuilder, made: ModuleObj, site: CallSite): void {
  for (const [name, a] of site.assigned ?? []) {
    let value = a.value;
    if (a.expr) {
      const scope = new Scope(a.scope);
      if (a.owner) scope.set(a.owner, { k: 'module', obj: made });
      try {
        value = interp.eval(a.expr, scope, {});
      } catch (e) {
        value = unknown(interruptionNote(e, `'${textOf(a.expr)}'`, interp.maxSteps));
      }
    }
    if (value.k === 'stub' || value.k === 'unknown') builder.note(`'${name}' set after ${made.className} was built is not followed: ${value.k === 'stub' ? `an instance of ${value.def.name}` : value.why}`, site.at);
    else setModuleAttr(made, name, value);
  }
}

/** Statement ids of the classes `def` inherits from: a method found through a base depends on its text. */
function baseIds(def: ClassDef, ids: ReadonlyMap<ClassDef, number>, seen = new Set<ClassDef>()): string {
  const out: string[] = [];
  for (const b of def.bases) {
    if (b.k !== 'class' || seen.has(b.def)) continue;
    seen.add(b.def);
    out.push(String(ids.get(b.def) ?? ''), baseIds(b.def, ids, seen));
  }
  return out.join(',');
}

/** The statements that bound what a unit read, and those that changed in place what it may have reached. */
function depKeyOf(reads: readonly string[], globals: GlobalScope): string {
  const owners = reads.map((r) => globals.owners.get(r) ?? '').join(',');
  const container = globals.mutators.length > 0 && reads.some((r) => MUTABLE.has(globals.peek(r)?.k ?? 'none'));
  return container ? `${owners}|${globals.mutators.join(',')}` : owners;
}

/** Values that hold (or reach) lists, dicts or objects a statement can change in place. */
const MUTABLE = new Set<PyValue['k']>(['list', 'dict', 'object', 'tuple', 'stub', 'pymodule', 'partial', 'func', 'class']);

function topStatements(root: TsNode, source: string, statements: StatementCache): TopStatement[] {
  const out: TopStatement[] = [];
  for (const entry of statements.topStatements(root, source)) {
    if (entry.syn.type === 'ERROR') {
      // A statement being typed: read the complete statements the parser kept inside the error.
      for (const inner of namedChildren(entry.syn)) {
        if (inner.type === 'class_definition' || inner.type === 'function_definition' || inner.type === 'decorated_definition' || inner.type.endsWith('_statement')) {
          out.push({ syn: inner, id: entry.id });
        }
      }
      continue;
    }
    out.push(entry);
  }
  return out;
}

const directives = new WeakMap<Syn, number[] | null>();

/** `# se-lens: input=[...]` on the class line or among the comments before the first statement of its body. */
function directiveInside(cls: Syn): number[] | undefined {
  // Most classes have none: their text says so without a walk, and without an entry in the weak map (costly to grow).
  if (!textOf(cls).includes('se-lens:')) return undefined;
  let d = directives.get(cls);
  if (d === undefined) {
    d = findDirectiveInside(cls) ?? null;
    directives.set(cls, d);
  }
  return d ?? undefined;
}

function findDirectiveInside(cls: Syn): number[] | undefined {
  const body = child(cls, 'body');
  const firstStatement = body ? namedChildren(body)[0] : undefined;
  const limit = firstStatement?.range.startLine ?? cls.range.startLine;
  const visit = (n: Syn): number[] | undefined => {
    if (n.range.startLine > limit) return undefined;
    if (n.type === 'comment') return readInputDirective(textOf(n));
    for (const c of n.children) {
      const d = visit(c);
      if (d) return d;
    }
    return undefined;
  };
  return visit(cls);
}

function paramList(fn: Syn | undefined): { name: string; hasDefault: boolean; node: Syn }[] {
  const params = fn ? child(fn, 'parameters') : undefined;
  if (!params) return [];
  const out: { name: string; hasDefault: boolean; node: Syn }[] = [];
  for (const p of namedChildren(params)) {
    if (p.type === 'identifier') out.push({ name: textOf(p), hasDefault: false, node: p });
    else if (p.type === 'typed_parameter') {
      const id = namedChildren(p).find((c) => c.type === 'identifier');
      if (id) out.push({ name: textOf(id), hasDefault: false, node: p });
    } else if (p.type === 'default_parameter' || p.type === 'typed_default_parameter') {
      const n = child(p, 'name');
      if (n) out.push({ name: textOf(n), hasDefault: true, node: p });
    }
  }
  return out;
}

function analyzeClass(def: ClassDef, site: CallSite | undefined, options: PythonOptions, program: PythonProgram): SourceUnit {
  const builder = new GraphBuilder(def.name);
  const interp = new PyInterpreter(builder, 'graph', options.maxSteps, program);
  const classRange = def.foreign && site ? site.at : def.node.range;
  if (def.foreign) interp.entry = classRange;
  else interp.recordLines = { startLine: classRange.startLine, endLine: classRange.endLine };
  const init = findMethod(def, '__init__');
  const params = paramList(init?.node).slice(1);
  const args: PyValue[] = site ? [...site.args] : [];
  const kwargs = new Map<string, PyValue>(site ? site.kwargs : []);
  const argumentsUsed: Record<string, number | string | boolean> = {};
  // The input shape first: a directive or the call site also tells a required channel argument.
  let inputShape: Dim[] | undefined;
  let inputShapeSource: InputShapeSource = 'default';
  if (def.inputDirective) {
    inputShape = [...def.inputDirective];
    inputShapeSource = 'comment';
  } else if (site?.inputShape) {
    inputShape = [...site.inputShape];
    inputShapeSource = 'call-site';
  }
  const knownChannels = typeof inputShape?.[1] === 'number' ? inputShape[1] : undefined;
  let channels: number | undefined;
  const initScope = new Scope(init?.cls.closure ?? def.closure);
  params.forEach((p, i) => {
    let value: PyValue | undefined = i < args.length ? args[i] : kwargs.get(p.name);
    if (value === undefined && p.hasDefault) {
      const dv = child(p.node, 'value');
      try {
        value = dv ? interp.eval(dv, initScope, {}) : undefined;
      } catch (e) {
        builder.note(interruptionNote(e, `default of '${p.name}'`, options.maxSteps), p.node.range);
      }
    }
    if (value === undefined) {
      // A required argument without a call site: a channel count comes from the input (or the default), anything else stays unknown.
      value = CHANNEL_PARAMS.has(p.name) ? int(channels ?? knownChannels ?? options.defaultInput.channels) : unknown(`argument '${p.name}' has no value`);
      if (!site) kwargs.set(p.name, value);
    }
    if (channels === undefined && CHANNEL_PARAMS.has(p.name)) channels = intOf(value);
    argumentsUsed[p.name] = describe(value);
  });
  if (!inputShape) {
    const d = options.defaultInput;
    inputShape = [d.batch, channels ?? d.channels, d.height, d.width];
  }

  const modules: ModuleInfo[] = [];
  const byPath = new Map<string, ModuleObj>();
  const outputs: { name: string; shape: Dim[] | undefined }[] = [];
  try {
    const made = interp.instantiate(def, args, kwargs, def.node);
    if (made.k === 'module' && site?.assigned) applyAssigned(interp, builder, made.obj, site);
    if (made.k === 'module') {
      const leaves = assignPaths(made.obj, byPath);
      if (inputShapeSource === 'default' && channels === undefined) inputShape = stemInput(leaves, options.defaultInput) ?? inputShape;
      const x = builder.addInput('input', inputShape);
      // A forward of several tensors (`decoder_block(x, skip)`) gets the others the call site passed.
      const more = inputShapeSource === 'call-site' ? (site?.moreInputShapes ?? []).map((shape, i): PyValue => ({ k: 'tensor', t: builder.addInput(`input${i + 1}`, shape) })) : [];
      const forward = findMethod(def, 'forward');
      const callAt = forward?.node ?? def.node;
      const y = interp.callModule(made.obj, [{ k: 'tensor', t: x }, ...more], new Map(), callAt);
      collectTensors(y, outputs);
      for (const obj of leaves) modules.push(moduleInfo(obj, builder));
    } else builder.note(`${def.name} could not be built: ${made.k === 'unknown' ? made.why : made.k}`, classRange);
  } catch (e) {
    builder.note(interruptionNote(e, def.name, options.maxSteps), classRange);
  }
  const model = builder.finish(outputs, modules, 'NCHW', 'se-lens python front-end');
  return finishUnit({
    name: def.name,
    kind: def.foreign ? 'model' : 'class',
    range: classRange,
    model,
    inputShape,
    inputShapeSource,
    builtAtTopLevel: site !== undefined,
    arguments: argumentsUsed,
    unknowns: builder.unknowns,
    lineShapes: [...interp.lineShapes].sort((a, b) => a[0] - b[0]).map(([line, v]) => ({ line, names: v.names, shapes: v.shapes })),
  }, (path) => (path ? byPath.get(path)?.range : undefined));
}

function collectTensors(v: PyValue, out: { name: string; shape: Dim[] | undefined }[]): void {
  if (v.k === 'tensor') out.push({ name: v.t.name, shape: v.t.shape });
  else if (v.k === 'tuple' || v.k === 'list') for (const item of v.items) collectTensors(item, out);
}

/**
 * The default input of a model nobody calls whose constructor takes no channel count (torchvision's
 * `mobilenet_v3_small()` at the top level): its stem's input channels; an image stem (1 to 4 channels) at
 * ImageNet's 224 x 224 unless the user set the default size.
 */
function stemInput(leaves: readonly ModuleObj[], d: DefaultInput): Dim[] | undefined {
  const stem = leaves.find((l) => l.layer?.kind === 'Conv2d');
  const c = stem?.layer?.config['in_channels'];
  if (typeof c !== 'number') return undefined;
  const image = c <= 4 && d.height === DEFAULT_INPUT.height && d.width === DEFAULT_INPUT.width;
  return [d.batch, c, image ? DEFAULT_INPUT_SIZE.spatial : d.height, image ? DEFAULT_INPUT_SIZE.spatial : d.width];
}

/** `named_modules()` order: registration order, depth first, each object once under its first name. */
function assignPaths(root: ModuleObj, byPath: Map<string, ModuleObj>): ModuleObj[] {
  const leaves: ModuleObj[] = [];
  const seen = new Set<ModuleObj>([root]);
  root.path = '';
  const walk = (obj: ModuleObj, prefix: string) => {
    for (const [name, c] of obj.children) {
      if (seen.has(c)) continue;
      seen.add(c);
      c.path = prefix ? `${prefix}.${name}` : name;
      byPath.set(c.path, c);
      // A layer subclass that also holds modules (a conv with its own padding module) is a row of its own.
      if (c.children.size === 0 || c.layer) leaves.push(c);
      if (c.children.size > 0) walk(c, c.path);
    }
  };
  walk(root, '');
  return leaves;
}

function moduleInfo(obj: ModuleObj, builder: GraphBuilder): ModuleInfo {
  const range: SourceRange = obj.range;
  return {
    path: obj.path!,
    kind: obj.layer?.kind ?? obj.className,
    // A layer subclass may hold parameters of its own besides the layer's (a learned gain on a convolution).
    params: (obj.layer?.params ?? 0) + obj.ownParams,
    config: obj.layer?.config ?? {},
    range,
    nodeIds: [...builder.nodesOf(obj.path!)],
  };
}
