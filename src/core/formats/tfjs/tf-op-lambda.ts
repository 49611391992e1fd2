import { applyActivation, argumentTensor, constantAxes, type LayerCall, type LayerConverter } from './layer-catalogue.js';

/**
 * Keras 2's `TFOpLambda`: a TF function applied to a Keras tensor in functional code (`x + 3.0`,
 * `tf.nn.relu6(x)`, `tf.reduce_mean(x, [1, 2], keepdims=True)`), saved as the function's API name with
 * the call's other arguments as keywords. keras.applications' MobileNetV3 writes every hard sigmoid of its
 * SE blocks so (`ReLU(6.)(x + 3.) * (1. / 6.)`). The functions mapped are the arithmetic, activations and
 * reductions such blocks use; any other stays an `Unknown` node that names it.
 */
const BINARY: Readonly<Record<string, string>> = {
  '__operators__.add': 'Add', 'math.add': 'Add', '__operators__.radd': 'Add',
  'math.subtract': 'Sub', '__operators__.sub': 'Sub',
  'math.multiply': 'Mul', '__operators__.mul': 'Mul', '__operators__.rmul': 'Mul',
  'math.truediv': 'Div', 'math.divide': 'Div', '__operators__.truediv': 'Div',
  'math.maximum': 'Max', 'math.minimum': 'Min',
};

/** The second operand: a number kept as a scalar constant, or a tensor passed by keyword. */
function operand(c: LayerCall, key: string): string {
  return argumentTensor(c, c.kwargs[key], key) ?? c.fail(`TFOpLambda "${c.name}" has no usable ${key}`);
}

/** TF activation functions by API name, as the layer activations of the same names. */
const ACTIVATIONS: Readonly<Record<string, string>> = {
  'nn.relu': 'relu', 'nn.relu6': 'relu6', 'math.sigmoid': 'sigmoid', 'nn.sigmoid': 'sigmoid', sigmoid: 'sigmoid',
  'nn.silu': 'silu', 'nn.swish': 'silu', 'math.tanh': 'tanh', 'nn.tanh': 'tanh',
};

export const tfOpLambda: LayerConverter = (c) => {
  const fn = String(c.config['function'] ?? '');
  const b = c.b;
  const binary = BINARY[fn];
  // `3.0 - x`: the first argument is the constant, the tensor comes as `y`.
  if (binary) {
    const first = typeof c.kwargs['x'] === 'number' ? b.scalar('x', c.kwargs['x']) : c.inputs[0];
    return first === undefined ? c.fail(`TFOpLambda "${c.name}" has no tensor argument`) : b.one(binary, [first, operand(c, 'y')]);
  }
  const x = c.inputs[0];
  if (x === undefined) return c.fail(`TFOpLambda "${c.name}" has no tensor argument`);
  const activation = ACTIVATIONS[fn];
  if (activation) return applyActivation(c, activation, x);
  switch (fn) {
    case 'math.reduce_mean': case 'math.reduce_max': {
      const axes = constantAxes(c, c.kwargs['axis'], `TFOpLambda "${c.name}"`);
      return b.one(fn === 'math.reduce_mean' ? 'ReduceMean' : 'ReduceMax', [x], { axes: { type: 'ints', value: axes }, keepdims: { type: 'int', value: c.kwargs['keepdims'] === true ? 1 : 0 } });
    }
    case 'reshape': {
      const shape = c.kwargs['shape'];
      if (!Array.isArray(shape) || !shape.every((d) => typeof d === 'number' || d === null)) c.fail(`TFOpLambda "${c.name}" has no constant shape`);
      return b.one('Reshape', [x, b.int64('shape', (shape as (number | null)[]).map((d) => d ?? -1))]);
    }
    default: return c.fail(`TFOpLambda function ${fn || '(none)'} is not mapped`);
  }
};
