import { SeLensError } from '../../errors.js';

/**
 * jsfive reads a version-1 B-tree (a group's symbol table, a dataset's chunk index) level by level, reading
 * every child a node lists: a forged tree whose nodes list the same child twice, level after level, makes
 * that 2^depth reads, a hang. Before jsfive opens a group or decodes chunks, its tree is walked here once,
 * each node at most once: a node reached twice (shared or looping) is refused, so jsfive's walk stays linear.
 */

const SYMBOL_TABLE_MESSAGE = 0x0011;
const CONTINUATION_MESSAGE = 0x0010;
const UNDEFINED = 2n ** 64n - 1n;
const TREE = 0x45455254; // "TREE", little-endian
/** Version-1 object header: prefix size, and each message's own header (type, size, flags, reserved). */
const V1_PREFIX = 16;
const V1_MESSAGE_HEADER = 8;

export class BTreeGuard {
  private readonly view: DataView;
  /** Trees already walked, by root address. */
  private readonly checked = new Set<number>();

  constructor(buffer: ArrayBuffer) {
    this.view = new DataView(buffer);
  }

  /** The root group's tree, before jsfive opens the file: its object header address is in the superblock. */
  checkRoot(): void {
    const version = this.view.getUint8(8);
    // Superblock 0: the root's symbol table entry follows four addresses, its header address after the name offset; 2 and 3: after three addresses.
    const header = version === 0 ? 24 + 4 * 8 + 8 : version === 2 || version === 3 ? 12 + 3 * 8 : undefined;
    if (header === undefined || header + 8 > this.view.byteLength) return;
    this.checkGroup(this.address(header), 'the root group');
  }

  /** A group's symbol-table tree (groups of link messages have none). */
  checkGroup(headerAddress: number, what: string): void {
    const tree = this.symbolTableTree(headerAddress);
    // Group nodes key on a heap offset: 8 bytes.
    if (tree !== undefined) this.checkTree(tree, 8, what);
  }

  /** A chunked dataset's index (layout version 3): keys hold chunk size, filter mask and `dims` offsets. */
  checkChunks(tree: number, dims: number, what: string): void {
    this.checkTree(tree, 4 + 4 + 8 * dims, what);
  }

  private checkTree(root: number, keySize: number, what: string): void {
    if (this.checked.has(root)) return;
    const seen = new Set<number>();
    const pending = [root];
    while (pending.length) {
      const at = pending.pop()!;
      if (seen.has(at)) throw new SeLensError('corrupt', `The HDF5 file's index of ${what} reaches one node twice (B-tree node ${at}): a loop or a forged tree.`);
      seen.add(at);
      if (at + 24 > this.view.byteLength || this.view.getUint32(at, true) !== TREE) continue;
      const level = this.view.getUint8(at + 5);
      const entries = this.view.getUint16(at + 6, true);
      if (level === 0) continue;
      for (let i = 0; i < entries; i++) {
        const child = at + 24 + i * (keySize + 8) + keySize;
        if (child + 8 > this.view.byteLength) break;
        pending.push(this.address(child));
      }
    }
    this.checked.add(root);
  }

  /** The B-tree address of a version-1 object header's symbol table message, following continuation blocks. */
  private symbolTableTree(header: number): number | undefined {
    if (header + V1_PREFIX > this.view.byteLength || this.view.getUint8(header) !== 1) return undefined;
    let messages = this.view.getUint16(header + 2, true);
    const blocks: [number, number][] = [[header + V1_PREFIX, this.view.getUint32(header + 8, true)]];
    const visited = new Set<number>();
    while (blocks.length && messages > 0) {
      const [start, length] = blocks.shift()!;
      if (visited.has(start)) continue;
      visited.add(start);
      for (let at = start; at + V1_MESSAGE_HEADER <= Math.min(start + length, this.view.byteLength) && messages > 0; messages--) {
        const type = this.view.getUint16(at, true);
        const size = this.view.getUint16(at + 2, true);
        const body = at + V1_MESSAGE_HEADER;
        if (body + 16 <= this.view.byteLength) {
          if (type === SYMBOL_TABLE_MESSAGE) return this.address(body);
          if (type === CONTINUATION_MESSAGE) blocks.push([this.address(body), this.address(body + 8)]);
        }
        at = body + size;
      }
    }
    return undefined;
  }

  private address(at: number): number {
    const v = this.view.getBigUint64(at, true);
    return v === UNDEFINED || v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
}
