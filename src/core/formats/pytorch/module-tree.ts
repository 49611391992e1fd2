import { SeLensError } from '../../errors.js';
import { PyGlobal, PyObject } from './pickle.js';
import { TorchTensor } from './torch-pickle.js';

/**
 * A whole pickled `nn.Module` (`torch.save(model)`) or a TorchScript archive's module objects, read as the
 * tree of modules they are: class, constructor facts kept in the instance (`in_channels`, `kernel_size`,
 * …), parameters and buffers. `forward` is not in the file (a pickle names classes, it does not carry
 * their code), so what the modules compute is known only for library classes.
 */
export interface TorchModule {
  /** Path as `named_modules()` prints it (`features.1.block.1`); `''` for the root. */
  readonly path: string;
  /** Class as pickled: `torchvision.ops.misc.SqueezeExcitation`, `torch.nn.modules.conv.Conv2d`. */
  readonly className: string;
  /** Last part of the class name: `Conv2d`. */
  readonly kind: string;
  readonly attrs: Readonly<Record<string, number | boolean | string | number[]>>;
  readonly children: readonly TorchModule[];
  /** This module's own parameters and persistent buffers, by local name. */
  readonly tensors: ReadonlyMap<string, TorchTensor>;
}

const MAX_DEPTH = 200;
/** A pickle shares objects: a few dozen modules can be reached along 2^40 paths. */
const MAX_MODULES = 200_000;

/** The module tree and its state dict (names as `state_dict()` gives them), or undefined when `root` is no module. */
export function readModuleTree(root: unknown, isScript: boolean): { root: TorchModule; tensors: [string, TorchTensor][] } | undefined {
  if (!isModule(root, isScript)) return undefined;
  const tensors: [string, TorchTensor][] = [];
  const onPath = new Set<unknown>();
  let built = 0;
  const build = (obj: PyObject, path: string, depth: number): TorchModule => {
    if (++built > MAX_MODULES) throw new SeLensError('too-large', `The pickled module tree has more than ${MAX_MODULES} module paths (shared submodules reached many ways).`);
    onPath.add(obj);
    const state = obj.state instanceof Map ? obj.state : new Map<unknown, unknown>();
    const attrs: Record<string, number | boolean | string | number[]> = {};
    const own = new Map<string, TorchTensor>();
    const children: TorchModule[] = [];
    const child = (name: string, value: unknown) => {
      if (!(value instanceof PyObject) || onPath.has(value) || depth >= MAX_DEPTH || !isModule(value, isScript)) return;
      children.push(build(value, path ? `${path}.${name}` : name, depth + 1));
    };
    const tensor = (name: string, value: unknown) => {
      if (!(value instanceof TorchTensor)) return;
      own.set(name, value);
      tensors.push([path ? `${path}.${name}` : name, value]);
    };
    if (isScript) {
      for (const [k, v] of state) {
        if (typeof k !== 'string') continue;
        if (v instanceof TorchTensor) tensor(k, v);
        else if (v instanceof PyObject) child(k, v);
        else setAttr(attrs, k, v);
      }
    } else {
      const nonPersistent = state.get('_non_persistent_buffers_set');
      const skip = nonPersistent instanceof Set ? nonPersistent : new Set();
      for (const [k, v] of mapOf(state.get('_parameters'))) tensor(String(k), v);
      for (const [k, v] of mapOf(state.get('_buffers'))) if (!skip.has(k)) tensor(String(k), v);
      for (const [k, v] of mapOf(state.get('_modules'))) child(String(k), v);
      for (const [k, v] of state) if (typeof k === 'string' && !k.startsWith('_')) setAttr(attrs, k, v);
    }
    onPath.delete(obj);
    const className = isScript ? obj.cls.qualified.replace(/^__torch__\./, '').replace(/\.___torch_mangle_\d+/g, '') : obj.cls.qualified;
    return { path, className, kind: className.slice(className.lastIndexOf('.') + 1), attrs, children, tensors: own };
  };
  return { root: build(root, '', 0), tensors };
}

function isModule(v: unknown, isScript: boolean): v is PyObject {
  if (!(v instanceof PyObject) || !(v.cls instanceof PyGlobal)) return false;
  if (isScript) return v.cls.module.startsWith('__torch__') && v.state instanceof Map;
  return v.state instanceof Map && v.state.has('_modules') && v.state.has('_parameters');
}

function mapOf(v: unknown): Map<unknown, unknown> {
  return v instanceof Map ? v : new Map();
}

function setAttr(attrs: Record<string, number | boolean | string | number[]>, key: string, v: unknown): void {
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') attrs[key] = v;
  else if (Array.isArray(v) && v.every((x): x is number => typeof x === 'number')) attrs[key] = [...v];
}

/** Every module of the tree, parents before children (as `named_modules()`). */
export function allModules(root: TorchModule): TorchModule[] {
  const out: TorchModule[] = [];
  const stack = [root];
  while (stack.length) {
    const m = stack.pop()!;
    out.push(m);
    for (let i = m.children.length - 1; i >= 0; i--) stack.push(m.children[i]!);
  }
  return out;
}
