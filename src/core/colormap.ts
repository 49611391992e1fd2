/**
 * Viridis (matplotlib's default, perceptually uniform and readable in grey and by most colour-blind
 * readers) as a 256-entry lookup table of ABGR-packed pixels for `Uint32Array` views of ImageData
 * (little-endian byte order RGBA). The curve is the degree-6 polynomial fit by Matt Zucker (CC0),
 * within a few 1/255 steps of matplotlib's table.
 */
const C0 = [0.2777273272234177, 0.005407344544966578, 0.3340998053353061];
const C1 = [0.1050930431085774, 1.404613529898575, 1.384590162594685];
const C2 = [-0.3308618287255563, 0.214847559468213, 0.09509516302823659];
const C3 = [-4.634230498983486, -5.799100973351585, -19.33244095627987];
const C4 = [6.228269936347081, 14.17993336680509, 56.69055260068105];
const C5 = [4.776384997670288, -13.74514537774601, -65.35303263337234];
const C6 = [-5.435455855934631, 4.645852612178535, 26.3124352495832];

export function viridis(t: number): [number, number, number] {
  const x = t < 0 ? 0 : t > 1 ? 1 : t;
  const rgb = [0, 1, 2].map((i) => {
    const v = C0[i]! + x * (C1[i]! + x * (C2[i]! + x * (C3[i]! + x * (C4[i]! + x * (C5[i]! + x * C6[i]!)))));
    return Math.round(255 * (v < 0 ? 0 : v > 1 ? 1 : v));
  });
  return rgb as [number, number, number];
}

export const LUT_SIZE = 256;

/** Packed RGBA (as a little-endian Uint32) for each of 256 steps over the scale. */
export const VIRIDIS_LUT: Uint32Array = (() => {
  const lut = new Uint32Array(LUT_SIZE);
  for (let i = 0; i < LUT_SIZE; i++) {
    const [r, g, b] = viridis(i / (LUT_SIZE - 1));
    lut[i] = (0xff << 24) | (b << 16) | (g << 8) | r;
  }
  return lut;
})();

/** The LUT step a value falls on, for a scale from `lo` to `hi`. */
export function lutIndex(value: number, lo: number, hi: number): number {
  // The same arithmetic as paintCells, so both agree on values that fall between two steps.
  const i = Math.round((value - lo) * ((LUT_SIZE - 1) / (hi - lo)));
  return i < 0 ? 0 : i > LUT_SIZE - 1 ? LUT_SIZE - 1 : i;
}
