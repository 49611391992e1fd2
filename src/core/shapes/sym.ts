/**
 * Exact integer arithmetic on symbolic dims. A symbolic dim is kept as a string in a small machine form
 * (`H`, `2*H+1`, `floor((H+1)/2)`, `C*H*W`) so it stays a plain `Dim`, compares with `===`, survives JSON
 * and reads back here. Sizes are non-negative integers, so `floor(floor(x/a)/b) = floor(x/(a*b))` and
 * whole multiples of the divisor leave a floor; those rules keep chains of strided convs short
 * (`⌈⌈H/2⌉/2⌉` is `⌈H/4⌉`).
 */

/** An input symbol or the floor of a polynomial divided by a positive integer. */
type Atom = { readonly kind: 'sym'; readonly name: string } | { readonly kind: 'floor'; readonly num: Poly; readonly den: number };

interface Term {
  readonly coef: number;
  /** Sorted by key; `[]` is the constant term. */
  readonly atoms: readonly Atom[];
}

/** Normalised: one term per monomial, no zero coefficients, highest degree first, constant last. */
export type Poly = readonly Term[];

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Longest machine form read back; generated ones stay far below it. */
const MAX_TEXT = 1000;

/** Keys of floor atoms, built once per atom: normalising sorts by them over and over. */
const floorKeys = new WeakMap<Atom, string>();

function atomKey(a: Atom): string {
  if (a.kind === 'sym') return a.name;
  let key = floorKeys.get(a);
  if (key === undefined) {
    key = `floor(${a.num.length > 1 ? `(${machine(a.num)})` : machine(a.num)}/${a.den})`;
    floorKeys.set(a, key);
  }
  return key;
}

/** Batch first in a product (`N·C·H·W`), then by name. */
function atomOrder(a: Atom, b: Atom): number {
  const rank = (x: Atom) => (x.kind === 'sym' && (x.name === 'N' || x.name.startsWith('batch')) ? 0 : 1);
  const ka = atomKey(a);
  const kb = atomKey(b);
  return rank(a) - rank(b) || (ka < kb ? -1 : ka > kb ? 1 : 0);
}

function monoKey(atoms: readonly Atom[]): string {
  return atoms.map(atomKey).join('*');
}

function normalise(terms: readonly Term[]): Poly {
  const merged = new Map<string, Term>();
  for (const t of terms) {
    const atoms = [...t.atoms].sort(atomOrder);
    const key = monoKey(atoms);
    const prev = merged.get(key);
    merged.set(key, { coef: (prev?.coef ?? 0) + t.coef, atoms });
  }
  return [...merged.values()]
    .filter((t) => t.coef !== 0)
    .sort((a, b) => b.atoms.length - a.atoms.length || (monoKey(a.atoms) < monoKey(b.atoms) ? -1 : 1));
}

export function constant(n: number): Poly {
  return normalise([{ coef: n, atoms: [] }]);
}

export function variable(name: string): Poly {
  return [{ coef: 1, atoms: [{ kind: 'sym', name }] }];
}

export function add(a: Poly, b: Poly): Poly {
  return normalise([...a, ...b]);
}

function scale(a: Poly, k: number): Poly {
  return normalise(a.map((t) => ({ coef: t.coef * k, atoms: t.atoms })));
}

export function multiply(a: Poly, b: Poly): Poly {
  return normalise(a.flatMap((x) => b.map((y) => ({ coef: x.coef * y.coef, atoms: [...x.atoms, ...y.atoms] }))));
}

export function constantValue(p: Poly): number | undefined {
  if (p.length === 0) return 0;
  return p.length === 1 && p[0]!.atoms.length === 0 ? p[0]!.coef : undefined;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** `⌊p / d⌋` for a positive integer `d`, simplified. */
export function floorDiv(p: Poly, d: number): Poly {
  if (!Number.isInteger(d) || d < 1) throw new RangeError(`divisor ${d}`);
  if (d === 1) return p;
  // Whole multiples of d leave the floor: ⌊(d·q + r)/d⌋ = q + ⌊r/d⌋ for integer-valued monomials.
  const whole: Term[] = [];
  const rest: Term[] = [];
  for (const t of p) {
    const q = Math.floor(t.coef / d);
    if (q) whole.push({ coef: q, atoms: t.atoms });
    if (t.coef - q * d) rest.push({ coef: t.coef - q * d, atoms: t.atoms });
  }
  const r = normalise(rest);
  const rConst = constantValue(r.filter((t) => t.atoms.length === 0)) ?? 0;
  const vars = r.filter((t) => t.atoms.length > 0);
  if (!vars.length) return normalise(whole); // 0 ≤ constant < d
  // A common factor g of the variable part and d: ⌊(g·x + c)/(g·e)⌋ = ⌊(x + ⌊c/g⌋)/e⌋.
  const g = vars.reduce((acc, t) => gcd(acc, t.coef), d);
  if (g > 1) return add(normalise(whole), floorDiv(add(normalise(vars.map((t) => ({ coef: t.coef / g, atoms: t.atoms }))), constant(Math.floor(rConst / g))), d / g));
  // Nested floors fold: ⌊(⌊n/a⌋ + c)/d⌋ = ⌊(n + a·c)/(a·d)⌋.
  const only = vars.length === 1 && vars[0]!.coef === 1 && vars[0]!.atoms.length === 1 ? vars[0]!.atoms[0]! : undefined;
  if (only?.kind === 'floor') return add(normalise(whole), floorDiv(add(only.num, constant(only.den * rConst)), only.den * d));
  return add(normalise(whole), [{ coef: 1, atoms: [{ kind: 'floor', num: r, den: d }] }]);
}

export function ceilDiv(p: Poly, d: number): Poly {
  return floorDiv(add(p, constant(d - 1)), d);
}

/** `p / d` when every coefficient divides: a reshape or an integer scale that is exact. */
export function exactDiv(p: Poly, d: number): Poly | undefined {
  if (!Number.isInteger(d) || d === 0 || p.some((t) => t.coef % d !== 0)) return undefined;
  return p.map((t) => ({ coef: t.coef / d, atoms: t.atoms }));
}

/** `p / m` for a single-term `m` that divides every term of `p` (`N·C·H·W / (N·C)` = `H·W`). */
export function divideByTerm(p: Poly, m: Poly): Poly | undefined {
  if (m.length !== 1) return undefined;
  const { coef, atoms } = m[0]!;
  const out: Term[] = [];
  for (const t of p) {
    if (t.coef % coef !== 0) return undefined;
    const left = [...t.atoms];
    for (const a of atoms) {
      const i = left.findIndex((x) => atomKey(x) === atomKey(a));
      if (i < 0) return undefined;
      left.splice(i, 1);
    }
    out.push({ coef: t.coef / coef, atoms: left });
  }
  return normalise(out);
}

/** Value of `p` with every symbol given; `undefined` when one is missing. */
export function evaluate(p: Poly, values: Readonly<Record<string, number>>): number | undefined {
  let sum = 0;
  for (const t of p) {
    let v = t.coef;
    for (const a of t.atoms) {
      const x = a.kind === 'sym' ? values[a.name] : (() => {
        const n = evaluate(a.num, values);
        return n === undefined ? undefined : Math.floor(n / a.den);
      })();
      if (x === undefined) return undefined;
      v *= x;
    }
    sum += v;
  }
  return sum;
}

// ---- machine form: what a `Dim` string holds -------------------------------------------------------

function termMachine(t: Term, first: boolean): string {
  const sign = t.coef < 0 ? '-' : first ? '' : '+';
  const k = Math.abs(t.coef);
  if (!t.atoms.length) return `${sign}${k}`;
  const body = t.atoms.map(atomKey).join('*');
  return `${sign}${k === 1 ? '' : `${k}*`}${body}`;
}

export function machine(p: Poly): string {
  if (!p.length) return '0';
  return p.map((t, i) => termMachine(t, i === 0)).join('');
}

/** Parsed dims: a model repeats the same few hundred dim strings across thousands of tensors. */
const parsed = new Map<string, Poly | undefined>();
const MAX_PARSED = 4096;

/** Reads a machine form; `undefined` for anything else (a foreign name such as `batch size`). */
export function parse(text: string): Poly | undefined {
  if (parsed.has(text)) return parsed.get(text);
  const result = parseText(text);
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(text, result);
  return result;
}

function parseText(text: string): Poly | undefined {
  // Dims from a file are untrusted: a long or deeply nested name is no shape we wrote.
  if (text.length > MAX_TEXT) return undefined;
  const tokens = text.match(/\d+|[A-Za-z_][A-Za-z0-9_]*|[-+*/()]|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const next = () => tokens[at++];
  const expr = (): Poly | undefined => {
    let acc = term();
    while (acc && (peek() === '+' || peek() === '-')) {
      const op = next();
      const rhs = term();
      if (!rhs) return undefined;
      acc = add(acc, op === '-' ? scale(rhs, -1) : rhs);
    }
    return acc;
  };
  const term = (): Poly | undefined => {
    let acc = factor();
    while (acc && peek() === '*') {
      next();
      const rhs = factor();
      if (!rhs) return undefined;
      acc = multiply(acc, rhs);
    }
    return acc;
  };
  const factor = (): Poly | undefined => {
    const t = next();
    if (t === undefined) return undefined;
    if (t === '-') {
      const f = factor();
      return f && scale(f, -1);
    }
    if (/^\d+$/.test(t)) return constant(Number(t));
    if (t === '(') {
      const e = expr();
      return next() === ')' ? e : undefined;
    }
    if ((t === 'floor' || t === 'ceil') && peek() === '(') {
      next();
      const num = expr();
      if (!num || next() !== '/') return undefined;
      const den = next();
      if (!den || !/^\d+$/.test(den) || Number(den) < 1 || next() !== ')') return undefined;
      return t === 'floor' ? floorDiv(num, Number(den)) : ceilDiv(num, Number(den));
    }
    return IDENT.test(t) ? variable(t) : undefined;
  };
  const result = expr();
  return result && at === tokens.length ? result : undefined;
}

// ---- display form ------------------------------------------------------------------------------------

const MINUS = '\u2212';

function displayAtom(a: Atom): string {
  if (a.kind === 'sym') return a.name;
  const c = constantValue(a.num.filter((t) => t.atoms.length === 0)) ?? 0;
  const vars = a.num.filter((t) => t.atoms.length > 0);
  // ⌊(x + d − 1)/d⌋ reads better as ⌈x/d⌉.
  const [open, close, inner] = c === a.den - 1 ? ['\u2308', '\u2309', vars] : ['\u230A', '\u230B', a.num];
  const body = display(inner);
  return `${open}${inner.length > 1 ? `(${body})` : body}/${a.den}${close}`;
}

/**
 * `2·H + 1`-style text for people: `·` for products, a real minus, `⌈H/2⌉` for a ceiling. Products that
 * arithmetic expanded are shown factored again where that is easy to see: a common factor
 * (`32·(H·W − H)` → `32·H·(W−1)`) and two affine factors (`(⌈H/8⌉−1)·(⌈W/8⌉−1)`).
 */
export function display(p: Poly): string {
  if (!p.length) return '0';
  return factored(p) ?? expanded(p);
}

function expanded(p: Poly): string {
  return p.map((t, i) => {
    const neg = t.coef < 0;
    const k = Math.abs(t.coef);
    const body = t.atoms.length ? `${k === 1 ? '' : `${k}·`}${t.atoms.map(displayAtom).join('·')}` : String(k);
    return i === 0 ? `${neg ? MINUS : ''}${body}` : `${neg ? MINUS : '+'}${body}`;
  }).join('');
}

const grouped = (p: Poly) => (p.length > 1 ? `(${display(p)})` : display(p));

function factored(p: Poly): string | undefined {
  // Only products are worth factoring: `2·H+2` reads fine as it is.
  if (p.length < 2 || !p.some((t) => t.atoms.length > 1)) return undefined;
  // A common factor: the gcd of the coefficients and the atoms every term has.
  const g = p.reduce((acc, t) => gcd(acc, t.coef), 0);
  const common = p[0]!.atoms.filter((a) => p.every((t) => t.atoms.some((b) => atomKey(b) === atomKey(a))));
  const uniqueCommon = common.filter((a, i) => common.findIndex((b) => atomKey(b) === atomKey(a)) === i);
  if (g > 1 || uniqueCommon.length) {
    const factor: Poly = [{ coef: g, atoms: uniqueCommon }];
    const rest = divideByTerm(p, factor);
    if (rest) return `${expanded(factor)}·${grouped(rest)}`;
  }
  return twoFactors(p);
}

/** `k·X·Y + u·X + v·Y + c` as `(a·X + b)·(e·Y + f)` when integer factors exist. */
function twoFactors(p: Poly): string | undefined {
  const quadratic = p.filter((t) => t.atoms.length === 2);
  if (quadratic.length !== 1 || p.some((t) => t.atoms.length > 2)) return undefined;
  const [x, y] = quadratic[0]!.atoms as [Atom, Atom];
  if (atomKey(x) === atomKey(y)) return undefined;
  const k = quadratic[0]!.coef;
  const linear = (a: Atom) => p.find((t) => t.atoms.length === 1 && atomKey(t.atoms[0]!) === atomKey(a))?.coef ?? 0;
  if (p.some((t) => t.atoms.length === 1 && atomKey(t.atoms[0]!) !== atomKey(x) && atomKey(t.atoms[0]!) !== atomKey(y))) return undefined;
  const u = linear(x);
  const v = linear(y);
  const c = constantValue(p.filter((t) => t.atoms.length === 0)) ?? 0;
  for (let a = 1; a <= Math.abs(k); a++) {
    if (k % a !== 0) continue;
    const e = k / a;
    // (a·X + b)(e·Y + f) = k·X·Y + a·f·X + b·e·Y + b·f
    if (u % a !== 0 || v % e !== 0) continue;
    const f = u / a;
    const b = v / e;
    if (b * f !== c) continue;
    const left = normalise([{ coef: a, atoms: [x] }, { coef: b, atoms: [] }]);
    const right = normalise([{ coef: e, atoms: [y] }, { coef: f, atoms: [] }]);
    return `${grouped(left)}·${grouped(right)}`;
  }
  return undefined;
}
