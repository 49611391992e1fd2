/**
 * Keras 3 stores a layer's variables by index (`layers/<name>/vars/0`, `1`, …) in the order the layer
 * creates them; the layer catalogue matches weights by Keras 2 / TF.js names (`<layer>/kernel`). This
 * table gives the names in creation order, per class, with the config flags that drop a variable.
 */
type Config = Readonly<Record<string, unknown>>;

const bias = (c: Config) => c['use_bias'] !== false;

const VARIABLES: Readonly<Record<string, (c: Config) => string[]>> = {
  Dense: (c) => ['kernel', ...(bias(c) ? ['bias'] : [])],
  Conv1D: (c) => ['kernel', ...(bias(c) ? ['bias'] : [])],
  Conv2D: (c) => ['kernel', ...(bias(c) ? ['bias'] : [])],
  Conv2DTranspose: (c) => ['kernel', ...(bias(c) ? ['bias'] : [])],
  DepthwiseConv2D: (c) => ['depthwise_kernel', ...(bias(c) ? ['bias'] : [])],
  SeparableConv2D: (c) => ['depthwise_kernel', 'pointwise_kernel', ...(bias(c) ? ['bias'] : [])],
  BatchNormalization: (c) => [...(c['scale'] !== false ? ['gamma'] : []), ...(c['center'] !== false ? ['beta'] : []), 'moving_mean', 'moving_variance'],
  LayerNormalization: (c) => [...(c['scale'] !== false ? ['gamma'] : []), ...(c['center'] !== false ? ['beta'] : [])],
  PReLU: () => ['alpha'],
};

/** Variable names of a layer in storage order, or undefined for a class not in the table. */
export function variableNames(className: string, config: Config): string[] | undefined {
  return VARIABLES[className]?.(config);
}
