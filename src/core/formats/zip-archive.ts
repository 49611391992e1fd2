import { SeLensError } from '../errors.js';
import type { ByteSource } from '../onnx/byte-source.js';

/**
 * A zip archive read through its central directory over a random-access byte source: only the directory
 * and the entries asked for are read, so a 250 MB checkpoint costs a few kilobytes to open. Written here
 * rather than taken from a package because the zip libraries for JavaScript (fflate's `unzipSync`, JSZip)
 * want the whole archive in memory (JSZip asynchronously too), and the readers here need an entry's byte
 * *range* to leave payloads in the file, not its bytes. PyTorch (miniz) and Keras write entries stored,
 * not deflated; a deflated entry is refused with a message naming it.
 */
export interface ZipEntry {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly size: number;
  readonly localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_ENTRIES = 1_000_000;

export function isZip(source: ByteSource): boolean {
  const head = source.read(0, 4);
  return head.length === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();

  constructor(private readonly source: ByteSource, private readonly label = 'zip archive') {
    // The end record is the last 22 bytes unless the archive has a comment: try that before scanning 64 KB.
    let tail = source.read(Math.max(0, source.size - 42), Math.min(source.size, 42));
    let tv = dataView(tail);
    let at = tail.length >= 22 && tv.getUint32(tail.length - 22, true) === EOCD ? tail.length - 22 : -1;
    if (at < 0) {
      tail = source.read(Math.max(0, source.size - 22 - 0xffff), Math.min(source.size, 22 + 0xffff));
      tv = dataView(tail);
      for (let i = tail.length - 22; i >= 0; i--) {
        if (tv.getUint32(i, true) === EOCD) {
          at = i;
          break;
        }
      }
    }
    if (at < 0) throw new SeLensError('truncated', `The ${label} has no end-of-directory record (a truncated file?).`);
    let count = tv.getUint16(at + 10, true);
    let dirSize = tv.getUint32(at + 12, true);
    let dirOffset = tv.getUint32(at + 16, true);
    if (at >= 20 && tv.getUint32(at - 20, true) === EOCD64_LOCATOR) {
      const recordOffset = safe(tv.getBigUint64(at - 20 + 8, true), label);
      const rec = this.bytes(recordOffset, 56);
      const rv = dataView(rec);
      if (rv.getUint32(0, true) !== EOCD64) throw new SeLensError('corrupt', `The ${label}'s zip64 directory record is not where its locator says.`);
      count = safe(rv.getBigUint64(32, true), label);
      dirSize = safe(rv.getBigUint64(40, true), label);
      dirOffset = safe(rv.getBigUint64(48, true), label);
    }
    if (count > MAX_ENTRIES) throw new SeLensError('too-large', `The ${label} lists ${count} entries.`);
    const dir = this.bytes(dirOffset, dirSize);
    const dv = dataView(dir);
    let p = 0;
    for (let n = 0; n < count; n++) {
      if (p + 46 > dir.length || dv.getUint32(p, true) !== CENTRAL) throw new SeLensError('corrupt', `The ${label}'s directory is damaged at entry ${n}.`);
      const method = dv.getUint16(p + 10, true);
      let compressedSize = dv.getUint32(p + 20, true);
      let size = dv.getUint32(p + 24, true);
      const nameLength = dv.getUint16(p + 28, true);
      const extraLength = dv.getUint16(p + 30, true);
      const commentLength = dv.getUint16(p + 32, true);
      let localHeaderOffset = dv.getUint32(p + 42, true);
      if (p + 46 + nameLength + extraLength > dir.length) throw new SeLensError('corrupt', `The ${label}'s directory is damaged at entry ${n}.`);
      const name = new TextDecoder().decode(dir.subarray(p + 46, p + 46 + nameLength));
      // zip64: the 0xffffffff fields follow in the 0x0001 extra field, in this order.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = dv.getUint16(e, true);
        const len = dv.getUint16(e + 2, true);
        if (id === 0x0001) {
          let q = e + 4;
          const next = () => {
            if (q + 8 > e + 4 + len) throw new SeLensError('corrupt', `The ${label}'s zip64 field for "${name}" is short.`);
            const v = safe(dv.getBigUint64(q, true), label);
            q += 8;
            return v;
          };
          if (size === 0xffffffff) size = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p = extraEnd + commentLength;
    }
  }

  /** The byte range of a stored entry's contents, checked against the file's size. */
  range(name: string): { offset: number; length: number } {
    const entry = this.entries.get(name);
    if (!entry) throw new SeLensError('corrupt', `The ${this.label} has no entry "${name}".`);
    if (entry.method !== 0) throw new SeLensError('unsupported', `Entry "${name}" of the ${this.label} is compressed (method ${entry.method}); only stored entries are read.`);
    const local = this.bytes(entry.localHeaderOffset, 30);
    const lv = dataView(local);
    if (lv.getUint32(0, true) !== LOCAL) throw new SeLensError('corrupt', `Entry "${name}" of the ${this.label} does not start where the directory says.`);
    const offset = entry.localHeaderOffset + 30 + lv.getUint16(26, true) + lv.getUint16(28, true);
    if (offset + entry.size > this.source.size) throw new SeLensError('truncated', `Entry "${name}" runs past the end of the ${this.label} (a truncated file?).`);
    return { offset, length: entry.size };
  }

  read(name: string, limit = 512 * 1024 * 1024): Uint8Array {
    const { offset, length } = this.range(name);
    if (length > limit) throw new SeLensError('too-large', `Entry "${name}" of the ${this.label} is ${length} bytes, beyond what is read into memory.`);
    return this.source.read(offset, length);
  }

  private bytes(offset: number, length: number): Uint8Array {
    if (offset < 0 || offset + length > this.source.size) throw new SeLensError('truncated', `The ${this.label} points past its end (offset ${offset}); a truncated file?`);
    return this.source.read(offset, length);
  }
}

function dataView(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function safe(v: bigint, label: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SeLensError('corrupt', `The ${label} holds an offset beyond 2^53.`);
  return Number(v);
}
