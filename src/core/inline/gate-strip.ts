/** What the editor shows for one block's gates: at most `maxCells` cells, each the batch mean of its channels. */
export interface GateStrip {
  readonly cells: Float32Array;
  /** Channels averaged into each cell (1 when C ≤ maxCells). */
  readonly channelsPerCell: number;
  readonly samples: number;
  readonly channels: number;
  readonly min: number;
  readonly mean: number;
  readonly max: number;
}

export const MAX_STRIP_CELLS = 128;

/**
 * Downsamples a samples × channels gate matrix (row-major) to a strip: channel means over the batch,
 * then equal runs of adjacent channels averaged so a 2,048-channel block still fits one editor line.
 */
export function gateStrip(values: Float32Array, samples: number, channels: number, maxCells = MAX_STRIP_CELLS): GateStrip {
  if (samples < 1 || channels < 1 || values.length < samples * channels) {
    throw new RangeError(`gateStrip: ${values.length} values for ${samples} × ${channels}.`);
  }
  const perChannel = new Float64Array(channels);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let s = 0; s < samples; s++) {
    for (let c = 0; c < channels; c++) {
      const v = values[s * channels + c]!;
      perChannel[c]! += v;
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
  }
  const channelsPerCell = Math.ceil(channels / maxCells);
  const count = Math.ceil(channels / channelsPerCell);
  const cells = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const from = i * channelsPerCell;
    const to = Math.min(channels, from + channelsPerCell);
    let acc = 0;
    for (let c = from; c < to; c++) acc += perChannel[c]!;
    cells[i] = acc / samples / (to - from);
  }
  return { cells, channelsPerCell, samples, channels, min, mean: sum / (samples * channels), max };
}
