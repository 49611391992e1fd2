import { SeLensError } from '../../errors.js';
import { numel } from '../../ir/graph.js';
import type { TfliteSparsity } from './tflite-model.js';

/**
 * The dense values of a sparse TFLite constant, as the DENSIFY kernel computes them
 * (tensorflow/lite/kernels/internal/utils/sparsity_format_converter.cc, `SparseToDense`): the traversal
 * visits dense levels in full and compressed levels through their CSR segments, and each leaf takes the next
 * stored value. Every index is checked, so forged metadata is a one-line error, not a stray write or a
 * runaway walk (at most one step per element and level).
 */
/** Dense values a sparse constant may expand to (128 MiB of float32): beyond any mobile model's layer. */
const MAX_DENSE = 2 ** 25;
/** Traversal levels a sparse constant may have: TFLite's are a tensor's dims plus its block dims (8 at most in practice). */
const MAX_LEVELS = 16;

export function densify(stored: ArrayLike<number>, shape: readonly number[], sparsity: TfliteSparsity, name: string): Float32Array {
  const corrupt = (why: string): never => {
    throw new SeLensError('corrupt', `The TFLite model is corrupt: sparse constant "${name}" ${why}.`);
  };
  const rank = shape.length;
  const { traversalOrder: order, blockMap, levels } = sparsity;
  if (order.length !== levels.length || order.length !== rank + blockMap.length) corrupt(`has ${levels.length} sparsity levels for ${rank} dims and ${blockMap.length} blocks`);
  // The walk recurses once per level: a forged count of levels must not reach the stack's limit.
  if (levels.length > MAX_LEVELS) corrupt(`has ${levels.length} sparsity levels, more than the ${MAX_LEVELS} SE Lens reads`);
  if (new Set(order).size !== order.length || order.some((o) => !Number.isInteger(o) || o < 0 || o >= order.length)) corrupt('has a traversal order that is not a permutation of its levels');
  // Block dim j splits dense dim blockMap[j] into blocks of the size its own level gives.
  const blockSize = blockMap.map((dim, j) => {
    const size = levels[order[rank + j]!]?.size ?? 0;
    if (dim < 0 || dim >= rank || size <= 0 || shape[dim]! % size !== 0) corrupt(`splits dim ${dim} into blocks of ${size}`);
    return size;
  });
  const size = numel(shape);
  if (!Number.isSafeInteger(size) || size > MAX_DENSE) throw new SeLensError('too-large', `Sparse constant "${name}" would densify to ${size} values; SE Lens densifies at most ${MAX_DENSE}.`);
  const strides = shape.map((_, d) => numel(shape.slice(d + 1)));
  const dense = new Float32Array(size);
  const index = new Array<number>(levels.length).fill(0);
  let next = 0;

  const leaf = (): void => {
    const original = new Array<number>(rank).fill(0);
    for (let level = 0; level < rank; level++) original[order[level]!] = index[level]!;
    for (let level = rank; level < levels.length; level++) {
      const block = order[level]! - rank;
      const dim = blockMap[block];
      if (dim === undefined) corrupt(`orders level ${level} as block ${block}, which does not exist`);
      original[dim!] = original[dim!]! * blockSize[block]! + index[level]!;
    }
    let at = 0;
    for (let d = 0; d < rank; d++) {
      if (original[d]! >= shape[d]!) corrupt(`puts a value at index ${original[d]} of dim ${d}, of size ${shape[d]}`);
      at += original[d]! * strides[d]!;
    }
    if (next >= stored.length) corrupt(`needs more values than its buffer's ${stored.length}`);
    dense[at] = stored[next++]!;
  };

  // A valid traversal has at most one position per element on each level.
  let steps = (levels.length + 1) * dense.length + 1;
  const visit = (level: number, parent: number): void => {
    if (--steps < 0) corrupt(`describes a traversal longer than its ${dense.length} elements allow`);
    if (level === levels.length) return leaf();
    const meta = levels[level]!;
    if (meta.dense) {
      for (let i = 0; i < meta.size; i++) {
        index[level] = i;
        visit(level + 1, parent * meta.size + i);
      }
      return;
    }
    const from = meta.segments[parent];
    const to = meta.segments[parent + 1];
    if (from === undefined || to === undefined || from > to || to > meta.indices.length) corrupt(`has CSR segments that do not fit its ${meta.indices.length} indices`);
    for (let i = from!; i < to!; i++) {
      index[level] = meta.indices[i]!;
      visit(level + 1, i);
    }
  };
  visit(0, 0);
  return dense;
}
