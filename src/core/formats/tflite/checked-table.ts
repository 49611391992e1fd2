import { ByteBuffer } from 'flatbuffers';
import { SeLensError } from '../../errors.js';

/**
 * A FlatBuffers table read through the `flatbuffers` runtime's ByteBuffer, with every offset checked
 * against the buffer first: the runtime trusts offsets, and a file whose offsets lie would otherwise read
 * garbage or loop over a forged vector length. Field ids are the declaration order in TFLite's
 * `schema.fbs` (a union takes two ids: its type, then its value).
 */
export class CheckedTable {
  constructor(private readonly bb: ByteBuffer, readonly pos: number, private readonly what: string) {
    this.need(pos, 4);
    const vtable = pos - bb.readInt32(pos);
    this.need(vtable, 4);
    const vtableSize = bb.readUint16(vtable);
    if (vtableSize < 4 || vtableSize % 2) this.corrupt(`its vtable size ${vtableSize} is invalid`);
    this.need(vtable, vtableSize);
    this.vtable = vtable;
    this.vtableSize = vtableSize;
  }

  private readonly vtable: number;
  private readonly vtableSize: number;

  static root(bytes: Uint8Array, identifier: string, what: string): CheckedTable {
    const bb = new ByteBuffer(bytes);
    if (bytes.length < 8) throw new SeLensError('truncated', `The ${what} is ${bytes.length} bytes, too short for a FlatBuffer.`);
    if (bb.getBufferIdentifier() !== identifier) throw new SeLensError('not-onnx', `The file is not a ${what} (its identifier is not "${identifier}").`);
    const root = bb.readUint32(0);
    return new CheckedTable(bb, root, what);
  }

  private need(at: number, length: number): void {
    if (!Number.isSafeInteger(at) || at < 0 || length < 0 || at + length > this.bb.capacity()) {
      throw new SeLensError('corrupt', `The ${this.what} is corrupt: an offset (${at}, ${length} bytes) lies outside the file (${this.bb.capacity()} bytes).`);
    }
  }

  private corrupt(why: string): never {
    throw new SeLensError('corrupt', `The ${this.what} is corrupt: ${why}.`);
  }

  /** Position of field `id`, or 0 when the table does not hold it. */
  private field(id: number, size: number): number {
    const slot = 4 + 2 * id;
    if (slot + 2 > this.vtableSize) return 0;
    const off = this.bb.readUint16(this.vtable + slot);
    if (off === 0) return 0;
    this.need(this.pos + off, size);
    return this.pos + off;
  }

  int8(id: number, fallback = 0): number {
    const at = this.field(id, 1);
    return at ? this.bb.readInt8(at) : fallback;
  }

  uint8(id: number, fallback = 0): number {
    const at = this.field(id, 1);
    return at ? this.bb.readUint8(at) : fallback;
  }

  bool(id: number, fallback = false): boolean {
    const at = this.field(id, 1);
    return at ? this.bb.readUint8(at) !== 0 : fallback;
  }

  int32(id: number, fallback = 0): number {
    const at = this.field(id, 4);
    return at ? this.bb.readInt32(at) : fallback;
  }

  uint32(id: number, fallback = 0): number {
    const at = this.field(id, 4);
    return at ? this.bb.readUint32(at) : fallback;
  }

  float32(id: number, fallback = 0): number {
    const at = this.field(id, 4);
    return at ? this.bb.readFloat32(at) : fallback;
  }

  uint64(id: number, fallback = 0): number {
    const at = this.field(id, 8);
    return at ? Number(this.bb.readUint64(at)) : fallback;
  }

  private target(id: number): number {
    const at = this.field(id, 4);
    if (!at) return 0;
    const to = at + this.bb.readUint32(at);
    this.need(to, 4);
    return to;
  }

  table(id: number): CheckedTable | undefined {
    const to = this.target(id);
    return to ? new CheckedTable(this.bb, to, this.what) : undefined;
  }

  /** A vector's first element position and length, checked to lie inside the buffer. */
  vector(id: number, elementSize: number): { start: number; length: number } | undefined {
    const to = this.target(id);
    if (!to) return undefined;
    const length = this.bb.readUint32(to);
    this.need(to + 4, length * elementSize);
    return { start: to + 4, length };
  }

  tables(id: number): CheckedTable[] {
    const v = this.vector(id, 4);
    if (!v) return [];
    return Array.from({ length: v.length }, (_, i) => {
      const at = v.start + 4 * i;
      const to = at + this.bb.readUint32(at);
      return new CheckedTable(this.bb, to, this.what);
    });
  }

  int32s(id: number): number[] {
    const v = this.vector(id, 4);
    return v ? Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i)) : [];
  }

  float32s(id: number): number[] {
    const v = this.vector(id, 4);
    return v ? Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + 4 * i)) : [];
  }

  int64s(id: number): number[] {
    const v = this.vector(id, 8);
    return v ? Array.from({ length: v.length }, (_, i) => Number(this.bb.readInt64(v.start + 8 * i))) : [];
  }

  string(id: number): string | undefined {
    const v = this.vector(id, 1);
    return v ? new TextDecoder().decode(this.bb.bytes().subarray(v.start, v.start + v.length)) : undefined;
  }
}
