/** Parameters of a model: the elements of its initializers. */
export function countParams(initializers: ReadonlyMap<string, { shape: readonly number[] }>): number {
  let n = 0;
  for (const t of initializers.values()) n += t.shape.reduce((a, b) => a * b, 1);
  return n;
}
