import { File as Jsfive, type AttrValue as JsfiveAttr, type Dataset, type Group } from 'jsfive';
import { SeLensError, type SeLensErrorCode } from '../../errors.js';
import type { DType } from '../../ir/graph.js';
import type { ByteSource } from '../../onnx/byte-source.js';
import { BTreeGuard } from './hdf5-btree-guard.js';

/**
 * HDF5 through jsfive (a maintained pure-JS reader: superblocks 0, 2 and 3, old- and new-style groups,
 * chunked and gzip-compressed datasets up to layout version 3, i.e. all but libver="latest" chunks), shaped
 * as the Keras readers ask for it: objects by path, their attributes, and datasets located rather than read. A contiguous dataset is its byte range in the file
 * (read when a run needs it); a compact one is the bytes of its header message; a chunked one is decoded by
 * jsfive and held as float32 values. jsfive reads from one ArrayBuffer, so the file is read whole once.
 *
 * jsfive throws strings, TypeErrors and RangeErrors on damaged files; every call into it is wrapped so that
 * a bad file ends in one SeLensError line. The Keras readers follow names from the model's config, never
 * the whole tree, so a group linking back to its parent is not followed round.
 */

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
/** HDF5 "data layout" header message type, and its storage classes. */
const LAYOUT_MESSAGE = 0x0008;
const ATTRIBUTE_INFO_MESSAGE = 0x0015;
const COMPACT = 0;
const CONTIGUOUS = 1;
const CHUNKED = 2;
/** An address of all ones: no storage allocated. */
const UNDEFINED_ADDRESS = 2n ** 64n - 1n;
/** Deflate expands data at most about 1032-fold: a chunked dataset claiming more than that of the file lies. */
const MAX_INFLATE = 1032;
/** Chunked data is decoded into memory (jsfive builds a plain array first): past this it is refused. */
const MAX_CHUNKED_ELEMENTS = 2 ** 27;
/** Soft links followed on one path before it counts as a cycle (HDF5's own default limit, H5L_NUM_LINKS). */
const MAX_SOFT_LINKS = 16;

export type AttrValue = string | number | string[] | number[];

export interface H5Dataset {
  readonly dtype: DType;
  readonly shape: number[];
  /** Contiguous data: its byte range in the file. */
  readonly offset: number;
  readonly length: number;
  /** Compact data (the header's bytes) and chunked data (decoded, float32): the bytes themselves. */
  readonly inline?: Uint8Array;
}

export interface H5Object {
  readonly address: number;
  readonly attrs: ReadonlyMap<string, AttrValue>;
  /** Present for groups: child name → object header address (NaN for a soft link). */
  readonly links?: ReadonlyMap<string, number>;
  readonly dataset?: H5Dataset;
}

export function isHdf5(source: ByteSource): boolean {
  const head = source.read(0, 8);
  return head.length === 8 && SIGNATURE.every((b, i) => head[i] === b);
}

/** numpy-style little-endian type strings as jsfive gives them → IR element types. */
const DTYPES: Readonly<Record<string, DType>> = {
  '<f2': 'float16', '<f4': 'float32', '<f8': 'float64', '|i1': 'int8', '<i1': 'int8', '|u1': 'uint8', '<u1': 'uint8',
  '<i2': 'int16', '<u2': 'uint16', '<i4': 'int32', '<u4': 'uint32', '<i8': 'int64', '<u8': 'uint64',
};
const ITEM_SIZE: Partial<Record<DType, number>> = { float16: 2, float32: 4, float64: 8, int8: 1, uint8: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8 };

export class Hdf5File {
  private readonly buffer: ArrayBuffer;
  private readonly file: Jsfive;
  private readonly btrees: BTreeGuard;
  /** Groups met on the way to objects, by path: jsfive reads a group's links each time it opens one. */
  private readonly groups = new Map<string, Group>();
  private readonly objects = new Map<string, H5Object>();

  constructor(private readonly source: ByteSource) {
    if (!isHdf5(source)) throw new SeLensError('not-onnx', 'Not an HDF5 file (no \\x89HDF signature at its start).');
    const bytes = source.read(0, source.size);
    // jsfive reads an ArrayBuffer from its start: a view into a larger one (a .keras member, a Node Buffer
    // from a pool) is copied out. `new Uint8Array(view)` copies; a Buffer's own `slice` would not.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && Object.prototype.toString.call(bytes.buffer) === '[object ArrayBuffer]';
    this.buffer = whole ? (bytes.buffer as ArrayBuffer) : new Uint8Array(bytes).buffer;
    this.btrees = new BTreeGuard(this.buffer);
    guard('its root group', () => this.btrees.checkRoot());
    this.file = guard('its superblock and root group', () => new Jsfive(this.buffer, ''));
    this.groups.set('', this.file);
  }

  /** An object by path from the root (`model_weights/conv1`). */
  get(path: string): H5Object {
    return this.lookup(path, path, 0);
  }

  /** `path` walked one link at a time; soft links are resolved here (not by jsfive, which recurses without bound). */
  private lookup(asked: string, path: string, hops: number): H5Object {
    const parts = path.split('/').filter(Boolean);
    const key = parts.join('/');
    const cached = this.objects.get(key);
    if (cached) return cached;
    let group: Group = this.file;
    let at = '';
    for (const [i, part] of parts.entries()) {
      const next = at ? `${at}/${part}` : part;
      const known = this.groups.get(next);
      if (known) {
        group = known;
        at = next;
        continue;
      }
      const link = Object.hasOwn(group._links, part) ? group._links[part] : undefined;
      if (link === undefined) throw new MissingPath(`The HDF5 file has no "${shown(asked)}" (missing "${shown(part)}").`);
      if (typeof link === 'string') {
        if (hops >= MAX_SOFT_LINKS) throw new SeLensError('corrupt', `The HDF5 file's soft links on the way to "${shown(asked)}" lead round more than ${MAX_SOFT_LINKS} times (a cycle).`);
        const target = link.startsWith('/') ? link : `${at}/${link}`;
        return this.lookup(asked, [target, ...parts.slice(i + 1)].join('/'), hops + 1);
      }
      const child = guard(`"${shown(next)}"`, () => {
        this.btrees.checkGroup(link, `"${shown(next)}"`);
        return group.get(part);
      });
      if (!child) throw new MissingPath(`The HDF5 file has no "${shown(asked)}" (missing "${shown(part)}").`);
      if (!isGroup(child)) {
        if (i !== parts.length - 1) throw new MissingPath(`The HDF5 file has no "${shown(asked)}" ("${shown(next)}" is a dataset, not a group).`);
        const obj = this.datasetObject(next, child);
        this.objects.set(key, obj);
        return obj;
      }
      this.groups.set(next, child);
      group = child;
      at = next;
    }
    const obj = this.groupObject(key, group);
    this.objects.set(key, obj);
    return obj;
  }

  /** Whether `path` exists; a damaged file on the way is an error, not a "no". */
  has(path: string): boolean {
    try {
      this.get(path);
      return true;
    } catch (e) {
      if (e instanceof MissingPath) return false;
      throw e;
    }
  }

  /** Bytes of a dataset, for the small ones read with the structure. */
  read(d: H5Dataset): Uint8Array {
    return d.inline ?? this.source.read(d.offset, d.length);
  }

  private groupObject(path: string, group: Group): H5Object {
    return guard(`group "${shown(path) || '/'}"`, () => {
      if (this.hasDenseAttributes(group)) {
        throw new SeLensError('unsupported', `HDF5 group "${shown(path) || '/'}" keeps its attributes in dense storage (a fractal heap: libver="latest" with many or large attributes), which is not read.`);
      }
      const links = new Map<string, number>();
      for (const name of group.keys) {
        const target = group._links[name];
        links.set(name, typeof target === 'number' ? target : NaN);
      }
      return { address: group._dataobjects.offset, attrs: attributes(group.attrs), links };
    });
  }

  /**
   * Whether an Attribute Info message points at a fractal heap: jsfive then returns no attributes at all, and
   * a Keras file would look like one without a topology.
   */
  private hasDenseAttributes(group: Group): boolean {
    const view = new DataView(this.buffer);
    return group._dataobjects.find_msg_type(ATTRIBUTE_INFO_MESSAGE).some((m) => {
      const at = m.get('offset_to_message')!;
      // Version, flags, an optional 2-byte maximum creation index, then the fractal heap's address.
      const heap = view.getBigUint64(at + 2 + ((view.getUint8(at + 1) & 1) ? 2 : 0), true);
      return heap !== UNDEFINED_ADDRESS;
    });
  }

  private datasetObject(path: string, d: Dataset): H5Object {
    const what = `dataset "${shown(path)}"`;
    return guard(what, () => {
      const dataset = this.dataset(path, d);
      let attrs: Map<string, AttrValue> | undefined;
      // Decoded when asked: the Keras readers never ask for a dataset's, and jsfive decodes slowly.
      return { address: d._dataobjects.offset, dataset, get attrs() { return (attrs ??= guard(what, () => attributes(d.attrs))); } };
    });
  }

  private dataset(path: string, d: Dataset): H5Dataset {
    const dtype = typeof d.dtype === 'string' ? DTYPES[d.dtype] ?? 'unknown' : 'unknown';
    const shape = [...d.shape];
    const count = shape.reduce((a, b) => a * b, 1);
    const item = ITEM_SIZE[dtype];
    if (!item) return { dtype, shape, offset: 0, length: 0 };
    const view = new DataView(this.buffer);
    const message = d._dataobjects.find_msg_type(LAYOUT_MESSAGE)[0]?.get('offset_to_message');
    if (message === undefined) throw new SeLensError('corrupt', `HDF5 dataset "${shown(path)}" has no data layout message.`);
    const [version, dims, layout, properties] = d._dataobjects._get_data_message_properties(message);
    const length = count * item;
    if (layout === CONTIGUOUS) {
      const address = view.getBigUint64(properties, true);
      if (address === UNDEFINED_ADDRESS) throw new SeLensError('corrupt', `HDF5 dataset "${shown(path)}" has no storage allocated.`);
      const offset = Number(address);
      if (offset + length > this.source.size) throw new SeLensError('truncated', `HDF5 dataset "${shown(path)}" at ${offset} (${length} bytes) lies past the end of the file.`);
      return { dtype, shape, offset, length };
    }
    if (layout === COMPACT && version >= 3) {
      // Layout message v3+: class, then a 2-byte size and the raw data.
      const size = view.getUint16(properties, true);
      if (size < length || properties + 2 + size > this.buffer.byteLength) throw new SeLensError('corrupt', `HDF5 dataset "${shown(path)}" holds ${size} bytes for ${length}.`);
      return { dtype, shape, offset: 0, length, inline: new Uint8Array(this.buffer, properties + 2, length) };
    }
    if (layout === CHUNKED) {
      // Version 4 (libver="latest") indexes chunks by new structures (fixed and extensible arrays, v2 B-trees) jsfive does not read.
      if (version > 3) throw new SeLensError('unsupported', `HDF5 dataset "${shown(path)}" is chunked with a version-${version} layout (h5py libver="latest"), which is not read; chunked datasets of h5py's default format and libver up to "v108" are.`);
      if (!dtype.startsWith('float')) throw new SeLensError('unsupported', `HDF5 dataset "${shown(path)}" is chunked with element type ${dtype}; chunked float datasets are read.`);
      if (length > MAX_INFLATE * this.source.size || count > MAX_CHUNKED_ELEMENTS) {
        throw new SeLensError('corrupt', `HDF5 dataset "${shown(path)}" claims ${count} elements, more than its compressed file of ${this.source.size} bytes can hold.`);
      }
      // Layout 3 starts with the rank (+1), then the index's address; 1 and 2 give the rank in the header.
      const tree = version >= 3 ? properties + 1 : properties;
      this.btrees.checkChunks(Number(view.getBigUint64(tree, true)), version >= 3 ? view.getUint8(properties) : dims ?? 0, `dataset "${shown(path)}"`);
      const values = Float32Array.from(d.value);
      if (values.length !== count) throw new SeLensError('corrupt', `HDF5 dataset "${shown(path)}" decodes to ${values.length} values for shape [${shape}].`);
      return { dtype: 'float32', shape, offset: 0, length: values.byteLength, inline: new Uint8Array(values.buffer) };
    }
    throw new SeLensError('unsupported', `HDF5 dataset "${shown(path)}" uses storage layout ${layout} (version ${version}), which SE Lens does not read.`);
  }
}

/** A name from the file as a message shows it: on one line whatever bytes it holds, and not too long. */
export function shown(name: string): string {
  const line = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** A path the file does not hold: what `has` answers "no" to. */
class MissingPath extends SeLensError {
  constructor(message: string) {
    super('corrupt', message);
  }
}

function isGroup(obj: Group | Dataset): obj is Group {
  return Array.isArray((obj as Group).keys);
}

/** Attributes as the Keras readers use them: text without fixed-length padding, numbers, lists of either. */
function attributes(raw: Record<string, JsfiveAttr>): Map<string, AttrValue> {
  const out = new Map<string, AttrValue>();
  const text = (v: unknown) => (typeof v === 'string' ? v.replace(/\0+$/, '') : v instanceof Uint8Array ? new TextDecoder().decode(v).replace(/\0+$/, '') : undefined);
  for (const [name, v] of Object.entries(raw)) {
    if (typeof v === 'string' || v instanceof Uint8Array) out.set(name, text(v)!);
    else if (typeof v === 'number' || typeof v === 'bigint') out.set(name, Number(v));
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string' || x instanceof Uint8Array)) out.set(name, v.map((x) => text(x)!));
    else if (Array.isArray(v) && v.every((x) => typeof x === 'number' || typeof x === 'bigint')) out.set(name, v.map(Number));
  }
  return out;
}

/** Runs a jsfive call; whatever it throws on a damaged file (strings, TypeError, RangeError) becomes one SeLensError line. */
function guard<T>(what: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof SeLensError) throw e;
    const said = shown((typeof e === 'string' ? e : e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' '));
    const code: SeLensErrorCode = /not ?implemented|unsupported/i.test(said) ? 'unsupported' : e instanceof RangeError ? 'truncated' : 'corrupt';
    const why = e instanceof RangeError ? 'it points past its end; a truncated file?' : said || 'the file is damaged';
    throw new SeLensError(code, `The HDF5 file could not be read at ${what}: ${why}.`);
  }
}
