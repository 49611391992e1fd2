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

/**
 * Reads `se-lens: weights=path/to/ckpt.pth` from a comment: the trained weights to pair with a class.
 * The path is returned as written (quotes removed); the host resolves it and refuses one that leaves the
 * workspace.
 */
export function readWeightsDirective(comment: string): string | undefined {
  const match = /se-lens:\s*weights\s*=\s*(?:"([^"]+)"|'([^']+)'|(\S+))/.exec(comment);
  const path = match?.[1] ?? match?.[2] ?? match?.[3];
  return path && path.length <= 1024 ? path : undefined;
}

/**
 * The weights directive of the unit starting at `startLine`: in the comment lines right above it, or in
 * the comments between its first line and its first statement (like the input directive).
 */
export function weightsDirectiveAt(lines: readonly string[], startLine: number): string | undefined {
  const isComment = (line: string | undefined) => line !== undefined && /^\s*(#|\/\/)/.test(line);
  for (let i = startLine - 1; i >= 0 && isComment(lines[i]); i--) {
    const d = readWeightsDirective(lines[i]!);
    if (d) return d;
  }
  for (let i = startLine; i < lines.length; i++) {
    const d = readWeightsDirective(lines[i]!);
    if (d && (i === startLine || isComment(lines[i]))) return d;
    if (i > startLine && !isComment(lines[i]) && lines[i]!.trim() !== '') break;
  }
  return undefined;
}
