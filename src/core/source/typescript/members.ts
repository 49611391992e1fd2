import type { Syn } from '../syntax.js';
import { findMethod } from './classes.js';
import { isLayerClass, layerName } from './custom-layers.js';
import type { TsInterpreter } from './interpreter.js';
import { libraryMember } from './tf-library.js';
import { numV, strV, UNDEF, unknown, type TsFunc, type TsScope, type TsValue } from './values.js';

/**
 * Reading a property of a value (`o.name`): fields of option objects, `length`, a tensor's `shape` as
 * TF.js reports it, methods of library objects, and the methods, getters and statics of the program's
 * classes (`super.m` through the base class).
 */

const OBJECT_METHODS = new Set(['hasOwnProperty']);
const FUNCTION_METHODS = new Set(['call', 'apply', 'bind']);

/** Each function's `prototype` object (ES5 classes: `F.prototype.m = function () { ... }`), made on first read. */
const prototypes = new WeakMap<TsFunc, TsValue & { k: 'obj' }>();

export function prototypeOf(def: TsFunc): TsValue & { k: 'obj' } {
  let proto = prototypes.get(def);
  if (!proto) prototypes.set(def, (proto = { k: 'obj', props: new Map() }));
  return proto;
}

/** `o.name`: data, methods of library objects and of the program's classes. */
export function member(interp: TsInterpreter, o: TsValue, name: string, at?: Syn): TsValue {
  switch (o.k) {
    case 'ref':
      return libraryMember(interp, o.path, name, at);
    case 'obj':
      return o.props.get(name) ?? (o.base ? member(interp, o.base, name, at) : OBJECT_METHODS.has(name) ? { k: 'method', self: o, name } : UNDEF);
    case 'arr':
      if (name === 'length') return numV(o.items.length);
      return { k: 'method', self: o, name };
    case 'str':
      if (name === 'length') return numV(o.v.length);
      return { k: 'method', self: o, name };
    case 'num':
      return { k: 'method', self: o, name };
    case 'tensor':
    case 'weight': {
      const s = o.t.shape;
      if (name === 'shape') {
        if (!s) return unknown('shape is not known');
        // A symbolic tensor reports its batch dimension as null; a weight has none.
        return { k: 'arr', items: s.map((d, i) => (i === 0 && o.k === 'tensor' ? { k: 'null' } : typeof d === 'number' ? numV(d) : unknown('dimension'))) };
      }
      if (name === 'rank') return s ? numV(s.length) : unknown('rank');
      if (name === 'name') return strV(o.t.name);
      return { k: 'method', self: o, name };
    }
    case 'layer':
      if (name === 'name') return strV(o.layer.name);
      return { k: 'method', self: o, name };
    case 'seq':
    case 'model':
      if (name === 'layers' && o.k === 'seq') return { k: 'arr', items: [...o.seq.layers] };
      return { k: 'method', self: o, name };
    case 'instance': {
      const p = o.props.get(name);
      if (p) return p;
      const m = findMethod(o.cls, name);
      // Named after the method: a call path reads `block_1.se`, as a module path would.
      const def = m ? interp.func(name, m.node, m.cls.closure, { self: o, owner: m.cls, ...(m.cls.file !== undefined ? { file: m.cls.file } : {}) }) : undefined;
      if (def && m!.cls.getters.has(name)) return at ? interp.callFunction(def, [], at, true) : unknown(`getter '${name}'`);
      if (def) return { k: 'func', def };
      if (isLayerClass(o.cls)) return name === 'name' ? strV(layerName(interp, o)) : { k: 'method', self: o, name };
      return UNDEF;
    }
    case 'class': {
      const staticValue = o.cls.statics.get(name);
      if (staticValue) return staticValue;
      const m = findMethod(o.cls, name);
      if (!m) return UNDEF;
      const def = interp.func(name, m.node, m.cls.closure, { self: o, owner: m.cls });
      return m.cls.getters.has(name) ? (at ? interp.callFunction(def, [], at, true) : unknown(`getter '${name}'`)) : { k: 'func', def };
    }
    case 'func':
      if (name === 'prototype') return prototypeOf(o.def);
      if (name === 'name') return strV(o.def.name);
      if (FUNCTION_METHODS.has(name)) return { k: 'method', self: o, name };
      return unknown(`property '${name}' of a function`);
    case 'unknown':
      return o;
    case 'undef':
    case 'null':
      // An absent options object: its fields read as absent, so that the defaults written after them apply.
      return UNDEF;
    default:
      return unknown(`property '${name}'`);
  }
}

export function superMember(interp: TsInterpreter, scope: TsScope, name: string): TsValue {
  const self = scope.get('this');
  const owner = scope.get('%owner');
  const base = owner?.k === 'class' ? owner.cls.base : undefined;
  if (base?.k === 'class' && self) {
    const m = findMethod(base.cls, name);
    if (m) return { k: 'func', def: interp.func(base.cls.name, m.node, m.cls.closure, { self, owner: m.cls }) };
  }
  // Methods of tf.layers.Layer itself (`super.build(inputShape)`, `super.getConfig()`).
  return { k: 'ref', path: `super.${name}` };
}
