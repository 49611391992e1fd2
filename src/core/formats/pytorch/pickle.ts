import { Parser } from 'pickleparser';
import { SeLensError } from '../../errors.js';
import { scanPickle, type Rewrite } from './pickle-scan.js';

/**
 * A Python pickle read as data, never executed, by pickleparser's `Parser`. Pickle is a little stack
 * machine whose GLOBAL opcode names any importable callable and whose REDUCE calls it: `torch.load`
 * without `weights_only` runs whatever a file asks. Here the parser's name resolver hands out, for every
 * global outside the allow-list, an inert stub: calling or constructing it gives a `PyObject` recording the
 * call. The reconstructors in the allow-list are pure functions building plain values (dicts, tensors
 * located by their storage). `os.system`, `eval` or `builtins.exec` therefore just become records.
 *
 * `scanPickle` walks the opcodes first (see there for what it checks and rewrites, and why).
 * Values: dicts are `Map`s, sets `Set`s, lists and tuples arrays (pickleparser does not tell them apart),
 * bytes `Uint8Array`s, ints numbers or, past 2^53, bigints.
 */

/** A global the pickle named (`module.name`); a name, not the object. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** What calling a non-allowed global produced: its class, arguments and BUILD state, nothing run. */
export class PyObject {
  state: unknown = undefined;
  readonly items: unknown[] = [];
  readonly entries = new Map<unknown, unknown>();
  constructor(readonly cls: PyGlobal, readonly args: readonly unknown[]) {}

  /** APPEND / APPENDS on an instance of a list subclass (pickleparser calls `push`). */
  push(...values: unknown[]): void {
    this.items.push(...values);
  }

  /** SETITEM / SETITEMS on an instance of a dict subclass (pickleparser's Map provider calls `set`). */
  set(key: unknown, value: unknown): void {
    this.entries.set(key, value);
  }
}

export type Reconstructor = (args: readonly unknown[]) => unknown;

export interface UnpickleOptions {
  /** `module.name` → a pure function building a value from the call's arguments. */
  readonly reconstructors: ReadonlyMap<string, Reconstructor>;
  /** Turns a persistent id into a value (storages); default keeps the id. */
  readonly persistentLoad?: (id: unknown) => unknown;
}

export interface Unpickled {
  readonly value: unknown;
  /** Offset just past the STOP opcode. */
  readonly end: number;
  /** Globals outside the allow-list that the pickle called: recorded as `PyObject`s, never run. */
  readonly stubbed: ReadonlySet<string>;
}

type Callable = (...args: unknown[]) => unknown;

/** Reads one pickle starting at `start`. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, start = 0): Unpickled {
  const { end, buffer, rewrites } = scanPickle(bytes, start);
  const stubbed = new Set<string>();
  // The functions the resolver handed out, back to the names they stand for.
  const globals = new WeakMap<object, PyGlobal>();
  const named = (v: unknown): unknown => (typeof v === 'function' ? (globals.get(v) ?? new PyGlobal('?', 'function')) : v);
  const plainArgs = (args: unknown[]): unknown[] => args.map(named);

  const resolve = (module: string, name: string): Callable => {
    const global = new PyGlobal(String(module), String(name));
    const build = options.reconstructors.get(global.qualified);
    // `function`, not arrows: the parser both calls globals (REDUCE) and constructs them (NEWOBJ, INST, OBJ).
    const fn = build
      ? function reconstruct(...args: unknown[]) { return build(plainArgs(args)); }
      : function stub(...args: unknown[]) {
        stubbed.add(global.qualified);
        return new PyObject(global, plainArgs(args));
      };
    globals.set(fn, global);
    return fn as Callable;
  };

  const rewritten = (r: Rewrite): unknown => {
    if (r.kind === 'value') return r.value;
    if (r.kind === 'persistent') return options.persistentLoad ? options.persistentLoad(r.id) : r.id;
    return BUILD;
  };
  const parser = new Parser({
    nameResolver: { resolve },
    persistentResolver: {
      resolve: (pid: unknown) => {
        if (typeof pid === 'string' && rewrites.has(pid)) return rewritten(rewrites.get(pid)!);
        // BUILD, rerouted by the scan as (object, state, BUILD) → BINPERSID.
        if (Array.isArray(pid) && pid.length === 3 && pid[2] === BUILD) return setState(pid[0], pid[1]);
        const id = Array.isArray(pid) ? plainArgs(pid) : named(pid);
        const loaded = options.persistentLoad ? options.persistentLoad(id) : id;
        // A class loaded by id (legacy torch.save's `('module', cls, …)`) is then called, as a GLOBAL's would be.
        return loaded instanceof PyGlobal ? resolve(loaded.module, loaded.name) : loaded;
      },
    },
    // EXT1/2/4 name a global through copyreg's extension registry, which a file cannot bring: a stub.
    extensionResolver: { resolve: (code: number) => resolve('copyreg.extension', String(code)) },
    unpicklingTypeOfSet: 'Set',
    unpicklingTypeOfDictionary: 'Map',
  });
  let value: unknown;
  try {
    value = parser.parse(buffer);
  } catch (e) {
    if (e instanceof SeLensError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new SeLensError('corrupt', `The pickle is malformed: ${why.split('\n')[0]}`);
  }
  if (value === undefined) throw new SeLensError('corrupt', 'The pickle is malformed: its stack is empty at STOP.');
  return { value: named(value), end, stubbed };
}

const BUILD = Symbol('BUILD');

/** BUILD: a stub keeps its state; anything else stays as it is (Python would refuse or set attributes we do not read). */
function setState(target: unknown, state: unknown): unknown {
  if (target instanceof PyObject) target.state = state;
  return target;
}
