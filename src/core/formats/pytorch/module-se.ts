import { emptyGraph, type AttrValue, type Model, type Node, type TensorConst } from '../../ir/graph.js';
import { allModules, type TorchModule } from './module-tree.js';

/**
 * SE blocks of a whole pickled module, rebuilt from its structure. The pickle has no `forward`, so the
 * network cannot be traced; but an SE block's modules say what it computes: two FC layers (Linear or
 * 1×1 Conv2d) going C → S → C with only activations or normalisation between them in definition order,
 * a sigmoid-like gate module beside them, and a global pool (or none: timm's `x.mean((2, 3))`). Each block
 * found becomes its own small graph (input `[N, C, H, W]` → pool → FC → act → FC → gate → scale) whose
 * weights are the file's tensors, located not read, named as `state_dict()` names them.
 */

/** Library classes by what they compute: data, so a new activation is a line here. */
const ACTIVATIONS: Readonly<Record<string, { op: string; attrs?: Record<string, AttrValue> } | 'silu'>> = {
  ReLU: { op: 'Relu' },
  ReLU6: { op: 'Clip', attrs: {} },
  SiLU: 'silu',
  Swish: 'silu',
  Hardswish: { op: 'HardSwish' },
  HardSwish: { op: 'HardSwish' }, // timm's own class
  LeakyReLU: { op: 'LeakyRelu' },
  GELU: { op: 'Gelu' },
};
const GATES: Readonly<Record<string, { op: string; attrs?: Record<string, AttrValue> }>> = {
  Sigmoid: { op: 'Sigmoid' },
  // torch's Hardsigmoid is relu6(x + 3) / 6.
  Hardsigmoid: { op: 'HardSigmoid', attrs: { alpha: { type: 'float', value: 1 / 6 }, beta: { type: 'float', value: 0.5 } } },
  // timm's own class, the same relu6(x + 3) / 6.
  HardSigmoid: { op: 'HardSigmoid', attrs: { alpha: { type: 'float', value: 1 / 6 }, beta: { type: 'float', value: 0.5 } } },
};
const BETWEEN_FCS = new Set([...Object.keys(ACTIVATIONS), 'Identity', 'BatchNorm1d', 'BatchNorm2d', 'Dropout']);
const POOLS: Readonly<Record<string, string>> = { AdaptiveAvgPool2d: 'GlobalAveragePool', AdaptiveMaxPool2d: 'GlobalMaxPool' };

interface Fc {
  readonly module: TorchModule;
  readonly conv: boolean;
  readonly inFeatures: number;
  readonly outFeatures: number;
}

function fcOf(m: TorchModule): Fc | undefined {
  const weight = m.tensors.get('weight');
  if (!weight) return undefined;
  if (m.kind === 'Linear' && weight.shape.length === 2) return { module: m, conv: false, inFeatures: weight.shape[1]!, outFeatures: weight.shape[0]! };
  const groups = typeof m.attrs['groups'] === 'number' ? m.attrs['groups'] : 1;
  if (m.kind === 'Conv2d' && weight.shape.length === 4 && weight.shape[2] === 1 && weight.shape[3] === 1 && groups === 1) {
    return { module: m, conv: true, inFeatures: weight.shape[1]!, outFeatures: weight.shape[0]! };
  }
  return undefined;
}

function leaves(m: TorchModule): TorchModule[] {
  return allModules(m).filter((x) => x.children.length === 0);
}

interface Found {
  readonly owner: TorchModule;
  readonly fc1: Fc;
  readonly fc2: Fc;
  readonly act: TorchModule | undefined;
  readonly gate: TorchModule;
  readonly pool: string;
}

/** SE blocks, innermost module first: a module whose leaves hold a C → S → C FC pair and a gate. */
export function findModuleBlocks(root: TorchModule): Found[] {
  const found: Found[] = [];
  const claimed = new Set<TorchModule>();
  const postOrder = allModules(root).reverse();
  for (const owner of postOrder) {
    const own = leaves(owner).filter((l) => !claimed.has(l));
    for (let i = 0; i < own.length; i++) {
      const fc1 = fcOf(own[i]!);
      if (!fc1) continue;
      let j = i + 1;
      while (j < own.length && BETWEEN_FCS.has(own[j]!.kind)) j++;
      const fc2 = j < own.length ? fcOf(own[j]!) : undefined;
      if (!fc2 || fc2.conv !== fc1.conv || fc2.inFeatures !== fc1.outFeatures || fc2.outFeatures !== fc1.inFeatures) continue;
      const gate = own.find((l) => GATES[l.kind] !== undefined);
      if (!gate) continue;
      const act = own.slice(i + 1, j).find((l) => ACTIVATIONS[l.kind] !== undefined) ?? own.find((l) => ACTIVATIONS[l.kind] !== undefined);
      const poolModule = own.find((l) => POOLS[l.kind] !== undefined && (l.attrs['output_size'] === 1 || String(l.attrs['output_size']) === '1,1'));
      found.push({ owner, fc1, fc2, act, gate, pool: poolModule ? POOLS[poolModule.kind]! : 'GlobalAveragePool' });
      for (const l of leaves(owner)) claimed.add(l);
      break;
    }
  }
  return found.reverse();
}

/**
 * The blocks as one graph with an input per block (`<path>#x`, `[N, C, H, W]`), nodes scoped by the
 * block's module path so the detector names each block after it. `tensors` are the file's state dict.
 */
export function moduleBlocksModel(root: TorchModule, tensors: ReadonlyMap<string, TensorConst>, name: string): Model {
  const graph = emptyGraph(name);
  const blocks = findModuleBlocks(root);
  let counter = 0;
  for (const b of blocks) {
    const scope = b.owner.path;
    const c = b.fc1.inFeatures;
    const add = (op: string, inputs: string[], attrs: Record<string, AttrValue> = {}, scopeOf = scope): string => {
      const out = `${scope}#${op.toLowerCase()}_${counter++}`;
      const node: Node = { id: out, op, domain: '', attrs, inputs, outputs: [out], scope: scopeOf };
      graph.nodes.push(node);
      return out;
    };
    const weight = (m: TorchModule, local: string): string | undefined => {
      const key = m.path ? `${m.path}.${local}` : local;
      const t = tensors.get(key);
      if (!t) return undefined;
      graph.initializers.set(key, { name: key, ...t });
      graph.values.set(key, { name: key, dtype: t.dtype, shape: [...t.shape] });
      return key;
    };
    const x = `${scope}#x`;
    graph.inputs.push({ name: x, dtype: 'float32', shape: ['N', c, 'H', 'W'] });
    graph.values.set(x, { name: x, dtype: 'float32', shape: ['N', c, 'H', 'W'] });
    let v = add(b.pool, [x]);
    const fc = (f: Fc, input: string): string => {
      const w = weight(f.module, 'weight')!;
      const bias = weight(f.module, 'bias');
      return f.conv ? add('Conv', [input, w, ...(bias ? [bias] : [])], {}, f.module.path) : add('Gemm', [input, w, ...(bias ? [bias] : [])], { transB: { type: 'int', value: 1 } }, f.module.path);
    };
    if (!b.fc1.conv) v = add('Flatten', [v], { axis: { type: 'int', value: 1 } });
    v = fc(b.fc1, v);
    const act = b.act ? ACTIVATIONS[b.act.kind] : undefined;
    if (act === 'silu') v = add('Mul', [v, add('Sigmoid', [v], {}, b.act!.path)], {}, b.act!.path);
    else if (act?.op === 'Clip') {
      const lo = `${scope}#zero`;
      const hi = `${scope}#six`;
      graph.initializers.set(lo, { name: lo, dtype: 'float32', shape: [], values: new Float32Array([0]) });
      graph.initializers.set(hi, { name: hi, dtype: 'float32', shape: [], values: new Float32Array([6]) });
      v = add('Clip', [v, lo, hi], {}, b.act!.path);
    } else if (act) v = add(act.op, [v], act.attrs ?? {}, b.act!.path);
    v = fc(b.fc2, v);
    const gate = GATES[b.gate.kind]!;
    v = add(gate.op, [v], gate.attrs ?? {}, b.gate.path);
    if (!b.fc1.conv) {
      const axes = `${scope}#axes`;
      graph.initializers.set(axes, { name: axes, dtype: 'int64', shape: [2], values: [2, 3] });
      v = add('Unsqueeze', [v, axes]);
    }
    const y = add('Mul', [x, v]);
    graph.outputs.push({ name: y, dtype: 'float32', shape: undefined });
  }
  return { graph, opsets: [{ domain: '', version: 17 }], irVersion: 8, producer: 'SE Lens: SE blocks rebuilt from a pickled module tree', functions: [], layout: 'NCHW' };
}
