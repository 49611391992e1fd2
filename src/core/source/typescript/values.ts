import type { SourceRange } from '../../ir/graph.js';
import type { SourceUnknown, TensorRef } from '../graph-builder.js';
import type { Syn } from '../syntax.js';
import type { LayerOption, TfLayer } from './layers.js';

/** Abstract values of the TF.js interpreter; `unknown` carries the reason. */
export type TsValue =
  | { readonly k: 'num'; readonly v: number }
  | { readonly k: 'str'; readonly v: string }
  | { readonly k: 'bool'; readonly v: boolean }
  | { readonly k: 'null' }
  | { readonly k: 'undef' }
  | { readonly k: 'arr'; readonly items: TsValue[] }
  /** `base`: where names it does not hold are read (a module that re-exports TF.js: `export * from '@tensorflow/tfjs'`). */
  | { readonly k: 'obj'; readonly props: Map<string, TsValue>; readonly base?: TsValue }
  | { readonly k: 'tensor'; readonly t: TensorRef }
  | { readonly k: 'layer'; readonly layer: TfLayer }
  | { readonly k: 'seq'; readonly seq: TfSequential }
  | { readonly k: 'model'; readonly model: TfModel }
  /** A library name (`tf.layers.dense`, `Math.max`, `process.env`): calls on it go to the catalogue. */
  | { readonly k: 'ref'; readonly path: string }
  | { readonly k: 'func'; readonly def: TsFunc }
  | { readonly k: 'class'; readonly cls: TsClass }
  /** An object made with `new` from a class of the program (a custom `tf.layers.Layer` among them). */
  | { readonly k: 'instance'; readonly cls: TsClass; readonly props: Map<string, TsValue>; readonly state: InstanceState }
  /** A weight made by `addWeight` in a custom layer's `build()`; `read()` gives its tensor. */
  | { readonly k: 'weight'; readonly t: TensorRef }
  | { readonly k: 'method'; readonly self: TsValue; readonly name: string }
  | { readonly k: 'unknown'; readonly why: string };

/** The name of a function expression no declaration names: its calls add no call-path segment. */
export const ANONYMOUS = '<anonymous>';

export interface TsFunc {
  readonly name: string;
  readonly node: Syn;
  readonly closure: TsScope;
  /** `this` for a method read from an instance. */
  readonly self?: TsValue;
  /** The class whose method this is, for `super.method()`. */
  readonly owner?: TsClass;
  /** The file the function is written in; undefined for the analysed document. */
  readonly file?: string;
}

export interface TsClass {
  readonly name: string;
  readonly node: Syn;
  readonly closure: TsScope;
  readonly methods: Map<string, Syn>;
  /** The `extends` clause: another class of the program, or a library class (`tf.layers.Layer`). */
  readonly base: TsValue | undefined;
  readonly statics: Map<string, TsValue>;
  /** Methods written `get name()`: read as properties. */
  readonly getters: Set<string>;
  /** The file the class is written in; undefined for the analysed document. */
  readonly file?: string;
}

/** Per-instance state of a custom layer: built once (weights sized) at its first `apply`. */
export interface InstanceState {
  built: boolean;
  /** Weights made by `addWeight`, numel each, for the layer's parameter count. */
  readonly weights: { readonly name: string; readonly numel: number }[];
  /** Node ids the instance's `apply` calls made, for its module row. */
  readonly nodeIds: string[];
  layerName: string | undefined;
}

export interface TfSequential {
  readonly name: string;
  readonly range: SourceRange;
  /** `tf.layers.*` layers and custom layer instances, in order. */
  readonly layers: TsValue[];
  /** Applied to a tensor by the program (a sub-model inside a layer or model): not a model of its own. */
  usedAsLayer?: boolean;
  /** The function of the program whose code made it; undefined for top-level code. */
  readonly creator?: Syn | undefined;
}

export interface TfModel {
  readonly name: string;
  readonly range: SourceRange;
  readonly inputs: TensorRef[];
  readonly outputs: TensorRef[];
  /** The function of the program whose code made it; undefined for top-level code. */
  readonly creator?: Syn | undefined;
  /** Applied to a tensor by the program (a backbone inside a bigger model): not a model of its own. */
  usedAsLayer?: boolean;
  /**
   * The notes without a node made before it (a `tf.model` is fixed once made): later ones, about code that
   * trains or runs it (`model.predict(x).argMax(-1)`), are not about the model.
   */
  readonly notesBefore?: readonly SourceUnknown[];
}

export class TsScope {
  /** Made on the first declaration: most scopes (a block, a loop body, an arrow's call) declare nothing. */
  private vars: Map<string, TsValue> | undefined;
  constructor(readonly parent?: TsScope) {}
  get(name: string): TsValue | undefined {
    for (let s: TsScope | undefined = this; s; s = s.parent) {
      const v = s.vars?.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }
  has(name: string): boolean {
    return this.vars?.has(name) ?? false;
  }
  declare(name: string, value: TsValue): void {
    (this.vars ??= new Map()).set(name, value);
  }
  assign(name: string, value: TsValue): void {
    if (this.vars?.has(name) || !this.parent) this.declare(name, value);
    else this.parent.assign(name, value);
  }
  /** Names declared in this scope itself (a module's top level, for its exports). */
  own(): IterableIterator<[string, TsValue]> {
    return (this.vars ??= new Map()).entries();
  }
}

export const UNDEF: TsValue = { k: 'undef' };

export const unknown = (why: string): TsValue => ({ k: 'unknown', why });
export const num = (v: TsValue | undefined): number | undefined => (v?.k === 'num' ? v.v : undefined);
export const numV = (v: number): TsValue => ({ k: 'num', v });
export const strV = (v: string): TsValue => ({ k: 'str', v });

/** Tensors in a value: itself, or the tensors of a list. */
export function tensorsOf(v: TsValue | undefined): TensorRef[] {
  if (v?.k === 'tensor') return [v.t];
  if (v?.k === 'arr') return v.items.flatMap((i) => (i.k === 'tensor' ? [i.t] : []));
  return [];
}

/** A parsed JSON value (a configuration file) as a value of the program. */
export function fromJson(json: unknown, depth = 0): TsValue {
  if (depth > 32) return unknown('JSON nested too deeply');
  if (json === null) return { k: 'null' };
  if (typeof json === 'number') return numV(json);
  if (typeof json === 'string') return strV(json);
  if (typeof json === 'boolean') return { k: 'bool', v: json };
  if (Array.isArray(json)) return { k: 'arr', items: json.map((x) => fromJson(x, depth + 1)) };
  if (typeof json === 'object') return { k: 'obj', props: new Map(Object.entries(json).map(([k, v]) => [k, fromJson(v, depth + 1)])) };
  return UNDEF;
}

/** A value of the program as JSON data (`JSON.stringify`, `structuredClone`); undefined when any part is not plain known data. */
export function toJson(v: TsValue, depth = 0): unknown {
  if (depth > 32) return undefined;
  switch (v.k) {
    case 'num':
    case 'str':
    case 'bool':
      return v.v;
    case 'null':
      return null;
    case 'arr': {
      const items = v.items.map((x) => (x.k === 'undef' ? null : toJson(x, depth + 1)));
      return items.includes(undefined) ? undefined : items;
    }
    case 'obj': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of v.props) {
        if (x.k === 'undef') continue;
        const j = toJson(x, depth + 1);
        if (j === undefined) return undefined;
        out[k] = j;
      }
      return out;
    }
    default:
      return undefined;
  }
}

/** Numbers of a list (a shape, an axis list); undefined when any is not known. */
export function numbers(v: TsValue | undefined): number[] | undefined {
  if (v?.k !== 'arr') return undefined;
  const xs = v.items.map(num);
  return xs.every((x) => x !== undefined) ? (xs as number[]) : undefined;
}

export function firstLine(text: string): string {
  const line = text.split('\n', 1)[0] ?? '';
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** TF.js `toSnakeCase`, which names layers after their class (`SqueezeExcitation1D` → `squeeze_excitation1d`). */
export function snake(name: string): string {
  const words = name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
  return words.startsWith('_') ? `private${words}` : words;
}

export function optionOf(v: TsValue): LayerOption {
  switch (v.k) {
    case 'num':
    case 'str':
    case 'bool':
      return v.v;
    case 'null':
      return null;
    case 'arr': {
      if (v.items.every((i) => i.k === 'arr')) {
        const rows = v.items.map(numbers);
        return rows.every((r) => r !== undefined) ? (rows as number[][]) : undefined;
      }
      return numbers(v);
    }
    default:
      return undefined;
  }
}

export function truthy(v: TsValue): boolean | undefined {
  switch (v.k) {
    case 'num':
      return v.v !== 0 && !Number.isNaN(v.v);
    case 'str':
      return v.v.length > 0;
    case 'bool':
      return v.v;
    case 'null':
    case 'undef':
      return false;
    case 'unknown':
      return undefined;
    default:
      return true;
  }
}

/** The value as text, for template literals and string concatenation; undefined when not known. */
export function textValue(v: TsValue): string | undefined {
  switch (v.k) {
    case 'num':
    case 'bool':
    case 'str':
      return String(v.v);
    case 'null':
      return 'null';
    case 'undef':
      return 'undefined';
    case 'arr': {
      const parts = v.items.map((i) => (i.k === 'null' || i.k === 'undef' ? '' : textValue(i)));
      return parts.every((p) => p !== undefined) ? parts.join(',') : undefined;
    }
    default:
      return undefined;
  }
}

function equal(a: TsValue, b: TsValue): boolean | undefined {
  if (a.k === 'unknown' || b.k === 'unknown') return undefined;
  if ((a.k === 'null' || a.k === 'undef') && (b.k === 'null' || b.k === 'undef')) return a.k === b.k;
  if (a.k !== b.k) return false;
  if ('v' in a && 'v' in b) return a.v === b.v;
  return a === b;
}

export function binary(op: string, a: TsValue, b: TsValue): TsValue {
  if (op === '===' || op === '==' || op === '!==' || op === '!=') {
    const loose = op.length === 2 && ((a.k === 'null' && b.k === 'undef') || (a.k === 'undef' && b.k === 'null'));
    const eq = loose ? true : equal(a, b);
    if (eq === undefined) return unknown('comparison of values that are not known');
    return { k: 'bool', v: op.startsWith('!') ? !eq : eq };
  }
  if (op === '+' && (a.k === 'str' || b.k === 'str')) {
    const x = textValue(a);
    const y = textValue(b);
    return x === undefined || y === undefined ? unknown("'+' on values that are not known") : strV(x + y);
  }
  const x = a.k === 'bool' ? Number(a.v) : num(a);
  const y = b.k === 'bool' ? Number(b.v) : num(b);
  if (x === undefined || y === undefined) return unknown(`'${op}' on values that are not known`);
  switch (op) {
    case '+': return numV(x + y);
    case '-': return numV(x - y);
    case '*': return numV(x * y);
    case '/': return numV(x / y);
    case '%': return numV(x % y);
    case '**': return numV(x ** y);
    case '<': return { k: 'bool', v: x < y };
    case '<=': return { k: 'bool', v: x <= y };
    case '>': return { k: 'bool', v: x > y };
    case '>=': return { k: 'bool', v: x >= y };
    case '|': return numV(x | y);
    case '&': return numV(x & y);
    case '^': return numV(x ^ y);
    case '<<': return numV(x << y);
    case '>>': return numV(x >> y);
    case '>>>': return numV(x >>> y);
    default: return unknown(`operator '${op}'`);
  }
}
