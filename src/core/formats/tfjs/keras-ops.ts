import { applyActivation, argumentTensor, constantAxes, type LayerCall, type LayerConverter } from './layer-catalogue.js';

/**
 * Keras 3 operations in a functional model's config: what `x + 3.0`, `x * (1. / 6.)` or `ops.mean(x, [1, 2])`
 * become (keras.applications' MobileNetV3 writes its SE gate `ReLU(6.)(x + 3.) * (1. / 6.)` so). They are
 * saved like layers, `module` `keras.src.ops.numpy` / `keras.src.ops.nn`, with their numbers among the call's
 * positional arguments, and share class names with layers (`Add`, `Multiply`) that mean something else.
 */
export function isOperation(module: string | undefined): boolean {
  return module !== undefined && /^keras(\.src)?\.ops(\.|$)/.test(module);
}

/** Operand `k` of the call: a number as a scalar constant, or the tensor it names. */
function operand(c: LayerCall, k: number): string {
  const args = c.kwargs['args'];
  return argumentTensor(c, Array.isArray(args) ? args[k] : undefined, 'operand') ?? c.fail(`operation ${c.className} "${c.name}" has no usable argument ${k}`);
}

function binary(op: string): LayerConverter {
  return (c) => c.b.one(op, [operand(c, 0), operand(c, 1)]);
}

function unary(build: (c: LayerCall, x: string) => string): LayerConverter {
  return (c) => build(c, operand(c, 0));
}

function reduce(op: string): LayerConverter {
  return (c) => {
    const axes = constantAxes(c, c.config['axis'], `operation ${c.className} "${c.name}"`);
    return c.b.one(op, [operand(c, 0)], { axes: { type: 'ints', value: axes }, keepdims: { type: 'int', value: c.config['keepdims'] === true ? 1 : 0 } });
  };
}

/** An activation applied to the call's first operand, as a layer's `activation` of that name builds it. */
function activation(name: string): LayerConverter {
  return unary((c, x) => applyActivation(c, name, x));
}

export const KERAS_OPS: Readonly<Record<string, LayerConverter>> = {
  Add: binary('Add'), Subtract: binary('Sub'), Multiply: binary('Mul'), Divide: binary('Div'), TrueDivide: binary('Div'),
  Maximum: binary('Max'), Minimum: binary('Min'),
  Mean: reduce('ReduceMean'), Max: reduce('ReduceMax'),
  Sigmoid: activation('sigmoid'), Relu: activation('relu'), Relu6: activation('relu6'), Silu: activation('silu'), Swish: activation('swish'),
  // Keras 3's hard sigmoid is relu6(x + 3) / 6 whatever the file's Keras version: slope 1/6, not the layer's.
  HardSigmoid: unary((c, x) => c.b.one('HardSigmoid', [x], { alpha: { type: 'float', value: 1 / 6 }, beta: { type: 'float', value: 0.5 } })),
  Tanh: activation('tanh'),
};
