import type { Syn } from '../../syntax.js';
import { NONE, dictKey, int, intOf, num, truthy, unknown, type ClassDef, type PyValue } from '../values.js';
import { canonical, setModuleAttr, type LibraryHost } from './host.js';
import { catalogueNames } from './catalogue.js';
import { dictItemsOf } from '../classes.js';

/** Longest sequence a builtin makes (`range`), like the evaluator's loop bound. */
const MAX_LOOP = 4096;

/** Python's builtin functions as model code uses them: numbers, sequences, `isinstance`, `getattr`. */
export function builtinCall(host: LibraryHost, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
  const a = args[0];
  switch (name) {
    case 'int': {
      if (a?.k === 'str') {
        const v = Number(a.v.trim());
        return Number.isInteger(v) ? int(v) : unknown('int() of a string');
      }
      const v = num(a);
      return v === undefined ? unknown('int() of a value that is not known') : int(Math.trunc(v));
    }
    case 'float': {
      if (a?.k === 'str') {
        const f = Number(a.v.trim());
        return a.v.trim() !== '' && Number.isFinite(f) ? { k: 'float', v: f } : unknown('float() of a string');
      }
      const v = num(a);
      return v === undefined ? unknown('float()') : { k: 'float', v };
    }
    case 'bool': {
      const t = a ? truthy(a) : false;
      return t === undefined ? unknown('bool()') : { k: 'bool', v: t };
    }
    case 'abs': {
      const v = num(a);
      return v === undefined ? unknown('abs()') : a!.k === 'float' ? { k: 'float', v: Math.abs(v) } : int(Math.abs(v));
    }
    case 'round': {
      const v = num(a);
      const digits = intOf(args[1]);
      if (v === undefined) return unknown('round() of a value that is not known');
      if (args[1] && args[1].k !== 'none') {
        if (digits === undefined) return unknown('round() digits');
        const f = 10 ** digits;
        return { k: 'float', v: roundHalfEven(v * f) / f };
      }
      return int(roundHalfEven(v));
    }
    case 'max':
    case 'min': {
      const items = args.length === 1 ? host.iterate(args[0]!) : args;
      const nums = items?.map(num);
      if (!items || !nums || nums.length === 0 || nums.some((n) => n === undefined)) return unknown(`${name}() of values that are not known`);
      let best = 0;
      nums.forEach((n, i) => {
        if (name === 'max' ? n! > nums[best]! : n! < nums[best]!) best = i;
      });
      return items[best]!;
    }
    case 'pow': {
      const x = num(a);
      const y = num(args[1]);
      return x === undefined || y === undefined ? unknown('pow()') : a!.k === 'int' && args[1]!.k === 'int' && y >= 0 ? int(x ** y) : { k: 'float', v: x ** y };
    }
    case 'divmod': {
      const x = intOf(a);
      const y = intOf(args[1]);
      return x === undefined || !y ? unknown('divmod()') : { k: 'tuple', items: [int(Math.floor(x / y)), int(x - Math.floor(x / y) * y)] };
    }
    case 'set': {
      // A set of known values: its distinct items, kept in first-seen order (only membership and len() are read).
      const items = a ? host.iterate(a) : [];
      if (!items) return unknown('set() of values that are not known');
      const seen = new Map<string, PyValue>();
      for (const item of items) {
        const key = dictKey(item);
        if (key === undefined) return unknown('set() of values that are not known');
        if (!seen.has(key)) seen.set(key, item);
      }
      return { k: 'tuple', items: [...seen.values()] };
    }
    case 'len': {
      if (!a) return unknown('len()');
      if (a.k === 'tensor') return a.t.shape && typeof a.t.shape[0] === 'number' ? int(a.t.shape[0]) : unknown('len() of a tensor');
      const items = host.iterate(a);
      return items ? int(items.length) : unknown('len() of a value that is not known');
    }
    case 'range': {
      const n = args.map(intOf);
      if (n.length === 0 || n.some((v) => v === undefined)) return host.fail('range() of values that are not known', node);
      const [start, stop, step] = n.length === 1 ? [0, n[0]!, 1] : [n[0]!, n[1]!, n[2] ?? 1];
      if (step === 0) return host.fail('range() step is zero', node);
      const items: PyValue[] = [];
      for (let i = start; step > 0 ? i < stop : i > stop; i += step) {
        items.push(int(i));
        if (items.length > MAX_LOOP) return host.fail(`range() longer than ${MAX_LOOP} is not interpreted`, node);
      }
      return { k: 'list', items };
    }
    case 'tuple':
    case 'list': {
      if (!a) return { k: name, items: [] };
      const items = host.iterate(a);
      return items ? { k: name, items: [...items] } : unknown(`${name}()`);
    }
    case 'enumerate': {
      const items = a ? host.iterate(a) : undefined;
      return items ? { k: 'list', items: items.map((v, i) => ({ k: 'tuple', items: [int(i), v] }) as PyValue) } : unknown('enumerate()');
    }
    case 'zip': {
      const lists = args.map((x) => host.iterate(x));
      if (lists.some((l) => !l)) return unknown('zip()');
      const n = Math.min(...lists.map((l) => l!.length));
      return { k: 'list', items: Array.from({ length: n }, (_, i) => ({ k: 'tuple', items: lists.map((l) => l![i]!) }) as PyValue) };
    }
    case 'type': {
      // One argument: the value's class (user classes as themselves, builtins and torch.nn layers by name).
      if (!a || args.length !== 1) return unknown('type() with other than one argument');
      const def = a.k === 'object' || a.k === 'stub' ? a.def : a.k === 'module' ? a.obj.def : undefined;
      if (def) return { k: 'class', def };
      if (a.k === 'module' && a.obj.layer) return { k: 'ref', path: `torch.nn.${a.obj.layer.kind}` };
      const builtin = Object.entries(BUILTIN_TYPES).find(([, kinds]) => kinds[0] === a.k)?.[0];
      return builtin ? { k: 'ref', path: `builtins.${builtin}` } : unknown('type() of a value that is not known');
    }
    case 'sorted': {
      const items = a ? host.iterate(a) : undefined;
      if (!items || kwargs.has('key')) return unknown(kwargs.has('key') ? 'sorted() with a key function' : 'sorted() of values that are not known');
      const keys = items.map((v) => (v.k === 'str' ? v.v : num(v)));
      if (keys.some((k) => k === undefined) || new Set(keys.map((k) => typeof k)).size > 1) return unknown('sorted() of values that cannot be compared');
      const order = items.map((v, i) => [keys[i]!, v] as const).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([, v]) => v);
      const reverse = kwargs.get('reverse');
      return { k: 'list', items: reverse && truthy(reverse) ? order.reverse() : order };
    }
    case 'reversed': {
      const items = a ? host.iterate(a) : undefined;
      return items ? { k: 'list', items: [...items].reverse() } : unknown('reversed()');
    }
    case 'sum': {
      const items = a ? host.iterate(a) : undefined;
      if (!items) return unknown('sum()');
      // `sum(list_of_lists, [])` flattens: the start value is the first operand.
      let acc: PyValue = args[1] ?? kwargs.get('start') ?? int(0);
      for (const item of items) acc = host.binaryOp('+', acc, item, node);
      return acc;
    }
    case 'isinstance':
      return a && args[1] ? isInstance(a, args[1]) : unknown('isinstance()');
    case 'issubclass':
      return a?.k === 'class' && args[1] ? isInstance({ k: 'object', def: a.def, attrs: new Map() }, args[1]) : unknown('issubclass()');
    case 'all':
    case 'any': {
      const items = a ? host.iterate(a) : undefined;
      const values = items?.map(truthy);
      if (!values || values.some((v) => v === undefined)) return unknown(`${name}()`);
      return { k: 'bool', v: name === 'all' ? values.every(Boolean) : values.some(Boolean) };
    }
    case 'callable':
      return a ? { k: 'bool', v: ['class', 'func', 'ref', 'partial', 'module', 'method'].includes(a.k) } : unknown('callable()');
    case 'getattr': {
      const key = args[1];
      if (!a || key?.k !== 'str') return unknown('getattr()');
      // With a default, a missing attribute gives the default (`getattr(cfg, 'se_ratio', 0.25)`).
      if (args[2] && hasAttribute(host, a, key.v, node) === false) return args[2];
      return host.getAttr(a, key.v, node);
    }
    case 'hasattr': {
      const key = args[1];
      if (!a || key?.k !== 'str') return unknown('hasattr()');
      if (a.k === 'ref') {
        const names = catalogueNames(a.path);
        return names ? { k: 'bool', v: names.includes(key.v) } : unknown(`hasattr() of ${a.path}`);
      }
      const has = hasAttribute(host, a, key.v, node);
      return has === undefined ? unknown('hasattr()') : { k: 'bool', v: has };
    }
    case 'dir': {
      const names = a?.k === 'ref' ? catalogueNames(a.path) : a?.k === 'pymodule' ? a.ns.exported() : undefined;
      return names ? { k: 'list', items: names.map((v) => ({ k: 'str', v }) as PyValue) } : unknown('dir()');
    }
    case 'setattr': {
      const key = args[1];
      if (a?.k === 'module' && key?.k === 'str' && args[2]) setModuleAttr(a.obj, key.v, args[2]);
      return NONE;
    }
    case 'print':
      return NONE;
    case 'str':
      return a?.k === 'str' ? a : a && (a.k === 'int' || a.k === 'float') ? { k: 'str', v: String(a.v) } : unknown('str()');
    case 'dict': {
      // dict(mapping_or_pairs, **more): the positional items first (a copy: config plumbing pops from it), the keywords over them.
      const entries = new Map<string, PyValue>();
      const mapping = a?.k === 'dict' ? a : a?.k === 'object' ? dictItemsOf(a) : undefined;
      if (mapping) for (const [k, v] of mapping.entries) entries.set(k, v);
      else if (a) {
        for (const pair of host.iterate(a) ?? [unknown('dict() of items that are not known')]) {
          const kv = pair.k === 'tuple' || pair.k === 'list' ? pair.items : undefined;
          const key = dictKey(kv?.[0]);
          if (!kv || kv.length !== 2 || key === undefined) return unknown('dict() of items that are not known pairs');
          entries.set(key, kv[1]!);
        }
      }
      for (const [k, v] of kwargs) entries.set(k, v);
      return { k: 'dict', entries };
    }
    case 'super':
      return { k: 'ref', path: 'super' };
    default:
      return unknown(`${name}()`);
  }
}

export function mathCall(name: string, args: PyValue[]): PyValue {
  const x = num(args[0]);
  if (x === undefined) return unknown(`math.${name}() of a value that is not known`);
  const f = (v: number): PyValue => (Number.isFinite(v) ? { k: 'float', v } : unknown(`math.${name}() is not finite`));
  switch (name) {
    case 'log2':
      return f(Math.log2(x));
    case 'log10':
      return f(Math.log10(x));
    case 'log': {
      const base = num(args[1]);
      return f(base === undefined ? Math.log(x) : Math.log(x) / Math.log(base));
    }
    case 'sqrt':
      return f(Math.sqrt(x));
    case 'exp':
      return f(Math.exp(x));
    case 'ceil':
      return int(Math.ceil(x));
    case 'floor':
      return int(Math.floor(x));
    case 'fabs':
      return f(Math.abs(x));
    case 'pow': {
      const y = num(args[1]);
      return y === undefined ? unknown('math.pow()') : f(x ** y);
    }
    default:
      return unknown(`math.${name}()`);
  }
}

function roundHalfEven(v: number): number {
  const floor = Math.floor(v);
  const diff = v - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

const BUILTIN_TYPES: Record<string, readonly PyValue['k'][]> = {
  int: ['int', 'bool'], float: ['float'], bool: ['bool'], str: ['str'], tuple: ['tuple'], list: ['list'], dict: ['dict'],
};

function inherits(def: ClassDef, target: ClassDef, seen = new Set<ClassDef>()): boolean {
  if (def === target) return true;
  if (seen.has(def)) return false;
  seen.add(def);
  return def.bases.some((b) => b.k === 'class' && inherits(b.def, target, seen));
}

/** Library classes are named in CapWords (`torch.nn.BatchNorm2d`), their functions in lower case (`F.relu`). */
function namesLibraryClass(path: string): boolean {
  return /^[A-Z]/.test(path.slice(path.lastIndexOf('.') + 1));
}

/** `itertools` as architecture tables use it: repeated layer classes, chained stage lists, running sums. */
export function itertoolsCall(host: LibraryHost, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
  const a = args[0];
  switch (name) {
    case 'repeat': {
      const times = args[1] ?? kwargs.get('times');
      const n = intOf(times);
      // Without a count the iterator is endless: only zip() with finite sequences could read it.
      if (!a || n === undefined || n > MAX_LOOP) return unknown(times ? 'itertools.repeat() with a count that is not known' : 'itertools.repeat() without a count');
      return { k: 'list', items: Array.from({ length: Math.max(0, n) }, () => a) };
    }
    case 'chain':
    case 'chain.from_iterable': {
      const parts = name === 'chain' ? args : a ? host.iterate(a) : undefined;
      const lists = parts?.map((v) => host.iterate(v));
      if (!lists || lists.some((l) => !l)) return unknown(`itertools.${name}() of values that are not known`);
      return { k: 'list', items: lists.flatMap((l) => l!) };
    }
    case 'accumulate': {
      const items = a ? host.iterate(a) : undefined;
      if (!items || args[1]) return unknown('itertools.accumulate()');
      const out: PyValue[] = [];
      let acc: PyValue | undefined = kwargs.get('initial');
      if (acc) out.push(acc);
      for (const item of items) out.push((acc = acc ? host.binaryOp('+', acc, item, node) : item));
      return { k: 'list', items: out };
    }
    default:
      return unknown(`itertools.${name}()`);
  }
}

/** `isinstance(value, cls)`: user classes by inheritance, torch.nn layers and builtins by name; unknown when it cannot tell. */
export function isInstance(value: PyValue, cls: PyValue): PyValue {
  const classes = cls.k === 'tuple' ? cls.items : [cls];
  let unsure = value.k === 'unknown';
  for (const c of classes) {
    if (c.k === 'class') {
      const def = value.k === 'object' || value.k === 'stub' ? value.def : value.k === 'module' ? value.obj.def : undefined;
      if (def && inherits(def, c.def)) return { k: 'bool', v: true };
    } else if (c.k === 'ref') {
      const p = canonical(c.path);
      const builtin = BUILTIN_TYPES[p.replace(/^builtins\./, '')];
      if (builtin) {
        if (builtin.includes(value.k)) return { k: 'bool', v: true };
      } else if (p === 'nn.Module') {
        if (value.k === 'module') return { k: 'bool', v: true };
      } else if (p.startsWith('nn.') && value.k === 'module') {
        if (value.obj.layer && `nn.${value.obj.layer.kind}` === p) return { k: 'bool', v: true };
      } else if (/(^|\.)(Sequence|Iterable)$/.test(p)) {
        if (['tuple', 'list'].includes(value.k)) return { k: 'bool', v: true };
      } else if (p === 'types.FunctionType' || p === 'types.MethodType' || p === 'types.LambdaType') {
        if (value.k === 'func') return { k: 'bool', v: true };
        if (value.k === 'unknown' || (value.k === 'ref' && !namesLibraryClass(value.path))) unsure = true;
      } else if (p === 'torch.Tensor' || p === 'nn.Parameter' || p === 'nn.parameter.Parameter') {
        if (value.k === 'tensor' && (p === 'torch.Tensor' || value.param)) return { k: 'bool', v: true };
        // Python numbers, containers, classes and modules are never tensors; arrays of known values stand for tensors too.
        if (value.k === 'array' || (value.k === 'tensor' && !value.param)) unsure = true;
      } else if (p === 'functools.partial') {
        if (value.k === 'partial') return { k: 'bool', v: true };
      } else if (p === 'type' || p === 'builtins.type') {
        if (value.k === 'class' || (value.k === 'ref' && namesLibraryClass(value.path))) return { k: 'bool', v: true };
        if (value.k === 'ref') unsure = true;
      } else if (/(^|\.)Callable$/.test(p)) {
        if (['class', 'func', 'ref', 'partial'].includes(value.k)) return { k: 'bool', v: true };
      } else unsure = true;
    } else unsure = true;
  }
  return unsure ? unknown('isinstance() of a value or class that is not known') : { k: 'bool', v: false };
}


/** Attributes every torch.nn layer object has besides its constructor's settings: its tensors and nn.Module's methods. */
const LAYER_ATTRIBUTES = new Set([
  'weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked', 'training', 'forward', 'extra_repr', 'parameters', 'named_parameters', 'buffers', 'named_buffers', 'children',
  'named_children', 'modules', 'named_modules', 'apply', 'to', 'cuda', 'cpu', 'float', 'half', 'double', 'train', 'eval',
  'requires_grad_', 'zero_grad', 'state_dict', 'load_state_dict', 'register_buffer', 'register_parameter',
  'register_module', 'add_module', 'get_submodule', 'get_parameter', 'register_forward_hook', 'register_forward_pre_hook',
  'register_full_backward_hook', 'type', 'share_memory',
]);

/** Whether a user object, module, class or imported module has an attribute; undefined when that cannot be told. */
function hasAttribute(host: LibraryHost, owner: PyValue, name: string, node: Syn): boolean | undefined {
  if (owner.k === 'module') {
    const obj = owner.obj;
    if (obj.children.has(name) || obj.attrs.has(name)) return true;
    if (obj.layer && (name in obj.layer.config || LAYER_ATTRIBUTES.has(name))) return true;
    if (obj.layer && name === 'reset_parameters') return obj.layer.params > 0;
    if (obj.layer && name === 'reset_running_stats') return /^(BatchNorm|InstanceNorm|SyncBatchNorm)/.test(obj.layer.kind);
    // A torch.nn layer has its constructor's settings, its tensors and nn.Module's API, nothing else: model
    // code probes it for its own hooks (`hasattr(m, 'zero_init_last')`, `hasattr(m, 'init_weights')`).
    if (!obj.def) return obj.layer && name.startsWith('_') ? undefined : false;
    const v = host.getAttr({ k: 'class', def: obj.def }, name, node);
    return v.k !== 'unknown';
  }
  if (owner.k === 'object' || owner.k === 'class' || owner.k === 'pymodule') return host.getAttr(owner, name, node).k !== 'unknown';
  if (owner.k === 'ref') {
    const names = catalogueNames(owner.path);
    return names ? names.includes(name) : undefined;
  }
  return undefined;
}
