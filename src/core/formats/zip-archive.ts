import type { Entry, FileEntry, Reader } from '@zip.js/zip.js/lib/zip-core-custom.js';
import { SeLensError } from '../errors.js';
import type { ByteSource } from '../onnx/byte-source.js';

/**
 * A zip archive read by zip.js over a random-access byte source: zip.js reads the end records and the
 * central directory through `readUint8Array(offset, length)`, so opening a 228 MB checkpoint reads 140 KB
 * of it (the last 64 KB, scanned twice for the end records, and the directory). Stored entries (PyTorch's
 * miniz and Keras write their payloads stored) are left in the file as byte ranges, located through their
 * 30-byte local header; small entries are read whole, through zip.js's inflater when they are deflated.
 */
export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated. */
  readonly method: number;
  /** Uncompressed. */
  readonly size: number;
  readonly localHeaderOffset: number;
}

const LOCAL_HEADER = 0x04034b50;
const LOCAL_HEADER_LENGTH = 30;

type ZipJs = typeof import('@zip.js/zip.js/lib/zip-core-custom.js');
let zipJs: Promise<ZipJs> | undefined;

/**
 * zip.js, loaded when the first archive is opened: initialising it takes tens of milliseconds, which the
 * extension's activation and every ONNX or TF.js read would otherwise pay. Its core without bundled codecs
 * (`zip-core-custom`): it inflates with the platform's `DecompressionStream('deflate-raw')` (Node 20,
 * browsers), on the calling thread, since the core runs in the extension host, the browser and the webview
 * alike: no web workers.
 */
function loadZipJs(): Promise<ZipJs> {
  zipJs ??= import('@zip.js/zip.js/lib/zip-core-custom.js').then((z) => {
    z.configure({ useWebWorkers: false });
    return z;
  });
  return zipJs;
}

/** Checks the local-header magic only; `ZipArchive.open` says whether the rest is a readable archive. */
export function isZip(source: ByteSource): boolean {
  const head = source.read(0, 4);
  return head.length === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}

/** zip.js's view of our byte source: only the ranges zip.js asks for are read. */
function byteSourceReader(z: ZipJs, source: ByteSource, label: string): Reader<ByteSource> {
  class ByteSourceReader extends z.Reader<ByteSource> {
    constructor() {
      super(source);
      this.size = source.size;
    }

    override async readUint8Array(index: number, length: number): Promise<Uint8Array> {
      if (index < 0 || length < 0 || index + length > source.size) throw new SeLensError('truncated', `The ${label} points past its end (offset ${index}); a truncated file?`);
      return source.read(index, length);
    }
  }
  return new ByteSourceReader();
}

export class ZipArchive {
  private constructor(
    private readonly z: ZipJs,
    private readonly source: ByteSource,
    private readonly label: string,
    readonly entries: ReadonlyMap<string, ZipEntry>,
    private readonly files: ReadonlyMap<string, FileEntry>,
  ) {}

  /** Reads the central directory; a truncated or damaged archive is one `SeLensError` line. */
  static async open(source: ByteSource, label = 'zip archive'): Promise<ZipArchive> {
    const z = await loadZipJs();
    let listed: Entry[];
    try {
      listed = await new z.ZipReader(byteSourceReader(z, source, label)).getEntries();
    } catch (e) {
      throw zipError(z, e, label);
    }
    const entries = new Map<string, ZipEntry>();
    const files = new Map<string, FileEntry>();
    for (const e of listed) {
      if (e.directory) continue;
      entries.set(e.filename, { name: e.filename, method: e.compressionMethod, size: e.uncompressedSize, localHeaderOffset: e.offset });
      files.set(e.filename, e);
    }
    return new ZipArchive(z, source, label, entries, files);
  }

  /**
   * The byte range of a stored entry's contents, checked against the file's size: the local header's own
   * name and extra lengths (which may differ from the directory's) say where the data starts.
   */
  range(name: string): { offset: number; length: number } {
    const entry = this.entry(name);
    if (entry.method !== 0) throw new SeLensError('unsupported', `Entry "${name}" of the ${this.label} is compressed (method ${entry.method}); its contents cannot be left in place in the file.`);
    if (entry.localHeaderOffset + LOCAL_HEADER_LENGTH > this.source.size) throw new SeLensError('truncated', `Entry "${name}" of the ${this.label} points past its end (offset ${entry.localHeaderOffset}); a truncated file?`);
    const local = this.source.read(entry.localHeaderOffset, LOCAL_HEADER_LENGTH);
    const view = new DataView(local.buffer, local.byteOffset, local.byteLength);
    if (view.getUint32(0, true) !== LOCAL_HEADER) throw new SeLensError('corrupt', `Entry "${name}" of the ${this.label} does not start where the directory says.`);
    const offset = entry.localHeaderOffset + LOCAL_HEADER_LENGTH + view.getUint16(26, true) + view.getUint16(28, true);
    if (offset + entry.size > this.source.size) throw new SeLensError('truncated', `Entry "${name}" runs past the end of the ${this.label} (a truncated file?).`);
    return { offset, length: entry.size };
  }

  /** An entry's contents in memory: stored ones straight from the source, deflated ones inflated by zip.js. */
  async read(name: string, limit = 512 * 1024 * 1024): Promise<Uint8Array> {
    const entry = this.entry(name);
    if (entry.size > limit) throw new SeLensError('too-large', `Entry "${name}" of the ${this.label} is ${entry.size} bytes, beyond what is read into memory.`);
    if (entry.method === 0) {
      const { offset, length } = this.range(name);
      return this.source.read(offset, length);
    }
    try {
      return await this.files.get(name)!.getData(new this.z.Uint8ArrayWriter());
    } catch (e) {
      throw zipError(this.z, e, this.label);
    }
  }

  private entry(name: string): ZipEntry {
    const entry = this.entries.get(name);
    if (!entry) throw new SeLensError('corrupt', `The ${this.label} has no entry "${name}".`);
    return entry;
  }
}

function zipError(z: ZipJs, e: unknown, label: string): SeLensError {
  if (e instanceof SeLensError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (message === z.ERR_EOCDR_NOT_FOUND) return new SeLensError('truncated', `The ${label} has no end-of-directory record (a truncated file?).`);
  return new SeLensError('corrupt', `The ${label} is damaged: ${message.split('\n')[0]}.`);
}
