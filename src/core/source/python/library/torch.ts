import type { Syn } from '../../syntax.js';
import type { TensorRef } from '../../graph-builder.js';
import { constructLayer, isKnownLayer, LayerError } from './nn-layers.js';
import { NONE, Scope, int, intOf, intsOf, num, recordFields, truthy, unknown, type ClassDef, type PyValue } from '../values.js';
import { arrayCall } from './arrays.js';
import { builtinCall, itertoolsCall, mathCall } from './builtins.js';
import { kerasCall, kerasPath } from './keras.js';
import { PythonTypeError } from '../errors.js';
import { canonical, tensorArgs, type LibraryHost } from './host.js';

const TENSOR_FACTORIES = new Set(['rand', 'randn', 'zeros', 'ones', 'empty', 'full']);

/**
 * Calls of library names the catalogue knows (`torch`, `torch.nn` layers and containers, `torch.nn.functional`,
 * `functools.partial`, `collections.OrderedDict`, `copy`, builtins, `math`): what they build and the IR they emit.
 * The evaluator reaches this only through a `ref` value; everything else it knows is Python.
 */
export function libraryCall(host: LibraryHost, path: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
  const keras = kerasPath(path);
  // The Keras backend's tensor functions (`K.mean`, `K.sigmoid`) are TensorFlow ops under other names.
  const backend = keras?.startsWith('keras.backend.') ? BACKEND_OPS[keras.slice(14)] : undefined;
  if (backend && host.mode === 'graph') return tensorflowCall(host, backend, args, kwargs, node);
  if (keras) return kerasCall(host.keras, host.b, keras, args, kwargs, node, host.here(node));
  if (path.startsWith('tensorflow.') && host.mode === 'graph') return tensorflowCall(host, path.slice(11), args, kwargs, node);
  const p = canonical(path);
  const arg = (i: number, name: string): PyValue | undefined => args[i] ?? kwargs.get(name);
  if (p.startsWith('builtins.')) return builtinCall(host, p.slice(9), args, kwargs, node);
  if (p.startsWith('math.')) return mathCall(p.slice(5), args);
  if (p.startsWith('itertools.')) return itertoolsCall(host, p.slice(10), args, kwargs, node);
  // Quantization-ready models (`torchvision.models.quantization`): the stubs pass float tensors through,
  // FloatFunctional's methods are the float ops they stand for.
  const quant = /(?:^|\.)(QuantStub|DeQuantStub|FloatFunctional)$/.exec(p)?.[1];
  if (quant && /^(torch\.(ao\.)?quantization|nn\.quantized|torch\.ao\.nn\.quantized)\./.test(p)) {
    const layer = quant === 'FloatFunctional' ? undefined : constructLayer('Identity', [], new Map());
    return { k: 'module', obj: host.newModule(quant, host.here(node), layer ? { layer } : {}) };
  }
  if (p.startsWith('nn.') && !p.startsWith('nn.functional.')) {
    const kind = p.slice(3);
    if (kind === 'Module.__init__' || kind === 'Module') return NONE;
    // Weight initialisation changes values, never shapes or counts.
    if (kind.startsWith('init.')) return NONE;
    // A layer subclass's `super().reset_parameters()`: initialisation again.
    if (kind === 'Module.reset_parameters' || kind === 'Module.reset_running_stats') return NONE;
    // torch.nn.modules.utils: `_pair(3)` → (3, 3).
    const repeat = ({ _single: 1, _pair: 2, _triple: 3, _quadruple: 4 } as Record<string, number>)[kind];
    if (repeat !== undefined) {
      const v = args[0];
      if (v?.k === 'tuple' || v?.k === 'list') return { k: 'tuple', items: [...v.items] };
      return v ? { k: 'tuple', items: Array(repeat).fill(v) as PyValue[] } : unknown(`${kind}()`);
    }
    if (kind === 'Sequential') {
      const obj = host.newModule('Sequential', host.here(node));
      const first = args[0];
      if (args.length === 1 && first?.k === 'dict') for (const [k, v] of first.entries) { if (v.k === 'module') obj.children.set(k, v.obj); }
      else args.forEach((a, i) => {
        if (a.k === 'module') obj.children.set(String(i), a.obj);
        else host.fail(`Sequential item ${i} is not a module`, node);
      });
      return { k: 'module', obj };
    }
    if (kind === 'ModuleList') {
      const obj = host.newModule('ModuleList', host.here(node));
      const items = args[0] ? host.iterate(args[0]) : [];
      (items ?? []).forEach((a, i) => {
        if (a.k === 'module') obj.children.set(String(i), a.obj);
      });
      if (!items) host.fail('ModuleList items are not known', node);
      return { k: 'module', obj };
    }
    if (kind === 'ModuleDict') {
      const obj = host.newModule('ModuleDict', host.here(node));
      const first = args[0];
      const pairs: [PyValue, PyValue][] = first?.k === 'dict' ? [...first.entries].map(([k, v]) => [{ k: 'str', v: k }, v]) : [];
      if (first && first.k !== 'dict') for (const p of host.iterate(first) ?? []) if (p.k === 'tuple' || p.k === 'list') pairs.push([p.items[0]!, p.items[1]!]);
      for (const [k, v] of pairs) if (k?.k === 'str' && v?.k === 'module') obj.children.set(k.v, v.obj);
      return { k: 'module', obj };
    }
    if (kind === 'Parameter') {
      const t = args[0];
      if (t?.k === 'tensor') return { k: 'tensor', t: t.t, param: true };
      return host.fail('nn.Parameter of a value that is not a known tensor', node);
    }
    if (isKnownLayer(kind)) {
      try {
        const layer = constructLayer(kind, args, kwargs);
        return { k: 'module', obj: host.newModule(kind, host.here(node), { layer }) };
      } catch (e) {
        if (e instanceof LayerError) {
          // Python raises TypeError for a keyword the constructor does not take; a surrounding `try` may handle it.
          if (host.tryDepth > 0 && /has no argument|positional arguments/.test(e.message)) throw new PythonTypeError(e.message);
          return host.fail(e.message, node);
        }
        throw e;
      }
    }
    return host.fail(`nn.${kind} is not interpreted`, node);
  }
  if (p === 'collections.OrderedDict' || p === 'typing.OrderedDict') {
    // OrderedDict([(name, value), ...]): the form `nn.Sequential` takes for named children.
    const entries = new Map<string, PyValue>();
    for (const pair of (args[0] && host.iterate(args[0])) ?? []) {
      const kv = pair.k === 'tuple' || pair.k === 'list' ? pair.items : [];
      if (kv[0]?.k === 'str' && kv[1]) entries.set(kv[0].v, kv[1]);
      else return host.fail('OrderedDict entries that are not (name, value) pairs', node);
    }
    for (const [k, v] of kwargs) entries.set(k, v);
    return { k: 'dict', entries };
  }
  if (p.startsWith('re.')) return regexCall(p.slice(3), args);
  // Arithmetic on known values (`torch.arange(depth) * w_a + w_0`, `np.power(w_m, ks)`): architecture tables.
  const numeric = /^(torch|numpy)\.(\w+)$/.exec(p);
  const computed = numeric ? arrayCall(numeric[1] as 'torch' | 'numpy', numeric[2]!, args, kwargs) : undefined;
  if (computed) return computed;
  if (p === 'copy.copy' || p === 'copy.deepcopy') {
    const v = args[0];
    if (v?.k === 'object') return { k: 'object', def: v.def, attrs: new Map(v.attrs) };
    if (v?.k === 'list' || v?.k === 'tuple') return { k: v.k, items: [...v.items] };
    if (v?.k === 'dict') return { k: 'dict', entries: new Map(v.entries) };
    return v && v.k !== 'module' ? v : unknown(`${p}() of a module is not interpreted`);
  }
  if (p.startsWith('dataclasses.')) {
    const result = dataclassCall(host, p.slice(12), args, kwargs, node);
    if (result) return result;
  }
  if (p === 'collections.namedtuple' || p === 'typing.NamedTuple') {
    return namedTupleClass(args, kwargs, node);
  }
  if (p.startsWith('torch.autograd.ctx.')) return NONE;
  if (p === 'functools.partial') {
    const [fn, ...rest] = args;
    return fn ? { k: 'partial', fn, args: rest, kwargs } : unknown('partial()');
  }
  const ops = host.ops(node);
  const x = args[0];
  const tensorOf = (v: PyValue | undefined): TensorRef | undefined => (v?.k === 'tensor' ? v.t : undefined);
  // Tensor factories give shapes at the call site and constant tensors inside modules.
  const factory = p.startsWith('torch.') ? p.slice(6) : '';
  if (TENSOR_FACTORIES.has(factory)) {
    const dims = factory === 'full' ? intsOf(args[0]) : args.length === 1 ? intsOf(args[0]) : intsOf({ k: 'tuple', items: args });
    if (!dims || dims.some((d) => d < 0)) return host.fail(`torch.${factory} with a size that is not known`, node);
    return { k: 'tensor', t: host.mode === 'site' ? { name: '', shape: dims } : ops.constant(dims) };
  }
  if (host.mode === 'site') {
    if (p === 'torchstat.stat' || p === 'stat') return recordStat(host, args);
    return unknown(`${p} at top level`);
  }
  const t = tensorOf(x);
  const fn = p.startsWith('nn.functional.') ? `F.${p.slice(14)}` : p;
  const unary = (op: string) => (t ? { k: 'tensor', t: ops.unary(op, t) } as PyValue : host.fail(`${path} without a tensor`, node));
  switch (fn) {
    case 'F.relu':
    case 'torch.relu':
      return unary('Relu');
    case 'F.sigmoid':
    case 'torch.sigmoid':
      return unary('Sigmoid');
    case 'F.tanh':
    case 'torch.tanh':
      return unary('Tanh');
    case 'F.hardswish':
      return unary('HardSwish');
    case 'F.hardsigmoid':
      return t ? { k: 'tensor', t: ops.hardsigmoid(t) } : host.fail(`${path} without a tensor`, node);
    case 'F.silu':
      return t ? { k: 'tensor', t: ops.silu(t) } : host.fail(`${path} without a tensor`, node);
    case 'F.relu6':
      return t ? { k: 'tensor', t: ops.relu6(t) } : host.fail(`${path} without a tensor`, node);
    case 'F.gelu':
      return t ? { k: 'tensor', t: ops.gelu(t) } : host.fail(`${path} without a tensor`, node);
    case 'F.mish':
      return unary('Mish');
    case 'F.softplus':
      return unary('Softplus');
    case 'F.selu':
    case 'torch.selu':
      return unary('Selu');
    case 'F.elu':
      return t ? { k: 'tensor', t: ops.unary('Elu', t, { alpha: { type: 'float', value: num(arg(1, 'alpha')) ?? 1 } }) } : host.fail(`${path} without a tensor`, node);
    case 'F.leaky_relu':
      return t ? { k: 'tensor', t: ops.unary('LeakyRelu', t, { alpha: { type: 'float', value: num(arg(1, 'negative_slope')) ?? 0.01 } }) } : host.fail(`${path} without a tensor`, node);
    case 'F.hardtanh':
    case 'torch.clamp':
    case 'torch.clip': {
      const isTanh = fn === 'F.hardtanh';
      const lo = num(arg(1, isTanh ? 'min_val' : 'min')) ?? (isTanh ? -1 : undefined);
      const hi = num(arg(2, isTanh ? 'max_val' : 'max')) ?? (isTanh ? 1 : undefined);
      return t ? { k: 'tensor', t: ops.clip(t, lo, hi) } : host.fail(`${path} without a tensor`, node);
    }
    case 'F.linear': {
      const w = tensorOf(arg(1, 'weight'));
      const bias = tensorOf(arg(2, 'bias'));
      if (!t || !w) return host.fail(`${path} with a weight that is not a known tensor`, node, tensorArgs(args));
      return { k: 'tensor', t: ops.linear(t, w, bias) };
    }
    case 'F.dropout':
    case 'F.dropout1d':
    case 'F.dropout2d':
    case 'F.dropout3d':
    case 'F.alpha_dropout':
      // Read as an inference graph (eval mode): dropout passes its input through.
      return t ? x! : host.fail(`${path} without a tensor`, node);
    case 'F.batch_norm': {
      // F.batch_norm(x, running_mean, running_var, weight, bias, training, momentum, eps): what BatchNorm2d's
      // forward calls, and what norm+activation layers that copy that forward call.
      const given = [arg(3, 'weight'), arg(4, 'bias'), arg(1, 'running_mean'), arg(2, 'running_var')];
      const stats = given.map(tensorOf);
      const absent = given.map((v) => !v || v.k === 'none');
      const eps = num(arg(7, 'eps')) ?? 1e-5;
      // Without running statistics it normalises by the batch's own (weight standardisation in ScaledStdConv2d).
      if (t && absent[2] && absent[3] && stats.every((v, i) => v || absent[i])) return { k: 'tensor', t: ops.batchStatsNorm(t, stats[0], stats[1], eps) };
      if (!t || stats.some((v) => !v)) return host.fail(`${path} with statistics or an affine transform that are not known tensors`, node, tensorArgs(args));
      return { k: 'tensor', t: ops.batchNorm(t, stats as TensorRef[], eps) };
    }
    case 'F.conv1d':
    case 'F.conv2d':
    case 'F.conv3d': {
      const w = tensorOf(arg(1, 'weight'));
      const bias = tensorOf(arg(2, 'bias'));
      const rank = Number(fn.slice(-2, -1));
      const per = (v: PyValue | undefined, fallback: number) => {
        const ints = v === undefined || v.k === 'none' ? [fallback] : intsOf(v);
        return ints && (ints.length === 1 ? (Array(rank).fill(ints[0]) as number[]) : ints);
      };
      const stride = per(arg(3, 'stride'), 1);
      const padding = per(arg(4, 'padding'), 0);
      const dilation = per(arg(5, 'dilation'), 1);
      const groups = intOf(arg(6, 'groups') ?? int(1));
      const kernel = w?.shape?.slice(2);
      if (!t || !w || !kernel || kernel.some((k) => typeof k !== 'number') || !stride || !padding || !dilation || groups === undefined) {
        return host.fail(`${path} with arguments that are not known`, node, tensorArgs(args));
      }
      return { k: 'tensor', t: ops.conv(t, w, bias, kernel as number[], stride, [...padding, ...padding], dilation, groups) };
    }
    case 'F.softmax':
    case 'torch.softmax': {
      const dim = intOf(arg(1, 'dim'));
      return t && dim !== undefined ? { k: 'tensor', t: ops.unary('Softmax', t, { axis: { type: 'int', value: dim } }) } : host.fail(`${path} with a dim that is not known`, node, tensorArgs(args));
    }
    case 'F.adaptive_avg_pool1d':
    case 'F.adaptive_avg_pool2d':
    case 'F.adaptive_avg_pool3d':
    case 'F.adaptive_max_pool1d':
    case 'F.adaptive_max_pool2d':
    case 'F.adaptive_max_pool3d': {
      const size = intsOf(arg(1, 'output_size'));
      if (t && size && size.every((s) => s === 1)) return { k: 'tensor', t: ops.globalPool(fn.startsWith('F.adaptive_avg') ? 'GlobalAveragePool' : 'GlobalMaxPool', t) };
      return host.fail(`${path} with output size other than 1 is not interpreted`, node, tensorArgs(args));
    }
    case 'F.avg_pool2d':
    case 'F.max_pool2d': {
      const k = intsOf(arg(1, 'kernel_size'));
      const sArg = arg(2, 'stride');
      const s = sArg && sArg.k !== 'none' ? intsOf(sArg) : k;
      const pad = intsOf(arg(3, 'padding') ?? int(0));
      const ceilArg = kwargs.get('ceil_mode');
      if (!t || !k || !s || !pad) return host.fail(`${path} with arguments that are not known`, node, tensorArgs(args));
      const two = (v: number[]) => (v.length === 1 ? [v[0]!, v[0]!] : v);
      return { k: 'tensor', t: ops.pool(fn === 'F.avg_pool2d' ? 'AveragePool' : 'MaxPool', t, two(k), two(s), two(pad), ceilArg ? truthy(ceilArg) === true : false) };
    }
    case 'torch.mul':
    case 'torch.add':
    case 'torch.sub':
    case 'torch.div':
    case 'torch.matmul': {
      const opSym = { 'torch.mul': '*', 'torch.add': '+', 'torch.sub': '-', 'torch.div': '/', 'torch.matmul': '@' }[fn]!;
      const a = args[0];
      const b = args[1] ?? kwargs.get('other');
      if (!a || !b) return host.fail(`${path} needs two operands`, node, tensorArgs(args));
      return host.binaryOp(opSym, a, b, node);
    }
    case 'torch.cat':
    case 'torch.concat': {
      const items = x ? host.iterate(x) : undefined;
      const dim = intOf(arg(1, 'dim') ?? int(0));
      const ts = items?.map(tensorOf);
      if (!ts || ts.some((v) => !v) || dim === undefined) return host.fail(`${path} of values that are not known tensors`, node, tensorArgs(items ?? []));
      return { k: 'tensor', t: ops.concat(ts as TensorRef[], dim) };
    }
    case 'torch.flatten':
      if (!t) return host.fail(`${path} without a tensor`, node);
      return { k: 'tensor', t: ops.flatten(t, intOf(arg(1, 'start_dim')) ?? 0, intOf(arg(2, 'end_dim')) ?? -1) };
    case 'torch.split':
    case 'torch.chunk':
    case 'torch.mean':
    case 'torch.sum':
    case 'torch.amax':
    case 'torch.amin':
    case 'torch.max':
    case 'torch.min':
      return t ? host.method(x!, fn.slice(6), args.slice(1), kwargs, node) : host.fail(`${path} without a tensor`, node);
    case 'torch.no_grad':
      return NONE;
    case 'torch.jit.is_scripting':
    case 'torch.jit.is_tracing':
    case 'torch.onnx.is_in_onnx_export':
      return { k: 'bool', v: false };
    case 'F.interpolate':
    case 'F.upsample': {
      // Output size as PyTorch computes it: `size` as given, or floor(input * scale_factor) per spatial axis.
      const spatial = t?.shape?.slice(2);
      const sizeArg = arg(1, 'size');
      const scaleArg = arg(2, 'scale_factor');
      const mode = arg(3, 'mode');
      const per = <T>(v: T[] | undefined): T[] | undefined => (v && spatial ? (v.length === 1 ? spatial.map(() => v[0]!) : v) : undefined);
      let out: number[] | undefined;
      if (sizeArg && sizeArg.k !== 'none') out = per(intsOf(sizeArg));
      else if (scaleArg && scaleArg.k !== 'none') {
        const scales = per(scaleArg.k === 'tuple' || scaleArg.k === 'list' ? scaleArg.items.map(num) : [num(scaleArg)]);
        out = spatial?.every((d) => typeof d === 'number') && scales?.every((f) => f !== undefined) ? spatial.map((d, i) => Math.floor((d as number) * scales[i]!)) : undefined;
      }
      if (!t || !out || out.length !== spatial?.length) return host.fail(`${path} with a size that is not known`, node, tensorArgs(args));
      return { k: 'tensor', t: ops.resize(t, out, mode?.k === 'str' ? mode.v : 'nearest') };
    }
    case 'F.pad': {
      const pads = intsOf(arg(1, 'pad'));
      const modeArg = arg(2, 'mode') ?? { k: 'str', v: 'constant' };
      const rank = t?.shape?.length;
      if (!t || !pads || pads.length % 2 !== 0 || modeArg.k !== 'str' || rank === undefined || pads.length / 2 > rank) {
        return host.fail(`${path} with arguments that are not known`, node, tensorArgs(args));
      }
      const modes: Record<string, string> = { constant: 'constant', reflect: 'reflect', replicate: 'edge', circular: 'wrap' };
      const mode = modes[modeArg.v];
      if (!mode) return host.fail(`${path} mode '${modeArg.v}' is not interpreted`, node, [t]);
      return { k: 'tensor', t: ops.pad(t, pads, mode) };
    }
  }
  if (t) return host.fail(`${path} is not interpreted`, node, tensorArgs(args));
  return unknown(`${path} is not interpreted`);
}

function recordStat(host: LibraryHost, args: PyValue[]): PyValue {
  const [model, size] = args;
  const dims = intsOf(size);
  if (model?.k === 'stub' && dims && dims.length === 3) {
    const site = host.callSites.find((s) => s.args === model.args && s.def === model.def);
    if (site && !site.inputShape) site.inputShape = [1, ...dims];
  }
  return NONE;
}

/** `namedtuple('Cfg', ['a', 'b'], defaults=(2,))` or `namedtuple('Cfg', 'a b')`: a record class made by a call. */
function namedTupleClass(args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
  const [name, spec] = args;
  const fieldsValue = spec ?? kwargs.get('field_names');
  let fields: string[] | undefined;
  if (fieldsValue?.k === 'str') fields = fieldsValue.v.split(/[\s,]+/).filter(Boolean);
  else if (fieldsValue?.k === 'list' || fieldsValue?.k === 'tuple') {
    fields = fieldsValue.items.map((f) => (f.k === 'str' ? f.v : f.k === 'tuple' && f.items[0]?.k === 'str' ? f.items[0].v : ''));
  }
  if (name?.k !== 'str' || !fields || fields.some((f) => !f)) return unknown('namedtuple() with a name or fields that are not known');
  const attrs = new Map<string, PyValue>();
  const defaults = kwargs.get('defaults');
  if (defaults?.k === 'tuple' || defaults?.k === 'list') {
    const offset = fields.length - defaults.items.length;
    defaults.items.forEach((v, i) => attrs.set(fields![offset + i]!, v));
  }
  const def: ClassDef = { name: name.v, node, bases: [], methods: new Map(), attrs, closure: new Scope(), isModule: false, fields, record: 'namedtuple' };
  return { k: 'class', def };
}

/**
 * `re.split` / `re.sub` / `re.findall` / `re.match` on known strings, for configs decoded from strings
 * (EfficientNet's 'r1_k3_s11_e1_i32_o16_se0.25'). Patterns are read as JavaScript expressions, which agree
 * with Python's for the classes, groups and quantifiers such code uses; anything else stays unknown.
 */
function regexCall(name: string, args: PyValue[]): PyValue {
  const [pattern, a, b] = args;
  if (pattern?.k !== 'str') return unknown(`re.${name}() with a pattern that is not known`);
  let re: RegExp;
  try {
    re = new RegExp(pattern.v, name === 'sub' || name === 'findall' ? 'g' : '');
  } catch {
    return unknown(`re.${name}() pattern '${pattern.v}'`);
  }
  const str = (v: string): PyValue => ({ k: 'str', v });
  switch (name) {
    case 'split':
      return a?.k === 'str' ? { k: 'list', items: a.v.split(re).map((x) => str(x ?? '')) } : unknown('re.split()');
    case 'sub':
      return a?.k === 'str' && b?.k === 'str' ? str(b.v.replace(re, a.v.replace(/\\(\d)/g, '$$$1'))) : unknown('re.sub()');
    case 'findall':
      return a?.k === 'str' ? { k: 'list', items: [...a.v.matchAll(re)].map((m) => str(m[1] ?? m[0])) } : unknown('re.findall()');
    case 'match':
    case 'fullmatch':
    case 'search': {
      if (a?.k !== 'str') return unknown(`re.${name}()`);
      const m = name === 'search' ? re.exec(a.v) : new RegExp(`^(?:${pattern.v})${name === 'fullmatch' ? '$' : ''}`).exec(a.v);
      return m ? { k: 'bool', v: true } : NONE;
    }
    default:
      return unknown(`re.${name}()`);
  }
}

const BACKEND_OPS: Record<string, string> = {
  mean: 'reduce_mean', max: 'reduce_max', sigmoid: 'sigmoid', relu: 'nn.relu', reshape: 'reshape', multiply: 'multiply',
};

/** The TensorFlow ops Keras SE code writes between layers: `tf.multiply`, `tf.reduce_mean`, `tf.nn.sigmoid`. */
function tensorflowCall(host: LibraryHost, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue {
  const x = args[0];
  const t = x?.k === 'tensor' ? x.t : undefined;
  const ops = host.ops(node);
  switch (name) {
    case 'multiply':
    case 'math.multiply':
    case 'add':
    case 'math.add': {
      const b = args[1];
      return x && b ? host.binaryOp(name.endsWith('multiply') ? '*' : '+', x, b, node) : host.fail(`tf.${name} needs two operands`, node, tensorArgs(args));
    }
    case 'reduce_mean':
    case 'math.reduce_mean':
    case 'reduce_max':
    case 'math.reduce_max': {
      const axis = intsOf(args[1] ?? kwargs.get('axis'));
      const keep = truthy(args[2] ?? kwargs.get('keepdims') ?? { k: 'bool', v: false });
      if (!t || !axis || keep === undefined) return host.fail(`tf.${name} with arguments that are not known`, node, tensorArgs(args));
      return { k: 'tensor', t: ops.reduce(name.endsWith('mean') ? 'ReduceMean' : 'ReduceMax', t, axis, keep) };
    }
    case 'sigmoid':
    case 'nn.sigmoid':
    case 'math.sigmoid':
      return t ? { k: 'tensor', t: ops.unary('Sigmoid', t) } : host.fail(`tf.${name} without a tensor`, node);
    case 'nn.relu':
      return t ? { k: 'tensor', t: ops.unary('Relu', t) } : host.fail(`tf.${name} without a tensor`, node);
    case 'nn.swish':
    case 'nn.silu':
      return t ? { k: 'tensor', t: ops.silu(t) } : host.fail(`tf.${name} without a tensor`, node);
    case 'reshape': {
      const dims = intsOf(args[1] ?? kwargs.get('shape'));
      return t && dims ? { k: 'tensor', t: ops.reshape(t, dims) } : host.fail(`tf.${name} with a shape that is not known`, node, tensorArgs(args));
    }
    default:
      return t ? host.fail(`tf.${name} is not interpreted`, node, tensorArgs(args)) : unknown(`tf.${name} is not interpreted`);
  }
}

/**
 * The `dataclasses` helpers config code calls: `replace` (a copy with some fields changed), `asdict` /
 * `astuple` (fields in declaration order, nested dataclasses converted too) and `field` (its default, or
 * what its default factory makes). Undefined for the others.
 */
function dataclassCall(host: LibraryHost, name: string, args: PyValue[], kwargs: Map<string, PyValue>, node: Syn): PyValue | undefined {
  const obj = args[0];
  switch (name) {
    case 'replace': {
      if (obj?.k !== 'object' || !obj.def.record) return unknown('dataclasses.replace() of a value that is not a known dataclass');
      const attrs = new Map(obj.attrs);
      for (const [k, v] of kwargs) attrs.set(k, v);
      return { k: 'object', def: obj.def, attrs };
    }
    case 'asdict':
    case 'astuple': {
      if (obj?.k !== 'object' || !obj.def.record) return unknown(`dataclasses.${name}() of a value that is not a known dataclass`);
      const plain = (v: PyValue): PyValue => {
        if (v.k === 'object' && v.def.record) {
          const entries = recordFields(v.def).map((f) => [f, plain(v.attrs.get(f) ?? unknown(`field '${f}'`))] as const);
          return name === 'asdict' ? { k: 'dict', entries: new Map(entries) } : { k: 'tuple', items: entries.map(([, x]) => x) };
        }
        if (v.k === 'list' || v.k === 'tuple') return { k: v.k, items: v.items.map(plain) };
        if (v.k === 'dict') return { k: 'dict', entries: new Map([...v.entries].map(([k, x]) => [k, plain(x)])) };
        return v;
      };
      return plain(obj);
    }
    case 'field': {
      const factory = kwargs.get('default_factory');
      if (factory) return host.invoke(factory, [], new Map(), node);
      return kwargs.get('default') ?? unknown('dataclasses.field() without a default');
    }
    default:
      return undefined;
  }
}
