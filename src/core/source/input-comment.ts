/**
 * Reads the `se-lens: input=[1,64,56,56]` directive from a comment's text. This reads a comment the
 * user wrote for us, not code: it is the only text the front-ends interpret outside the syntax tree.
 */
export function readInputDirective(comment: string): number[] | undefined {
  const at = comment.indexOf('se-lens:');
  if (at === -1) return undefined;
  const rest = comment.slice(at + 'se-lens:'.length).trim();
  if (!rest.startsWith('input')) return undefined;
  const open = rest.indexOf('[');
  const close = rest.indexOf(']', open + 1);
  if (open === -1 || close === -1) return undefined;
  const parts = rest.slice(open + 1, close).split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.length > 8) return undefined;
  const dims = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  return dims.every((d) => Number.isInteger(d) && d > 0 && d <= 1 << 20) ? dims : undefined;
}
