import type { DType } from '../../ir/graph.js';
import { PyGlobal, PyObject, type Reconstructor } from './pickle.js';

/**
 * What PyTorch's pickles mean, as data: the storage classes, the tensor and parameter reconstructors,
 * `OrderedDict`. This is the whole allow-list; every other global stays an inert `PyGlobal`.
 */

/** A storage named by a persistent id: its bytes are located by the container (zip entry or legacy stream). */
export interface TorchStorage {
  readonly key: string;
  readonly dtype: DType;
  /** Elements, when the persistent id says (zip format); the legacy stream says it again before the bytes. */
  readonly numel: number | undefined;
  /** For a legacy view of a larger storage: where the view starts, in elements. */
  readonly viewOffset: number;
}

export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    public isParameter = false,
  ) {}
}

const STORAGE_DTYPES: Readonly<Record<string, DType>> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', ShortStorage: 'int16', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
};

/** `torch.float32` and its aliases, as a tensor's `dtype` global names them. */
const TORCH_DTYPES: Readonly<Record<string, DType>> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16', bfloat16: 'bfloat16',
  int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int16: 'int16', short: 'int16', int8: 'int8', uint8: 'uint8', bool: 'bool',
};

/** `torch.FloatStorage` → float32; undefined for anything that is not one of PyTorch's storage classes. */
export function storageDtype(g: unknown): DType | undefined {
  if (!(g instanceof PyGlobal) || g.module !== 'torch') return undefined;
  return STORAGE_DTYPES[g.name];
}

/**
 * A persistent id → a storage: `('storage', type, key, location, numel)` in the zip format,
 * `('storage', type, root_key, location, size, (view_key, offset, view_size) | None)` in the legacy one,
 * whose `('module', type, source_file, source)` ids name a pickled class (kept as its `PyGlobal`).
 */
export function torchPersistentLoad(id: unknown, legacy: boolean): unknown {
  const items = Array.isArray(id) ? id : [];
  if (items[0] === 'module') return items[1];
  if (items[0] !== 'storage') return new PyObject(new PyGlobal('persistent', String(items[0])), items);
  const dtype = storageDtype(items[1]) ?? 'unknown';
  const key = String(items[2]);
  if (!legacy) return { key, dtype, numel: typeof items[4] === 'number' ? items[4] : undefined, viewOffset: 0 } satisfies TorchStorage;
  const view = Array.isArray(items[5]) ? items[5] : undefined;
  return { key, dtype, numel: undefined, viewOffset: view && typeof view[1] === 'number' ? view[1] : 0 } satisfies TorchStorage;
}

function isStorage(v: unknown): v is TorchStorage {
  return typeof v === 'object' && v !== null && 'key' in v && 'dtype' in v && 'viewOffset' in v;
}

function ints(v: unknown): readonly number[] | undefined {
  const items: readonly unknown[] | undefined = Array.isArray(v) ? v : v instanceof PyObject && v.cls.qualified === 'torch.Size' ? (Array.isArray(v.args[0]) ? v.args[0] : []) : undefined;
  return items && items.every((x): x is number => typeof x === 'number') ? items : undefined;
}

function rebuildTensor(args: readonly unknown[]): unknown {
  const [storage, offset, size, stride] = args;
  const shape = ints(size);
  const strides = ints(stride);
  if (!isStorage(storage) || typeof offset !== 'number' || !shape || !strides) return new PyObject(new PyGlobal('torch._utils', '_rebuild_tensor_v2'), args);
  return new TorchTensor(storage, offset + storage.viewOffset, shape, strides);
}

function rebuildParameter(args: readonly unknown[]): unknown {
  const data = args[0];
  if (data instanceof TorchTensor) data.isParameter = true;
  return data;
}

/** An inert instance of the class named first, as the stub for that class would make it. */
function instanceOf(args: readonly unknown[]): PyObject {
  const cls = args[0];
  return cls instanceof PyGlobal ? new PyObject(cls, []) : new PyObject(new PyGlobal('copyreg', '_reconstructor'), args);
}

function orderedDict(args: readonly unknown[]): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>();
  const pairs = args[0];
  if (Array.isArray(pairs)) {
    for (const p of pairs) {
      const kv = Array.isArray(p) ? p : [];
      if (kv.length === 2) out.set(kv[0], kv[1]);
    }
  }
  return out;
}

export const TORCH_RECONSTRUCTORS: ReadonlyMap<string, Reconstructor> = new Map<string, Reconstructor>([
  ['collections.OrderedDict', orderedDict],
  ['builtins.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])],
  ['__builtin__.set', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])],
  ['builtins.frozenset', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])],
  ['__builtin__.frozenset', (args) => new Set(Array.isArray(args[0]) ? args[0] : [])],
  // Protocols 0–2 write Python 3 bytes as `_codecs.encode(text, 'latin1')`.
  ['_codecs.encode', (args) => (typeof args[0] === 'string' ? Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff) : new Uint8Array(0))],
  // Protocols 0–1 create an instance as copyreg._reconstructor(cls, object, None), then BUILD its __dict__.
  ['copyreg._reconstructor', instanceOf],
  ['copy_reg._reconstructor', instanceOf],
  ['torch._utils._rebuild_tensor', rebuildTensor],
  ['torch._utils._rebuild_tensor_v2', rebuildTensor],
  // torch ≥ 2.1 for dtypes without a typed storage class: (storage, offset, size, stride, requires_grad, hooks, dtype).
  ['torch._utils._rebuild_tensor_v3', (args) => {
    const dtype = args[6] instanceof PyGlobal && args[6].module === 'torch' ? TORCH_DTYPES[args[6].name] : undefined;
    const storage = args[0];
    return rebuildTensor(dtype && isStorage(storage) ? [{ ...storage, dtype }, ...args.slice(1)] : args);
  }],
  ['torch._utils._rebuild_parameter', rebuildParameter],
  ['torch._utils._rebuild_parameter_with_state', rebuildParameter],
  // Parameter subclasses: (func, new_type, args, state); only an allowed func is applied.
  ['torch._tensor._rebuild_from_type_v2', (args) => {
    const [fn, , inner] = args;
    const build = fn instanceof PyGlobal && fn.qualified !== 'torch._tensor._rebuild_from_type_v2' ? TORCH_RECONSTRUCTORS.get(fn.qualified) : undefined;
    return build && Array.isArray(inner) ? build(inner) : new PyObject(new PyGlobal('torch._tensor', '_rebuild_from_type_v2'), args);
  }],
]);
