import { compareValues } from './operators.js';
import { NONE, dictKey, inPlaceChanges, int, intOf, keyValue, unknown, type PyValue } from './values.js';

const str = (v: string): PyValue => ({ k: 'str', v });

/**
 * Methods of Python's own types (`str`, `list`, `dict`) as model code uses them: registries, keyword
 * plumbing (`kwargs.pop('width_mult')`), name checks (`arch.startswith('efficientnet_b')`). Undefined
 * when the method is not one of them, so the caller can report it.
 */
export function builtinMethod(self: PyValue, name: string, args: readonly PyValue[], iterate: (v: PyValue) => PyValue[] | undefined): PyValue | undefined {
  const [a, b] = args;
  if ((self.k === 'list' || self.k === 'tuple') && (name === 'index' || name === 'count')) {
    // `order.index('norm')`: positions and counts of known values (one that cannot be compared is unknown).
    const same = self.items.map((item) => (a ? compareValues('==', item, a) : undefined));
    if (same.some((eq) => eq === undefined)) return unknown(`${self.k}.${name}() of values that are not known`);
    if (name === 'count') return int(same.filter(Boolean).length);
    const i = same.indexOf(true);
    return i >= 0 ? int(i) : unknown(`ValueError: ${self.k}.index(): value not in ${self.k}`);
  }
  if (self.k === 'list') {
    switch (name) {
      case 'append':
        if (a) self.items.push(a);
        inPlaceChanges.count++;
        return NONE;
      case 'extend':
        self.items.push(...((a && iterate(a)) ?? []));
        inPlaceChanges.count++;
        return NONE;
      case 'insert': {
        const i = intOf(a);
        if (i === undefined || !b) return unknown('list.insert()');
        self.items.splice(i < 0 ? Math.max(0, self.items.length + i) : i, 0, b);
        inPlaceChanges.count++;
        return NONE;
      }
      case 'pop': {
        const i = a ? intOf(a) : -1;
        if (i === undefined || self.items.length === 0) return unknown('list.pop()');
        inPlaceChanges.count++;
        return self.items.splice(i < 0 ? self.items.length + i : i, 1)[0] ?? unknown('list.pop() out of range');
      }
      case 'copy':
        return { k: 'list', items: [...self.items] };
    }
    return undefined;
  }
  if (self.k === 'dict') {
    const key = dictKey(a);
    switch (name) {
      case '__getitem__':
        if (key === undefined) return unknown('dict[key] with a key that is not known');
        return self.entries.get(key) ?? unknown(`KeyError: '${key}'`);
      case '__setitem__':
        if (key === undefined || !b) return unknown('dict[key] = value with a key that is not known');
        self.entries.set(key, b);
        inPlaceChanges.count++;
        return NONE;
      case '__contains__':
        return key === undefined ? unknown('key in dict with a key that is not known') : { k: 'bool', v: self.entries.has(key) };
      case '__len__':
        return int(self.entries.size);
      case 'get':
        if (a && key === undefined) return unknown('dict.get() with a key that is not known');
        return self.entries.get(key!) ?? b ?? NONE;
      case 'pop': {
        if (key === undefined) return unknown('dict.pop() with a key that is not known');
        const v = self.entries.get(key);
        self.entries.delete(key);
        inPlaceChanges.count++;
        return v ?? b ?? unknown(`KeyError: '${key}'`);
      }
      case 'setdefault': {
        if (key === undefined) return unknown('dict.setdefault()');
        if (!self.entries.has(key)) {
          self.entries.set(key, b ?? NONE);
          inPlaceChanges.count++;
        }
        return self.entries.get(key)!;
      }
      case 'update':
        if (a?.k === 'dict') for (const [k, v] of a.entries) self.entries.set(k, v);
        inPlaceChanges.count++;
        return NONE;
      case 'copy':
        return { k: 'dict', entries: new Map(self.entries) };
      case 'items':
        return { k: 'list', items: [...self.entries].map(([k, v]) => ({ k: 'tuple', items: [keyValue(k), v] }) as PyValue) };
      case 'keys':
        return { k: 'list', items: [...self.entries.keys()].map(keyValue) };
      case 'values':
        return { k: 'list', items: [...self.entries.values()] };
    }
    return undefined;
  }
  if (self.k === 'str') {
    const other = a?.k === 'str' ? a.v : undefined;
    switch (name) {
      case 'lower':
        return str(self.v.toLowerCase());
      case 'upper':
        return str(self.v.toUpperCase());
      case 'strip':
        return str(self.v.trim());
      case 'startswith':
      case 'endswith': {
        const options = a?.k === 'tuple' ? a.items.map((i) => (i.k === 'str' ? i.v : undefined)) : [other];
        if (options.some((o) => o === undefined)) return unknown(`str.${name}() of a value that is not known`);
        return { k: 'bool', v: options.some((o) => (name === 'startswith' ? self.v.startsWith(o!) : self.v.endsWith(o!))) };
      }
      case 'replace':
        return other !== undefined && b?.k === 'str' ? str(self.v.split(other).join(b.v)) : unknown('str.replace()');
      case 'split': {
        const parts = other !== undefined ? self.v.split(other) : self.v.trim().split(/\s+/).filter(Boolean);
        return { k: 'list', items: parts.map(str) };
      }
      case 'join': {
        const items = a ? iterate(a) : undefined;
        if (!items || items.some((i) => i.k !== 'str')) return unknown('str.join()');
        return str(items.map((i) => (i as { v: string }).v).join(self.v));
      }
    }
    return undefined;
  }
  return undefined;
}
