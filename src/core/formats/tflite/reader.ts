import { SeLensError } from '../../errors.js';
import { numel, type Dim, type Model, type PayloadRef, type StoredLayout, type TensorConst } from '../../ir/graph.js';
import { bytesSource, type ByteSource } from '../../onnx/byte-source.js';
import { decodeRaw, dtypeSize } from '../../onnx/dtypes.js';
import { NhwcBuilder } from '../nhwc-builder.js';
import { loadStoredValues, permute } from '../stored-values.js';
import { densify } from './densify.js';
import { BuiltinOptions } from './generated/tflite/builtin-options.js';
import { parseTflite, type TfliteModel, type TfliteTensor } from './tflite-model.js';
import { CUSTOM_OPS, TFLITE_OPS, type TfliteOpContext } from './tflite-ops.js';

/** Constants up to this many elements are decoded with the structure (shapes, axes, sizes). */
const SMALL_ELEMENTS = 64;
/** A TFLite file is one FlatBuffer read whole; beyond 2 GB its buffers move outside it, which this reader does not follow. */
const MAX_BYTES = 2 ** 31;

/**
 * A `.tflite` model (FlatBuffers, schema `tflite`, identifier `TFL3`): the main subgraph's operators as
 * ONNX ops in NHWC. Constant tensors stay in the file as payload references; a `DEQUANTIZE` of a constant
 * (float16 or int8 weights) is followed to the float weight it stands for, so the convolutions read it
 * directly, and quantised constants are dequantised on demand.
 */
export function readTflite(source: ByteSource, name = 'model'): Model {
  if (source.size > MAX_BYTES) throw new SeLensError('too-large', `The TFLite file is ${source.size} bytes; files over 2 GB are not read.`);
  const bytes = source.read(0, source.size);
  return new TfliteConverter(parseTflite(bytes), bytes, name).run();
}

class TfliteConverter {
  private readonly b: NhwcBuilder;
  private readonly names: string[];
  /** Tensor index → the tensor index it forwards (a DEQUANTIZE of a constant, a QUANTIZE). */
  private readonly forwards = new Map<number, number>();
  private readonly materialized = new Map<string, string>();

  constructor(private readonly m: TfliteModel, private readonly bytes: Uint8Array, name: string) {
    this.b = new NhwcBuilder(name);
    const used = new Set<string>();
    this.names = m.tensors.map((t) => {
      const unique = used.has(t.name) ? `${t.name}:${t.index}` : t.name;
      used.add(unique);
      return unique;
    });
  }

  run(): Model {
    for (const i of this.m.inputs) {
      const t = this.tensor(i);
      const shape: Dim[] = t.shape.map((d, k) => ((t.signature?.[k] ?? d) >= 0 ? d : k === 0 ? 'N' : `${this.names[i]}:${k}`));
      // A quantised input (a full-integer model converted without a QUANTIZE at its edge) is fed in real
      // units: SE Lens runs the network dequantised, in float.
      const quantised = t.quantization !== undefined && ['int8', 'uint8', 'int16'].includes(t.dtype);
      this.b.addInput(this.names[i]!, t.dtype === 'unknown' || quantised ? 'float32' : t.dtype, shape);
    }
    this.m.operators.forEach((op, index) => {
      const outName = op.outputs[0] !== undefined && op.outputs[0] >= 0 ? this.names[op.outputs[0]] : undefined;
      const path = outName ?? `op_${index}`;
      const scope = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : path;
      const convert = op.custom !== undefined ? CUSTOM_OPS[op.custom] : TFLITE_OPS[op.builtin];
      if (convert?.forwardsConstant && this.isConstant(op.inputs[0]) && op.outputs[0] !== undefined) {
        this.forwards.set(op.outputs[0], this.resolveIndex(op.inputs[0]!));
        return;
      }
      this.b.within(path, convert?.kind ?? (op.custom ?? `builtin_${op.builtin}`), () => {
        const ctx = this.context(op, index);
        try {
          if (!convert) ctx.fail(op.custom ? `custom op ${op.custom} is not mapped` : `builtin operator ${op.builtin} is not mapped`);
          convert!.convert(ctx);
        } catch (e) {
          if (!(e instanceof UnmappedOperator)) throw e;
          const inputs = op.inputs.filter((i) => i >= 0 && i < this.m.tensors.length && (this.isConstant(i) || this.b.graph.values.has(this.names[i]!))).map((i) => this.input(i));
          this.b.node('Unknown', inputs, {}, op.outputs.filter((o) => o >= 0 && o < this.names.length).map((o) => this.names[o]!), e.message);
        }
      }, scope);
    });
    for (const o of this.m.outputs) {
      const name = this.names[o];
      if (name && this.b.graph.values.has(name)) this.b.addOutput(name);
    }
    const more = this.m.subgraphs > 1 ? `; ${this.m.subgraphs} subgraphs, the first read` : '';
    return this.b.finish(`TFLite (schema version ${this.m.version}${this.m.description ? `, ${this.m.description}` : ''}${more})`);
  }

  private tensor(i: number): TfliteTensor {
    const t = this.m.tensors[i];
    if (!t) throw new SeLensError('corrupt', `The TFLite model is corrupt: an operator names tensor ${i}, which does not exist.`);
    return t;
  }

  private resolveIndex(i: number): number {
    let at = i;
    for (let hop = 0; hop < 16 && this.forwards.has(at); hop++) at = this.forwards.get(at)!;
    return at;
  }

  private isConstant(i: number | undefined): boolean {
    if (i === undefined || i < 0) return false;
    const t = this.tensor(this.resolveIndex(i));
    return (this.m.buffers[t.buffer]?.length ?? 0) > 0;
  }

  private context(op: TfliteModel['operators'][number], index: number): TfliteOpContext {
    const fail = (why: string): never => {
      throw new UnmappedOperator(why);
    };
    return {
      b: this.b,
      options: (tag, table) => {
        if (op.optionsType === BuiltinOptions.NONE) return undefined;
        if (op.optionsType !== tag) fail(`operator ${index} carries ${BuiltinOptions[op.optionsType] ?? `options of type ${op.optionsType}`} where ${BuiltinOptions[tag]} belong`);
        return op.readOptions(table);
      },
      inputCount: op.inputs.length,
      has: (k) => (op.inputs[k] ?? -1) >= 0,
      output: (k = 0) => {
        const o = op.outputs[k];
        if (o === undefined || o < 0) return fail(`operator ${index} lacks output ${k}`);
        this.tensor(o);
        return this.names[o]!;
      },
      input: (k) => {
        const i = op.inputs[k];
        if (i === undefined || i < 0) return fail(`operator ${index} lacks input ${k}`);
        return this.input(i);
      },
      shape: (k) => {
        const i = op.inputs[k];
        return i === undefined || i < 0 ? undefined : this.tensor(this.resolveIndex(i)).shape;
      },
      outputShape: (k = 0) => {
        const o = op.outputs[k];
        return o === undefined || o < 0 ? undefined : this.tensor(o).shape;
      },
      constant: (k) => {
        const i = op.inputs[k];
        if (i === undefined || i < 0 || !this.isConstant(i)) return undefined;
        const values = this.constTensor(this.resolveIndex(i), undefined, undefined).values;
        return values ? Array.from(values) : undefined;
      },
      weight: (k, perm, shape) => {
        const i = op.inputs[k];
        if (i === undefined || i < 0) return fail(`operator ${index} lacks input ${k}`);
        if (!this.isConstant(i)) return fail(`input ${k} of operator ${index} is not a constant weight`);
        return this.weight(this.resolveIndex(i), perm, shape);
      },
      fail,
    };
  }

  private input(i: number): string {
    const at = this.resolveIndex(i);
    if (this.isConstant(at)) return this.weight(at);
    const name = this.names[at]!;
    if (!this.b.graph.values.has(name)) throw new UnmappedOperator(`tensor "${name}" is used before any operator writes it`);
    return name;
  }

  private weight(i: number, perm?: readonly number[], shape?: readonly number[]): string {
    const key = `${i}\u0000${perm?.join(',') ?? ''}\u0000${shape?.join(',') ?? ''}`;
    const hit = this.materialized.get(key);
    if (hit) return hit;
    const tensor = this.constTensor(i, perm, shape);
    const name = this.b.addInitializer(perm || shape ? `${this.names[i]}#${perm ? 'oihw' : 'reshaped'}` : this.names[i]!, tensor);
    this.materialized.set(key, name);
    return name;
  }

  /** A constant tensor as the IR holds it: float values for quantised or float16 data, payload in the file. */
  private constTensor(i: number, perm: readonly number[] | undefined, shape: readonly number[] | undefined): TensorConst {
    const t = this.tensor(i);
    const buffer = this.m.buffers[t.buffer]!;
    const count = numel(t.shape);
    const size = dtypeSize(t.dtype);
    if (t.shape.some((d) => d < 0)) throw new SeLensError('corrupt', `The TFLite model is corrupt: constant "${t.name}" has the shape [${t.shape}].`);
    if (t.sparsity) return this.sparseConst(t, perm, shape);
    if (!size || buffer.length < count * size || buffer.offset + buffer.length > this.bytes.length) {
      throw new SeLensError('corrupt', `The TFLite model is corrupt: constant "${t.name}" needs ${count * size} bytes, its buffer holds ${buffer.length}.`);
    }
    const q = t.quantization;
    if (q && q.scale.length > 1 && (t.shape[q.axis] !== q.scale.length || (q.zeroPoint.length > 1 && q.zeroPoint.length !== q.scale.length))) {
      throw new SeLensError('corrupt', `The TFLite model is corrupt: constant "${t.name}" of shape [${t.shape}] has ${q.scale.length} scales and ${q.zeroPoint.length} zero points along axis ${q.axis}.`);
    }
    const dequantised = t.dtype === 'float16' || (q !== undefined && (t.dtype.startsWith('int') || t.dtype.startsWith('uint')) && t.dtype !== 'int64');
    const dtype = dequantised ? 'float32' : t.dtype;
    const stored: StoredLayout = {
      dtype: t.dtype,
      ...(q && dtype === 'float32' && t.dtype !== 'float16' ? { scale: q.scale, offset: q.scale.map((s, k) => -s * (q.zeroPoint[k] ?? q.zeroPoint[0] ?? 0)), ...(q.scale.length > 1 ? { axis: q.axis } : {}) } : {}),
      ...(perm ? { storedShape: [...t.shape], perm: [...perm] } : {}),
    };
    const payload: PayloadRef & { stored: StoredLayout } = { kind: 'embedded', offset: buffer.offset, length: count * size, encoding: 'raw', stored };
    const target = shape ? [...shape] : perm ? perm.map((p) => t.shape[p] ?? 1) : [...t.shape];
    if (numel(target) !== count) throw new UnmappedOperator(`constant "${t.name}" of shape [${t.shape}] cannot be used as [${target}]`);
    const tensor: TensorConst = { dtype, shape: target, payload };
    if (count <= SMALL_ELEMENTS) {
      const values = loadStoredValues(tensor, payload, bytesSource(this.bytes));
      return { ...tensor, values: dtype.startsWith('float') ? values : Array.from(values) };
    }
    return tensor;
  }

  /**
   * A sparse constant, densified and dequantised when the file is read: its kept values sit in traversal
   * order, not at their places, so no payload reference can stand for it. Sparse models are small mobile
   * networks (the sparsity pass exists to shrink them), so reading these few buffers costs little.
   */
  private sparseConst(t: TfliteTensor, perm: readonly number[] | undefined, shape: readonly number[] | undefined): TensorConst {
    const buffer = this.m.buffers[t.buffer]!;
    const size = dtypeSize(t.dtype);
    if (!size || buffer.offset + buffer.length > this.bytes.length) throw new SeLensError('corrupt', `The TFLite model is corrupt: sparse constant "${t.name}" of type ${t.dtype} has no readable buffer.`);
    const kept = decodeRaw(t.dtype, this.bytes.subarray(buffer.offset, buffer.offset + buffer.length));
    let values = densify(kept, t.shape, t.sparsity!, t.name);
    const q = t.quantization;
    const quantised = q !== undefined && (t.dtype.startsWith('int') || t.dtype.startsWith('uint')) && t.dtype !== 'int64';
    if (quantised) {
      if (q.scale.length > 1 && t.shape[q.axis] !== q.scale.length) throw new SeLensError('corrupt', `The TFLite model is corrupt: sparse constant "${t.name}" of shape [${t.shape}] has ${q.scale.length} scales along axis ${q.axis}.`);
      const slice = q.scale.length > 1 ? numel(t.shape.slice(q.axis + 1)) : values.length;
      values = values.map((v, i) => {
        const c = q.scale.length > 1 ? Math.floor(i / slice) % q.scale.length : 0;
        return (v - (q.zeroPoint[q.zeroPoint.length > 1 ? c : 0] ?? 0)) * q.scale[c]!;
      });
    }
    if (perm) values = permute(values, t.shape, perm);
    const target = shape ? [...shape] : perm ? perm.map((p) => t.shape[p] ?? 1) : [...t.shape];
    if (numel(target) !== values.length) throw new UnmappedOperator(`constant "${t.name}" of shape [${t.shape}] cannot be used as [${target}]`);
    const float = quantised || t.dtype === 'float16' || t.dtype.startsWith('float');
    return { dtype: float ? 'float32' : t.dtype, shape: target, values: float ? values : Array.from(values) };
  }
}

class UnmappedOperator extends Error {}
