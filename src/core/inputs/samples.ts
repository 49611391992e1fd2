import { SeLensError } from '../errors.js';
import type { InputSpec, ModelInput } from '../protocol.js';
import { imageToSample } from './image.js';
import { parseNpy } from './npy.js';
import { SeededRandom } from './rng.js';

/** One graph input's values for one `session.run`. */
export interface Feed {
  readonly name: string;
  readonly dims: number[];
  readonly data: Float32Array;
}

/** The samples of one inspection, split into runs when the model's batch size is fixed. */
export interface SamplePlan {
  readonly samples: number;
  readonly runs: Feed[][];
}

/**
 * Builds the input tensors for an `InputSpec`. The first dim of each input is the batch: a symbolic
 * batch takes all samples in one run; a fixed batch `b` (exported models are often batch 1) splits
 * the samples into runs of `b`, so a batch-1 model still gets a heatmap of many samples.
 * Images and `.npy` arrays feed the first input; further inputs get seeded normal values.
 */
export function planSamples(inputs: readonly ModelInput[], spec: InputSpec, layout: 'NCHW' | 'NHWC', imageFit: 'crop' | 'stretch' = 'crop'): SamplePlan {
  if (inputs.length === 0) throw new SeLensError('bad-argument', 'The model has no inputs to feed.');
  const resolved = inputs.map((input) => {
    if (input.dtype !== 'float32') {
      throw new SeLensError('unsupported', `Input ${input.name} is ${input.dtype}; only float32 inputs can be generated.`);
    }
    const [batchDim, ...rest] = input.shape;
    const sampleShape = rest.map((d, i) => {
      // The host sizes every dynamic dim before a run (inputs/sizes.ts); one left here is a bug upstream.
      if (typeof d !== 'number') throw new SeLensError('unsupported', `Input ${input.name} has no size chosen for dim ${i + 1} (${d}); set it in the panel.`);
      return d;
    });
    return { name: input.name, fixedBatch: typeof batchDim === 'number' ? batchDim : undefined, sampleShape };
  });
  const first = resolved[0]!;
  const sampleSize = (s: number[]): number => s.reduce((a, b) => a * b, 1);

  let firstData: Float32Array;
  let samples: number;
  if (spec.kind === 'images') {
    const [h, w, layoutUsed] = imageGeometry(first.sampleShape, layout, first.name);
    samples = spec.images.length;
    firstData = new Float32Array(samples * sampleSize(first.sampleShape));
    spec.images.forEach((im, i) => imageToSample(im, h, w, layoutUsed, firstData, i * sampleSize(first.sampleShape), imageFit));
  } else if (spec.kind === 'npy') {
    const array = parseNpy(spec.bytes);
    const per = sampleSize(first.sampleShape);
    const batched = array.shape.length === first.sampleShape.length + 1;
    const shapeOk = batched
      ? array.shape.slice(1).every((d, i) => d === first.sampleShape[i])
      : array.shape.length === first.sampleShape.length && array.shape.every((d, i) => d === first.sampleShape[i]);
    if (!shapeOk) {
      throw new SeLensError('bad-argument', `${spec.name} has shape [${array.shape.join(', ')}]; input ${first.name} takes [N, ${first.sampleShape.join(', ')}].`);
    }
    samples = batched ? array.shape[0]! : 1;
    if (samples < 1) throw new SeLensError('bad-argument', `${spec.name} holds no samples.`);
    firstData = array.data.subarray(0, samples * per);
  } else {
    samples = spec.batch;
    firstData = new Float32Array(0);
  }

  // A fixed batch b needs a multiple of b samples; random inputs are topped up, files must fit.
  const fixed = first.fixedBatch;
  if (fixed !== undefined && samples % fixed !== 0) {
    if (spec.kind === 'images' || spec.kind === 'npy') {
      throw new SeLensError('bad-argument', `The model takes batches of exactly ${fixed}; ${samples} samples do not divide into them.`);
    }
    samples = Math.ceil(samples / fixed) * fixed;
  }
  const random = new SeededRandom(spec.kind === 'normal' || spec.kind === 'uniform' ? spec.seed : 0);
  const all = resolved.map((input, index) => {
    const data = index === 0 && (spec.kind === 'images' || spec.kind === 'npy') ? firstData : new Float32Array(samples * sampleSize(input.sampleShape));
    if (index === 0 || !(spec.kind === 'images' || spec.kind === 'npy')) {
      if (spec.kind === 'normal') random.fillNormal(data);
      else if (spec.kind === 'uniform') random.fillUniform(data, spec.low, spec.high);
      else if (spec.kind === 'constant') data.fill(spec.value);
    } else {
      random.fillNormal(data);
    }
    return { ...input, data };
  });

  const perRun = fixed ?? samples;
  const runs: Feed[][] = [];
  for (let start = 0; start < samples; start += perRun) {
    runs.push(
      all.map((input) => {
        const size = sampleSize(input.sampleShape);
        return { name: input.name, dims: [perRun, ...input.sampleShape], data: input.data.subarray(start * size, (start + perRun) * size) };
      }),
    );
  }
  return { samples, runs };
}

/** Height, width and channel order of an image input: the dim of size 3 says where the channels are. */
function imageGeometry(sampleShape: number[], layout: 'NCHW' | 'NHWC', name: string): [number, number, 'NCHW' | 'NHWC'] {
  if (sampleShape.length === 3) {
    const [a, b, c] = sampleShape as [number, number, number];
    if (a === 3 && (c !== 3 || layout === 'NCHW')) return [b, c, 'NCHW'];
    if (c === 3) return [a, b, 'NHWC'];
  }
  throw new SeLensError('bad-argument', `Input ${name} of shape [N, ${sampleShape.join(', ')}] is not an RGB image input.`);
}
