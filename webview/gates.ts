/**
 * One block's gate values: rows = samples, cols = channels, row-major. What every view of a matrix needs is
 * computed once per matrix: the value range when the gates arrive (the heatmap's legend reads it on every paint),
 * the channel means and their order on first use (the sorted view, the across-depth plot, prunability).
 */
export class GateMatrix {
  private readonly lo: number;
  private readonly hi: number;
  private means: Float64Array | undefined;
  private byMean: Int32Array | undefined;

  constructor(
    readonly rows: number,
    readonly cols: number,
    readonly values: Float32Array,
  ) {
    if (values.length !== rows * cols) throw new Error(`GateMatrix: ${values.length} values for ${rows}×${cols}.`);
    let lo = Infinity;
    let hi = -Infinity;
    // Indexed, not for-of: V8 runs this about 2.5× faster over typed arrays (2 M values per 1,024 × 2,048 heatmap).
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    this.lo = lo;
    this.hi = hi;
  }

  at(row: number, col: number): number {
    return this.values[row * this.cols + col]!;
  }

  /** Mean over samples, per channel. Computed once; callers read it, never write it. */
  channelMeans(): Float64Array {
    if (!this.means) {
      const means = new Float64Array(this.cols);
      const { rows, cols, values } = this;
      for (let r = 0; r < rows; r++) {
        const start = r * cols;
        for (let c = 0; c < cols; c++) means[c]! += values[start + c]!;
      }
      for (let c = 0; c < cols; c++) means[c]! /= rows;
      this.means = means;
    }
    return this.means;
  }

  /** Population standard deviation over samples, per channel (0 for a single sample). */
  channelSpread(): Float64Array {
    const means = this.channelMeans();
    const spread = new Float64Array(this.cols);
    const { rows, cols, values } = this;
    for (let r = 0; r < rows; r++) {
      const start = r * cols;
      for (let c = 0; c < cols; c++) {
        const d = values[start + c]! - means[c]!;
        spread[c]! += d * d;
      }
    }
    for (let c = 0; c < cols; c++) spread[c] = Math.sqrt(spread[c]! / rows);
    return spread;
  }

  /** Channel indices by descending mean gate (ties by index, so the order is stable). Computed once. */
  channelsByMean(): Int32Array {
    if (!this.byMean) {
      const means = this.channelMeans();
      this.byMean = Int32Array.from({ length: this.cols }, (_, i) => i).sort((a, b) => means[b]! - means[a]! || a - b);
    }
    return this.byMean;
  }

  /** Counts of gate values in `bins` equal bins over [lo, hi]; values outside go to the end bins. */
  histogram(bins: number, lo = 0, hi = 1): Uint32Array {
    const counts = new Uint32Array(bins);
    const width = (hi - lo) / bins;
    const values = this.values;
    for (let i = 0; i < values.length; i++) {
      const b = Math.floor((values[i]! - lo) / width);
      counts[b < 0 ? 0 : b >= bins ? bins - 1 : b]!++;
    }
    return counts;
  }

  min(): number {
    return this.lo;
  }

  max(): number {
    return this.hi;
  }
}

/** How much a block's gate changes with the input; near-constant gates can become a fixed per-channel scale. */
export interface Prunability {
  /** Largest per-channel standard deviation across samples. */
  readonly maxSpread: number;
  readonly meanSpread: number;
  /** true when every channel's spread is below the threshold (needs at least 2 samples). */
  readonly nearConstant: boolean;
  /** false with a single sample: the spread is then meaningless. */
  readonly measurable: boolean;
}

/** Default threshold on the largest channel spread: below it the gate is treated as a constant scale. */
export const NEAR_CONSTANT_SPREAD = 0.02;

export function prunability(gates: GateMatrix, threshold = NEAR_CONSTANT_SPREAD): Prunability {
  const spread = gates.channelSpread();
  let max = 0;
  let sum = 0;
  for (const s of spread) {
    if (s > max) max = s;
    sum += s;
  }
  const measurable = gates.rows >= 2;
  return { maxSpread: max, meanSpread: sum / gates.cols, nearConstant: measurable && max < threshold, measurable };
}
