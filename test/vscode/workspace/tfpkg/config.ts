/** Shared by the model files of this package. */
export const SQUEEZE_RATIO = 4;
