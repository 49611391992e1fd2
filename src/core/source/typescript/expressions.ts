import { child, namedChildren, textOf, type Syn } from '../syntax.js';
import { construct, layerConfig, readClass, runConstructor } from './classes.js';
import type { TsInterpreter } from './interpreter.js';
import { prototypeOf, superMember } from './members.js';
import { instanceOf, isTypeNode, keyText, typeOf, unescape } from './syntax-values.js';
import { callLibrary } from './tf-library.js';
import { ANONYMOUS, binary, firstLine, numV, strV, textValue, truthy, UNDEF, unknown, type TsScope, type TsValue } from './values.js';

/**
 * Expressions: literals, template strings, objects and arrays with spreads, operators with JavaScript's
 * short-circuiting, conditionals, assignments, calls and `new`. Unknown values stay unknown with the
 * reason; they are reported where a model needs them.
 */

/**
 * Names a builtin may be called by without being declared. `tf` among them: pages that load TF.js with a
 * `<script>` tag (its UMD bundle) use the global `tf` it defines, with no import, or read it off the page's
 * global object (`window.tf`, `self.tf` in a worker).
 */
const GLOBALS = new Set(['Math', 'Number', 'String', 'Boolean', 'parseInt', 'parseFloat', 'Array', 'Object', 'JSON', 'console', 'process', 'require', 'isFinite', 'isNaN', 'Infinity', 'NaN', 'globalThis', 'window', 'self', 'structuredClone', 'tf']);
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);

export function evaluate(interp: TsInterpreter, n: Syn, scope: TsScope): TsValue {
  interp.tick();
  switch (n.type) {
    case 'number': {
      const v = Number(textOf(n).replace(/_/g, ''));
      return Number.isFinite(v) ? numV(v) : unknown('number');
    }
    case 'string': {
      let s = '';
      for (const c of n.children) if (c.type === 'string_fragment' || c.type === 'escape_sequence') s += c.type === 'escape_sequence' ? unescape(textOf(c)) : textOf(c);
      return strV(s);
    }
    case 'template_string': {
      let s = '';
      for (const c of n.children) {
        if (c.type === 'string_fragment' || c.type === 'escape_sequence') s += c.type === 'escape_sequence' ? unescape(textOf(c)) : textOf(c);
        else if (c.type === 'template_substitution') {
          const e = namedChildren(c)[0];
          const t = e ? textValue(interp.eval(e, scope)) : undefined;
          if (t === undefined) return unknown(`template string '${firstLine(textOf(n))}'`);
          s += t;
        }
      }
      return strV(s);
    }
    case 'true':
      return { k: 'bool', v: true };
    case 'false':
      return { k: 'bool', v: false };
    case 'null':
      return { k: 'null' };
    case 'undefined':
      return UNDEF;
    case 'identifier': {
      const name = textOf(n);
      const v = scope.get(name);
      if (v) return v;
      if (name === 'undefined') return UNDEF;
      if (GLOBALS.has(name)) return { k: 'ref', path: name };
      return unknown(`'${name}' is not defined`);
    }
    case 'parenthesized_expression':
    case 'as_expression':
    case 'satisfies_expression':
    case 'non_null_expression':
    case 'type_assertion': {
      // A loop, not `find` with a closure: every `x as tf.SymbolicTensor` of model code passes here.
      for (const c of namedChildren(n)) if (!isTypeNode(c)) return interp.eval(c, scope);
      return unknown('empty expression');
    }
    case 'sequence_expression': {
      let last: TsValue = UNDEF;
      for (const c of namedChildren(n)) last = interp.eval(c, scope);
      return last;
    }
    case 'array': {
      const items: TsValue[] = [];
      for (const c of namedChildren(n)) {
        if (c.type === 'spread_element') {
          const inner = namedChildren(c)[0];
          const v = inner ? interp.eval(inner, scope) : UNDEF;
          if (v.k === 'arr') items.push(...v.items);
          else items.push(unknown('spread'));
        } else items.push(interp.eval(c, scope));
      }
      return { k: 'arr', items };
    }
    case 'object': {
      const props = new Map<string, TsValue>();
      for (const c of namedChildren(n)) {
        if (c.type === 'pair') {
          const key = child(c, 'key');
          const value = child(c, 'value');
          if (!key || !value) continue;
          let k: TsValue;
          if (key.type === 'computed_property_name') {
            const e = namedChildren(key)[0];
            k = e ? interp.eval(e, scope) : UNDEF;
          } else k = strV(keyText(key));
          const text = textValue(k);
          if (text !== undefined) props.set(text, interp.eval(value, scope));
        } else if (c.type === 'shorthand_property_identifier') {
          props.set(textOf(c), interp.eval(c.as('identifier'), scope));
        } else if (c.type === 'spread_element') {
          const inner = namedChildren(c)[0];
          const v = inner ? interp.eval(inner, scope) : UNDEF;
          if (v.k === 'obj' || v.k === 'instance') for (const [k, x] of v.props) props.set(k, x);
        } else if (c.type === 'method_definition') {
          const name = child(c, 'name');
          if (name) props.set(keyText(name), { k: 'func', def: interp.func(keyText(name), c, scope) });
        }
      }
      return { k: 'obj', props };
    }
    case 'member_expression': {
      const obj = child(n, 'object');
      const prop = child(n, 'property');
      if (!obj || !prop) return unknown('incomplete member');
      if (obj.type === 'super') return superMember(interp, scope, textOf(prop));
      const o = interp.eval(obj, scope);
      if ((o.k === 'undef' || o.k === 'null') && n.children.some((c) => c.field === 'optional_chain' || c.type === 'optional_chain')) return UNDEF;
      return interp.member(o, textOf(prop), n);
    }
    case 'subscript_expression': {
      const obj = child(n, 'object');
      const idx = child(n, 'index');
      if (!obj || !idx) return unknown('incomplete subscript');
      const o = interp.eval(obj, scope);
      const i = interp.eval(idx, scope);
      if (o.k === 'arr' && i.k === 'num') return o.items[i.v < 0 ? NaN : i.v] ?? UNDEF;
      // A layer's `call(inputs)` gets a list of tensors in TF.js models and a tensor when applied eagerly: `inputs[0]` is read as either.
      if (o.k === 'tensor' && i.k === 'num' && i.v === 0) return o;
      if (o.k === 'str' && i.k === 'num') return o.v[i.v] === undefined ? UNDEF : strV(o.v[i.v]!);
      const key = textValue(i);
      if (key !== undefined && o.k !== 'arr') return interp.member(o, key, n);
      if (o.k === 'unknown') return o;
      return unknown(`'${firstLine(textOf(n))}'`);
    }
    case 'call_expression':
      return callExpression(interp, n, scope);
    case 'new_expression': {
      const ctor = child(n, 'constructor');
      const argsNode = child(n, 'arguments');
      const c = ctor ? interp.eval(ctor, scope) : UNDEF;
      const args = argsNode ? interp.evalArgs(argsNode, scope) : [];
      if (c.k === 'class') return construct(interp, c.cls, args, n);
      if (c.k === 'ref') return callLibrary(interp, `new ${c.path}`, args, n);
      if (c.k === 'func' && c.def.node.type !== 'arrow_function') {
        // An ES5 constructor: a new object with its prototype's methods, `this` in the function.
        const self: TsValue = { k: 'obj', props: new Map(prototypeOf(c.def).props) };
        const returned = interp.callFunction({ ...c.def, self }, args, n);
        return returned.k === 'obj' || returned.k === 'instance' ? returned : self;
      }
      return interp.fail(`'new ${ctor ? firstLine(textOf(ctor)) : ''}' is not interpreted`, n);
    }
    case 'arrow_function':
    case 'function_expression':
    case 'function':
    case 'generator_function': {
      const name = child(n, 'name');
      const given = interp.functionName;
      interp.functionName = undefined;
      return { k: 'func', def: interp.func(name ? textOf(name) : given ?? ANONYMOUS, n, scope) };
    }
    case 'class': {
      const cls = readClass(interp, n, scope, interp.declaring);
      return cls ? { k: 'class', cls } : unknown('class expression');
    }
    case 'binary_expression': {
      const l = child(n, 'left');
      const r = child(n, 'right');
      const op = child(n, 'operator');
      if (!l || !r || !op) return unknown('incomplete expression');
      const o = textOf(op);
      const lv = interp.eval(l, scope);
      if (o === '&&' || o === '||' || o === '??') {
        const t = o === '??' ? (lv.k === 'unknown' ? undefined : lv.k !== 'null' && lv.k !== 'undef') : truthy(lv);
        if (t === undefined) return unknown(`'${firstLine(textOf(n))}'`);
        if (o === '&&') return t ? interp.eval(r, scope) : lv;
        return t ? lv : interp.eval(r, scope);
      }
      if (o === 'instanceof') return instanceOf(lv, interp.eval(r, scope));
      if (o === 'in') {
        const obj = interp.eval(r, scope);
        return lv.k === 'str' && (obj.k === 'obj' || obj.k === 'instance') ? { k: 'bool', v: obj.props.has(lv.v) } : unknown("'in'");
      }
      return binary(o, lv, interp.eval(r, scope));
    }
    case 'unary_expression': {
      const arg = child(n, 'argument');
      const op = child(n, 'operator');
      if (!arg || !op) return unknown('incomplete expression');
      const v = interp.eval(arg, scope);
      switch (textOf(op)) {
        case '-':
          return v.k === 'num' ? numV(-v.v) : unknown('-');
        case '+':
          return v.k === 'num' ? v : v.k === 'str' && v.v.trim() !== '' && !Number.isNaN(Number(v.v)) ? numV(Number(v.v)) : unknown('+');
        case '!': {
          const t = truthy(v);
          return t === undefined ? unknown('!') : { k: 'bool', v: !t };
        }
        case '~':
          return v.k === 'num' ? numV(~v.v) : unknown('~');
        case 'typeof':
          return typeOf(v);
        case 'void':
          return UNDEF;
        default:
          return unknown(textOf(op));
      }
    }
    case 'ternary_expression': {
      const c = child(n, 'condition');
      const a = child(n, 'consequence');
      const b = child(n, 'alternative');
      const t = c ? truthy(interp.eval(c, scope)) : undefined;
      if (t === undefined || !a || !b) return interp.fail(`condition '${c ? firstLine(textOf(c)) : ''}' is not known`, n);
      return interp.eval(t ? a : b, scope);
    }
    case 'assignment_expression': {
      const l = child(n, 'left');
      const r = child(n, 'right');
      if (!l || !r) return unknown('incomplete assignment');
      const saved = interp.declaring;
      if (l.type === 'identifier') interp.declaring = textOf(l);
      else if (l.type === 'member_expression') interp.declaring = textOf(child(l, 'property') ?? l);
      const v = interp.eval(r, scope);
      interp.declaring = saved;
      interp.bind(l, v, scope, false);
      interp.record(n, l, v);
      return v;
    }
    case 'augmented_assignment_expression': {
      const l = child(n, 'left');
      const r = child(n, 'right');
      const op = child(n, 'operator');
      if (!l || !r || !op) return unknown('incomplete assignment');
      const o = textOf(op).slice(0, -1);
      const lv = interp.eval(l, scope);
      let v: TsValue;
      if (o === '||' || o === '&&' || o === '??') {
        const t = o === '??' ? lv.k !== 'null' && lv.k !== 'undef' : truthy(lv);
        v = (o === '&&' ? !t : t) ? lv : interp.eval(r, scope);
      } else v = binary(o, lv, interp.eval(r, scope));
      interp.bind(l, v, scope, false);
      return v;
    }
    case 'update_expression': {
      const arg = child(n, 'argument');
      const op = child(n, 'operator');
      if (!arg || !op) return unknown('update');
      const v = interp.eval(arg, scope);
      if (v.k !== 'num') return unknown('update of a value that is not a number');
      const next = numV(v.v + (textOf(op) === '++' ? 1 : -1));
      interp.bind(arg, next, scope, false);
      return textOf(n).startsWith(textOf(op)) ? next : v;
    }
    case 'this':
      return scope.get('this') ?? unknown('this');
    case 'await_expression': {
      const inner = namedChildren(n)[0];
      return inner ? interp.eval(inner, scope) : UNDEF;
    }
    case 'regex':
      return unknown('regular expression');
    case 'ERROR':
      return unknown(`cannot read '${firstLine(textOf(n))}'`);
    default:
      return unknown(`'${firstLine(textOf(n))}' is not interpreted`);
  }
}

export function evalArgs(interp: TsInterpreter, argsNode: Syn, scope: TsScope): TsValue[] {
  const args: TsValue[] = [];
  for (const a of namedChildren(argsNode)) {
    if (a.type === 'spread_element') {
      const inner = namedChildren(a)[0];
      const v = inner ? interp.eval(inner, scope) : UNDEF;
      if (v.k === 'arr') args.push(...v.items);
      else args.push(unknown('spread'));
    } else args.push(interp.eval(a, scope));
  }
  return args;
}

function callExpression(interp: TsInterpreter, n: Syn, scope: TsScope): TsValue {
  const fnNode = child(n, 'function');
  const argsNode = child(n, 'arguments');
  if (!fnNode) return unknown('incomplete call');
  // `await import('@tensorflow/tfjs')` (a page that loads TF.js only where it runs): as `require`, promises being transparent here.
  if (fnNode.type === 'import') return callLibrary(interp, 'require', argsNode ? interp.evalArgs(argsNode, scope) : [], n);
  if (fnNode.type === 'super') {
    const self = scope.get('this');
    const owner = scope.get('%owner');
    const base = owner?.k === 'class' ? owner.cls.base : undefined;
    const args = argsNode ? interp.evalArgs(argsNode, scope) : [];
    if (base?.k === 'class' && self?.k === 'instance') runConstructor(interp, base.cls, self, args, n);
    else if (self?.k === 'instance') layerConfig(self, args[0]);
    return UNDEF;
  }
  // `obj.method()`: the object is `this` in the method (an arrow function keeps its own).
  const objectNode = fnNode.type === 'member_expression' ? child(fnNode, 'object') : undefined;
  const receiver = objectNode && objectNode.type !== 'super' ? interp.eval(objectNode, scope) : undefined;
  const propertyNode = objectNode ? child(fnNode, 'property') : undefined;
  let fn: TsValue;
  if (receiver && propertyNode) {
    if ((receiver.k === 'undef' || receiver.k === 'null') && fnNode.children.some((c) => c.field === 'optional_chain' || c.type === 'optional_chain')) return UNDEF;
    fn = interp.member(receiver, textOf(propertyNode), fnNode);
  } else fn = interp.eval(fnNode, scope);
  if (fn.k === 'func' && receiver?.k === 'obj' && !fn.def.self && fn.def.node.type !== 'arrow_function') fn = { k: 'func', def: { ...fn.def, self: receiver } };
  if ((fn.k === 'undef' || fn.k === 'null') && n.children.some((c) => c.type === 'optional_chain')) return UNDEF;
  // Promise plumbing of an async entry (`main().catch(console.error)`): nothing for the model.
  const property = fnNode.type === 'member_expression' ? child(fnNode, 'property') : undefined;
  if (property && fn.k === 'undef' && PROMISE_METHODS.has(textOf(property))) return UNDEF;
  // `import('@tensorflow/tfjs').then((tf) => ...)`: the callback gets the module.
  if (receiver && property && textOf(property) === 'then' && objectNode?.type === 'call_expression' && child(objectNode, 'function')?.type === 'import') {
    const callback = argsNode ? interp.evalArgs(argsNode, scope)[0] : undefined;
    return callback ? interp.invoke(callback, [receiver], n) : receiver;
  }
  const args = argsNode ? (argsNode.type === 'template_string' ? [interp.eval(argsNode, scope)] : interp.evalArgs(argsNode, scope)) : [];
  return interp.invoke(fn, args, n);
}
