import type { Syn } from '../../syntax.js';
import { NONE, unknown, type ModuleObj, type PyValue } from '../values.js';
import { constructLayer, emitLayer, LayerError } from './nn-layers.js';
import { setModuleAttr, tensorArgs, walkModules, type LibraryHost } from './host.js';

/** Methods of `torch.nn.Module` objects: registration, containers, traversal, mode switches. */
export function moduleMethod(host: LibraryHost, obj: ModuleObj, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
  if (name.startsWith('layer.__init__:')) {
    const kind = name.slice('layer.__init__:'.length);
    try {
      obj.layer = constructLayer(kind, args, kwargs);
    } catch (e) {
      if (e instanceof LayerError) return host.fail(e.message, node);
      throw e;
    }
    return NONE;
  }
  if (name === 'layer.forward') {
    // `super().forward(x)` in a subclass of a torch.nn layer: the layer's own computation.
    const x = args[0];
    if (!obj.layer || x?.k !== 'tensor') return host.fail(`${obj.className}.forward() without a layer or a tensor`, node, tensorArgs(args));
    return { k: 'tensor', t: emitLayer(host.b, obj, x.t, host.here(node)) };
  }
  if (obj.className === 'FloatFunctional' && !obj.def) return floatFunctional(host, name, args, kwargs, node);
  switch (name) {
    case 'ModuleDict.__init__': {
      const first = args[0];
      if (first?.k === 'dict') for (const [k, v] of first.entries) if (v.k === 'module') obj.children.set(k, v.obj);
      return NONE;
    }
    case 'items':
    case 'keys':
    case 'values': {
      const entries = [...obj.children];
      const item = ([k, m]: [string, ModuleObj]): PyValue =>
        name === 'keys' ? { k: 'str', v: k } : name === 'values' ? { k: 'module', obj: m } : { k: 'tuple', items: [{ k: 'str', v: k }, { k: 'module', obj: m }] };
      return { k: 'list', items: entries.map(item) };
    }
    case 'Sequential.__init__':
    case 'ModuleList.__init__': {
      // `super().__init__(*layers)` in a subclass of a container.
      const first = args[0];
      const items = name === 'Sequential.__init__' ? (args.length === 1 && first?.k === 'dict' ? [...first.entries] : args.map((a, i) => [String(i), a] as const)) : [...((first && host.iterate(first)) ?? [])].map((a, i) => [String(i), a] as const);
      for (const [k, v] of items) if (v.k === 'module') obj.children.set(k, v.obj);
      return NONE;
    }
    case 'add_module':
    case 'register_module': {
      const key = args[0];
      const m = args[1];
      if (key?.k === 'str' && m?.k === 'module') obj.children.set(key.v, m.obj);
      else host.fail(`${name}() with a name or module that is not known`, node);
      return NONE;
    }
    case 'append':
      if (args[0]?.k === 'module') obj.children.set(String(obj.children.size), args[0].obj);
      return NONE;
    case 'extend':
      for (const item of (args[0] && host.iterate(args[0])) ?? []) if (item.k === 'module') obj.children.set(String(obj.children.size), item.obj);
      return NONE;
    case 'register_buffer':
      if (args[0]?.k === 'str' && args[1]) obj.attrs.set(args[0].v, args[1]);
      return NONE;
    case 'register_parameter':
      if (args[0]?.k === 'str' && args[1]) setModuleAttr(obj, args[0].v, args[1]);
      return NONE;
    case 'forward':
      return host.callModule(obj, args, kwargs, node);
    case 'apply': {
      // `self.apply(init_weights)`: the function on every submodule, children first, then the module itself.
      const fn = args[0];
      if (!fn) return host.fail('apply() without a function', node);
      for (const [, m] of walkModules(obj, true).reverse()) host.invoke(fn, [{ k: 'module', obj: m }], new Map(), node);
      return { k: 'module', obj };
    }
    case 'parameters':
    case 'named_parameters':
    case 'buffers':
    case 'state_dict':
      // Values, not structure: only code that counts or loads weights asks, and the counts come from the layers.
      return unknown(`${name}() of a module`);
    case 'modules':
    case 'children':
    case 'named_modules':
    case 'named_children': {
      const named = name.startsWith('named_') ? walkModules(obj, name.endsWith('modules')) : walkModules(obj, name === 'modules');
      const items = named.map(([path, m]) => (name.startsWith('named_') ? ({ k: 'tuple', items: [{ k: 'str', v: path }, { k: 'module', obj: m }] } as PyValue) : ({ k: 'module', obj: m } as PyValue)));
      return { k: 'list', items };
    }
    case 'eval':
    case 'train':
    case 'to':
    case 'cuda':
    case 'cpu':
    case 'float':
      return { k: 'module', obj };
  }
  return host.fail(`${obj.className}.${name}() is not interpreted`, node, tensorArgs(args));
}

/** `torch.ao.nn.quantized.FloatFunctional`: in a float model each method is the plain op. */
function floatFunctional(host: LibraryHost, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
  const [a, b] = args;
  switch (name) {
    case 'add':
    case 'add_scalar':
      return a && b ? host.binaryOp('+', a, b, node) : host.fail(`FloatFunctional.${name}() needs two operands`, node, tensorArgs(args));
    case 'mul':
    case 'mul_scalar':
      return a && b ? host.binaryOp('*', a, b, node) : host.fail(`FloatFunctional.${name}() needs two operands`, node, tensorArgs(args));
    case 'add_relu': {
      const sum = a && b ? host.binaryOp('+', a, b, node) : undefined;
      return sum?.k === 'tensor' ? { k: 'tensor', t: host.ops(node).unary('Relu', sum.t) } : host.fail('FloatFunctional.add_relu() of values that are not known tensors', node, tensorArgs(args));
    }
    case 'cat':
      return host.invoke({ k: 'ref', path: 'torch.cat' }, args, kwargs, node);
    default:
      return host.fail(`FloatFunctional.${name}() is not interpreted`, node, tensorArgs(args));
  }
}
