import { SeLensError } from '../../errors.js';
import { numel, type DType, type PayloadRef, type StoredLayout, type TensorConst } from '../../ir/graph.js';
import type { ByteSource, ExternalDataHost } from '../../onnx/byte-source.js';
import { dtypeSize } from '../../onnx/dtypes.js';
import { bytesSource } from '../../onnx/byte-source.js';
import { loadStoredValues } from '../stored-values.js';

/** One weight of a TF.js `weightsManifest`: where its bytes are and how they decode. */
export interface ManifestWeight {
  readonly name: string;
  /** Values' type after dequantisation (a quantised float32 weight is `float32`). */
  readonly dtype: DType;
  readonly shape: number[];
  /** Absent when no weight files could be opened (structure only). */
  readonly payload: (PayloadRef & { stored: StoredLayout }) | undefined;
  /** Values read with the structure: small tensors only (shape constants, scalars such as `3` and `1/6`). */
  readonly values: Float32Array | number[] | undefined;
}

/** Tensors up to this many elements are read with the structure; larger ones stay lazy. */
const SMALL_ELEMENTS = 64;
const TFJS_DTYPES: Record<string, DType> = { float32: 'float32', int32: 'int32', bool: 'bool', string: 'string', complex64: 'complex64' };
const QUANTIZED: Record<string, DType> = { uint8: 'uint8', uint16: 'uint16', float16: 'float16' };

interface Shard {
  readonly location: string;
  readonly size: number;
}

/**
 * Locates every weight of a manifest in its shard files without reading them: a group's shards are one
 * byte stream cut into files, so a weight may span two files. Paths are the manifest's, relative to the
 * model's folder; the host refuses any that leave it.
 */
export function readWeightsManifest(manifest: unknown, folderHost: ExternalDataHost | undefined): Map<string, ManifestWeight> {
  const host = folderHost && cachedHost(folderHost);
  if (!Array.isArray(manifest)) throw new SeLensError('corrupt', 'The model.json "weightsManifest" is not a list of weight groups.');
  const weights = new Map<string, ManifestWeight>();
  manifest.forEach((group: unknown, g) => {
    const paths = field(group, 'paths');
    const entries = field(group, 'weights');
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string') || !Array.isArray(entries)) {
      throw new SeLensError('corrupt', `Weight group ${g} of model.json has no list of "paths" and "weights".`);
    }
    const shards: Shard[] | undefined = host ? paths.map((p) => ({ location: p, size: host.open(p).size })) : undefined;
    const total = shards?.reduce((n, s) => n + s.size, 0) ?? Infinity;
    const stream = shards && host ? groupStream(shards, host) : undefined;
    let offset = 0;
    for (const entry of entries) {
      const w = manifestEntry(entry, g);
      const length = w.storedDtype === 'string' ? (stream ? stringBytes(stream, offset, numel(w.shape)) : NaN) : numel(w.shape) * dtypeSize(w.storedDtype);
      if (!Number.isFinite(length) && shards) throw new SeLensError('unsupported', `Weight "${w.name}" has type ${w.storedDtype}, which cannot be located.`);
      if (offset + length > total) {
        throw new SeLensError('truncated', `Weight "${w.name}" lies past the end of its weight files (${offset + length} > ${total} bytes): the files are truncated or the manifest is wrong.`);
      }
      const payload = shards && w.dtype !== 'string' ? payloadOf(shards, offset, length, w) : undefined;
      const small = payload && numel(w.shape) <= SMALL_ELEMENTS && host;
      const tensor: TensorConst = { dtype: w.dtype, shape: w.shape };
      const values = small ? loadStoredValues(tensor, payload, bytesSource(new Uint8Array(0)), host) : undefined;
      weights.set(w.name, { name: w.name, dtype: w.dtype, shape: w.shape, payload, values: values && !w.dtype.startsWith('float') ? Array.from(values) : values });
      offset += length;
    }
  });
  return weights;
}

interface Entry {
  readonly name: string;
  readonly dtype: DType;
  readonly storedDtype: DType;
  readonly shape: number[];
  readonly scale: number | undefined;
  readonly min: number | undefined;
}

function manifestEntry(entry: unknown, group: number): Entry {
  const name = field(entry, 'name');
  const dtype = field(entry, 'dtype');
  const shape = field(entry, 'shape');
  if (typeof name !== 'string' || typeof dtype !== 'string' || !Array.isArray(shape)) {
    throw new SeLensError('corrupt', `A weight of group ${group} in model.json lacks a name, dtype or shape.`);
  }
  if (!shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new SeLensError('corrupt', `Weight "${name}" has an invalid shape ${JSON.stringify(shape)}.`);
  const irType = TFJS_DTYPES[dtype];
  if (!irType) throw new SeLensError('unsupported', `Weight "${name}" has type "${dtype}", which TF.js does not write.`);
  const q = field(entry, 'quantization');
  if (q === undefined) return { name, dtype: irType, storedDtype: irType, shape, scale: undefined, min: undefined };
  const qType = QUANTIZED[String(field(q, 'dtype'))];
  if (!qType) throw new SeLensError('unsupported', `Weight "${name}" is quantised as "${String(field(q, 'dtype'))}", which is not a TF.js quantisation.`);
  const scale = field(q, 'scale');
  const min = field(q, 'min');
  if (qType !== 'float16' && (typeof scale !== 'number' || typeof min !== 'number')) {
    throw new SeLensError('corrupt', `Weight "${name}" is quantised to ${qType} without a scale and min.`);
  }
  return { name, dtype: irType, storedDtype: qType, shape, scale: typeof scale === 'number' ? scale : undefined, min: typeof min === 'number' ? min : undefined };
}

function payloadOf(shards: Shard[], offset: number, length: number, w: Entry): PayloadRef & { stored: StoredLayout } {
  const spans: { location: string; offset: number; length: number }[] = [];
  let start = 0;
  for (const s of shards) {
    const end = start + s.size;
    const from = Math.max(offset, start);
    const to = Math.min(offset + length, end);
    if (to > from || (length === 0 && offset >= start && offset <= end && spans.length === 0)) spans.push({ location: s.location, offset: from - start, length: to - from });
    start = end;
  }
  const first = spans[0]!;
  const stored: StoredLayout = {
    dtype: w.storedDtype,
    ...(w.scale !== undefined ? { scale: [w.scale], offset: [w.min ?? 0] } : {}),
    ...(spans.length > 1 ? { spans } : {}),
  };
  return { kind: 'external', location: first.location, offset: first.offset, length: first.length, encoding: 'raw', stored };
}

/** Each shard opened once, however many weights and small reads touch it. */
function cachedHost(host: ExternalDataHost): ExternalDataHost {
  const open = new Map<string, ByteSource>();
  return {
    open(location) {
      let source = open.get(location);
      if (!source) {
        source = host.open(location);
        open.set(location, source);
      }
      return source;
    },
  };
}

/** The group's shards as one byte source, for the few reads that must look inside (string weights). */
function groupStream(shards: Shard[], host: ExternalDataHost): ByteSource {
  const total = shards.reduce((n, s) => n + s.size, 0);
  return {
    size: total,
    read(offset, length) {
      const out: number[] = [];
      let start = 0;
      for (const s of shards) {
        const from = Math.max(offset, start);
        const to = Math.min(offset + length, start + s.size);
        if (to > from) out.push(...host.open(s.location).read(from - start, to - from));
        start += s.size;
      }
      return Uint8Array.from(out);
    },
  };
}

/** TF.js writes each string as a 4-byte little-endian length and its bytes. */
function stringBytes(stream: ByteSource, offset: number, count: number): number {
  let at = offset;
  for (let i = 0; i < count; i++) {
    const head = stream.read(at, 4);
    if (head.length < 4) return NaN;
    at += 4 + new DataView(head.buffer, head.byteOffset, 4).getUint32(0, true);
    if (at > stream.size) return NaN;
  }
  return at - offset;
}

export function field(value: unknown, key: string): unknown {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[key] : undefined;
}
