import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { SeLensError } from '../errors.js';
import type { ByteSource } from './byte-source.js';

// Small on purpose: each initializer header costs one window read, and the payload right after it must not be read.
const WINDOW = 4 * 1024;

export interface FieldHeader {
  readonly field: number;
  readonly wire: WireType;
  /** Absolute offset of the field's key. */
  readonly start: number;
  /** Absolute offset of the body (after key and, for length-delimited fields, the length). */
  readonly bodyStart: number;
  /** Absolute offset just past the field. */
  readonly end: number;
}

/**
 * Walks protobuf fields by absolute offset over a `ByteSource`, reading small windows, so a message
 * can be crossed without loading its large bodies. The common keys (a short tag, a length below 256 MB, a
 * varint or fixed body) are read straight from the window: a large model has thousands of fields, and a
 * reader object per key was most of the walk's allocations. Anything else, malformed keys included, goes
 * through the library's `BinaryReader`, which also words the errors.
 */
export class WindowReader {
  private windowStart = 0;
  private window: Uint8Array = new Uint8Array(0);

  constructor(private readonly source: ByteSource) {}

  get size(): number {
    return this.source.size;
  }

  bytes(offset: number, length: number): Uint8Array {
    if (offset < 0 || length < 0 || offset + length > this.source.size) {
      throw new SeLensError('truncated', `The model file is truncated: needs bytes ${offset}..${offset + length} of ${this.source.size}.`);
    }
    const inWindow = offset >= this.windowStart && offset + length <= this.windowStart + this.window.length;
    if (inWindow) return this.window.subarray(offset - this.windowStart, offset - this.windowStart + length);
    if (length > WINDOW / 2) return this.source.read(offset, length);
    this.windowStart = offset;
    const read = this.source.read(offset, Math.min(WINDOW, this.source.size - offset));
    // A plain view: Node's Buffer#subarray, which every key below would call, is several times slower.
    this.window = new Uint8Array(read.buffer, read.byteOffset, read.byteLength);
    return this.window.subarray(0, length);
  }

  /** Reads the key (and length) of the field at `offset` inside a message that ends at `limit`. */
  header(offset: number, limit: number): FieldHeader {
    const probe = this.bytes(offset, Math.min(20, limit - offset));
    return quickHeader(probe, offset, limit, this.source.size) ?? this.checkedHeader(probe, offset, limit);
  }

  private checkedHeader(probe: Uint8Array, offset: number, limit: number): FieldHeader {
    const reader = new BinaryReader(probe);
    let field: number;
    let wire: WireType;
    let bodyStart: number;
    let end: number;
    try {
      [field, wire] = reader.tag();
      if (wire === WireType.LengthDelimited) {
        const length = reader.uint32();
        bodyStart = offset + reader.pos;
        end = bodyStart + length;
      } else if (wire === WireType.StartGroup || wire === WireType.EndGroup) {
        throw new SeLensError('corrupt', `The model file is corrupt: unexpected group field ${field} at byte ${offset}.`);
      } else {
        bodyStart = offset + reader.pos;
        reader.skip(wire);
        end = offset + reader.pos;
      }
    } catch (e) {
      if (e instanceof SeLensError) throw e;
      throw new SeLensError('corrupt', `The model file is corrupt at byte ${offset}: ${(e as Error).message}.`);
    }
    return checkedBounds(field, wire, offset, bodyStart, end, limit, this.source.size);
  }

  /** The signed varint body of a non-length-delimited field (bigint, so 64-bit values stay exact). */
  varint(bodyStart: number, end: number): bigint {
    const value = new BinaryReader(this.bytes(bodyStart, end - bodyStart)).int64();
    return BigInt(value);
  }

  /** Every field of the message between `start` and `end`, in order. */
  *fields(start: number, end: number): Generator<FieldHeader> {
    let offset = start;
    while (offset < end) {
      const h = this.header(offset, end);
      yield h;
      offset = h.end;
    }
  }
}

function checkedBounds(field: number, wire: WireType, offset: number, bodyStart: number, end: number, limit: number, size: number): FieldHeader {
  if (field === 0) throw new SeLensError('corrupt', `The model file is corrupt: field number 0 at byte ${offset}.`);
  if (end > limit) {
    const code = limit === size ? 'truncated' : 'corrupt';
    throw new SeLensError(code, code === 'truncated'
      ? `The model file is truncated: field ${field} at byte ${offset} runs past the end of the file.`
      : `The model file is corrupt: field ${field} at byte ${offset} runs past its enclosing message.`);
  }
  return { field, wire, start: offset, bodyStart, end };
}

/** Where the varint read by `shortVarint` ended; -1 when it was not a short one. */
let varintEnd = -1;

/** A varint of at most 4 bytes (below 2^28) at `pos`, or -1 (and `varintEnd` -1) for anything longer or cut short. */
function shortVarint(bytes: Uint8Array, pos: number): number {
  let value = 0;
  for (let i = 0; i < 4 && pos + i < bytes.length; i++) {
    const b = bytes[pos + i]!;
    value |= (b & 0x7f) << (7 * i);
    if (b < 0x80) {
      varintEnd = pos + i + 1;
      return value;
    }
  }
  varintEnd = -1;
  return -1;
}

/** The key at the start of `probe` when it is a common one (see the class comment), else undefined. */
function quickHeader(probe: Uint8Array, offset: number, limit: number, size: number): FieldHeader | undefined {
  const tag = shortVarint(probe, 0);
  if (tag < 0) return undefined;
  const field = tag >>> 3;
  const wire = (tag & 7) as WireType;
  let at = varintEnd;
  let bodyStart = offset + at;
  let end: number;
  switch (wire) {
    case WireType.LengthDelimited: {
      const length = shortVarint(probe, at);
      if (length < 0) return undefined;
      bodyStart = offset + varintEnd;
      end = bodyStart + length;
      break;
    }
    case WireType.Varint: {
      // Up to 10 bytes; one that does not end inside the probe is left to the library.
      const last = Math.min(at + 10, probe.length);
      while (at < last && probe[at]! >= 0x80) at++;
      if (at === last) return undefined;
      end = offset + at + 1;
      break;
    }
    case WireType.Bit64:
      end = bodyStart + 8;
      break;
    case WireType.Bit32:
      end = bodyStart + 4;
      break;
    default:
      return undefined;
  }
  return checkedBounds(field, wire, offset, bodyStart, end, limit, size);
}
