import type { Initializer, Model, Node } from '../ir/graph.js';
import { numel } from '../ir/graph.js';
import { attrInt } from '../ir/graph-index.js';
import { SeededRandom } from './rng.js';

/** Whose defaults to follow: PyTorch `nn.Linear`/`nn.ConvNd`, or TF.js `dense`/`conv2d`. */
export type InitScheme = 'pytorch' | 'tfjs';

export interface InitReport {
  /** Tensors that received values, in the order they were drawn. */
  readonly initialised: string[];
  /** Weight-like tensors with no value and no static shape: the block cannot run until they have one. */
  readonly missing: string[];
}

/**
 * Gives a source-built graph the weights its framework would start from, drawn from `seed`:
 * - PyTorch: weight ~ U(-1/√fan_in, 1/√fan_in) (`kaiming_uniform_(a=√5)`), bias ~ U(-1/√fan_in, 1/√fan_in);
 * - TF.js: kernel ~ U(-√(6/(fan_in+fan_out)), +…) (`glorotUniform`), bias = 0;
 * - BatchNormalization (both): scale 1, bias 0, mean 0, variance 1.
 * A tensor counts as a missing weight when a Conv/Gemm/MatMul/BatchNormalization reads it, no node
 * produces it, it is not a graph input, and it has no values. Its shape comes from its initializer
 * entry or from `graph.values`. Draws go in node order, weight before bias, so a seed fixes every value.
 */
export function initialiseWeights(model: Model, scheme: InitScheme, seed: number): InitReport {
  const graph = model.graph;
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const inputs = new Set(graph.inputs.map((i) => i.name));
  const random = new SeededRandom(seed);
  const report: InitReport = { initialised: [], missing: [] };

  const shapeOf = (name: string): number[] | undefined => {
    const init = graph.initializers.get(name);
    if (init) return init.shape;
    const shape = graph.values.get(name)?.shape;
    return shape && shape.every((d): d is number => typeof d === 'number') ? shape : undefined;
  };
  const needsValues = (name: string | undefined): name is string => {
    if (!name || produced.has(name) || inputs.has(name)) return false;
    const init = graph.initializers.get(name);
    return !init || (init.values === undefined && init.payload === undefined);
  };
  const set = (name: string, shape: number[], fill: (i: number) => number): void => {
    const values = new Float32Array(numel(shape));
    for (let i = 0; i < values.length; i++) values[i] = fill(i);
    const init: Initializer = { name, dtype: 'float32', shape, values };
    graph.initializers.set(name, init);
    graph.values.set(name, { name, dtype: 'float32', shape });
    report.initialised.push(name);
  };

  for (const node of graph.nodes) {
    const weightIndex = node.op === 'MatMul' || node.op === 'Gemm' || node.op === 'Conv' ? 1 : -1;
    if (weightIndex === 1) {
      const weight = node.inputs[1];
      const bias = node.op === 'MatMul' ? undefined : node.inputs[2];
      const weightShape = weight ? shapeOf(weight) : undefined;
      const fans = weightShape ? fanInOut(node, weightShape) : undefined;
      if (needsValues(weight)) {
        if (!weightShape || !fans) report.missing.push(weight);
        else {
          const limit = scheme === 'pytorch' ? 1 / Math.sqrt(fans.fanIn) : Math.sqrt(6 / (fans.fanIn + fans.fanOut));
          set(weight, weightShape, () => random.uniform(-limit, limit));
        }
      }
      if (needsValues(bias)) {
        const biasShape = shapeOf(bias);
        if (!biasShape || !fans) report.missing.push(bias);
        else if (scheme === 'pytorch') {
          const limit = 1 / Math.sqrt(fans.fanIn);
          set(bias, biasShape, () => random.uniform(-limit, limit));
        } else set(bias, biasShape, () => 0);
      }
    } else if (node.op === 'BatchNormalization') {
      const defaults = [1, 0, 0, 1]; // scale, bias, mean, var
      node.inputs.slice(1, 5).forEach((name, i) => {
        if (!needsValues(name)) return;
        const shape = shapeOf(name);
        if (!shape) report.missing.push(name);
        else set(name, shape, () => defaults[i]!);
      });
    }
  }
  return report;
}

/** Fan-in and fan-out as PyTorch's `_calculate_fan_in_and_fan_out` (and TF.js) count them. */
function fanInOut(node: Node, shape: number[]): { fanIn: number; fanOut: number } | undefined {
  if (node.op === 'Conv') {
    if (shape.length < 3) return undefined;
    const receptive = numel(shape.slice(2));
    return { fanIn: shape[1]! * receptive, fanOut: shape[0]! * receptive };
  }
  if (shape.length < 2) return undefined;
  if (node.op === 'Gemm' && attrInt(node, 'transB', 0) === 1) return { fanIn: shape[1]!, fanOut: shape[0]! };
  // Gemm without transB and MatMul hold the weight as [in, out] (the last two dims for MatMul).
  return { fanIn: shape[shape.length - 2]!, fanOut: shape[shape.length - 1]! };
}
