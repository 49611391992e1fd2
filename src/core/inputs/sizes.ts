import type { Dim, Model } from '../ir/graph.js';
import { MAX_DIM, type InputSizeChoice, type ModelInput, type SizeSource } from '../protocol.js';

/** `seLens.defaultInputSize`: the last resort for a dynamic dim. */
export interface DefaultInputSize {
  /** Batch dims (axis 0) for shape inference and counts; a run feeds as many samples as asked. */
  readonly batch: number;
  /** Height, width and any other dynamic dim. */
  readonly spatial: number;
}

export const DEFAULT_INPUT_SIZE: DefaultInputSize = { batch: 1, spatial: 224 };

/** What a run surface knows about the sizes to use, strongest first (see `chooseInputSizes`). */
export interface SizeRequest {
  /** The user's values in the panel, by symbol (`H` → 48). */
  readonly panel?: Readonly<Record<string, number>>;
  /** The first picked image, before the resize rule (`imageSize`). */
  readonly image?: { readonly height: number; readonly width: number };
  readonly defaults?: DefaultInputSize;
}

/** Images set H and W at most this large on their longer side (aspect kept). */
const MAX_IMAGE_SIDE = 1024;
/** Image-derived sizes are multiples of this, the largest stride of common backbones. */
const IMAGE_MULTIPLE = 32;

/**
 * The documented resize rule for an image that sets a model's dynamic H and W: scale it down (never
 * up) so its longer side is at most 1024, then round each side to the nearest multiple of 32 (at least
 * 32), so strided and upsampling paths line up. The image is then resized to exactly that size.
 */
export function imageSize(height: number, width: number): { height: number; width: number } {
  const scale = Math.min(1, MAX_IMAGE_SIDE / Math.max(height, width));
  const round = (v: number) => Math.max(IMAGE_MULTIPLE, Math.round((v * scale) / IMAGE_MULTIPLE) * IMAGE_MULTIPLE);
  return { height: round(height), width: round(width) };
}

interface DynamicDim {
  readonly symbol: string;
  readonly input: string;
  readonly axis: number;
  readonly role: InputSizeChoice['role'];
}

/** Each dynamic (non-numeric) dim of the model inputs, once per symbol, with what it stands for. */
function dynamicDims(inputs: readonly ModelInput[], layout: Model['layout']): DynamicDim[] {
  const seen = new Map<string, DynamicDim>();
  for (const input of inputs) {
    const rank = input.shape.length;
    input.shape.forEach((d, axis) => {
      if (typeof d === 'number' || seen.has(d)) return;
      seen.set(d, { symbol: d, input: input.name, axis, role: roleOf(axis, rank, layout) });
    });
  }
  return [...seen.values()];
}

function roleOf(axis: number, rank: number, layout: Model['layout']): InputSizeChoice['role'] {
  if (axis === 0) return 'batch';
  if (rank === 4 && (layout === 'NCHW' ? axis >= 2 : axis === 1 || axis === 2)) return axis === (layout === 'NCHW' ? 2 : 1) ? 'height' : 'width';
  return 'other';
}

/** Model metadata keys that carry an input size (`imgsz` from Ultralytics, `input_size` from timm exports). */
const METADATA_KEYS = ['imgsz', 'input_size', 'image_size', 'img_size'];

/** `[640, 640]`, `640`, `3,224,224` → height and width; `undefined` when the value says nothing usable. */
export function metadataHint(metadata: Readonly<Record<string, string>> | undefined): { height: number; width: number } | undefined {
  if (!metadata) return undefined;
  for (const key of METADATA_KEYS) {
    const text = metadata[key];
    if (text === undefined) continue;
    const numbers = (text.match(/\d+/g) ?? []).map(Number).filter((n) => n > 0 && n <= MAX_DIM);
    if (numbers.length === 1) return { height: numbers[0]!, width: numbers[0]! };
    if (numbers.length >= 2) return { height: numbers[numbers.length - 2]!, width: numbers[numbers.length - 1]! };
  }
  return undefined;
}

/**
 * A value for every dynamic dim, from the first source that has one: the panel, the picked image's
 * size after `imageSize`, a metadata hint, then the default setting. Batch dims take the default batch
 * here (shapes and counts are per sample); a run still feeds as many samples as the user asked.
 */
export function chooseInputSizes(inputs: readonly ModelInput[], layout: Model['layout'], request: SizeRequest, metadata?: Readonly<Record<string, string>>): InputSizeChoice[] {
  const defaults = request.defaults ?? DEFAULT_INPUT_SIZE;
  const image = request.image ? imageSize(request.image.height, request.image.width) : undefined;
  const hint = metadataHint(metadata);
  return dynamicDims(inputs, layout).map((d) => {
    const pick = (value: number, source: SizeSource): InputSizeChoice => ({ ...d, value, source });
    const panel = request.panel?.[d.symbol];
    if (panel !== undefined && Number.isInteger(panel) && panel >= 1 && panel <= MAX_DIM) return pick(panel, 'panel');
    if (d.role === 'height' || d.role === 'width') {
      if (image) return pick(image[d.role], 'image');
      if (hint) return pick(hint[d.role], 'metadata');
    }
    return pick(d.role === 'batch' ? defaults.batch : defaults.spatial, 'setting');
  });
}

/** Input shapes with the chosen values in place; batch dims stay symbolic so a run feeds any number of samples. */
export function sizedInputs<T extends { readonly shape: Dim[] | undefined }>(inputs: readonly T[], choices: readonly InputSizeChoice[]): T[] {
  const values = new Map(choices.filter((c) => c.role !== 'batch').map((c) => [c.symbol, c.value]));
  return inputs.map((i) => ({ ...i, shape: i.shape?.map((d) => (typeof d === 'string' ? values.get(d) ?? d : d)) }));
}
