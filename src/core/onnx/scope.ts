/**
 * Module path from a node name written by torch.onnx (1.13+): `/features/features.1/block/block.1/fc1/Conv`
 * → `features.1.block.1.fc1`. Numeric Sequential children repeat their parent's name (`features` then
 * `features.1`), so a segment that extends the previous one replaces it. Returns `''` for nodes at the
 * root module (`/Mul`) and `undefined` for names that carry no scope (`Identity_3`, other exporters).
 */
export function scopeOfNodeName(name: string): string | undefined {
  if (!name.startsWith('/')) return undefined;
  const segments = name.split('/').slice(1, -1);
  const path: string[] = [];
  for (const seg of segments) {
    const last = path[path.length - 1];
    if (last !== undefined && seg.startsWith(`${last}.`)) path[path.length - 1] = seg;
    else path.push(seg);
  }
  return path.join('.');
}
