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
 * can be crossed without loading its large bodies. Key and length decoding is the library's
 * `BinaryReader`; this class only decides where to look.
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
    this.window = this.source.read(offset, Math.min(WINDOW, this.source.size - offset));
    return this.window.subarray(0, length);
  }

  /** Reads the key (and length) of the field at `offset` inside a message that ends at `limit`. */
  header(offset: number, limit: number): FieldHeader {
    const probe = this.bytes(offset, Math.min(20, limit - offset));
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
    if (field === 0) throw new SeLensError('corrupt', `The model file is corrupt: field number 0 at byte ${offset}.`);
    if (end > limit) {
      const code = limit === this.source.size ? 'truncated' : 'corrupt';
      throw new SeLensError(code, code === 'truncated'
        ? `The model file is truncated: field ${field} at byte ${offset} runs past the end of the file.`
        : `The model file is corrupt: field ${field} at byte ${offset} runs past its enclosing message.`);
    }
    return { field, wire, start: offset, bodyStart, end };
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
