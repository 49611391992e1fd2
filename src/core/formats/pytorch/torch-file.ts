import { SeLensError } from '../../errors.js';
import type { PayloadRef, TensorConst } from '../../ir/graph.js';
import type { ByteSource } from '../../onnx/byte-source.js';
import { dtypeSize } from '../../onnx/dtypes.js';
import { ZipArchive, isZip } from '../zip-archive.js';
import { unpickle, type Unpickled } from './pickle.js';
import { TORCH_RECONSTRUCTORS, TorchTensor, torchPersistentLoad, type TorchStorage } from './torch-pickle.js';
import { allModules, readModuleTree, type TorchModule } from './module-tree.js';

/** What a `.pt` / `.pth` / `.bin` holds, as far as it can be read without running it. */
export interface TorchFile {
  readonly container: 'zip' | 'legacy';
  /** `state-dict`: a bare state dict; `checkpoint`: a dict holding one under `stateDictKey`; `module`: a whole pickled `nn.Module`; `torchscript`: a scripted/traced archive. */
  readonly kind: 'state-dict' | 'checkpoint' | 'module' | 'torchscript' | 'other';
  readonly stateDictKey?: string;
  /** Tensor name → its weight, bytes located in the file (not read). Empty when none was found. */
  readonly tensors: ReadonlyMap<string, TensorConst>;
  /** The module tree of a whole pickled module or TorchScript archive. */
  readonly module?: TorchModule;
  /** What could not be read, and why, one line each. */
  readonly notes: readonly string[];
}

/** Keys under which training scripts keep the state dict in a checkpoint dict, in the order tried. */
const STATE_DICT_KEYS = ['state_dict', 'model_state_dict', 'model', 'state_dict_ema', 'model_ema', 'ema', 'net', 'network', 'module', 'weights', 'params'];

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const MAX_PICKLE_BYTES = 256 * 1024 * 1024;

export function isLegacyTorch(source: ByteSource): boolean {
  const head = source.read(0, 2);
  return head[0] === 0x80 && head[1] !== undefined && head[1] <= 5;
}

/** The pickle of a PyTorch zip archive (`data.pkl`, or `<name>/data.pkl` as torch.save writes it). */
export function torchPickleEntry(zip: ZipArchive): string | undefined {
  return [...zip.entries.keys()].find((n) => n === 'data.pkl' || /^[^/]+\/data\.pkl$/.test(n));
}

/** A PyTorch file; `zip` when the caller has already opened the archive (to tell it from a `.keras` one). */
export async function readTorchFile(source: ByteSource, zip?: ZipArchive): Promise<TorchFile> {
  if (zip) return readZip(zip);
  if (isZip(source)) return readZip(await ZipArchive.open(source, 'PyTorch archive'));
  if (isLegacyTorch(source)) return readLegacy(source);
  throw new SeLensError('unsupported', 'Not a PyTorch file: neither a zip archive nor a pickle.');
}

async function readZip(zip: ZipArchive): Promise<TorchFile> {
  const pkl = torchPickleEntry(zip);
  if (!pkl) throw new SeLensError('unsupported', 'This zip archive is not a PyTorch file (no data.pkl).');
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  const isScript = [...zip.entries.keys()].some((n) => n.startsWith(`${prefix}code/`)) || zip.entries.has(`${prefix}constants.pkl`);
  const main = unpickle(await zip.read(pkl, MAX_PICKLE_BYTES), { reconstructors: TORCH_RECONSTRUCTORS, persistentLoad: (id) => torchPersistentLoad(id, false) });
  const locate = (storage: TorchStorage) => zip.range(`${prefix}data/${storage.key}`);
  return interpret(main, locate, 'zip', isScript);
}

/**
 * The legacy stream: pickled magic number, protocol version and system info, the object, the list of
 * storage keys, then each storage as an 8-byte element count followed by its bytes, in that list's order.
 */
function readLegacy(source: ByteSource): TorchFile {
  const plain = { reconstructors: new Map() };
  const torch = { reconstructors: TORCH_RECONSTRUCTORS, persistentLoad: (id: unknown) => torchPersistentLoad(id, true) };
  const magic = unpickleAt(source, 0, plain);
  if (magic.value !== Number(LEGACY_MAGIC) && magic.value !== LEGACY_MAGIC) {
    // A plain pickle (not torch.save): read it as data, no storages.
    return interpret(unpickleAt(source, 0, torch), () => {
      throw new SeLensError('unsupported', 'This pickle holds tensors but no storage data.');
    }, 'legacy', false);
  }
  const protocol = unpickleAt(source, magic.end, plain);
  const sysInfo = unpickleAt(source, protocol.end, plain);
  const main = unpickleAt(source, sysInfo.end, torch);
  const keys = unpickleAt(source, main.end, plain);
  const ranges = new Map<string, { offset: number; length: number }>();
  const dtypes = storageDtypes(main.value);
  let at = keys.end;
  for (const key of Array.isArray(keys.value) ? keys.value.map(String) : []) {
    const sizeBytes = source.read(at, 8);
    if (sizeBytes.length < 8) throw new SeLensError('truncated', `The PyTorch file ends before storage ${key} (a truncated file?).`);
    const count = Number(new DataView(sizeBytes.buffer, sizeBytes.byteOffset, 8).getBigUint64(0, true));
    const length = count * dtypeSize(dtypes.get(key) ?? 'float32');
    if (!Number.isSafeInteger(length) || at + 8 + length > source.size) throw new SeLensError('truncated', `Storage ${key} of the PyTorch file runs past its end (a truncated file?).`);
    ranges.set(key, { offset: at + 8, length });
    at += 8 + length;
  }
  const locate = (storage: TorchStorage) => {
    const r = ranges.get(storage.key);
    if (!r) throw new SeLensError('corrupt', `Storage ${storage.key} is not in the PyTorch file.`);
    return r;
  };
  return interpret(main, locate, 'legacy', false);
}

/**
 * One pickle of a legacy stream, read through a window that grows until the pickle fits: the storages
 * that follow the pickles (most of a checkpoint's bytes) are never read.
 */
function unpickleAt(source: ByteSource, start: number, options: Parameters<typeof unpickle>[1]): Unpickled {
  for (let window = 1 << 20; ; window *= 4) {
    const length = Math.min(source.size - start, window, MAX_PICKLE_BYTES);
    const bytes = source.read(start, length);
    try {
      const r = unpickle(bytes, options);
      return { ...r, end: start + r.end };
    } catch (e) {
      const cut = e instanceof SeLensError && e.code === 'truncated';
      if (!cut || length >= source.size - start) throw e;
      if (length >= MAX_PICKLE_BYTES) throw new SeLensError('too-large', `A pickle in this PyTorch file is larger than ${MAX_PICKLE_BYTES} bytes.`);
    }
  }
}

/** Storage key → element type, from the tensors in the unpickled object (the legacy stream does not repeat it). */
function storageDtypes(root: unknown): Map<string, TorchStorage['dtype']> {
  const out = new Map<string, TorchStorage['dtype']>();
  walk(root, (v) => {
    if (v instanceof TorchTensor) out.set(v.storage.key, v.storage.dtype);
  });
  return out;
}

function walk(root: unknown, visit: (v: unknown) => void): void {
  const seen = new Set<unknown>();
  const stack = [root];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    visit(v);
    if (v instanceof Map) for (const x of v.values()) stack.push(x);
    else if (Array.isArray(v)) stack.push(...v);
    else if ('items' in v && Array.isArray((v as { items: unknown }).items)) stack.push(...(v as { items: unknown[] }).items);
    if (v && typeof v === 'object' && 'state' in v) stack.push((v as { state: unknown }).state);
    if (v && typeof v === 'object' && 'args' in v && Array.isArray((v as { args: unknown }).args)) stack.push(...(v as { args: unknown[] }).args);
  }
}

type Locate = (storage: TorchStorage) => { offset: number; length: number };

function interpret(pickled: Unpickled, locate: Locate, container: TorchFile['container'], isScript: boolean): TorchFile {
  const root = pickled.value;
  const notes: string[] = [];
  const tree = readModuleTree(root, isScript);
  // Module classes are expected calls (their instances are the tree); anything else is worth a word.
  const modules = new Set(tree ? allModules(tree.root).map((m) => m.className) : []);
  const stubbed = [...pickled.stubbed].filter((g) => !modules.has(g) && !(isScript && g.startsWith('__torch__.'))).sort();
  if (stubbed.length) notes.push(`Calls to ${stubbed.join(', ')} were recorded, not run (not on the allow-list of PyTorch reconstructors).`);
  const asTensors = (entries: Iterable<[string, TorchTensor]>) => tensorsOf(entries, locate, notes);
  const direct = stateDictOf(root);
  if (direct) return { container, kind: 'state-dict', tensors: asTensors(direct), notes };
  if (tree) {
    if (isScript) notes.push('TorchScript archive: the weights and module tree are read and SE blocks rebuilt from the modules; the rest of its graph is TorchScript code (code/*.py), which SE Lens does not interpret: pair it with the model\'s source (--weights) for the whole network.');
    return { container, kind: isScript ? 'torchscript' : 'module', tensors: asTensors(tree.tensors), module: tree.root, notes };
  }
  if (root instanceof Map) {
    for (const key of STATE_DICT_KEYS) {
      const inner = root.get(key);
      const sd = stateDictOf(inner);
      if (sd) return { container, kind: 'checkpoint', stateDictKey: key, tensors: asTensors(sd), notes };
      const innerTree = readModuleTree(inner, false);
      if (innerTree) return { container, kind: 'checkpoint', stateDictKey: key, tensors: asTensors(innerTree.tensors), module: innerTree.root, notes };
    }
  }
  notes.push('No state dict, checkpoint dict or module was found in this file.');
  return { container, kind: 'other', tensors: new Map(), notes };
}

/** A dict whose values are all tensors (a state dict), as name/tensor pairs. */
function stateDictOf(v: unknown): [string, TorchTensor][] | undefined {
  if (!(v instanceof Map) || v.size === 0) return undefined;
  const out: [string, TorchTensor][] = [];
  for (const [k, t] of v) {
    if (typeof k !== 'string' || !(t instanceof TorchTensor)) return undefined;
    out.push([k, t]);
  }
  return out;
}

function tensorsOf(entries: Iterable<[string, TorchTensor]>, locate: Locate, notes: string[]): Map<string, TensorConst> {
  const out = new Map<string, TensorConst>();
  for (const [name, t] of entries) {
    const size = dtypeSize(t.storage.dtype);
    const count = t.shape.reduce((a, b) => a * b, 1);
    const layout = storedLayout(t.shape, t.stride);
    if (!layout) {
      notes.push(`${name}: stored with strides [${t.stride.join(',')}] that are no permutation of a dense layout; its values are not read.`);
      out.set(name, { dtype: t.storage.dtype, shape: [...t.shape] });
      continue;
    }
    const range = locate(t.storage);
    const offset = range.offset + t.storageOffset * size;
    const length = count * size;
    if (t.storageOffset * size + length > range.length) throw new SeLensError('corrupt', `Tensor ${name} reaches past the end of its storage.`);
    const payload: PayloadRef = {
      kind: 'embedded', offset, length, encoding: 'raw',
      stored: { dtype: t.storage.dtype, ...(layout.perm ? { storedShape: layout.storedShape, perm: layout.perm } : {}) },
    };
    out.set(name, { dtype: t.storage.dtype === 'float64' || t.storage.dtype === 'float16' || t.storage.dtype === 'bfloat16' ? 'float32' : t.storage.dtype, shape: [...t.shape], payload });
  }
  return out;
}

/** Dense strides in some axis order (a transposed weight): the stored dims and the permutation back. */
function storedLayout(shape: readonly number[], stride: readonly number[]): { storedShape: number[]; perm: number[] | undefined } | undefined {
  const order = shape.map((_, i) => i).sort((a, b) => stride[b]! - stride[a]! || a - b);
  let expect = 1;
  for (let k = order.length - 1; k >= 0; k--) {
    const axis = order[k]!;
    if (shape[axis]! > 1 && stride[axis] !== expect) return undefined;
    expect *= shape[axis]!;
  }
  const identity = order.every((a, i) => a === i);
  if (identity) return { storedShape: [...shape], perm: undefined };
  return { storedShape: order.map((a) => shape[a]!), perm: shape.map((_, i) => order.indexOf(i)) };
}
