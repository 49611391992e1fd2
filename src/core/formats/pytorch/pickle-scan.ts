import { SeLensError } from '../../errors.js';

/**
 * One pass over a pickle's opcodes before pickleparser runs it, for what pickleparser (0.2.1) gets wrong on
 * the files we read, hostile ones included:
 * - **Bounds.** Its reader checks lengths only after moving: a negative BINBYTES length (it reads an int32)
 *   moves the position back, so a 5-byte loop runs forever. Here every length is checked against the
 *   buffer and every argument against its opcode before the parser sees them, and a GET of a memo slot
 *   never stored is refused (the parser would push `undefined`).
 * - **The end.** A legacy `torch.save` stream is five pickles back to back; the scan says where each stops.
 * - **Values it misreads,** replaced by a PERSID whose id names the value read here: LONG1 / LONG4 are
 *   read unsigned and LONG1 past 8 bytes throws (Python writes every int beyond 32 bits so, -2^40 and
 *   2^70 alike), protocol 0's LONG loses digits past 2^53 and UNICODE keeps its `\uXXXX` escapes. The
 *   file's own PERSIDs are rewritten the same way; the ids carry a random nonce, so that none the file
 *   writes can pass for one of these.
 * - **BUILD.** The parser assigns a BUILD state onto any object with `Object.assign` (a list's `length`,
 *   a `__proto__`); BUILD is rerouted as `PERSID build, TUPLE3, BINPERSID`, so the persistent resolver
 *   gets (object, state) and keeps the state on inert stubs only.
 */
export type Rewrite =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'persistent'; readonly id: string }
  | { readonly kind: 'build' };

export interface ScannedPickle {
  /** Offset just past STOP, in the original bytes. */
  readonly end: number;
  /** The pickle from `start` to `end`, with the rewrites in place. */
  readonly buffer: Uint8Array;
  /** PERSID id → what it stands for. */
  readonly rewrites: ReadonlyMap<string, Rewrite>;
}

/** How each opcode's argument is laid out: a fixed size, one or two text lines, or a length-prefixed run. */
type Arg = number | 'line' | 'lines2' | 'len1' | 'len4' | 'len8';

const ARGS: ReadonlyMap<number, Arg> = new Map<number, Arg>([
  // No argument: MARK STOP POP POP_MARK DUP NONE NEWTRUE NEWFALSE EMPTY_TUPLE TUPLE TUPLE1-3 EMPTY_LIST LIST
  // APPEND APPENDS EMPTY_DICT DICT SETITEM SETITEMS EMPTY_SET ADDITEMS FROZENSET REDUCE BUILD NEWOBJ
  // NEWOBJ_EX STACK_GLOBAL MEMOIZE BINPERSID OBJ NEXT_BUFFER READONLY_BUFFER.
  ...[0x28, 0x2e, 0x30, 0x31, 0x32, 0x4e, 0x88, 0x89, 0x29, 0x74, 0x85, 0x86, 0x87, 0x5d, 0x6c, 0x61, 0x65, 0x7d, 0x64,
    0x73, 0x75, 0x8f, 0x90, 0x91, 0x52, 0x62, 0x81, 0x92, 0x93, 0x94, 0x51, 0x6f, 0x97, 0x98].map((op): [number, Arg] => [op, 0]),
  // PROTO BININT1 BINPUT BINGET EXT1 | BININT2 EXT2 | BININT LONG_BINPUT LONG_BINGET EXT4 | BINFLOAT FRAME
  ...[0x80, 0x4b, 0x71, 0x68, 0x82].map((op): [number, Arg] => [op, 1]),
  ...[0x4d, 0x83].map((op): [number, Arg] => [op, 2]),
  ...[0x4a, 0x72, 0x6a, 0x84].map((op): [number, Arg] => [op, 4]),
  ...[0x47, 0x95].map((op): [number, Arg] => [op, 8]),
  // INT LONG FLOAT STRING UNICODE PERSID PUT GET | GLOBAL INST
  ...[0x49, 0x4c, 0x46, 0x53, 0x56, 0x50, 0x70, 0x67].map((op): [number, Arg] => [op, 'line']),
  ...[0x63, 0x69].map((op): [number, Arg] => [op, 'lines2']),
  // SHORT_BINSTRING SHORT_BINBYTES SHORT_BINUNICODE LONG1 | BINSTRING BINUNICODE BINBYTES LONG4 | *8
  ...[0x55, 0x43, 0x8c, 0x8a].map((op): [number, Arg] => [op, 'len1']),
  ...[0x54, 0x58, 0x42, 0x8b].map((op): [number, Arg] => [op, 'len4']),
  ...[0x8d, 0x8e, 0x96].map((op): [number, Arg] => [op, 'len8']),
]);

const OP = { STOP: 0x2e, BUILD: 0x62, PERSID: 0x50, TUPLE3: 0x87, BINPERSID: 0x51, LONG: 0x4c, UNICODE: 0x56, LONG1: 0x8a, LONG4: 0x8b, PUT: 0x70, BINPUT: 0x71, LONG_BINPUT: 0x72, MEMOIZE: 0x94, GET: 0x67, BINGET: 0x68, LONG_BINGET: 0x6a } as const;

/** Lengths pickleparser reads as int32 (BINBYTES) must stay below 2^31; nothing real comes near. */
const MAX_INT32 = 0x7fffffff;

export function scanPickle(bytes: Uint8Array, start: number): ScannedPickle {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rewrites = new Map<string, Rewrite>();
  const chunks: Uint8Array[] = [];
  const memo = new Set<number>();
  // Ids the file cannot guess, so that none it writes (PERSID or BINPERSID) passes for one of ours.
  const nonce = Math.random().toString(36).slice(2);
  let copiedTo = start;
  let pos = start;
  const fail = (at: number, why: string): never => {
    throw new SeLensError('corrupt', `The pickle is malformed at byte ${at}: ${why}.`);
  };
  const need = (n: number) => {
    if (n < 0 || pos + n > bytes.length) throw new SeLensError('truncated', `The pickle is cut short at byte ${pos}.`);
  };
  const line = (): Uint8Array => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) throw new SeLensError('truncated', `The pickle is cut short at byte ${pos} (a text argument without its newline).`);
    const text = bytes.subarray(pos, end);
    pos = end + 1;
    return text;
  };
  /** Replaces bytes [at, pos) by `replacement`. */
  const replace = (at: number, replacement: Uint8Array) => {
    chunks.push(bytes.subarray(copiedTo, at), replacement);
    copiedTo = pos;
  };
  /** Replaces bytes [at, pos) by a PERSID standing for `rewrite` (and `then`, opcodes to run after it). */
  const persid = (at: number, rewrite: Rewrite, then: number[] = []) => {
    const id = `\u0000se-lens:${nonce}:${rewrites.size}`;
    rewrites.set(id, rewrite);
    replace(at, Uint8Array.from([OP.PERSID, ...[...id].map((c) => c.charCodeAt(0)), 0x0a, ...then]));
  };

  for (;;) {
    const at = pos;
    need(1);
    const op = bytes[pos++]!;
    const arg = ARGS.get(op);
    if (arg === undefined) fail(at, `unknown opcode 0x${op.toString(16)}`);
    let length = 0;
    if (typeof arg === 'number') {
      need(arg);
      if (op === OP.BINPUT || op === OP.LONG_BINPUT) memo.add(arg === 1 ? bytes[pos]! : view.getUint32(pos, true));
      if (op === OP.BINGET || op === OP.LONG_BINGET) {
        const key = arg === 1 ? bytes[pos]! : view.getUint32(pos, true);
        if (!memo.has(key)) fail(at, `memo ${key} was never stored`);
      }
      pos += arg;
    } else if (arg === 'line' || arg === 'lines2') {
      const text = latin1(line());
      if (arg === 'lines2') line();
      if (op === OP.PUT) memo.add(parseInt(text, 10));
      if (op === OP.GET && !memo.has(parseInt(text, 10))) fail(at, `memo ${text} was never stored`);
      if (op === OP.LONG) persid(at, { kind: 'value', value: decimal(text.replace(/L$/, ''), () => fail(at, `"${text.slice(0, 20)}" is not an integer`)) });
      if (op === OP.UNICODE) persid(at, { kind: 'value', value: rawUnicodeEscape(text) });
      if (op === OP.PERSID) persid(at, { kind: 'persistent', id: text });
    } else {
      const size = arg === 'len1' ? 1 : arg === 'len4' ? 4 : 8;
      need(size);
      length = arg === 'len1' ? bytes[pos]! : arg === 'len4' ? view.getUint32(pos, true) : u64(view, pos, () => fail(at, 'a length beyond 2^53'));
      if (arg === 'len4' && length > MAX_INT32) fail(at, `a length of ${length} bytes`);
      pos += size;
      need(length);
      pos += length;
      if (op === OP.LONG1 || op === OP.LONG4) persid(at, { kind: 'value', value: decodeLong(bytes.subarray(pos - length, pos)) });
    }
    if (op === OP.MEMOIZE) memo.add(memo.size);
    if (op === OP.BUILD) persid(at, { kind: 'build' }, [OP.TUPLE3, OP.BINPERSID]);
    if (op === OP.STOP) break;
  }
  if (!chunks.length) return { end: pos, buffer: bytes.subarray(start, pos), rewrites };
  chunks.push(bytes.subarray(copiedTo, pos));
  const buffer = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    buffer.set(c, o);
    o += c.length;
  }
  return { end: pos, buffer, rewrites };
}

function u64(view: DataView, at: number, fail: () => never): number {
  const v = view.getBigUint64(at, true);
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? fail() : Number(v);
}

/** A number when it is exact as one, else a bigint. */
function exact(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function decimal(text: string, fail: () => never): number | bigint {
  return /^[+-]?\d+$/.test(text.trim()) ? exact(BigInt(text.trim())) : fail();
}

/** Little-endian two's complement, as LONG1 / LONG4 store ints. */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
  return exact(v);
}

/** Bytes as code points 0–255 (TextDecoder's 'latin1' is really windows-1252). */
function latin1(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** Protocol 0's raw-unicode-escape: `\uXXXX` and `\UXXXXXXXX` escapes, other bytes as Latin-1. */
function rawUnicodeEscape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_, four: string | undefined, eight: string | undefined) => String.fromCodePoint(Math.min(0x10ffff, parseInt(four ?? eight!, 16))));
}
