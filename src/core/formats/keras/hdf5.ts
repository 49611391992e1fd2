import { SeLensError } from '../../errors.js';
import type { DType } from '../../ir/graph.js';
import type { ByteSource } from '../../onnx/byte-source.js';

/**
 * The part of HDF5 that h5py writes by default, and so Keras: superblock versions 0–1, version-1 object
 * headers (with continuation blocks), groups as symbol tables (a version-1 B-tree of symbol nodes over a
 * local heap), attributes stored in the header (fixed-length and variable-length strings, the latter in
 * global heap collections, numbers), and datasets with contiguous or compact layout. Reads only what it is
 * asked for through a random-access source: a dataset is located (address and length), not read. Every
 * address is checked against the file, every walk is bounded, and a group met twice on one path (a cycle)
 * is refused. What lies outside this subset (chunked or filtered data, newer headers) is named, not guessed.
 */

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const MAX_DEPTH = 64;
const MAX_MESSAGES = 100_000;

export type AttrValue = string | number | string[] | number[];

export interface H5Dataset {
  readonly dtype: DType;
  readonly shape: number[];
  /** Contiguous data: its byte range in the file. */
  readonly offset: number;
  readonly length: number;
  /** Compact data: the bytes, stored in the header. */
  readonly inline?: Uint8Array;
}

export interface H5Object {
  readonly address: number;
  readonly attrs: ReadonlyMap<string, AttrValue>;
  /** Present for groups: child name → object header address. */
  readonly links?: ReadonlyMap<string, number>;
  readonly dataset?: H5Dataset;
}

export function isHdf5(source: ByteSource): boolean {
  const head = source.read(0, 8);
  return head.length === 8 && SIGNATURE.every((b, i) => head[i] === b);
}

interface Datatype {
  readonly cls: number;
  readonly size: number;
  readonly dtype: DType;
  /** Class 9: variable-length string. */
  readonly vlenString: boolean;
}

export class Hdf5File {
  private readonly offsetSize: number;
  private readonly lengthSize: number;
  readonly root: number;
  private readonly objects = new Map<number, H5Object>();
  /** Global heap collections by address: every variable-length string of a file tends to share one. */
  private readonly heaps = new Map<number, Uint8Array>();

  constructor(private readonly source: ByteSource) {
    if (!isHdf5(source)) throw new SeLensError('not-onnx', 'Not an HDF5 file (no \\x89HDF signature at its start).');
    const sb = this.bytes(0, 96);
    const version = sb[8]!;
    if (version > 1) throw new SeLensError('unsupported', `HDF5 superblock version ${version} (written with libver="latest") is not read; h5py's default (version 0) is.`);
    this.offsetSize = sb[13]!;
    this.lengthSize = sb[14]!;
    if (![4, 8].includes(this.offsetSize) || ![4, 8].includes(this.lengthSize)) throw new SeLensError('corrupt', 'The HDF5 superblock gives impossible address sizes.');
    let p = 24 + (version === 1 ? 4 : 0);
    p += 4 * this.offsetSize; // base, free-space, end-of-file, driver info addresses
    // The root group's symbol table entry: link name offset, then its object header address.
    this.root = this.uint(sb, p + this.offsetSize, this.offsetSize);
  }

  /** An object by path from the root (`model_weights/conv1`). */
  get(path: string): H5Object {
    let obj = this.object(this.root);
    for (const part of path.split('/').filter(Boolean)) {
      const next = obj.links?.get(part);
      if (next === undefined) throw new SeLensError('corrupt', `The HDF5 file has no "${path}" (missing "${part}").`);
      obj = this.object(next);
    }
    return obj;
  }

  has(path: string): boolean {
    try {
      this.get(path);
      return true;
    } catch {
      return false;
    }
  }

  object(address: number): H5Object {
    const cached = this.objects.get(address);
    if (cached) return cached;
    const messages = this.messages(address);
    const attrs = new Map<string, AttrValue>();
    let links: Map<string, number> | undefined;
    let dtype: Datatype | undefined;
    let shape: number[] | undefined;
    let layout: { offset: number; length: number; inline?: Uint8Array } | undefined;
    for (const m of messages) {
      if (m.type === 0x0001) shape = this.dataspace(m.body);
      else if (m.type === 0x0003) dtype = this.datatype(m.body);
      else if (m.type === 0x0008) layout = this.layout(m.body);
      else if (m.type === 0x000c) {
        const [name, value] = this.attribute(m.body);
        attrs.set(name, value);
      } else if (m.type === 0x0011) links = this.symbolTable(m.body);
      else if (m.type === 0x0002 || m.type === 0x0006) throw new SeLensError('unsupported', 'This HDF5 file uses new-style groups (link messages), which SE Lens does not read; h5py\'s default groups are read.');
    }
    const dataset = dtype && shape && layout ? { dtype: dtype.dtype, shape, ...layout } : undefined;
    const obj: H5Object = { address, attrs, ...(links ? { links } : {}), ...(dataset ? { dataset } : {}) };
    this.objects.set(address, obj);
    return obj;
  }

  /** Bytes of a dataset, for the small ones read with the structure. */
  read(d: H5Dataset): Uint8Array {
    return d.inline ?? this.bytes(d.offset, d.length);
  }

  private messages(address: number): { type: number; body: Uint8Array }[] {
    const head = this.bytes(address, 16);
    if (head[0] !== 1) throw new SeLensError('unsupported', `HDF5 object header version ${head[0]} at ${address} is not read (only version 1, h5py's default).`);
    const count = this.uint(head, 2, 2);
    const size = this.uint(head, 8, 4);
    const out: { type: number; body: Uint8Array }[] = [];
    const blocks: [number, number][] = [[address + 16, size]];
    let seen = 0;
    while (blocks.length) {
      const [start, length] = blocks.shift()!;
      const block = this.bytes(start, length);
      let p = 0;
      while (p + 8 <= block.length && seen < Math.min(count, MAX_MESSAGES)) {
        const type = this.uint(block, p, 2);
        const bodySize = this.uint(block, p + 2, 2);
        if (p + 8 + bodySize > block.length) throw new SeLensError('corrupt', `An HDF5 header message at ${start + p} runs past its block.`);
        const body = block.subarray(p + 8, p + 8 + bodySize);
        seen++;
        if (type === 0x0010) blocks.push([this.uint(body, 0, this.offsetSize), this.uint(body, this.offsetSize, this.lengthSize)]);
        else out.push({ type, body });
        p += 8 + bodySize;
      }
    }
    return out;
  }

  private dataspace(b: Uint8Array): number[] {
    const version = b[0]!;
    const rank = b[1]!;
    const start = version === 1 ? 8 : 4;
    if (version === 2 && b[3] === 2) return []; // null dataspace
    return Array.from({ length: rank }, (_, i) => this.uint(b, start + i * this.lengthSize, this.lengthSize));
  }

  private datatype(b: Uint8Array): Datatype {
    const cls = b[0]! & 0x0f;
    const size = this.uint(b, 4, 4);
    const bigEndian = (b[1]! & 1) === 1;
    let dtype: DType = 'unknown';
    if (cls === 1 && !bigEndian) dtype = size === 4 ? 'float32' : size === 8 ? 'float64' : size === 2 ? 'float16' : 'unknown';
    else if (cls === 0 && !bigEndian) {
      const signed = (b[1]! & 0x08) !== 0;
      dtype = ({ 1: signed ? 'int8' : 'uint8', 2: signed ? 'int16' : 'uint16', 4: signed ? 'int32' : 'uint32', 8: signed ? 'int64' : 'uint64' } as Record<number, DType>)[size] ?? 'unknown';
    } else if (cls === 3) dtype = 'string';
    const vlenString = cls === 9 && (b[1]! & 0x0f) === 1;
    return { cls, size, dtype: vlenString ? 'string' : dtype, vlenString };
  }

  private layout(b: Uint8Array): { offset: number; length: number; inline?: Uint8Array } {
    const version = b[0]!;
    if (version !== 3) throw new SeLensError('unsupported', `HDF5 data layout version ${version} is not read.`);
    const cls = b[1]!;
    if (cls === 0) {
      const size = this.uint(b, 2, 2);
      return { offset: 0, length: size, inline: b.subarray(4, 4 + size) };
    }
    if (cls === 1) {
      const offset = this.uint(b, 2, this.offsetSize);
      const length = this.uint(b, 2 + this.offsetSize, this.lengthSize);
      if (offset + length > this.source.size) throw new SeLensError('truncated', `An HDF5 dataset at ${offset} (${length} bytes) lies past the end of the file.`);
      return { offset, length };
    }
    throw new SeLensError('unsupported', 'An HDF5 dataset is chunked (compressed or resizable), which SE Lens does not read; Keras writes contiguous datasets.');
  }

  private attribute(b: Uint8Array): [string, AttrValue] {
    const version = b[0]!;
    const nameSize = this.uint(b, 2, 2);
    const typeSize = this.uint(b, 4, 2);
    const spaceSize = this.uint(b, 6, 2);
    const pad = (n: number) => (version === 1 ? Math.ceil(n / 8) * 8 : n);
    let p = version === 3 ? 9 : 8;
    const name = new TextDecoder().decode(b.subarray(p, p + nameSize - 1));
    p += pad(nameSize);
    const type = this.datatype(b.subarray(p, p + typeSize));
    p += pad(typeSize);
    const shape = this.dataspace(b.subarray(p, p + spaceSize));
    p += pad(spaceSize);
    const count = shape.reduce((a, d) => a * d, 1);
    const data = b.subarray(p);
    const itemSize = type.vlenString ? 4 + this.offsetSize + 4 : Math.max(1, type.size);
    if (count * itemSize > data.length) throw new SeLensError('corrupt', `HDF5 attribute "${name}" claims ${count} values; its message holds ${data.length} bytes.`);
    const scalar = shape.length === 0;
    if (type.vlenString) {
      const item = 4 + this.offsetSize + 4;
      const values = Array.from({ length: count }, (_, i) => this.vlenString(data.subarray(i * item, (i + 1) * item)));
      return [name, scalar ? values[0] ?? '' : values];
    }
    if (type.cls === 3) {
      const values = Array.from({ length: count }, (_, i) => new TextDecoder().decode(data.subarray(i * type.size, (i + 1) * type.size)).replace(/\0+$/, ''));
      return [name, scalar ? values[0] ?? '' : values];
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const number = (i: number): number => {
      const at = i * type.size;
      if (at + type.size > data.length) return NaN;
      if (type.dtype === 'float32') return view.getFloat32(at, true);
      if (type.dtype === 'float64') return view.getFloat64(at, true);
      if (type.cls === 0) return this.uint(data, at, type.size);
      return NaN;
    };
    const values = Array.from({ length: count }, (_, i) => number(i));
    return [name, scalar ? values[0] ?? NaN : values];
  }

  private vlenString(item: Uint8Array): string {
    const length = this.uint(item, 0, 4);
    const collection = this.uint(item, 4, this.offsetSize);
    const index = this.uint(item, 4 + this.offsetSize, 4);
    let heap = this.heaps.get(collection);
    if (!heap) {
      const head = this.bytes(collection, 8 + this.lengthSize);
      if (String.fromCharCode(...head.subarray(0, 4)) !== 'GCOL') throw new SeLensError('corrupt', `An HDF5 string points to ${collection}, which is no global heap.`);
      heap = this.bytes(collection, this.uint(head, 8, this.lengthSize));
      this.heaps.set(collection, heap);
    }
    let p = 8 + this.lengthSize;
    while (p + 8 + this.lengthSize <= heap.length) {
      const id = this.uint(heap, p, 2);
      const objectSize = this.uint(heap, p + 8, this.lengthSize);
      const start = p + 8 + this.lengthSize;
      if (id === 0) break;
      if (id === index) {
        if (start + length > heap.length) throw new SeLensError('corrupt', 'An HDF5 string runs past its global heap.');
        return new TextDecoder().decode(heap.subarray(start, start + length));
      }
      p = start + Math.ceil(objectSize / 8) * 8;
    }
    throw new SeLensError('corrupt', `An HDF5 string's heap object ${index} is missing.`);
  }

  private symbolTable(b: Uint8Array): Map<string, number> {
    const btree = this.uint(b, 0, this.offsetSize);
    const heapAddress = this.uint(b, this.offsetSize, this.offsetSize);
    const heap = this.bytes(heapAddress, 8 + 2 * this.lengthSize + this.offsetSize);
    if (String.fromCharCode(...heap.subarray(0, 4)) !== 'HEAP') throw new SeLensError('corrupt', `An HDF5 group's local heap at ${heapAddress} has no HEAP signature.`);
    const dataSize = this.uint(heap, 8, this.lengthSize);
    const dataAddress = this.uint(heap, 8 + 2 * this.lengthSize, this.offsetSize);
    const names = this.bytes(dataAddress, dataSize);
    const links = new Map<string, number>();
    const visited = new Set<number>();
    const walk = (node: number, depth: number) => {
      if (depth > MAX_DEPTH || visited.has(node)) throw new SeLensError('corrupt', 'An HDF5 group\'s B-tree loops back on itself.');
      visited.add(node);
      const head = this.bytes(node, 8 + 2 * this.offsetSize);
      const sig = String.fromCharCode(...head.subarray(0, 4));
      if (sig === 'SNOD') {
        const count = this.uint(head, 6, 2);
        const entrySize = 2 * this.offsetSize + 24;
        const entries = this.bytes(node + 8, count * entrySize);
        for (let i = 0; i < count; i++) {
          const nameOffset = this.uint(entries, i * entrySize, this.offsetSize);
          const end = names.indexOf(0, nameOffset);
          if (nameOffset >= names.length || end < 0) throw new SeLensError('corrupt', 'An HDF5 link name lies outside its local heap.');
          links.set(new TextDecoder().decode(names.subarray(nameOffset, end)), this.uint(entries, i * entrySize + this.offsetSize, this.offsetSize));
        }
        return;
      }
      if (sig !== 'TREE') throw new SeLensError('corrupt', `An HDF5 group's B-tree node at ${node} has no TREE signature.`);
      const entries = this.uint(head, 6, 2);
      const stride = this.lengthSize + this.offsetSize;
      const body = this.bytes(node + 8 + 2 * this.offsetSize, entries * stride + this.lengthSize);
      for (let i = 0; i < entries; i++) walk(this.uint(body, this.lengthSize + i * stride, this.offsetSize), depth + 1);
    };
    walk(btree, 0);
    return links;
  }

  private bytes(offset: number, length: number): Uint8Array {
    if (!Number.isSafeInteger(offset) || offset < 0 || length < 0 || offset + length > this.source.size) {
      throw new SeLensError('truncated', `The HDF5 file points past its end (offset ${offset}); a truncated file?`);
    }
    return this.source.read(offset, length);
  }

  private uint(b: Uint8Array, at: number, size: number): number {
    if (at + size > b.length) throw new SeLensError('corrupt', 'An HDF5 structure is cut short.');
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + b[at + i]!;
    if (size === 8 && v === 2 ** 64 - 1) return Number.MAX_SAFE_INTEGER; // the undefined address
    return v;
  }
}
