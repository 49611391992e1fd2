import { SeLensError } from '../errors.js';
import type { DecodedImage } from '../protocol.js';

/** torchvision's ImageNet statistics, in RGB order. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** torchvision's eval transform resizes to 256 before cropping 224: the crop keeps 87.5 % of the short side. */
export const CROP_FRACTION = 0.875;

/**
 * One decoded image → one sample of `height × width × 3` floats. `crop` (a model of fixed size) is
 * torchvision's ImageNet eval transform: resize so the short side is `max(height, width) / 0.875`
 * (bilinear, pixel centres aligned), centre-crop `height × width`. `stretch` (the model's dynamic H and W
 * were taken from the image, see `imageSize`) resizes the whole image to `height × width`. Then scale to
 * 0..1 and normalise with the ImageNet mean and std. Written into `out` at `offset` in NCHW (`C,H,W`)
 * or NHWC (`H,W,C`) order.
 */
export function imageToSample(
  image: DecodedImage,
  height: number,
  width: number,
  layout: 'NCHW' | 'NHWC',
  out: Float32Array,
  offset: number,
  fit: 'crop' | 'stretch' = 'crop',
): void {
  if (image.rgba.length !== image.width * image.height * 4) {
    throw new SeLensError('bad-argument', `Image ${image.name} has ${image.rgba.length} bytes, not ${image.width}×${image.height} RGBA.`);
  }
  const cropScale = Math.max(height, width) / CROP_FRACTION / Math.min(image.width, image.height);
  const scaleX = fit === 'crop' ? cropScale : width / image.width;
  const scaleY = fit === 'crop' ? cropScale : height / image.height;
  const left = (image.width * scaleX - width) / 2;
  const top = (image.height * scaleY - height) / 2;
  const plane = height * width;
  for (let y = 0; y < height; y++) {
    const sy = clamp((top + y + 0.5) / scaleY - 0.5, 0, image.height - 1);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = clamp((left + x + 0.5) / scaleX - 0.5, 0, image.width - 1);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number): number => image.rgba[(yy * image.width + xx) * 4 + c]!;
        const top0 = p(y0, x0) * (1 - fx) + p(y0, x1) * fx;
        const bottom = p(y1, x0) * (1 - fx) + p(y1, x1) * fx;
        const value = ((top0 * (1 - fy) + bottom * fy) / 255 - IMAGENET_MEAN[c]!) / IMAGENET_STD[c]!;
        const index = layout === 'NCHW' ? c * plane + y * width + x : (y * width + x) * 3 + c;
        out[offset + index] = value;
      }
    }
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
