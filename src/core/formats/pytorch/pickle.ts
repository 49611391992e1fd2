import { SeLensError } from '../../errors.js';

/**
 * A Python pickle read as data, never executed. Pickle is a little stack machine whose GLOBAL opcode
 * names any importable callable and whose REDUCE calls it: `torch.load` without `weights_only` runs
 * whatever a file asks. Here a global is only a name (`PyGlobal`); calling one gives an inert `PyObject`
 * that records the call, except for the reconstructors in `ALLOWED`, which build plain values (dicts,
 * tensors located by their storage). `os.system`, `eval` or `builtins.exec` therefore just become records.
 */

/** A global the pickle named (`module.name`); a name, not the object. */
export class PyGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** What calling a non-allowed global produced: its class, arguments and `__setstate__` state, nothing run. */
export class PyObject {
  state: unknown = undefined;
  readonly items: unknown[] = [];
  readonly entries = new Map<unknown, unknown>();
  constructor(readonly cls: PyGlobal, readonly args: readonly unknown[]) {}
}

/** A `persistent_id` the pickler wrote (PyTorch: `('storage', type, key, location, numel)`). */
export class PyPersistent {
  constructor(readonly id: unknown) {}
}

/** A tuple, kept apart from lists so readers can tell `(a, b)` from `[a, b]`. */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

export type Reconstructor = (args: readonly unknown[]) => unknown;

export interface UnpickleOptions {
  /** `module.name` → a pure function building a value from the call's arguments. */
  readonly reconstructors: ReadonlyMap<string, Reconstructor>;
  /** Turns a persistent id into a value (storages); default keeps it as a `PyPersistent`. */
  readonly persistentLoad?: (id: unknown) => unknown;
}

const MARK = Symbol('mark');

export interface Unpickled {
  readonly value: unknown;
  /** Offset just past the STOP opcode. */
  readonly end: number;
  /** Globals outside the allow-list that the pickle called: recorded as `PyObject`s, never run. */
  readonly stubbed: ReadonlySet<string>;
}

/** Reads one pickle starting at `start`. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, start = 0): Unpickled {
  const stubbed = new Set<string>();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  let pos = start;
  const fail = (why: string): never => {
    throw new SeLensError('corrupt', `The pickle is malformed at byte ${pos}: ${why}.`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) throw new SeLensError('truncated', `The pickle is cut short at byte ${pos}.`);
  };
  const u8 = () => (need(1), bytes[pos++]!);
  const u16 = () => (need(2), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('a length beyond 2^53');
    return Number(v);
  };
  const take = (n: number) => (need(n), (pos += n), bytes.subarray(pos - n, pos));
  const text = (n: number) => new TextDecoder().decode(take(n));
  const line = () => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail('a text argument without its newline');
    const s = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = () => (stack.length ? stack.pop() : fail('pop from an empty stack'));
  const top = () => (stack.length ? stack[stack.length - 1] : fail('empty stack'));
  const popMark = (): unknown[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK');
    const items = stack.slice(at + 1);
    stack.length = at;
    return items;
  };
  const call = (fn: unknown, args: readonly unknown[]): unknown => {
    if (!(fn instanceof PyGlobal)) return new PyObject(new PyGlobal('?', typeof fn), args);
    const build = options.reconstructors.get(fn.qualified);
    if (build) return build(args);
    stubbed.add(fn.qualified);
    return new PyObject(fn, args);
  };
  const setItem = (target: unknown, key: unknown, value: unknown) => {
    if (target instanceof Map) target.set(key, value);
    else if (target instanceof PyObject) target.entries.set(key, value);
    else fail('SETITEM on a value that is not a dict');
  };
  const append = (target: unknown, values: unknown[]) => {
    if (Array.isArray(target)) target.push(...values);
    else if (target instanceof PyObject) target.items.push(...values);
    else fail('APPEND on a value that is not a list');
  };
  const decimal = (text: string): number | bigint => {
    if (!/^[+-]?\d+$/.test(text.trim())) fail(`"${text.slice(0, 20)}" is not an integer`);
    const v = BigInt(text.trim());
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const decodeLong = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: take(8); break; // FRAME: a hint only
      case 0x2e: return { value: pop(), end: pos, stubbed }; // STOP
      case 0x28: stack.push(MARK); break;
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: stack.push(decodeLong(take(u8()))); break; // LONG1
      case 0x8b: { const n = i32(); if (n < 0) fail('negative length'); stack.push(decodeLong(take(n))); break; } // LONG4
      case 0x49: { const s = line(); stack.push(s === '01' ? true : s === '00' ? false : decimal(s)); break; } // INT
      case 0x4c: stack.push(decimal(line().replace(/L$/, ''))); break; // LONG
      case 0x47: need(8); stack.push(view.getFloat64(pos, false)); pos += 8; break; // BINFLOAT
      case 0x46: stack.push(Number(line())); break; // FLOAT
      case 0x58: stack.push(text(u32())); break; // BINUNICODE
      case 0x8c: stack.push(text(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(text(u64())); break; // BINUNICODE8
      case 0x56: stack.push(rawUnicodeEscape(line())); break; // UNICODE
      case 0x54: stack.push(latin1(take(u32()))); break; // BINSTRING
      case 0x55: stack.push(latin1(take(u8()))); break; // SHORT_BINSTRING
      case 0x53: stack.push(line().replace(/^['"]|['"]$/g, '')); break; // STRING
      case 0x42: stack.push(take(u32())); break; // BINBYTES
      case 0x43: stack.push(take(u8())); break; // SHORT_BINBYTES
      case 0x8e: stack.push(take(u64())); break; // BINBYTES8
      case 0x96: stack.push(take(u64())); break; // BYTEARRAY8
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x29: stack.push(new PyTuple([])); break; // EMPTY_TUPLE
      case 0x8f: stack.push(new Set()); break; // EMPTY_SET
      case 0x74: stack.push(new PyTuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new PyTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PyTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PyTuple([a, b, c])); break; } // TUPLE3
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x64: { // DICT
        const items = popMark();
        const d = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) d.set(items[i], items[i + 1]);
        stack.push(d);
        break;
      }
      case 0x91: stack.push(new Set(popMark())); break; // FROZENSET
      case 0x90: { const items = popMark(); const s = top(); if (s instanceof Set) items.forEach((i) => s.add(i)); break; } // ADDITEMS
      case 0x73: { const v = pop(); const k = pop(); setItem(top(), k, v); break; } // SETITEM
      case 0x75: { const items = popMark(); const d = top(); for (let i = 0; i + 1 < items.length; i += 2) setItem(d, items[i], items[i + 1]); break; } // SETITEMS
      case 0x61: { const v = pop(); append(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); append(top(), items); break; } // APPENDS
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x70: memo.set(Number(line()), top()); break; // PUT
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x67: stack.push(fromMemo(memo, Number(line()), fail)); break; // GET
      case 0x68: stack.push(fromMemo(memo, u8(), fail)); break; // BINGET
      case 0x6a: stack.push(fromMemo(memo, u32(), fail)); break; // LONG_BINGET
      case 0x63: { const module = line(); stack.push(new PyGlobal(module, line())); break; } // GLOBAL
      case 0x93: { const name = pop(); const module = pop(); stack.push(new PyGlobal(String(module), String(name))); break; } // STACK_GLOBAL
      case 0x52: { const args = pop(); const fn = pop(); stack.push(call(fn, tupleItems(args))); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(call(cls, tupleItems(args))); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const cls = pop(); stack.push(call(cls, tupleItems(args))); break; } // NEWOBJ_EX
      case 0x69: { const module = line(); const name = line(); stack.push(call(new PyGlobal(module, name), popMark())); break; } // INST
      case 0x6f: { const items = popMark(); stack.push(call(items[0], items.slice(1))); break; } // OBJ
      case 0x62: { // BUILD
        const state = pop();
        const target = top();
        if (target instanceof PyObject) target.state = state;
        break;
      }
      case 0x51: stack.push(persist(options, new PyPersistent(pop()))); break; // BINPERSID
      case 0x50: stack.push(persist(options, new PyPersistent(line()))); break; // PERSID
      case 0x82: case 0x83: case 0x84: stack.push(new PyGlobal('copyreg.extension', String(op === 0x82 ? u8() : op === 0x83 ? u16() : i32()))); break; // EXT1/2/4
      case 0x97: stack.push(null); break; // NEXT_BUFFER (out-of-band data is not in the file)
      case 0x98: break; // READONLY_BUFFER
      default: fail(`unknown opcode 0x${op.toString(16)}`);
    }
  }
}

/** Bytes as code points 0–255 (TextDecoder's 'latin1' is really windows-1252). */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** Protocol 0's raw-unicode-escape: `\\uXXXX` and `\\UXXXXXXXX` escapes, other bytes as Latin-1. */
function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, four: string | undefined, eight: string | undefined) => String.fromCodePoint(Math.min(0x10ffff, parseInt(four ?? eight!, 16))));
}

function persist(options: UnpickleOptions, p: PyPersistent): unknown {
  return options.persistentLoad ? options.persistentLoad(p.id) : p;
}

function fromMemo(memo: Map<number, unknown>, key: number, fail: (why: string) => never): unknown {
  if (!memo.has(key)) fail(`memo ${key} was never stored`);
  return memo.get(key);
}

function tupleItems(v: unknown): readonly unknown[] {
  if (v instanceof PyTuple) return v.items;
  if (Array.isArray(v)) return v;
  return [v];
}
