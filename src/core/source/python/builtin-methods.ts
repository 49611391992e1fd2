import { compareValues } from './operators.js';
import { NONE, dictKey, inPlaceChanges, int, intOf, keyValue, strOf, unknown, type PyValue } from './values.js';

const str = (v: string): PyValue => ({ k: 'str', v });

/**
 * Methods of Python's own types (`str`, `list`, `dict`) as model code uses them: registries, keyword
 * plumbing (`kwargs.pop('width_mult')`), name checks (`arch.startswith('efficientnet_b')`). Undefined
 * when the method is not one of them, so the caller can report it.
 */
export function builtinMethod(self: PyValue, name: string, args: readonly PyValue[], kwargs: ReadonlyMap<string, PyValue>, iterate: (v: PyValue) => PyValue[] | undefined): PyValue | undefined {
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
      case 'lstrip':
      case 'rstrip': {
        if (a && a.k !== 'none' && other === undefined) return unknown(`str.${name}() of a value that is not known`);
        const chars = other ?? ' \t\n\r\x0b\x0c';
        let start = 0;
        let end = self.v.length;
        if (name !== 'rstrip') while (start < end && chars.includes(self.v[start]!)) start++;
        if (name !== 'lstrip') while (end > start && chars.includes(self.v[end - 1]!)) end--;
        return str(self.v.slice(start, end));
      }
      case 'isdigit':
      case 'isdecimal':
      case 'isnumeric':
        return { k: 'bool', v: /^[0-9]+$/.test(self.v) };
      case 'isalpha':
        return { k: 'bool', v: /^[A-Za-z]+$/.test(self.v) };
      case 'isalnum':
        return { k: 'bool', v: /^[A-Za-z0-9]+$/.test(self.v) };
      case 'isupper':
      case 'islower': {
        const cased = /[A-Za-z]/.test(self.v);
        return { k: 'bool', v: cased && (name === 'isupper' ? self.v === self.v.toUpperCase() : self.v === self.v.toLowerCase()) };
      }
      case 'capitalize':
        return str(self.v.charAt(0).toUpperCase() + self.v.slice(1).toLowerCase());
      case 'removeprefix':
        return other === undefined ? unknown('str.removeprefix()') : str(self.v.startsWith(other) ? self.v.slice(other.length) : self.v);
      case 'removesuffix':
        return other === undefined ? unknown('str.removesuffix()') : str(other && self.v.endsWith(other) ? self.v.slice(0, -other.length) : self.v);
      case 'find':
      case 'rfind':
      case 'index':
      case 'count': {
        if (other === undefined) return unknown(`str.${name}() of a value that is not known`);
        if (name === 'count') return int(other ? self.v.split(other).length - 1 : self.v.length + 1);
        const i = name === 'rfind' ? self.v.lastIndexOf(other) : self.v.indexOf(other);
        return i < 0 && name === 'index' ? unknown('ValueError: substring not found') : int(i);
      }
      case 'partition':
      case 'rpartition': {
        if (!other) return unknown(`str.${name}() of a value that is not known`);
        const i = name === 'partition' ? self.v.indexOf(other) : self.v.lastIndexOf(other);
        const parts = i < 0 ? (name === 'partition' ? [self.v, '', ''] : ['', '', self.v]) : [self.v.slice(0, i), other, self.v.slice(i + other.length)];
        return { k: 'tuple', items: parts.map(str) };
      }
      case 'format':
        return formatString(self.v, args, kwargs);
      case 'zfill': {
        const width = intOf(a);
        return width === undefined ? unknown('str.zfill()') : str(self.v.padStart(width, '0'));
      }
      case 'startswith':
      case 'endswith': {
        const options = a?.k === 'tuple' ? a.items.map((i) => (i.k === 'str' ? i.v : undefined)) : [other];
        if (options.some((o) => o === undefined)) return unknown(`str.${name}() of a value that is not known`);
        return { k: 'bool', v: options.some((o) => (name === 'startswith' ? self.v.startsWith(o!) : self.v.endsWith(o!))) };
      }
      case 'replace':
        return other !== undefined && b?.k === 'str' ? str(self.v.split(other).join(b.v)) : unknown('str.replace()');
      case 'split':
      case 'rsplit': {
        if (a && a.k !== 'none' && other === undefined) return unknown(`str.${name}() of a value that is not known`);
        const max = b ? intOf(b) : -1;
        if (max === undefined) return unknown(`str.${name}() with a maxsplit that is not known`);
        return { k: 'list', items: splitString(self.v, other, max, name === 'rsplit').map(str) };
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

/** `str.split` / `str.rsplit`: by a separator, or by runs of whitespace when there is none; at most `max` splits (-1: all). */
function splitString(text: string, sep: string | undefined, max: number, fromRight: boolean): string[] {
  const parts = sep !== undefined ? text.split(sep) : text.trim().split(/\s+/).filter(Boolean);
  if (max < 0 || parts.length <= max + 1) return parts;
  const joiner = sep ?? ' ';
  return fromRight ? [parts.slice(0, parts.length - max).join(joiner), ...parts.slice(parts.length - max)] : [...parts.slice(0, max), parts.slice(max).join(joiner)];
}

/** `'{}_{name}'.format(...)`: auto-numbered, indexed and named fields of known values; a field with a conversion or spec is not interpreted. */
function formatString(template: string, args: readonly PyValue[], kwargs: ReadonlyMap<string, PyValue>): PyValue {
  let next = 0;
  let failed: string | undefined;
  const text = template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (whole, field: string | undefined) => {
    if (field === undefined) return whole[0]!;
    if (/[!:]/.test(field)) failed ??= `str.format() field '{${field}}' with a conversion or format spec`;
    const value = field === '' ? args[next++] : /^\d+$/.test(field) ? args[Number(field)] : kwargs.get(field);
    const part = value ? strOf(value) : undefined;
    if (part === undefined) failed ??= `str.format() field '{${field}}' of a value that is not known`;
    return part ?? '';
  });
  return failed ? unknown(failed) : str(text);
}
