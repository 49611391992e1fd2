// Assertions for the web suite: the web worker extension host has no `node:assert` (and the npm `assert`
// package wants a `process` shim), so the suite carries the three it uses.

export function ok(value: unknown, message = 'expected a true value'): asserts value {
  if (!value) throw new Error(message);
}

export function equal<T>(actual: T, expected: T, message?: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${message ? `${message}: ` : ''}expected ${e}\n     got ${a}`);
}

export function match(text: string, pattern: RegExp, message?: string): void {
  if (!pattern.test(text)) throw new Error(`${message ? `${message}: ` : ''}${JSON.stringify(text.slice(0, 400))} does not match ${pattern}`);
}
