import { ByteBuffer, type Encoding } from 'flatbuffers';
import { SeLensError } from '../../errors.js';

/** Reads allowed per byte of the file (plus a floor): generous for any real model, finite for a forged one. */
const READS_PER_BYTE = 16;
const MIN_READS = 1_000_000;

/**
 * The `flatbuffers` runtime's ByteBuffer with every read checked against the file. The code `flatc`
 * generates trusts offsets: on a file whose offsets lie it would read `undefined` bytes as zeros and walk
 * forged vectors. All of the runtime's reads go through `readUint8`, `readUint16` and `readInt32` (the
 * wider and signed reads call them), and strings through `__string`, so checking those four checks every
 * accessor. A budget of reads bounds the work of files whose tables all point at the same large vector.
 */
export class CheckedByteBuffer extends ByteBuffer {
  private reads = 0;
  private readonly budget: number;

  constructor(bytes: Uint8Array, private readonly what: string) {
    super(bytes);
    this.budget = READS_PER_BYTE * bytes.length + MIN_READS;
  }

  override readUint8(offset: number): number {
    this.need(offset, 1);
    return super.readUint8(offset);
  }

  override readUint16(offset: number): number {
    this.need(offset, 2);
    return super.readUint16(offset);
  }

  override readInt32(offset: number): number {
    this.need(offset, 4);
    return super.readInt32(offset);
  }

  override __string(offset: number, encoding?: Encoding): string | Uint8Array {
    const start = offset + this.readInt32(offset);
    const length = this.readInt32(start);
    this.need(start + 4, length);
    return super.__string(offset, encoding);
  }

  /** Fails unless `count` elements of `size` bytes can follow anywhere in the file: a forged length ends here. */
  checkLength(count: number, size: number): number {
    if (count < 0 || count * size > this.capacity()) this.corrupt(`a vector claims ${count} elements, more than the file's ${this.capacity()} bytes hold`);
    return count;
  }

  corrupt(why: string): never {
    throw new SeLensError('corrupt', `The ${this.what} is corrupt: ${why}.`);
  }

  private need(at: number, length: number): void {
    if (++this.reads > this.budget) this.corrupt(`its tables refer to the same data over and over (more than ${this.budget} reads)`);
    if (!Number.isSafeInteger(at) || at < 0 || length < 0 || at + length > this.capacity()) {
      this.corrupt(`an offset (${at}, ${length} bytes) lies outside the file (${this.capacity()} bytes)`);
    }
  }
}
